"""Ingest paper files into the index: parse, deduplicate, chunk, embed, store; incremental and resumable.

Order of writes, so that a crash at any point leaves a usable index that the next run completes:
1. every file is parsed (and every field validated) first; one bad file aborts the run before
   anything is written;
2. papers are embedded and committed in batches: chunks to Chroma, then the papers' records and
   keyword rows in one SQLite transaction (`rag.state`), touching only that batch's rows;
3. only then are the inputs recorded (file -> sha256 and its parsed records), so a failed or killed
   run records nothing: the next run parses those files again and embeds only uncommitted papers.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from llama_index.core.schema import TextNode
from pydantic import BaseModel
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from rag import config
from rag.chunking import SCHEMA_VERSION, chunk_paper
from rag.dedup import deduplicate
from rag.embedding import embedder_for, model_fingerprint
from rag.errors import IndexNotFoundError, RagError
from rag.paper import Paper
from rag.parsing import CorpusFormatError, parse_file
from rag.remote import RemoteRecords
from rag.settings import Settings
from rag.state import IndexedPaper, IndexFiles, SourceFile, file_sha256
from rag.store import open_collection, reset_collection, vector_store
from rag.store_errors import guard_store, ingest_location

log = logging.getLogger(__name__)


class IngestError(RagError, ValueError):
    """Some input files were rejected; nothing was written."""

    def __init__(self, errors: list[CorpusFormatError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{len(errors)} file(s) rejected, index left untouched:\n{lines}")


class IngestReport(BaseModel):
    index_dir: str
    files: int
    files_parsed: int
    papers: int
    added: int
    updated: int
    removed: int
    unchanged: int
    chunks_embedded: int
    seconds: float


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus supported files inside named directories."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix in config.CORPUS_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise IndexNotFoundError(f"no such file or directory: {path}")
    return [f.resolve() for f in files]


def _read_sources(
    files: list[Path], known: dict[str, str], max_abstract_chars: int
) -> tuple[dict[str, SourceFile], int]:
    """Parse every file whose content changed (`known`: path -> sha256); collect all errors before failing."""
    changed: dict[str, SourceFile] = {}
    errors: list[CorpusFormatError] = []
    for path in files:
        digest = file_sha256(path)
        if known.get(str(path)) == digest:
            continue
        try:
            papers = parse_file(path, max_abstract_chars)
        except CorpusFormatError as err:
            errors.append(err)
            continue
        changed[str(path)] = SourceFile(name=path.name, sha256=digest, papers=papers)
    if errors:
        raise IngestError(errors)
    return changed, len(changed)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]indexing"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} papers"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=True,
    )


class _Indexer:
    """Commits batches of papers: chunks to Chroma first, then the records (one SQLite transaction each)."""

    def __init__(self, files: IndexFiles, settings: Settings, remote: RemoteRecords | None) -> None:
        self.files = files
        self.settings = settings
        self.remote = remote
        self.collection = open_collection(settings.index, files.root)
        self.store = vector_store(self.collection)
        self.embedder = embedder_for(settings.index)

    def clear(self, fingerprint: str, store_key: str) -> None:
        """Drop every chunk and record (vectors of another model, or a vector store that lost them)."""
        self.collection = reset_collection(self.settings.index, self.files.root)
        self.store = vector_store(self.collection)
        if self.remote is not None:
            self.remote.clear(fingerprint)
        with self.files.transaction() as db:
            self.files.clear_papers(db)
            self.files.set_meta("embedding_model", fingerprint, db)
            self.files.set_meta("vector_store", store_key, db)
            self.files.set_meta("rebuild_pending", "1", db)  # until a run completes: resume, do not start over

    def remove(self, paper_ids: list[str]) -> None:
        if not paper_ids:
            return
        for part in range(0, len(paper_ids), 500):
            self.collection.delete(where={"paper_id": {"$in": paper_ids[part : part + 500]}})
        if self.remote is not None:
            self.remote.delete(paper_ids)
        with self.files.transaction() as db:
            self.files.delete_papers(db, paper_ids)

    def embed(self, nodes: list[TextNode]) -> None:
        vectors = self.embedder.embed([node.text for node in nodes])
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector.tolist()

    def commit_batch(self, papers: list[Paper], nodes: list[TextNode]) -> int:
        # Clears leftovers of an interrupted run and chunks of an older version of these papers.
        self.collection.delete(where={"paper_id": {"$in": [p.paper_id for p in papers]}})
        self.store.add(nodes)
        counts = Counter(n.metadata["paper_id"] for n in nodes)
        entries = [IndexedPaper(paper=p, content_hash=p.content_hash(), chunks=counts[p.paper_id]) for p in papers]
        if self.remote is not None:
            self.remote.put(entries)
        with self.files.transaction() as db:  # O(batch): only these rows and their keyword rows are written
            self.files.put_papers(db, entries)
        return len(nodes)


def _chunk_batch(papers: list[Paper], overlap: int) -> list[TextNode]:
    return [node for paper in papers for node in chunk_paper(paper, overlap)]


def _index_pipelined(
    indexer: _Indexer,
    pending: list[Paper],
    batch_size: int,
    progress: Progress,
    task: TaskID,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed on this thread while one helper chunks the next batch and another commits the last.

    onnxruntime releases the GIL, so chunking and Chroma writes hide behind embedding. Commits run
    on a single thread in batch order, so the state only ever lists fully written batches.
    """
    batches = [pending[i : i + batch_size] for i in range(0, len(pending), batch_size)]
    if not batches:
        return 0
    started = time.perf_counter()
    chunks = done = 0
    with ThreadPoolExecutor(1, "chunker") as chunker, ThreadPoolExecutor(1, "committer") as committer:
        overlap = indexer.settings.index.chunk_overlap
        next_nodes: Future[list[TextNode]] = chunker.submit(_chunk_batch, batches[0], overlap)
        commits: list[Future[int]] = []
        for i, batch in enumerate(batches):
            nodes = next_nodes.result()
            if i + 1 < len(batches):
                next_nodes = chunker.submit(_chunk_batch, batches[i + 1], overlap)
            indexer.embed(nodes)
            commits.append(committer.submit(indexer.commit_batch, batch, nodes))
            for finished in (c for c in commits if c.done()):
                finished.result()  # surface a failed commit now, not after all the embedding
            chunks += len(nodes)
            done += len(batch)
            elapsed = max(time.perf_counter() - started, 1e-9)
            rate = f"{done / elapsed:.1f} papers/s, {chunks / elapsed:.1f} chunks/s"
            progress.update(task, completed=done, rate=rate)
            if on_progress is not None:
                on_progress(done, len(pending))
        for commit in commits:
            commit.result()
    return chunks


