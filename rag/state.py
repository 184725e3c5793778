"""The committed state of an index directory: one SQLite database, `INDEX/state.sqlite`, in WAL mode.

Tables (every write is a transaction that touches only the rows it changes, so committing a batch
costs O(batch) however large the index is, and a reader never sees half a batch):
- `papers`: every paper whose chunks are committed to the vector store, with its content hash, chunk
  count, filter columns (year, has_code) and the whole record as JSON;
- `keywords`: an FTS5 table over the stemmed title + abstract of each paper (rowid = `papers.rowid`),
  written in the same transaction as its `papers` row, so keyword search is always in step;
- `sources` / `source_papers`: every ingested file (path -> sha256) and the records parsed from it,
  needed to re-merge a paper that appears in several files when one of them changes;
- `meta`: the embedding-model fingerprint, the vector store the chunks live in, server sync position.

SQLite rather than Chroma as the record store: it is in the standard library, its transactions cover
the records and the keyword index together, it answers the filtered keyword query (FTS5 `bm25()`) and
point look-ups of candidate ids without loading the corpus, and WAL lets searchers read while an ingest
writes. With a Chroma server the records are also kept on the server (`rag.remote`) and this database
is a cache that is rebuilt or brought up to date from it.

Index directories of the older JSON format (`papers.json`, `sources.json`, `bm25/`) are migrated on
first open.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from rag.errors import IndexBusyError, RagError
from rag.paper import Paper
from rag.sparse import fts_query, keyword_text

FORMAT_VERSION = 2
_K1, _B = 1.5, 0.75  # Lucene BM25, as bm25s
_CANDIDATES_PER_HIT = 3  # FTS5 candidates rescored per requested hit
_COMMON = 0.25  # share of papers above which a query word does not select candidates

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    rowid INTEGER PRIMARY KEY,
    paper_id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    year INTEGER NOT NULL,
    has_code INTEGER NOT NULL,
    upvotes INTEGER NOT NULL,
    doclen INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS papers_upvotes ON papers (upvotes DESC);
CREATE VIRTUAL TABLE IF NOT EXISTS keywords USING fts5(body, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS keywords_vocab USING fts5vocab(keywords, 'row');
INSERT OR IGNORE INTO meta (key, value) VALUES ('keyword_docs', '0'), ('keyword_tokens', '0');
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source_papers (
    path TEXT NOT NULL,
    position INTEGER NOT NULL,
    paper_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (path, position)
);
CREATE INDEX IF NOT EXISTS source_papers_id ON source_papers (paper_id);
"""


class StateError(RagError, RuntimeError):
    """The index state cannot be read (corrupt database, newer format)."""


class IndexedPaper(BaseModel):
    paper: Paper
    content_hash: str
    chunks: int


class SourceFile(BaseModel):
    name: str
    sha256: str
    papers: list[Paper]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _filter_columns(paper: Paper) -> tuple[int, int, int]:
    return paper.year or 0, int(bool(paper.code_urls)), paper.upvotes or 0


