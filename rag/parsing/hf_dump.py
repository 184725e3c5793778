"""Parsers for the two page formats of Hugging Face daily-papers dumps.

Format "lines": chrome lines, then alternating title / abstract lines; the first title is glued to
a "Subscribe" button label.  Format "blocks": blank-line separated blocks; page chrome first, then per
paper a title block, an abstract block and optionally a metadata block ("• N authors", "·",
"Oct 3, 2023 [upvotes]").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rag.paper import Paper
from rag.parsing.errors import CorpusFormatError
from rag.parsing.fields import dump_date
from rag.parsing.limits import DEFAULT_MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS, check_record_size

CHROME_LINES = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_LISTING_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")  # "Jan 7": the listing's own date, chrome
_AUTHORS = re.compile(r"^•\s*(\d+)\s+authors?$")
_PUBLISHED = re.compile(r"^([A-Z][a-z]{2} \d{1,2}, \d{4})(?:\s+(\d+))?$")
_MIN_ABSTRACT_CHARS = 40


def is_chrome(line: str) -> bool:
    stripped = line.strip()
    return stripped.lower() in CHROME_LINES or bool(_LISTING_DATE.match(stripped))


def looks_like_blocks_dump(text: str) -> bool:
    return any(line.strip().lower() == "byak and the research community" for line in text.splitlines()[:30])


def looks_like_lines_dump(text: str) -> bool:
    head = text.splitlines()[:5]
    return any(line.startswith("Subscribe") and len(line) > len("Subscribe") for line in head)


def _check_title(path: Path, line_no: int, title: str) -> None:
    if len(title) > MAX_TITLE_CHARS:
        raise CorpusFormatError(
            path,
            f"expected a paper title, found {len(title)} characters of text "
            "(a record is missing its title or abstract)",
            line_no,
        )


def _check_abstract(
    path: Path, line_no: int, title: str, abstract: str | None, max_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
) -> None:
    if abstract is None:
        raise CorpusFormatError(path, f"truncated record: title {title[:60]!r} has no abstract", line_no)
    if len(abstract) < _MIN_ABSTRACT_CHARS:
        raise CorpusFormatError(
            path,
            f"abstract of {title[:60]!r} is only {len(abstract)} characters (truncated or misaligned record)",
            line_no,
        )
    check_record_size(path, line_no, title, abstract, max_chars)


def parse_lines_dump(path: Path, text: str, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> list[Paper]:
    source = path.name
    numbered = [(no, line.strip()) for no, line in enumerate(text.splitlines(), start=1)]
    content = [(no, line) for no, line in numbered if line and line.lower() not in CHROME_LINES]
    if content and content[0][1].startswith("Subscribe"):
        content[0] = (content[0][0], content[0][1][len("Subscribe") :].strip())
    papers: list[Paper] = []
    for i in range(0, len(content), 2):
        title_no, title = content[i]
        _check_title(path, title_no, title)
        abstract = content[i + 1][1] if i + 1 < len(content) else None
        _check_abstract(path, title_no, title, abstract, max_abstract_chars)
        papers.append(Paper.create(title, abstract, sources=[source]))
    return papers


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, stripped lines) of each blank-line separated block."""
    block: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            if not block:
                start = no
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _parse_meta(lines: list[str]) -> dict[str, object] | None:
    """Metadata of a "• N authors / · / date [upvotes]" block, or None if the block is not one."""
    meta: dict[str, object] = {}
    for line in lines:
        if line == "·":
            continue
        if m := _AUTHORS.match(line):
            meta["authors"] = int(m.group(1))
        elif m := _PUBLISHED.match(line):
            meta["date"] = dump_date(m.group(1))  # ValueError for a day that does not exist
            if m.group(2):
                meta["upvotes"] = int(m.group(2))
        else:
            return None
    return meta


def parse_blocks_dump(path: Path, text: str, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> list[Paper]:
    source = path.name
    papers: list[Paper] = []
    pending_title: tuple[int, str] | None = None  # title seen, abstract not yet
    in_header = True
    for line_no, lines in _blocks(text):
        joined = " ".join(lines)
        if in_header and all(is_chrome(line) for line in lines):
            continue
        in_header = False
        if pending_title is None:
            try:
                meta = _parse_meta(lines)
            except ValueError as err:
                raise CorpusFormatError(path, str(err), line_no) from err
            if meta is not None:
                if not papers:
                    raise CorpusFormatError(path, "metadata block before any paper", line_no)
                papers[-1] = papers[-1].model_copy(update=meta)
                continue
            _check_title(path, line_no, joined)
            pending_title = (line_no, joined)
        else:
            title_no, title = pending_title
            _check_abstract(path, title_no, title, joined, max_abstract_chars)
            papers.append(Paper.create(title, joined, sources=[source]))
            pending_title = None
    if pending_title is not None:
        _check_abstract(path, pending_title[0], pending_title[1], None)
    return papers
