"""Parsing of both dump formats, JSONL and arXiv metadata, and clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.dedup import deduplicate
from rag.parsing import CorpusFormatError, parse_file
from rag.parsing.hf_dump import CHROME_LINES
from tests.conftest import blocks_dump_head, bundled_files, lines_dump_head


@pytest.fixture(scope="module")
def bundled_papers():
    entries = [p for f in bundled_files() for p in parse_file(f)]
    return entries, deduplicate(entries)


def test_bundled_corpus_has_462_entries_and_400_unique_papers(bundled_papers):
    entries, unique = bundled_papers
    assert len(entries) == 462
    assert len(unique) == 400
    assert len({p.paper_id for p in unique}) == 400


def test_dates_and_author_counts_survive_dedup(bundled_papers):
    _, unique = bundled_papers
    assert sum(1 for p in unique if p.date) == 49
    assert sum(1 for p in unique if p.authors) == 49
    deepzero = next(p for p in unique if p.title.startswith("DeepZero"))
    assert (deepzero.authors, deepzero.date, deepzero.upvotes) == (10, "2023-10-03", 2)
    assert deepzero.code_urls == ["https://github.com/OPTML-Group/DeepZero"]


def test_page_chrome_is_dropped(bundled_papers):
    entries, _ = bundled_papers
    for paper in entries:
        assert paper.title.lower() not in CHROME_LINES
        assert not paper.title.startswith("Subscribe")
        assert len(paper.abstract) > 100
    first = parse_file(bundled_files()[0])[0]
    assert first.title.startswith("Harmony: Overcoming the Hurdles of GPU Memory")


def test_sources_record_every_copy(bundled_papers):
    _, unique = bundled_papers
    multi = [p for p in unique if len(p.sources) > 1]
    assert len(multi) > 0
    assert sum(len(p.sources) for p in unique) == 462


def test_jsonl_and_arxiv_formats(tmp_path: Path):
    jsonl = tmp_path / "mine.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "title": "A  Title",
                "abstract": "An abstract long enough to count.",
                "authors": ["X", "Y", "Z"],
                "date": "2022-05-01",
                "upvotes": 3,
            }
        )
        + "\n"
    )
    [paper] = parse_file(jsonl)
    assert (paper.title, paper.authors, paper.date, paper.upvotes) == ("A Title", 3, "2022-05-01", 3)

    arxiv = tmp_path / "arxiv.json"
    record = {
        "id": "2310.02025",
        "title": "DeepZero: Scaling up\n  Zeroth-Order Optimization",
        "abstract": "  Zeroth-order optimization is popular.\n",
        "authors": "A. B, C. D and E. F",
        "update_date": "2023-10-04",
        "categories": "cs.LG cs.AI",
    }
    arxiv.write_text(json.dumps(record) + "\n")
    [paper] = parse_file(arxiv)
    assert paper.title == "DeepZero: Scaling up Zeroth-Order Optimization"
    assert paper.authors == 3 and paper.date == "2023-10-04" and paper.categories == ["cs.LG", "cs.AI"]
    assert paper.url == "https://arxiv.org/abs/2310.02025"


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file", None),
        ("empty.txt", b"  \n\n", "empty file", None),
        ("latin1.txt", lines_dump_head(2).replace("Harmony", "Harmonyé").encode("latin-1"), "not UTF-8", 3),
        ("truncated_lines.txt", lines_dump_head(3).rsplit("\n", 2)[0].encode() + b"\n", "truncated record", 7),
        (
            "truncated_blocks.txt",
            blocks_dump_head(2).encode() + b"\nA Title Without Abstract\n",
            "truncated record",
            blocks_dump_head(2).count("\n") + 2,
        ),
        ("bad.jsonl", b'{"title": "ok", "abstract": "fine abstract text"}\n{"title": "broken\n', "invalid JSON", 2),
        ("noabstract.jsonl", b'{"title": "Only a title"}\n', "'abstract'", 1),
        ("prose.txt", b"Dear diary,\ntoday I read many papers.\n", "not a recognisable file", 1),
    ],
)
def test_bad_files_get_an_error_naming_file_and_line(tmp_path, name, content, message, line):
    path = _write(tmp_path, name, content)
    with pytest.raises(CorpusFormatError) as caught:
        parse_file(path)
    err = caught.value
    assert err.path == str(path)
    assert message in str(err)
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}" if line else str(path))


def test_misaligned_record_is_rejected(tmp_path: Path):
    # An abstract line missing in the middle shifts every later record: detected, not half-parsed.
    lines = lines_dump_head(4).splitlines()
    del lines[4]  # the second paper's abstract
    path = _write(tmp_path, "shifted.txt", ("\n".join(lines) + "\n").encode())
    with pytest.raises(CorpusFormatError, match=r"missing its title or abstract|truncated"):
        parse_file(path)


def test_utf16_files_are_read_not_called_binary(tmp_path: Path):
    record = '{"title": "Graph Kernels für Moleküle", "abstract": "We propose graph kernels for molecules."}\n'
    for encoding in ("utf-16", "utf-16-be", "utf-32"):  # "utf-16" writes a little-endian byte-order mark
        raw = record.encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        [paper] = parse_file(_write(tmp_path, f"{encoding}.jsonl", raw))
        assert paper.title == "Graph Kernels für Moleküle"
    bomless = _write(tmp_path, "bomless.jsonl", record.encode("utf-16-le"))
    with pytest.raises(CorpusFormatError, match="UTF-16 text without a byte-order mark; re-save as UTF-8"):
        parse_file(bomless)


def test_records_of_a_json_array_are_reported_at_their_own_line(tmp_path: Path):
    records = [
        {"title": "First Paper", "abstract": "We propose a method for sparse training of large models."},
        {"title": "Second Paper", "abstract": "We study graph kernels for molecule retrieval at scale."},
        {"title": "Third Paper"},
    ]
    path = _write(tmp_path, "papers.json", json.dumps(records, indent=2).encode())
    with pytest.raises(CorpusFormatError, match="'abstract'") as caught:
        parse_file(path)
    starts = [no for no, line in enumerate(json.dumps(records, indent=2).splitlines(), start=1) if line == "  {"]
    assert caught.value.line == starts[2] == 10  # the third record, not line 1