def _store_key(settings: Settings) -> str:
    return f"{settings.index.chroma_url or 'embedded'}|{settings.index.collection}"


def _rebuild_reason(
    files: IndexFiles, settings: Settings, fingerprint: str, remote: RemoteRecords | None
) -> str | None:
    """Why every paper must be re-embedded, or None when the committed vectors can be kept."""
    if remote is not None:
        server_fingerprint = remote.fingerprint()
        if server_fingerprint not in (None, fingerprint):
            raise RagError(
                f"collection {settings.index.collection!r} on {settings.index.chroma_url} holds vectors of another "
                "embedding model or chunk schema; set RAG_COLLECTION to a new collection or delete that one"
            )
        if server_fingerprint is None:
            return "new collection"
        expected, held = files.chunk_count(), open_collection(settings.index, files.root).count()
        if held < expected:  # the chunks were deleted behind the records' back: refuse, never go BM25-only
            raise RagError(
                f"collection {settings.index.collection!r} on {settings.index.chroma_url} holds {held} chunks but "
                f"its paper records expect {expected}; delete the collections {settings.index.collection!r} and "
                f"'{settings.index.collection}__papers' (or set RAG_COLLECTION to a new one) and re-ingest"
            )
        return None
    if files.embedding_model != fingerprint:
        return "new index" if not files.embedding_model else "the embedding model or chunk schema changed"
    stored = files.get_meta("vector_store")  # None in an index migrated from the JSON format
    if stored is not None and stored != _store_key(settings):
        return f"the vector store changed from {stored} to {_store_key(settings)}"
    expected = files.chunk_count()
    held = open_collection(settings.index, files.root).count()
    if held < expected:
        return f"the vector store holds {held} chunks but the index has {expected}"
    return None


