"""Size limits on one record: an over-long title or abstract rejects its file before anything heavy runs.

A 49 MB "abstract" once took 93 s and 6.5 GB in the sentence splitter before failing; real abstracts are
short (arXiv caps them at 1920 characters), so anything far longer is a broken or hostile record.
"""

from __future__ import annotations

from pathlib import Path

from rag.parsing.errors import CorpusFormatError

DEFAULT_MAX_ABSTRACT_CHARS = 20_000  # the default of setting index.max_abstract_chars
MAX_TITLE_CHARS = 400


def check_record_size(path: Path, line_no: int | None, title: str, abstract: str, max_abstract_chars: int) -> None:
    """Raise a `CorpusFormatError` at `path`:`line_no` if the title or abstract is longer than allowed."""
    if len(title) > MAX_TITLE_CHARS:
        raise CorpusFormatError(
            path, f"title is {len(title):,} characters; at most {MAX_TITLE_CHARS} are accepted", line_no
        )
    if len(abstract) > max_abstract_chars:
        raise CorpusFormatError(
            path,
            f"abstract of {title[:60]!r} is {len(abstract):,} characters; at most {max_abstract_chars:,} are "
            "accepted (setting index.max_abstract_chars)",
            line_no,
        )
