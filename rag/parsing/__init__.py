"""Read any supported paper file into `Paper` records, or fail with a `CorpusFormatError`."""

from __future__ import annotations

from pathlib import Path

from rag.paper import Paper
from rag.parsing.errors import CorpusFormatError
from rag.parsing.hf_dump import (
    looks_like_blocks_dump,
    looks_like_lines_dump,
    parse_blocks_dump,
    parse_lines_dump,
)
from rag.parsing.json_records import looks_like_json, parse_json_records
from rag.parsing.limits import DEFAULT_MAX_ABSTRACT_CHARS

__all__ = ["CorpusFormatError", "parse_file", "read_text"]

SUPPORTED = "a Hugging Face daily-papers dump, JSONL/JSON papers, or arXiv metadata JSONL"


def read_text(path: Path) -> str:
    """Decode a file strictly as UTF-8, rejecting binary and empty files with a precise location."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorpusFormatError(path, f"cannot read file: {err.strerror}") from err
    if b"\x00" in data[:8192]:
        raise CorpusFormatError(path, f"binary file, not {SUPPORTED}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise CorpusFormatError(path, f"not UTF-8 text (byte 0x{data[err.start]:02x}); re-save as UTF-8", line) from err
    if not text.strip():
        raise CorpusFormatError(path, "empty file")
    return text


def parse_file(path: Path | str, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> list[Paper]:
    """Every paper of `path`; a record whose abstract is longer than `max_abstract_chars` rejects the file."""
    path = Path(path)
    text = read_text(path)
    if looks_like_json(text):
        papers = parse_json_records(path, text, max_abstract_chars)
    elif looks_like_blocks_dump(text):
        papers = parse_blocks_dump(path, text, max_abstract_chars)
    elif looks_like_lines_dump(text):
        papers = parse_lines_dump(path, text, max_abstract_chars)
    else:
        raise CorpusFormatError(path, f"not a recognisable file: expected {SUPPORTED}", 1)
    if not papers:
        raise CorpusFormatError(path, "no papers found")
    return papers
