"""The Chroma collection behind the index: embedded (`PersistentClient`) or a `chroma run` server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.errors import StoreUnavailableError
from rag.settings import IndexSettings


def _settings() -> ChromaSettings:
    # A fresh object per client: chromadb's client constructors write into the settings they get.
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(index: IndexSettings, index_dir: Path) -> chromadb.api.ClientAPI:
    """`index.chroma_url`'s server if set, else the embedded client in INDEX_DIR/chroma."""
    url = index.chroma_url
    if url is None:
        return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=_settings())
    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=_settings(),
        )
    except Exception as err:  # chromadb raises bare ValueError/ConnectionError variants
        raise StoreUnavailableError(f"Chroma server at {url} is unreachable: {err}") from err


def open_collection(index: IndexSettings, index_dir: Path) -> chromadb.Collection:
    """The index's collection, created if missing, searching with `index.hnsw_ef_search`."""
    # Embeddings are always supplied by us: embedding_function=None keeps Chroma from loading
    # (and downloading) its default model.
    collection = chroma_client(index, index_dir).get_or_create_collection(
        name=index.collection,
        embedding_function=None,
        metadata={"hnsw:space": "cosine"},
        configuration={"hnsw": {"space": "cosine", "ef_search": index.hnsw_ef_search}},
    )
    _set_search_breadth(collection, index.hnsw_ef_search)
    return collection


def _set_search_breadth(collection: chromadb.Collection, ef_search: int) -> None:
    """Give an existing collection (one made before the setting, or with another value) `ef_search`.

    HNSW returns approximate neighbours: with Chroma's default breadth (100) a searcher at 112k chunks
    missed a fifth of the true top-400 chunks, gold papers among them (docs/scale.md). Chroma reads the
    value when a process first loads the collection's index, so this runs before any query; a Chroma
    server applies it when it next loads the collection.
    """
    hnsw = (collection.configuration or {}).get("hnsw") or {}
    if hnsw.get("ef_search") != ef_search:
        collection.modify(configuration={"hnsw": {"ef_search": ef_search}})


def reset_collection(index: IndexSettings, index_dir: Path) -> chromadb.Collection:
    client = chroma_client(index, index_dir)
    if index.collection in [c.name for c in client.list_collections()]:
        client.delete_collection(index.collection)
    return open_collection(index, index_dir)


def vector_store(collection: chromadb.Collection) -> ChromaVectorStore:
    return ChromaVectorStore(chroma_collection=collection)
