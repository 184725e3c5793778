"""Parsers for user collections: JSONL/JSON papers and the arXiv metadata snapshot format."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rag.paper import Paper
from rag.parsing.errors import CorpusFormatError
from rag.parsing.fields import count, iso_date, string_list
from rag.parsing.limits import DEFAULT_MAX_ABSTRACT_CHARS, check_record_size

_ARXIV_KEYS = {"id", "update_date"}
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


def _array_item_lines(text: str) -> list[int]:
    """The line on which each item of the (valid) JSON array `text` starts."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    position = text.index("[") + 1
    line, counted = 1, 0  # line number at offset `counted`
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        _, position = decoder.raw_decode(text, position)


def _records(path: Path, text: str) -> list[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as err:
            raise CorpusFormatError(path, f"invalid JSON: {err.msg}", err.lineno) from err
        return list(zip(_array_item_lines(text), items, strict=True)) if isinstance(items, list) else [(1, items)]
    records = []
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((no, json.loads(line)))
        except json.JSONDecodeError as err:
            raise CorpusFormatError(path, f"invalid JSON ({err.msg}); truncated record?", no) from err
    return records


def _text_field(path: Path, line_no: int, record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CorpusFormatError(path, f"record has no non-empty string {key!r}", line_no)
    return value


def _arxiv_metadata(record: dict[str, Any]) -> dict[str, Any]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [" ".join(p for p in reversed(part[:2]) if p).strip() for part in parsed]
    else:
        names = [n.strip() for n in _AUTHOR_SPLIT.split(str(record.get("authors") or "")) if n.strip()]
    categories = str(record.get("categories") or "").split()
    update_date = record.get("update_date")
    return {
        "arxiv_id": str(record["id"]),
        "author_names": names,
        "authors": len(names) or None,
        "date": iso_date(update_date) if update_date not in (None, "") else None,
        "categories": categories,
    }


def _user_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """Optional fields of a user record; a present field of the wrong type or form is a ValueError."""
    meta: dict[str, Any] = {}
    authors = record.get("authors")
    if isinstance(authors, list):
        meta["author_names"] = [str(a) for a in authors]
        meta["authors"] = len(authors)
    elif authors is not None:
        meta["authors"] = count(authors, "authors")
    if record.get("date") not in (None, ""):
        meta["date"] = iso_date(record["date"])
    if record.get("arxiv_id"):
        meta["arxiv_id"] = str(record["arxiv_id"])
    if record.get("upvotes") is not None:
        meta["upvotes"] = count(record["upvotes"], "upvotes")
    if record.get("code_urls") is not None:
        meta["code_urls"] = string_list(record["code_urls"], "code_urls")
    return meta


def parse_json_records(path: Path, text: str, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> list[Paper]:
    papers = []
    for line_no, record in _records(path, text):
        if not isinstance(record, dict):
            raise CorpusFormatError(path, "expected a JSON object per paper", line_no)
        title = _text_field(path, line_no, record, "title")
        abstract = _text_field(path, line_no, record, "abstract")
        check_record_size(path, line_no, title, abstract, max_abstract_chars)
        try:
            meta = _arxiv_metadata(record) if record.keys() >= _ARXIV_KEYS else _user_metadata(record)
        except ValueError as err:
            raise CorpusFormatError(path, str(err), line_no) from err
        try:
            papers.append(Paper.create(title, abstract, sources=[path.name], **meta))
        except ValueError as err:
            raise CorpusFormatError(path, f"bad metadata: {err}", line_no) from err
    return papers