def _targets(files: IndexFiles, changed: dict[str, SourceFile], everything: bool) -> tuple[list[Paper], set[str]]:
    """The merged papers whose copies changed (or all papers), and the ids whose copies were looked at.

    Only papers with a copy in a changed file can change, so only their copies are read back: a
    small update to a large index reads O(update) rows, not the corpus.
    """
    if everything:
        affected = None
    else:
        affected = files.source_paper_ids(changed) | {p.paper_id for s in changed.values() for p in s.papers}
    copies = files.source_copies(affected, exclude_paths=changed)
    copies += [(path, p) for path, s in changed.items() for p in s.papers]
    target = deduplicate(p for _, p in sorted(copies, key=lambda item: item[0]))
    looked_at = {p.paper_id for p in target} | (affected or set())
    return target, looked_at


@guard_store(ingest_location)  # a dead Chroma server or a full disk: a clear RagError, not a traceback
def ingest(
    paths: Sequence[str | Path] | None = None,
    index_dir: str | Path | None = None,
    *,
    settings: Settings | None = None,
    show_progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Index `paths` (files or directories; default: the bundled corpus) into `index_dir`.

    `settings` (default: `Settings.load()`) gives the index location, embedding threads, batch size and
    chunk overlap; `index_dir` overrides `settings.index.dir`. Inputs are recorded only after all their
    papers are committed, so a failed or killed run records nothing and the next run redoes what is left.
    """
    started = time.perf_counter()
    settings = (settings or Settings.load()).with_overrides({"index.dir": index_dir})
    batch_size = settings.index.ingest_batch_size
    files = IndexFiles(settings.index_dir)
    inputs = expand_paths(paths) if paths else config.bundled_corpus_files()
    with files.write_lock():
        changed, parsed = _read_sources(inputs, files.source_hashes(), settings.index.max_abstract_chars)
        fingerprint = f"{model_fingerprint()}-schema{SCHEMA_VERSION}-overlap{settings.index.chunk_overlap}"
        remote = RemoteRecords(settings.index, files.root) if settings.index.chroma_url else None
        if remote is not None:
            remote.sync(files)  # the server's records are the truth; the local copy is a cache
        reason = _rebuild_reason(files, settings, fingerprint, remote)
        resume = reason is None and files.get_meta("rebuild_pending") == "1"  # a re-embed was interrupted
        indexer = _Indexer(files, settings, remote) if reason or resume or changed else None
        if indexer is not None and reason is not None:
            if files.paper_count():
                log.warning("re-embedding every paper: %s", reason)
            indexer.clear(fingerprint, _store_key(settings))
        # After a clear (or an interrupted one) every recorded paper is a target, not only changed files'.
        target, looked_at = _targets(files, changed, everything=reason is not None or resume)
        indexed = files.indexed_hashes(looked_at)
        target_ids = {p.paper_id for p in target}
        stale = sorted(pid for pid in indexed if pid not in target_ids)
        pending = [p for p in target if indexed.get(p.paper_id) != p.content_hash()]
        updated = sum(1 for p in pending if p.paper_id in indexed)

        chunks = 0
        if indexer is not None:
            indexer.remove(stale)
            with _progress(show_progress) as progress:
                task = progress.add_task("index", total=len(pending), rate="")
                chunks = _index_pipelined(indexer, pending, batch_size, progress, task, on_progress)
            with files.transaction() as db:  # the inputs are recorded last: a failed run records none
                files.put_sources(db, changed)
                files.set_meta("embedding_model", fingerprint, db)
                files.set_meta("vector_store", _store_key(settings), db)
                db.execute("DELETE FROM meta WHERE key = 'rebuild_pending'")
        total = files.paper_count()

    return IngestReport(
        index_dir=str(files.root),
        files=len(inputs),
        files_parsed=parsed,
        papers=total,
        added=len(pending) - updated,
        updated=updated,
        removed=len(stale),
        unchanged=total - len(pending),  # every committed paper this run did not (re)embed
        chunks_embedded=chunks,
        seconds=round(time.perf_counter() - started, 3),
    )
