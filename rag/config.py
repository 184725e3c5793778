"""Where things live and which services to use, from the environment with sensible defaults."""

from __future__ import annotations

import os
from pathlib import Path

# Safe defaults before any of these libraries is imported: no telemetry, no hub downloads.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _bundled_tiktoken_cache() -> str | None:
    """llama-index-core ships the cl100k/o200k encodings; point tiktoken there instead of the web."""
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    return str(cache) if cache.is_dir() else None


if (_tiktoken_cache := _bundled_tiktoken_cache()) is not None:
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", _tiktoken_cache)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "data"
CORPUS_SUFFIXES = {".txt", ".jsonl", ".json"}


def data_home() -> Path:
    """Per-user data directory (index, model cache, feedback); `RAG_DATA_DIR` overrides it."""
    if env := os.environ.get("RAG_DATA_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paper-rag"


def index_dir(explicit: str | Path | None = None) -> Path:
    """The index directory: the explicit argument, else `RAG_INDEX_DIR`, else under `data_home()`."""
    chosen = explicit or os.environ.get("RAG_INDEX_DIR") or data_home() / "index"
    return Path(chosen).expanduser().resolve()


def chroma_url() -> str | None:
    """A Chroma server URL (`chroma run`) to use instead of the embedded client."""
    return os.environ.get("RAG_CHROMA_URL") or None


def collection_name() -> str:
    return os.environ.get("RAG_COLLECTION", "paper_rag")


def bundled_corpus_files() -> list[Path]:
    return sorted(p for p in BUNDLED_CORPUS.iterdir() if p.suffix in CORPUS_SUFFIXES)