class IndexFiles:
    """The index directory and its state database; one connection per thread, opened on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.db_file = self.root / "state.sqlite"
        self.chroma_dir = self.root / "chroma"
        self._local = threading.local()

    # -- connection -------------------------------------------------------------------------------
    def exists(self) -> bool:
        """An index has been built here (a database that knows its embedding model, or the old format)."""
        if (self.root / "papers.json").exists():
            return True
        return self.db_file.exists() and bool(self.embedding_model)

    @property
    def db(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(self.db_file, timeout=30, isolation_level=None, check_same_thread=True)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a crash never corrupts, commits stay atomic
                conn.executescript(_SCHEMA)
            except sqlite3.DatabaseError as err:
                raise StateError(
                    f"cannot open the index state {self.db_file}: {err}; delete {self.root} and re-ingest"
                ) from err
            self._local.conn = conn
            version = self.get_meta("format_version")
            if version is None:
                self.set_meta("format_version", str(FORMAT_VERSION))
                self._migrate_json()
            elif int(version) > FORMAT_VERSION:
                raise StateError(f"{self.db_file} was written by a newer paper-rag (format {version}); upgrade")
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str, db: sqlite3.Connection | None = None) -> None:
        (db or self.db).execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def embedding_model(self) -> str:
        return self.get_meta("embedding_model") or ""

    # -- papers -----------------------------------------------------------------------------------
    def put_papers(self, db: sqlite3.Connection, entries: Iterable[IndexedPaper]) -> None:
        """Insert or replace papers and their keyword rows (inside a `transaction()`)."""
        for entry in entries:
            self.delete_papers(db, [entry.paper.paper_id])
            paper = entry.paper
            body = keyword_text(paper.title, paper.abstract)
            doclen = len(body.split())
            cursor = db.execute(
                "INSERT INTO papers (paper_id, content_hash, chunks, year, has_code, upvotes, doclen, record) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    paper.paper_id,
                    entry.content_hash,
                    entry.chunks,
                    *_filter_columns(paper),
                    doclen,
                    paper.model_dump_json(),
                ),
            )
            db.execute("INSERT INTO keywords (rowid, body) VALUES (?, ?)", (cursor.lastrowid, body))
            self._count_keywords(db, 1, doclen)

    def delete_papers(self, db: sqlite3.Connection, paper_ids: Sequence[str]) -> None:
        for paper_id in paper_ids:
            row = db.execute("SELECT rowid, doclen FROM papers WHERE paper_id = ?", (paper_id,)).fetchone()
            if row is not None:
                db.execute("DELETE FROM keywords WHERE rowid = ?", (row[0],))
                db.execute("DELETE FROM papers WHERE rowid = ?", (row[0],))
                self._count_keywords(db, -1, -row[1])

    @staticmethod
    def _count_keywords(db: sqlite3.Connection, docs: int, tokens: int) -> None:
        """Keep the corpus totals BM25 needs (documents, tokens) in step, without a scan."""
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'keyword_docs'", (docs,))
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'keyword_tokens'", (tokens,))

    def clear_papers(self, db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM papers")
        db.execute("DELETE FROM keywords")
        db.execute("UPDATE meta SET value = '0' WHERE key IN ('keyword_docs', 'keyword_tokens')")

    def indexed_hashes(self, paper_ids: Iterable[str] | None = None) -> dict[str, str]:
        """paper id -> content hash of the committed papers (all, or those of `paper_ids`)."""
        if paper_ids is None:
            return dict(self.db.execute("SELECT paper_id, content_hash FROM papers"))
        found: dict[str, str] = {}
        for part in _parts(list(paper_ids)):
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(f"SELECT paper_id, content_hash FROM papers WHERE paper_id IN ({marks})", part)
            )
        return found

    def get_papers(self, paper_ids: Iterable[str]) -> dict[str, Paper]:
        """The committed papers among `paper_ids` (uncommitted or unknown ids are left out)."""
        found: dict[str, Paper] = {}
        for part in _parts(list(dict.fromkeys(paper_ids))):
            marks = ",".join("?" * len(part))
            for paper_id, record in self.db.execute(
                f"SELECT paper_id, record FROM papers WHERE paper_id IN ({marks})", part
            ):
                found[paper_id] = Paper.model_validate_json(record)
        return found

    def top_papers(self, limit: int) -> list[Paper]:
        """The `limit` most upvoted papers (the corpus listing), read without loading the rest."""
        rows = self.db.execute("SELECT record FROM papers ORDER BY upvotes DESC, rowid LIMIT ?", (limit,))
        return [Paper.model_validate_json(r[0]) for r in rows]

    def paper_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COALESCE(SUM(chunks), 0) FROM papers").fetchone()[0]

    def load_state(self) -> dict[str, IndexedPaper]:
        """Every committed paper (tests and small tools; O(corpus), never used on the search path)."""
        rows = self.db.execute("SELECT record, content_hash, chunks FROM papers")
        return {
            (p := Paper.model_validate_json(r)).paper_id: IndexedPaper(paper=p, content_hash=h, chunks=c)
            for r, h, c in rows
        }

    def keyword_search(
        self,
        terms: list[str],
        limit: int,
        *,
        year_from: int | None = None,
        year_to: int | None = None,
        has_code: bool = False,
    ) -> dict[str, float]:
        """paper id -> BM25 score of the top `limit` papers matching any of `terms` and the filters.

        FTS5 finds the candidates (its `bm25()` ranks the top `limit * 3`), which are then scored with
        Lucene's BM25 as bm25s did (k1 = 1.5, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))): FTS5's
        own bm25() is the classic variant (k1 = 1.2, idf without the 1 +, which drops to ~0 for common
        words) and lost a gold paper on the dev set. Only the candidates' rows are read.
        """
        if not terms:
            return {}
        docs = int(self.get_meta("keyword_docs") or 0)
        wanted = sorted(set(terms))
        marks = ",".join("?" * len(wanted))
        frequency = dict(self.db.execute(f"SELECT term, doc FROM keywords_vocab WHERE term IN ({marks})", wanted))
        if not frequency:
            return {}
        # Candidates come from the selective terms: a word in over `_COMMON` of the papers (idf < 1.39)
        # lengthens FTS5's scan a lot and alone cannot lift a paper into the top; it still counts below.
        selective = [t for t in frequency if frequency[t] <= _COMMON * docs] or [min(frequency, key=frequency.get)]
        where = ["keywords MATCH ?"]
        args: list[object] = [fts_query(selective)]
        if has_code:
            where.append("p.has_code = 1")
        if year_from is not None:
            where.append("p.year >= ?")
            args.append(year_from)
        if year_to is not None:
            where.append("p.year BETWEEN 1 AND ?")
            args.append(year_to)
        if len(where) == 1:  # unfiltered: FTS5 picks its top rows first, only those are joined (~1.5x faster)
            sql = (
                "SELECT p.paper_id, p.doclen, top.body FROM (SELECT rowid, body FROM keywords WHERE keywords MATCH ? "
                "ORDER BY rank LIMIT ?) AS top JOIN papers p ON p.rowid = top.rowid"
            )
        else:
            sql = (
                "SELECT p.paper_id, p.doclen, keywords.body FROM keywords JOIN papers p ON p.rowid = keywords.rowid "
                f"WHERE {' AND '.join(where)} ORDER BY bm25(keywords) LIMIT ?"
            )
        candidates = self.db.execute(sql, (*args, max(limit * _CANDIDATES_PER_HIT, limit))).fetchall()
        if not candidates:
            return {}
        avgdl = int(self.get_meta("keyword_tokens") or 0) / max(docs, 1)
        idf = {t: math.log(1 + (docs - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        scores: dict[str, float] = {}
        known = [t for t in terms if t in idf]
        for paper_id, doclen, body in candidates:
            words = body.split()
            counts = {t: words.count(t) for t in set(known)}  # C-speed counts of the query terms only
            norm = _K1 * (1 - _B + _B * doclen / avgdl)
            score = sum(idf[t] * counts[t] / (counts[t] + norm) for t in known if counts[t])
            if score > 0:
                scores[paper_id] = score
        top = sorted(scores, key=lambda pid: -scores[pid])[:limit]
        return {pid: scores[pid] for pid in top}

    # -- sources ----------------------------------------------------------------------------------
    def source_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, sha256 FROM sources"))

    def source_paper_ids(self, paths: Iterable[str]) -> set[str]:
        ids: set[str] = set()
        for part in _parts(list(paths)):
            marks = ",".join("?" * len(part))
            ids.update(
                r[0] for r in self.db.execute(f"SELECT paper_id FROM source_papers WHERE path IN ({marks})", part)
            )
        return ids

    def source_copies(self, paper_ids: Iterable[str] | None, exclude_paths: Iterable[str]) -> list[tuple[str, Paper]]:
        """(path, paper) copies of `paper_ids` (None: every paper) recorded from files not in `exclude_paths`."""
        excluded = set(exclude_paths)
        if paper_ids is None:
            rows: Iterable[tuple[str, str]] = self.db.execute(
                "SELECT path, record FROM source_papers ORDER BY path, position"
            )
            return [(p, Paper.model_validate_json(r)) for p, r in rows if p not in excluded]
        copies: list[tuple[str, Paper]] = []
        for part in _parts(sorted(paper_ids)):
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT path, record FROM source_papers WHERE paper_id IN ({marks}) ORDER BY path, position", part
            )
            copies.extend((p, Paper.model_validate_json(r)) for p, r in rows if p not in excluded)
        return copies

    def put_sources(self, db: sqlite3.Connection, files: dict[str, SourceFile]) -> None:
        """Record parsed files (inside a `transaction()`), replacing earlier versions of them."""
        for path, source in files.items():
            db.execute("DELETE FROM source_papers WHERE path = ?", (path,))
            db.execute(
                "INSERT OR REPLACE INTO sources (path, name, sha256) VALUES (?, ?, ?)",
                (path, source.name, source.sha256),
            )
            db.executemany(
                "INSERT INTO source_papers (path, position, paper_id, record) VALUES (?, ?, ?, ?)",
                [(path, i, p.paper_id, p.model_dump_json()) for i, p in enumerate(source.papers)],
            )

    # -- lock -------------------------------------------------------------------------------------
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

    # -- migration --------------------------------------------------------------------------------
    def _migrate_json(self) -> None:
        """Import an index of the JSON format (format 1) into the database, then remove the old files."""
        papers_file, sources_file = self.root / "papers.json", self.root / "sources.json"
        if not papers_file.exists():
            return
        try:
            state = json.loads(papers_file.read_text(encoding="utf-8"))
            sources = json.loads(sources_file.read_text(encoding="utf-8")) if sources_file.exists() else {"files": {}}
            with self.transaction() as db:
                self.set_meta("embedding_model", state.get("embedding_model", ""), db)
                self.put_papers(db, (IndexedPaper.model_validate(e) for e in state.get("papers", {}).values()))
                self.put_sources(db, {k: SourceFile.model_validate(v) for k, v in sources.get("files", {}).items()})
        except (ValueError, KeyError) as err:
            raise StateError(f"cannot migrate the old index in {self.root} ({err}); delete it and re-ingest") from err
        for old in (papers_file, sources_file):
            old.unlink(missing_ok=True)
        shutil.rmtree(self.root / "bm25", ignore_errors=True)


def _parts(items: list, size: int = 500) -> Iterator[list]:
    """`items` in slices small enough for SQLite's bound-parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def state_summary(files: IndexFiles) -> dict[str, object]:
    """Counts for `rag stats` and the UI's corpus tab, computed in SQL."""
    papers, chunks, dated, coded = files.db.execute(
        "SELECT COUNT(*), COALESCE(SUM(chunks), 0), SUM(year > 0), SUM(has_code) FROM papers"
    ).fetchone()
    return {
        "papers": papers,
        "chunks": chunks,
        "with_date": dated or 0,
        "with_code": coded or 0,
        "embedding_model": files.embedding_model,
    }


__all__ = ["IndexFiles", "IndexedPaper", "SourceFile", "StateError", "file_sha256", "state_summary"]
