"""The one error type every parser raises for input it cannot accept."""

from __future__ import annotations

from pathlib import Path

from rag.errors import RagError


class CorpusFormatError(RagError, ValueError):
    """A file is not a recognisable paper dump; names the file and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
