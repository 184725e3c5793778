"""The Chroma collection behind the index: embedded (`PersistentClient`) or a `chroma run` server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag import config


def _settings() -> ChromaSettings:
    # A fresh object per client: chromadb's client constructors write into the settings they get.
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def chroma_client(index_dir: Path) -> chromadb.api.ClientAPI:
    url = config.chroma_url()
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
        raise ConnectionError(f"cannot reach the Chroma server at {url}: {err}") from err


def open_collection(index_dir: Path) -> chromadb.Collection:
    # Embeddings are always supplied by us: embedding_function=None keeps Chroma from loading
    # (and downloading) its default model.
    return chroma_client(index_dir).get_or_create_collection(
        name=config.collection_name(),
        embedding_function=None,
        metadata={"hnsw:space": "cosine"},
    )


def reset_collection(index_dir: Path) -> chromadb.Collection:
    client = chroma_client(index_dir)
    if config.collection_name() in [c.name for c in client.list_collections()]:
        client.delete_collection(config.collection_name())
    return open_collection(index_dir)


def vector_store(collection: chromadb.Collection) -> ChromaVectorStore:
    return ChromaVectorStore(chroma_collection=collection)
