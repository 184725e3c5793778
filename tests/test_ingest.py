"""Incremental, atomic and resumable ingest against the real model and a real embedded Chroma."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rag.ingestion import IngestError, ingest
from rag.retrieve import Searcher
from rag.settings import Settings
from rag.state import IndexFiles
from rag.store import open_collection


def chroma_count(index_dir: Path) -> int:
    return open_collection(Settings.load().index, index_dir).count()


def test_first_ingest_then_unchanged_reingest_does_no_work(small_corpus, index_dir):
    first = ingest([small_corpus["folder"]], index_dir)
    assert (first.papers, first.added, first.files_parsed) == (14, 14, 3)
    assert first.chunks_embedded == chroma_count(index_dir) >= 14

    again = ingest([small_corpus["folder"]], index_dir)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 14)
    assert again.chunks_embedded == 0 and again.files_parsed == 0


def test_changed_new_and_removed_papers(small_corpus, index_dir, tmp_path):
    ingest([small_corpus["folder"]], index_dir)
    jsonl = small_corpus["jsonl"]
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    records[0]["abstract"] += " A new sentence about protein folding was added."
    removed_title = records.pop()["title"]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    newfile = tmp_path / "new.jsonl"
    newfile.write_text(
        json.dumps(
            {
                "title": "Quantum Annealing for Sparse Coding",
                "abstract": "Quantum annealers solve sparse coding problems faster than classical "
                "heuristics on small dictionaries.",
            }
        )
        + "\n"
    )

    report = ingest([jsonl, newfile], index_dir)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert report.papers == 14
    titles = {p.paper.title for p in IndexFiles(index_dir).load_state().values()}
    assert removed_title not in titles and "Quantum Annealing for Sparse Coding" in titles

    searcher = Searcher(index_dir=index_dir)
    hits = searcher.search("sourdough bread starter acidity", k=14)
    assert removed_title not in [h.paper.title for h in hits]
    top = searcher.search("quantum annealing sparse coding", k=1)[0]
    assert top.paper.title == "Quantum Annealing for Sparse Coding"
    # No orphan chunks of the removed paper remain in Chroma.
    assert chroma_count(index_dir) == sum(p.chunks for p in IndexFiles(index_dir).load_state().values())


def test_ids_are_stable_across_rebuilds(small_corpus, tmp_path):
    ingest([small_corpus["folder"]], tmp_path / "a")
    ingest([small_corpus["jsonl"], small_corpus["blocks"], small_corpus["lines"]], tmp_path / "b")
    assert set(IndexFiles(tmp_path / "a").load_state()) == set(IndexFiles(tmp_path / "b").load_state())


def test_a_bad_file_is_rejected_and_the_index_is_untouched(small_corpus, index_dir, tmp_path):
    ingest([small_corpus["blocks"]], index_dir)
    files = IndexFiles(index_dir)
    before = (files.load_state(), files.source_hashes(), chroma_count(index_dir))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe" + "not a dump".encode("utf-16-le"))
    with pytest.raises(IngestError) as caught:
        ingest([small_corpus["lines"], bad], index_dir)
    assert str(bad) in str(caught.value)
    assert (files.load_state(), files.source_hashes(), chroma_count(index_dir)) == before


def test_cli_reports_bad_file_without_traceback(tmp_path):
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02")
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(bad), "--index-dir", str(tmp_path / "i")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"{bad}" in result.stderr and "binary file" in result.stderr
    assert "Traceback" not in result.stderr


CRASH_AFTER_TWO_BATCHES = textwrap.dedent(
    """
    import os, sys
    import rag.ingestion
    module = sys.modules["rag.ingestion"]
    original = module._Indexer.commit_batch
    calls = 0
    def commit_then_die(self, papers, nodes):
        global calls
        result = original(self, papers, nodes)
        calls += 1
        if calls == 2:
            os._exit(9)  # a hard kill: no cleanup, no finally blocks
        return result
    module._Indexer.commit_batch = commit_then_die
    from rag.settings import Settings
    module.ingest([sys.argv[1]], sys.argv[2], settings=Settings.load(overrides={"index.ingest_batch_size": 4}))
    """
)


def test_interrupted_ingest_leaves_a_usable_index_and_the_next_run_completes_it(small_corpus, index_dir):
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_TWO_BATCHES, str(small_corpus["folder"]), str(index_dir)],
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 9, crashed.stderr
    state = IndexFiles(index_dir).load_state()
    assert len(state) == 8  # two committed batches of 4

    # Usable: search answers from the committed papers (keyword rows commit with their papers).
    hits = Searcher(index_dir=index_dir).search("deep neural network training", k=20)
    assert hits and {h.paper.paper_id for h in hits} <= set(state)

    resumed = ingest([small_corpus["folder"]], index_dir)
    assert resumed.papers == 14 and resumed.added == 6 and resumed.unchanged == 8
    assert chroma_count(index_dir) == sum(p.chunks for p in IndexFiles(index_dir).load_state().values())


def test_concurrent_ingest_is_refused_clearly(small_corpus, index_dir):
    files = IndexFiles(index_dir)
    with files.write_lock(), pytest.raises(RuntimeError, match="another ingest"):
        ingest([small_corpus["jsonl"]], index_dir)
