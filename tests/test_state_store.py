"""The SQLite index state: O(batch) commits, migration of the JSON format, field validation (a bad date
never poisons the index), and re-embedding when the vector store lost or changed its chunks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from rag.ingestion import IngestError, ingest
from rag.paper import Paper
from rag.parsing import CorpusFormatError, parse_file
from rag.retrieve import Searcher
from rag.settings import Settings
from rag.state import IndexedPaper, IndexFiles
from rag.store import open_collection
from tests.conftest import blocks_dump_head

ABSTRACT = "We study {topic} and show that a simple baseline of {topic} beats {n} prior methods on four benchmarks."


def _papers(start: int, count: int) -> list[IndexedPaper]:
    papers = [
        Paper.create(f"Paper number {i} on topic {i % 97}", ABSTRACT.format(topic=f"subject{i % 97}", n=i))
        for i in range(start, start + count)
    ]
    return [IndexedPaper(paper=p, content_hash=p.content_hash(), chunks=1) for p in papers]


def test_committing_a_batch_writes_only_that_batch(tmp_path):
    files = IndexFiles(tmp_path / "index")
    for start in range(0, 4000, 500):
        with files.transaction() as db:
            files.put_papers(db, _papers(start, 500))
    files.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_bytes = files.db_file.stat().st_size
    wal = files.db_file.with_name(files.db_file.name + "-wal")
    changes_before = files.db.total_changes

    with files.transaction() as db:
        files.put_papers(db, _papers(10_000, 64))

    rows_written = files.db.total_changes - changes_before
    # a papers row, a keyword row (+ FTS5 segment rows), two counters per paper: none of the other 4000
    assert rows_written <= 64 * 8, rows_written
    assert wal.stat().st_size < db_bytes * 0.1, (wal.stat().st_size, db_bytes)  # pages of this batch only
    assert files.paper_count() == 4064
    hits = files.keyword_search(["subject5"], 10)
    assert hits and all(files.get_papers(hits)[pid].abstract.count("subject5 ") for pid in hits)


def test_keyword_index_follows_updates_and_deletes(tmp_path):
    files = IndexFiles(tmp_path / "index")
    entries = _papers(0, 10)
    with files.transaction() as db:
        files.put_papers(db, entries)
    target = entries[3].paper
    assert list(files.keyword_search(["subject3"], 5)) == [target.paper_id]
    changed = target.model_copy(update={"abstract": "An abstract about photonic lattices and nothing else."})
    with files.transaction() as db:
        files.put_papers(db, [IndexedPaper(paper=changed, content_hash=changed.content_hash(), chunks=1)])
        files.delete_papers(db, [entries[4].paper.paper_id])
    assert list(files.keyword_search(["photon"], 5)) == [target.paper_id]
    assert entries[4].paper.paper_id not in files.keyword_search(["subject4"], 5)
    assert files.paper_count() == 9 and files.get_meta("keyword_docs") == "9"


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("user.jsonl", '{"title": "T", "abstract": "An abstract long enough.", "date": "yesterday"}\n', '"yesterday"'),
        ("list.jsonl", '{"title": "T", "abstract": "An abstract long enough.", "date": ["2023"]}\n', '["2023"]'),
        (
            "arxiv.jsonl",
            '{"id": "2301.1", "title": "T", "abstract": "An abstract.", "update_date": "n/a"}\n',
            '"n/a"',
        ),
        ("impossible.jsonl", '{"title": "T", "abstract": "An abstract.", "date": "2023-02-30"}\n', '"2023-02-30"'),
    ],
)
def test_bad_dates_in_json_name_file_and_line(tmp_path, name, content, shown):
    path = tmp_path / name
    path.write_text('{"title": "Fine", "abstract": "A fine abstract.", "date": "2023-10-03"}\n' + content)
    with pytest.raises(CorpusFormatError) as caught:
        parse_file(path)
    assert str(caught.value).startswith(f"{path}:2: bad date {shown}")


def test_impossible_day_in_a_dump_names_file_and_line(tmp_path):
    text = blocks_dump_head(3)
    assert "Oct 3, 2023" in text or ", 20" in text
    lines = text.splitlines()
    meta_line = next(i for i, line in enumerate(lines) if line.strip().endswith(("2023", "2024")) and "," in line)
    lines[meta_line] = "Feb 30, 2023 5"
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CorpusFormatError, match=rf'^{path}:\d+: bad date "Feb 30, 2023"'):
        parse_file(path)


def test_a_failed_run_records_nothing_and_a_good_ingest_still_works(small_corpus, index_dir, tmp_path):
    ingest([small_corpus["jsonl"]], index_dir)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "Bad Date Paper", "abstract": "An abstract about bad dates.", "date": "yesterday"}\n')
    with pytest.raises(IngestError, match=r'bad\.jsonl:1: bad date "yesterday"'):
        ingest([bad, small_corpus["lines"]], index_dir)
    files = IndexFiles(index_dir)
    assert str(bad.resolve()) not in files.source_hashes()

    good = ingest([small_corpus["lines"]], index_dir)
    assert good.added == 5 and good.papers == 8
    bad.write_text('{"title": "Bad Date Paper", "abstract": "An abstract about bad dates.", "date": "2024-05-01"}\n')
    fixed = ingest([bad], index_dir)
    assert fixed.added == 1 and fixed.papers == 9


def fail_commit(monkeypatch, ingestion, number: int, message: str):
    """Make the `number`-th batch commit fail as a crash or full disk would; returns the real commit."""
    original = ingestion._Indexer.commit_batch
    calls = {"n": 0}

    def failing(self, papers, nodes):
        calls["n"] += 1
        if calls["n"] == number:
            raise OSError(message)
        return original(self, papers, nodes)

    monkeypatch.setattr(ingestion._Indexer, "commit_batch", failing)
    return original


def test_an_ingest_that_fails_mid_way_records_no_inputs_and_the_next_run_completes(
    small_corpus, index_dir, monkeypatch
):
    from rag import ingestion

    settings = Settings.load(overrides={"index.ingest_batch_size": 4})
    original = fail_commit(monkeypatch, ingestion, 2, "disk full (simulated)")
    with pytest.raises(OSError, match="no space left on"):  # mapped by rag.store_errors
        ingest([small_corpus["folder"]], index_dir, settings=settings)
    monkeypatch.setattr(ingestion._Indexer, "commit_batch", original)
    files = IndexFiles(index_dir)
    assert files.source_hashes() == {}  # the failed run recorded none of its inputs
    committed = files.paper_count()  # the batches that did commit (not the failed one) are kept
    assert 0 < committed <= 10
    resumed = ingest([small_corpus["folder"]], index_dir, settings=settings)
    assert (resumed.papers, resumed.unchanged, resumed.added) == (14, committed, 14 - committed)
    assert resumed.files_parsed == 3 and len(files.source_hashes()) == 3


def test_deleted_vector_store_is_detected_and_re_embedded(small_corpus, index_dir):
    first = ingest([small_corpus["folder"]], index_dir)
    shutil.rmtree(index_dir / "chroma")
    SharedSystemClient.clear_system_cache()  # as in a new process: chromadb caches open stores by path
    again = ingest([small_corpus["folder"]], index_dir)
    assert again.chunks_embedded == first.chunks_embedded and again.added == 14
    assert open_collection(Settings.load().index, index_dir).count() == first.chunks_embedded
    hits = Searcher(index_dir=index_dir).search("transformers on microcontrollers", k=3)
    assert hits[0].dense_score is not None


def test_switching_collection_re_embeds(small_corpus, index_dir, monkeypatch):
    ingest([small_corpus["jsonl"]], index_dir)
    monkeypatch.setenv("RAG_COLLECTION", "other_collection")
    switched = ingest([small_corpus["jsonl"]], index_dir)
    assert switched.chunks_embedded > 0 and switched.added == 3
    hits = Searcher(index_dir=index_dir).search("sourdough starter acidity", k=1)
    assert hits[0].dense_score is not None


def test_an_index_of_the_json_format_is_migrated_without_re_embedding(small_corpus, index_dir):
    ingest([small_corpus["folder"]], index_dir)
    files = IndexFiles(index_dir)
    papers = {pid: e.model_dump(mode="json") for pid, e in files.load_state().items()}
    sources: dict[str, dict] = {}
    for path, record in files.db.execute("SELECT path, record FROM source_papers ORDER BY path, position"):
        entry = sources.setdefault(path, {"name": Path(path).name, "sha256": files.source_hashes()[path], "papers": []})
        entry["papers"].append(json.loads(record))
    model = files.embedding_model
    files.close()
    for leftover in index_dir.glob("state.sqlite*"):
        leftover.unlink()
    (index_dir / "papers.json").write_text(json.dumps({"version": 1, "embedding_model": model, "papers": papers}))
    (index_dir / "sources.json").write_text(json.dumps({"version": 1, "files": sources}))

    hits = Searcher(index_dir=index_dir).search("quantum transformers on microcontrollers memory", k=14)
    assert "Tiny Transformers on Microcontrollers" in [h.paper.title for h in hits]
    assert not (index_dir / "papers.json").exists() and not (index_dir / "sources.json").exists()
    again = ingest([small_corpus["folder"]], index_dir)
    assert (again.chunks_embedded, again.files_parsed, again.papers) == (0, 0, 14)


def test_an_interrupted_re_embed_is_resumed_not_lost(small_corpus, index_dir, monkeypatch):
    from rag import ingestion

    settings = Settings.load(overrides={"index.ingest_batch_size": 4})
    ingest([small_corpus["folder"]], index_dir, settings=settings)
    shutil.rmtree(index_dir / "chroma")
    SharedSystemClient.clear_system_cache()
    original = fail_commit(monkeypatch, ingestion, 3, "killed (simulated)")
    with pytest.raises(OSError):
        ingest([small_corpus["folder"]], index_dir, settings=settings)
    monkeypatch.setattr(ingestion._Indexer, "commit_batch", original)
    committed = IndexFiles(index_dir).paper_count()
    assert committed < 14

    # The input files are unchanged, yet the next run re-embeds the papers the interrupted one had not.
    resumed = ingest([small_corpus["folder"]], index_dir, settings=settings)
    assert (resumed.papers, resumed.added, resumed.files_parsed) == (14, 14 - committed, 0)
    files = IndexFiles(index_dir)
    assert open_collection(Settings.load().index, index_dir).count() == files.chunk_count()
    assert files.get_meta("rebuild_pending") is None
    assert ingest([small_corpus["folder"]], index_dir, settings=settings).chunks_embedded == 0
