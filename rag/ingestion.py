"""Ingest paper files into the index: parse, deduplicate, chunk, embed, store; incremental and resumable.

Order of writes, so that a crash at any point leaves a usable index that the next run completes:
1. every file is parsed first; one bad file aborts the run before anything is written;
2. `sources.json` records the new inputs (the intent);
3. papers are embedded and committed to Chroma in batches, `papers.json` saved after each batch;
4. the BM25 index is rebuilt from `papers.json`.
"""

from __future__ import annotations

import time
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
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.state import IndexedPaper, IndexFiles, IndexState, SourceFile, Sources, file_sha256
from rag.store import open_collection, reset_collection, vector_store
from rag.store_errors import guard_store, ingest_location


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


def _read_sources(files: list[Path], known: Sources, max_abstract_chars: int) -> tuple[Sources, int]:
    """Parse every file whose content changed; collect all errors before failing."""
    updated = Sources(files=dict(known.files))
    errors: list[CorpusFormatError] = []
    parsed = 0
    for path in files:
        digest = file_sha256(path)
        previous = known.files.get(str(path))
        if previous is not None and previous.sha256 == digest:
            continue
        try:
            papers = parse_file(path, max_abstract_chars)
        except CorpusFormatError as err:
            errors.append(err)
            continue
        parsed += 1
        updated.files[str(path)] = SourceFile(name=path.name, sha256=digest, papers=papers)
    if errors:
        raise IngestError(errors)
    return updated, parsed


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
    """Commits batches of papers to Chroma and to `papers.json`."""

    def __init__(self, files: IndexFiles, state: IndexState, settings: Settings) -> None:
        self.files = files
        self.state = state
        self.settings = settings
        self.collection = open_collection(settings.index, files.root)
        self.store = vector_store(self.collection)
        self.embedder = embedder_for(settings.index)

    def clear(self) -> None:
        """Drop every chunk (vectors of another embedding model must not be mixed with ours)."""
        self.collection = reset_collection(self.settings.index, self.files.root)
        self.store = vector_store(self.collection)
        self.files.save_state(self.state)

    def remove(self, paper_ids: list[str]) -> None:
        if not paper_ids:
            return
        self.collection.delete(where={"paper_id": {"$in": paper_ids}})
        for paper_id in paper_ids:
            self.state.papers.pop(paper_id, None)
        self.files.save_state(self.state)

    def embed(self, nodes: list[TextNode]) -> None:
        vectors = self.embedder.embed([node.text for node in nodes])
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector.tolist()

    def commit_batch(self, papers: list[Paper], nodes: list[TextNode]) -> int:
        # Clears leftovers of an interrupted run and chunks of an older version of these papers.
        self.collection.delete(where={"paper_id": {"$in": [p.paper_id for p in papers]}})
        self.store.add(nodes)
        for paper in papers:
            chunks = sum(1 for n in nodes if n.metadata["paper_id"] == paper.paper_id)
            self.state.papers[paper.paper_id] = IndexedPaper(
                paper=paper, content_hash=paper.content_hash(), chunks=chunks
            )
        self.files.save_state(self.state)
        return len(nodes)


def _needs_indexing(state: IndexState, paper: Paper) -> bool:
    indexed = state.papers.get(paper.paper_id)
    return indexed is None or indexed.content_hash != paper.content_hash()


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
    on a single thread in batch order, so `papers.json` only ever lists fully written batches.
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
    chunk overlap; `index_dir` overrides `settings.index.dir`.
    """
    started = time.perf_counter()
    settings = (settings or Settings.load()).with_overrides({"index.dir": index_dir})
    batch_size = settings.index.ingest_batch_size
    files = IndexFiles(settings.index_dir)
    inputs = expand_paths(paths) if paths else config.bundled_corpus_files()
    with files.write_lock():
        sources, parsed = _read_sources(inputs, files.load_sources(), settings.index.max_abstract_chars)
        target = deduplicate(p for source in sources.files.values() for p in source.papers)
        files.save_sources(sources)

        state = files.load_state()
        fingerprint = f"{model_fingerprint()}-schema{SCHEMA_VERSION}-overlap{settings.index.chunk_overlap}"
        rebuild = state.embedding_model != fingerprint  # new index, or vectors from another model
        if rebuild:
            state = IndexState(embedding_model=fingerprint)
        target_ids = {p.paper_id for p in target}
        stale = [pid for pid in state.papers if pid not in target_ids]
        pending = [p for p in target if _needs_indexing(state, p)]
        updated = sum(1 for p in pending if p.paper_id in state.papers)

        chunks = 0
        if rebuild or stale or pending:
            indexer = _Indexer(files, state, settings)
            if rebuild:
                indexer.clear()
            indexer.remove(stale)
            with _progress(show_progress) as progress:
                task = progress.add_task("index", total=len(pending), rate="")
                chunks = _index_pipelined(indexer, pending, batch_size, progress, task, on_progress)
            files.save_state(state)
        sparse = SparseIndex.load(files.bm25_dir)
        if sparse is None or sparse.stamp != state.stamp():
            SparseIndex.from_papers({pid: e.paper for pid, e in state.papers.items()}, state.stamp()).save(
                files.bm25_dir
            )

    return IngestReport(
        index_dir=str(files.root),
        files=len(inputs),
        files_parsed=parsed,
        papers=len(state.papers),
        added=len(pending) - updated,
        updated=updated,
        removed=len(stale),
        unchanged=len(target) - len(pending),
        chunks_embedded=chunks,
        seconds=round(time.perf_counter() - started, 3),
    )
