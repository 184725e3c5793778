"""Over-long records are rejected with file:line and the limit; text reaching a splitter or the model is bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.chunking import chunk_paper
from rag.embedding import MiniLMEmbedding
from rag.ingestion import IngestError, ingest
from rag.paper import Paper
from rag.settings import Settings
from rag.text import MAX_TEXT_CHARS, split_sentences

SENTENCE = "We study sparse training of large language models on commodity hardware. "


def _jsonl(path, abstracts: list[str]) -> None:
    records = [{"title": f"Paper number {i}", "abstract": a} for i, a in enumerate(abstracts)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_overlong_abstract_rejects_its_file_and_changes_nothing(small_corpus, tmp_path):
    index = tmp_path / "index"
    before = ingest([small_corpus["jsonl"]], index)
    big = tmp_path / "big.jsonl"
    _jsonl(big, [SENTENCE * 2, SENTENCE * 2000])  # line 2: ~146,000 characters
    with pytest.raises(IngestError, match=r"big\.jsonl:2: abstract of 'Paper number 1' is 146,000 characters") as err:
        ingest([big], index)
    assert "index.max_abstract_chars" in str(err.value)
    after = ingest([small_corpus["jsonl"]], index)
    assert after.papers == before.papers and after.chunks_embedded == 0  # nothing was written


def test_the_limit_is_a_setting(tmp_path):
    medium = tmp_path / "medium.jsonl"
    _jsonl(medium, [SENTENCE * 80])  # 5,840 characters: accepted by default
    strict = Settings.load(overrides={"index.max_abstract_chars": 5000})
    with pytest.raises(IngestError, match=r"medium\.jsonl:1: .* at most 5,000 are accepted"):
        ingest([medium], tmp_path / "strict", settings=strict)
    assert ingest([medium], tmp_path / "default").papers == 1


def test_overlong_abstract_in_a_dump_names_its_line(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text(f"Subscribe A fine title\n{SENTENCE * 3}\nA huge title\n{SENTENCE * 1000}\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"dump\.txt:3: abstract of 'A huge title' is 72,999 characters"):
        ingest([dump], tmp_path / "index")


def test_cli_reports_the_limit_without_a_traceback(tmp_path):
    big = tmp_path / "big.jsonl"
    _jsonl(big, [SENTENCE * 2000])
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(big), "--index-dir", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=300,
    )
    assert result.returncode == 2
    assert "at most 20,000 are accepted" in result.stderr and "Traceback" not in result.stderr


def test_splitters_and_the_model_see_bounded_text():
    huge = SENTENCE * 40_000  # 2.9 million characters, past every cap
    chunks = chunk_paper(Paper(paper_id="x", title="T", abstract=huge), overlap=0)
    assert sum(len(c.text) for c in chunks) <= MAX_TEXT_CHARS + 3 * len(chunks)  # heading "T\n\n" per chunk
    assert sum(len(s) for s in split_sentences(huge)) <= MAX_TEXT_CHARS
    vectors = MiniLMEmbedding().embed([huge, "x" * 6000])
    assert vectors.shape == (2, 384)
