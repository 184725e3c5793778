"""Paper records on a Chroma server, so that every app instance pointed at it shares one index.

With `index.chroma_url` set, the server holds the chunks (collection `C`) and the paper records
(collection `C__papers`: one row per paper, the record as its document; metadata: content hash, chunk
count, `seq` = commit time in microseconds, `deleted` for tombstones). Each instance's local
`state.sqlite` is then a cache of those records plus the keyword (FTS5) index built from them, brought up
to date by `sync()`: it fetches the rows whose `seq` is at least the start of the previous sync minus a
margin (covering writes in flight and small clock skew), and applies only rows whose content hash
differs from the cache's. The cache can be deleted at any time and is rebuilt from the server.
A searcher syncs at most every `index.sync_interval_s` seconds, so an ingest through one instance shows
up in another's results without any manual step.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import chromadb

from rag.paper import Paper
from rag.settings import IndexSettings
from rag.state import IndexedPaper, IndexFiles
from rag.store import chroma_client

_META_ID = "__meta__"
_PAGE = 1000
_MARGIN_US = 30_000_000  # re-read the last 30 s of commits on every sync


def _now_us() -> int:
    return time.time_ns() // 1000


class RemoteRecords:
    """The `C__papers` collection of one Chroma server."""

    def __init__(self, index: IndexSettings, index_dir: Path) -> None:
        self.client = chroma_client(index, index_dir)
        self.name = f"{index.collection}__papers"
        self.key = f"{index.chroma_url}|{index.collection}"
        self.collection = self._open()

    def _open(self) -> chromadb.Collection:
        return self.client.get_or_create_collection(
            name=self.name, embedding_function=None, metadata={"hnsw:space": "l2"}
        )

    def fingerprint(self) -> str | None:
        """The embedding model + chunk schema of the vectors on the server (None: nothing ingested yet)."""
        metadatas = self.collection.get(ids=[_META_ID], include=["metadatas"])["metadatas"] or []
        return str(metadatas[0]["embedding_model"]) if metadatas and metadatas[0] else None

    def clear(self, fingerprint: str) -> None:
        """Forget every record and stamp the collection with the fingerprint of the vectors to come."""
        if self.name in [c.name for c in self.client.list_collections()]:
            self.client.delete_collection(self.name)
        self.collection = self._open()
        self.collection.upsert(ids=[_META_ID], embeddings=[[0.0]], metadatas=[{"embedding_model": fingerprint}])

    def put(self, entries: Sequence[IndexedPaper]) -> None:
        seq = _now_us()
        self.collection.upsert(
            ids=[e.paper.paper_id for e in entries],
            embeddings=[[0.0]] * len(entries),  # records are fetched by id and seq, never by similarity
            documents=[e.paper.model_dump_json() for e in entries],
            metadatas=[{"content_hash": e.content_hash, "chunks": e.chunks, "seq": seq, "deleted": 0} for e in entries],
        )

    def delete(self, paper_ids: Sequence[str]) -> None:
        """Tombstones (not deletes), so that other instances' caches learn of the removal."""
        seq = _now_us()
        self.collection.upsert(
            ids=list(paper_ids),
            embeddings=[[0.0]] * len(paper_ids),
            documents=["{}"] * len(paper_ids),
            metadatas=[{"content_hash": "", "chunks": 0, "seq": seq, "deleted": 1} for _ in paper_ids],
        )

    def count(self) -> int:
        """Records on the server, tombstones included."""
        return max(0, self.collection.count() - 1)

    def sync(self, files: IndexFiles) -> int:
        """Bring the local cache in `files` up to date with the server; returns the papers changed."""
        fingerprint = self.fingerprint()
        if files.get_meta("vector_store") != self.key or files.embedding_model != (fingerprint or ""):
            with files.transaction() as db:  # a cache of another server, collection or model: start over
                files.clear_papers(db)
                files.set_meta("vector_store", self.key, db)
                files.set_meta("embedding_model", fingerprint or "", db)
                files.set_meta("sync_since", "0", db)
        since = int(files.get_meta("sync_since") or 0)
        started = _now_us()
        changed = offset = 0
        while True:
            page = self.collection.get(
                where={"seq": {"$gte": since}}, include=["metadatas"], limit=_PAGE, offset=offset
            )
            ids, metadatas = page["ids"], page["metadatas"] or []
            changed += self._apply(files, ids, metadatas)
            offset += len(ids)
            if len(ids) < _PAGE:
                break
        files.set_meta("sync_since", str(max(0, started - _MARGIN_US)))
        return changed

    def _apply(self, files: IndexFiles, ids: list[str], metadatas: list) -> int:
        local = files.indexed_hashes(ids)
        gone = [i for i, m in zip(ids, metadatas, strict=True) if m.get("deleted") and i in local]
        wanted = [
            i for i, m in zip(ids, metadatas, strict=True) if not m.get("deleted") and local.get(i) != m["content_hash"]
        ]
        entries = []
        if wanted:
            full = self.collection.get(ids=wanted, include=["documents", "metadatas"])
            for document, meta in zip(full["documents"] or [], full["metadatas"] or [], strict=True):
                if not meta.get("deleted"):
                    paper = Paper.model_validate_json(document)
                    entries.append(
                        IndexedPaper(paper=paper, content_hash=str(meta["content_hash"]), chunks=int(meta["chunks"]))
                    )
        if gone or entries:
            with files.transaction() as db:
                files.delete_papers(db, gone)
                files.put_papers(db, entries)
        return len(gone) + len(entries)


__all__ = ["RemoteRecords"]
