"""Read any supported paper file into `Paper` records, or fail with a `CorpusFormatError`."""

from __future__ import annotations

import codecs
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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _unicode_encoding(data: bytes) -> str | None:
    """ "utf-16" / "utf-32" for text that starts with their byte-order mark (Windows editors write these)."""
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def _looks_like_bomless_utf16(data: bytes) -> bool:
    head = data[:4096]
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd))


def read_text(path: Path) -> str:
    """Decode a file strictly as UTF-8 (or UTF-16/32 with a byte-order mark), rejecting binary and empty files
    with a precise location."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorpusFormatError(path, f"cannot read file: {err.strerror}") from err
    encoding = _unicode_encoding(data)
    if encoding is None and b"\x00" in data[:8192]:
        if _looks_like_bomless_utf16(data):
            raise CorpusFormatError(path, "UTF-16 text without a byte-order mark; re-save as UTF-8")
        raise CorpusFormatError(path, f"binary file, not {SUPPORTED}")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as err:
        if encoding is not None:
            raise CorpusFormatError(path, f"invalid {encoding} text (at byte {err.start}); re-save as UTF-8") from err
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
