"""The committed state of an index directory.

`sources.json`: every ingested file (resolved path -> sha256 and its parsed records): the inputs.
`papers.json`: every paper whose chunks are committed to Chroma, with its content hash and chunk count.
Both are replaced atomically; a reader or a crash never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from rag.errors import IndexBusyError
from rag.paper import Paper

FORMAT_VERSION = 1


class SourceFile(BaseModel):
    name: str
    sha256: str
    papers: list[Paper]


class IndexedPaper(BaseModel):
    paper: Paper
    content_hash: str
    chunks: int


class IndexState(BaseModel):
    version: int = FORMAT_VERSION
    embedding_model: str = ""
    papers: dict[str, IndexedPaper] = Field(default_factory=dict)

    def stamp(self) -> str:
        """Changes whenever any indexed paper does: ties the BM25 index to this state."""
        digest = hashlib.sha1()
        for paper_id in sorted(self.papers):
            digest.update(f"{paper_id}:{self.papers[paper_id].content_hash};".encode())
        return digest.hexdigest()


class Sources(BaseModel):
    version: int = FORMAT_VERSION
    files: dict[str, SourceFile] = Field(default_factory=dict)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class IndexFiles:
    """Paths and load/save of the files in one index directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.papers_file = root / "papers.json"
        self.sources_file = root / "sources.json"
        self.bm25_dir = root / "bm25"

    def exists(self) -> bool:
        return self.papers_file.exists()

    def load_state(self) -> IndexState:
        if not self.papers_file.exists():
            return IndexState()
        return IndexState.model_validate_json(self.papers_file.read_text(encoding="utf-8"))

    def save_state(self, state: IndexState) -> None:
        _write_atomic(self.papers_file, state.model_dump_json())

    def load_sources(self) -> Sources:
        if not self.sources_file.exists():
            return Sources()
        return Sources.model_validate_json(self.sources_file.read_text(encoding="utf-8"))

    def save_sources(self, sources: Sources) -> None:
        _write_atomic(self.sources_file, sources.model_dump_json())

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time per index directory; a second ingest fails fast with a clear error."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".ingest.lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusyError(f"another ingest is writing to {self.root}; try again when it ends") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def state_summary(state: IndexState) -> dict[str, object]:
    papers = [p.paper for p in state.papers.values()]
    return {
        "papers": len(papers),
        "chunks": sum(p.chunks for p in state.papers.values()),
        "with_date": sum(1 for p in papers if p.date),
        "with_code": sum(1 for p in papers if p.code_urls),
        "embedding_model": state.embedding_model,
    }


__all__ = ["IndexFiles", "IndexState", "IndexedPaper", "SourceFile", "Sources", "file_sha256", "state_summary"]
