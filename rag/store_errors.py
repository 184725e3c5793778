"""Turn the vector store's low-level failures into errors a user can act on.

- The Chroma server went away (killed mid-session, wrong port): httpx / chromadb connection errors become
  `StoreUnavailableError("Chroma server at URL is unreachable ...")`.
- The disk filled up: `OSError(ENOSPC)`, SQLite's "database or disk is full", or a chromadb `InternalError`
  raised while the index's file system has (almost) no free space become `IndexDiskFullError("no space left
  on INDEX_DIR ...")`; the index keeps what was committed and the next ingest completes it.

`guard_store(locate)` wraps an entry point (`ingest()`, `Searcher.search()`, `get_searcher()`); `locate`
receives the entry point's arguments and returns the Chroma URL (None for embedded) and the index dir.
"""

from __future__ import annotations

import errno
import functools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from rag.errors import RagError, StoreUnavailableError

P = ParamSpec("P")
R = TypeVar("R")
LOW_SPACE_BYTES = 16 * 1024 * 1024  # below this much free space, an opaque store failure is a full disk
_DISK_FULL_TEXT = ("no space left", "database or disk is full", "disk is full", "disk full")
_CONNECTION_TEXT = ("connection refused", "could not connect", "connecterror", "failed to connect", "connection reset")


class IndexDiskFullError(RagError, OSError):
    """The index's file system ran out of space while writing."""


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _free_bytes(index_dir: Path) -> int | None:
    for folder in (index_dir, *index_dir.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def _is_disk_full(err: BaseException, index_dir: Path) -> bool:
    for link in _chain(err):
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(link).lower() for text in _DISK_FULL_TEXT):
            return True
    if type(err).__module__.startswith("chromadb"):  # chromadb reports a full disk as e.g. "Error in compaction"
        free = _free_bytes(index_dir)
        return free is not None and free < LOW_SPACE_BYTES
    return False


def _is_unreachable(err: BaseException) -> bool:
    import httpx

    for link in _chain(err):
        if isinstance(link, httpx.TransportError | ConnectionError):
            return True
        if any(text in f"{type(link).__name__} {link}".lower() for text in _CONNECTION_TEXT):
            return True
    return False


def store_error(err: BaseException, chroma_url: str | None, index_dir: Path) -> RagError | None:
    """The user-facing error for `err`, or None if it is not a store failure we can explain."""
    if isinstance(err, RagError):
        return None
    if _is_disk_full(err, index_dir):
        return IndexDiskFullError(
            f"no space left on {index_dir} (the index directory's disk is full): free some space and run the "
            "ingest again; the papers committed so far stay indexed and the next ingest completes the rest"
        )
    if chroma_url is not None and _is_unreachable(err):
        return StoreUnavailableError(
            f"Chroma server at {chroma_url} is unreachable ({type(err).__name__}): start it again "
            "(chroma run --path DIR --host 127.0.0.1 --port PORT) or unset RAG_CHROMA_URL for the embedded store"
        )
    return None


def guard_store(locate: Callable[..., tuple[str | None, Path]]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an entry point so store failures surface as `RagError`s (see `store_error`)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except Exception as err:
                try:
                    chroma_url, index_dir = locate(*args, **kwargs)
                except Exception:  # the arguments themselves were bad: let the original error speak
                    raise err from None
                mapped = store_error(err, chroma_url, index_dir)
                if mapped is None:
                    raise
                raise mapped from err

        return wrapper

    return decorate


def ingest_location(
    paths: Any = None, index_dir: str | Path | None = None, *, settings: Any = None, **_: Any
) -> tuple[str | None, Path]:
    """`locate` for `ingest(paths, index_dir, *, settings, ...)`."""
    from rag.settings import Settings

    chosen = (settings or Settings.load()).with_overrides({"index.dir": index_dir})
    return chosen.index.chroma_url, chosen.index_dir


def settings_location(settings: Any = None, *_: Any, **__: Any) -> tuple[str | None, Path]:
    """`locate` for `get_searcher(settings)`."""
    from rag.settings import Settings

    chosen = settings or Settings.load()
    return chosen.index.chroma_url, chosen.index_dir


def searcher_location(searcher: Any, *_: Any, **__: Any) -> tuple[str | None, Path]:
    """`locate` for a `Searcher` method."""
    return searcher.settings.index.chroma_url, searcher.files.root
