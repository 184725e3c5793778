"""Scale benchmark: ingest and search at N papers (N = 10k, 50k, 100k by default); prints JSON.

python bench/scale.py [--sizes 10000 50000 100000] [--corpus arxiv-metadata-oai-snapshot.json]
                      [--distractors unrelated|copies] [--vector-cache DIR] [--work DIR] [--skip-search]

For each N it builds a corpus of the 400 bundled (real) papers plus N distractors: real abstracts from
`--corpus` (any supported file, e.g. an arXiv snapshot) when given, otherwise a **synthetic** corpus
recombined from the bundled abstracts' sentences (seeded; labelled `"corpus": "synthetic ..."`): by default
from the bundled papers no dev question is about (`--distractors unrelated`), or from all of them
(`--distractors copies`, where distractors repeat the gold abstracts' sentences word for word). It then
reports, each phase in its own process so that memory and I/O are the phase's own:
- ingest: seconds, papers/s, bytes written to disk (/proc/self/io), peak RSS, and the ratio of ingest
  throughput to raw embedding throughput (raw = the same model on a sample of the same chunk texts);
- index size on disk; searcher start-up time; search p50/p95 (dev questions, model loaded); peak RSS of
  the search process; dev-set recall@5 / MRR (hybrid) of the 400 real papers among the N distractors;
  the share of the exact top-200 chunks that Chroma's approximate (HNSW) search returns;
- time to add 100 new papers to the N-paper index, and its ratio to the full ingest.

`--vector-cache DIR` keeps chunk vectors across runs (SQLite, keyed by the chunk text's sha1), so a
rerun (or a larger N sharing the same synthetic prefix) embeds only new texts. The share of vectors
served from the cache is reported (`vectors_cached`); with a cache, ingest/raw is estimated as
raw / (raw + non-embedding time), the no-overlap bound, and marked `"estimated"`. Adding 100 papers
never uses the cache. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


# -- corpus -----------------------------------------------------------------------------------------
def _bundled():
    from rag.config import bundled_corpus_files
    from rag.dedup import deduplicate
    from rag.parsing import parse_file

    return deduplicate(p for f in bundled_corpus_files() for p in parse_file(f))


def _recall_gold_titles() -> set[str]:
    """Normalised titles of the papers the recall questions (the dev set) are about."""
    from evals.questions import load_questions
    from evals.retrieval_eval import DEFAULT_QUESTIONS
    from rag.paper import normalize_title

    return {normalize_title(t) for q in load_questions(DEFAULT_QUESTIONS) for t in q.gold_titles}


def synthetic_records(count: int, seed: int, taken: set[str], source: str = "unrelated") -> list[dict]:
    """`count` papers recombined from bundled text: title halves of two (or three) real titles and 4-7
    sentences drawn from the bundled abstracts. Titles never repeat a real or earlier title.

    `source="unrelated"` draws only from bundled papers that no recall question is about, so a distractor
    can be on the same topics as a gold paper but never carries its sentences or title words (as in a
    real corpus). `source="copies"` draws from every bundled paper: at 100k each gold sentence recurs
    ~160 times word for word in other "papers", a stress test in which a distractor may state the very
    sentence a question asks for."""
    from rag.paper import normalize_title
    from rag.text import split_sentences

    papers = _bundled()
    if source == "unrelated":
        gold = _recall_gold_titles()
        papers = [p for p in papers if normalize_title(p.title) not in gold]
    sentences = [s for p in papers for s in split_sentences(p.abstract)]
    words = [p.title.split() for p in papers]
    rng = random.Random(seed)
    records = []
    while len(records) < count:
        parts = rng.sample(words, 3 if rng.random() < 0.5 else 2)
        title = " ".join(w for part in parts for w in part[: max(1, len(part) // len(parts))][:6])
        key = normalize_title(title)
        if key in taken:
            continue
        taken.add(key)
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 7)))
        year = rng.choice(["2022", "2023", "2024"])
        records.append(
            {"title": title, "abstract": abstract, "date": f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}
        )
    return records


def real_records(path: Path, count: int, skip: int, taken: set[str]) -> list[dict]:
    from rag.paper import normalize_title
    from rag.parsing import parse_file

    records = []
    for paper in parse_file(path)[skip:]:
        if normalize_title(paper.title) in taken:
            continue
        taken.add(normalize_title(paper.title))
        records.append({"title": paper.title, "abstract": paper.abstract, "date": paper.date})
        if len(records) == count:
            break
    if len(records) < count:
        raise SystemExit(f"{path} has only {len(records)} usable papers, {count} needed")
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- vector cache -----------------------------------------------------------------------------------
def install_vector_cache(directory: Path) -> dict[str, float]:
    """Serve embeddings from `directory`/vectors.sqlite where present, store the rest; returns counters."""
    from rag.embedding import DIMENSION, MiniLMEmbedding

    directory.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(directory / "vectors.sqlite", check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS v (k BLOB PRIMARY KEY, vec BLOB NOT NULL)")
    counters = {"hits": 0, "misses": 0, "embed_s": 0.0}
    original = MiniLMEmbedding.embed

    def cached_embed(self: MiniLMEmbedding, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        keys = [hashlib.sha1(t.encode()).digest() for t in texts]
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            found.update(db.execute(f"SELECT k, vec FROM v WHERE k IN ({','.join('?' * len(part))})", part))
        missing = [i for i, k in enumerate(keys) if k not in found]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if missing:
            vectors = original(self, [texts[i] for i in missing])
            db.executemany(
                "INSERT OR REPLACE INTO v VALUES (?, ?)",
                [(keys[i], v.tobytes()) for i, v in zip(missing, vectors, strict=True)],
            )
            out[missing] = vectors
        for i, k in enumerate(keys):
            if k in found:
                out[i] = np.frombuffer(found[k], dtype=np.float32)
        counters["hits"] += len(texts) - len(missing)
        counters["misses"] += len(missing)
        counters["embed_s"] += time.perf_counter() - started
        return out

    MiniLMEmbedding.embed = cached_embed  # type: ignore[method-assign]
    return counters


def count_embedding(counters: dict[str, float]) -> None:
    from rag.embedding import MiniLMEmbedding

    original = MiniLMEmbedding.embed

    def timed(self: MiniLMEmbedding, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return original(self, texts)
        finally:
            counters["misses"] += len(texts)
            counters["embed_s"] += time.perf_counter() - started

    MiniLMEmbedding.embed = timed  # type: ignore[method-assign]


# -- phases (each runs in its own process) ----------------------------------------------------------
def _io_written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase_ingest(args: argparse.Namespace) -> dict:
    from rag.ingestion import ingest
    from rag.settings import Settings

    counters = {"hits": 0, "misses": 0, "embed_s": 0.0}
    if args.vector_cache:
        counters = install_vector_cache(Path(args.vector_cache))
    else:
        count_embedding(counters)
    written = _io_written()
    report = ingest([Path(p) for p in args.paths], args.index, settings=Settings.load())
    return {
        "seconds": report.seconds,
        "papers": report.papers,
        "added": report.added,
        "chunks_embedded": report.chunks_embedded,
        "embed_s": round(counters["embed_s"], 2),
        "vectors_cached": int(counters["hits"]),
        "vectors_embedded": int(counters["misses"]),
        "disk_written_mb": round((_io_written() - written) / 1e6, 1),
        "peak_rss_mb": _peak_rss_mb(),
    }


def phase_raw(args: argparse.Namespace) -> dict:
    """Raw embedding throughput of the model on a sample of chunk texts of the corpus."""
    from rag.chunking import chunk_paper
    from rag.embedding import embedder_for
    from rag.parsing import parse_file
    from rag.settings import Settings

    settings = Settings.load()
    papers = [p for path in args.paths for p in parse_file(Path(path))]
    sample = random.Random(1).sample(papers, min(len(papers), args.raw_sample))
    texts = [n.text for p in sample for n in chunk_paper(p, settings.index.chunk_overlap)]
    embedder = embedder_for(settings.index)
    embedder.embed(texts[:8])
    started = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {
        "chunks": len(texts),
        "papers": len(sample),
        "seconds": round(seconds, 2),
        "chunks_per_s": len(texts) / seconds,
    }


def phase_search(args: argparse.Namespace) -> dict:
    from evals.metrics import retrieval_scores
    from evals.questions import load_questions
    from evals.retrieval_eval import DEFAULT_QUESTIONS, retrieval_query
    from rag.retrieve import Searcher
    from rag.settings import Settings

    started = time.perf_counter()
    searcher = Searcher(Settings.load(), index_dir=args.index)
    searcher.search("warm up the model and the index")
    startup = time.perf_counter() - started
    questions = load_questions(DEFAULT_QUESTIONS)
    latencies, recall, mrr, answerable = [], 0.0, 0.0, 0
    for question in questions:
        query = retrieval_query(question)
        t0 = time.perf_counter()
        hits = searcher.search(query, k=10)
        latencies.append((time.perf_counter() - t0) * 1000)
        if question.answerable:
            scores = retrieval_scores([h.paper.title for h in hits], question.gold_titles)
            recall += scores["recall@5"]
            mrr += scores["mrr"]
            answerable += 1
    return {
        "startup_s": round(startup, 2),
        "search_ms_p50": round(statistics.median(latencies), 1),
        "search_ms_p95": round(float(np.percentile(latencies, 95)), 1),
        "queries": len(latencies),
        "recall@5": round(recall / answerable, 4),
        "mrr": round(mrr / answerable, 4),
        "peak_rss_mb": _peak_rss_mb(),
    }


def phase_ann(args: argparse.Namespace) -> dict:
    """How many of the true top-200 chunks (exact cosine over every stored vector) Chroma's HNSW returns
    for the dev questions, at the configured `index.hnsw_ef_search`. Its own process: it holds every
    vector in memory, which the search phase's RSS must not include."""
    from evals.questions import load_questions
    from evals.retrieval_eval import DEFAULT_QUESTIONS, retrieval_query
    from rag.embedding import embedder_for
    from rag.settings import Settings
    from rag.store import open_collection

    settings = Settings.load().with_overrides({"index.dir": args.index})
    collection = open_collection(settings.index, settings.index_dir)
    ids: list[str] = []
    blocks: list[np.ndarray] = []
    for offset in range(0, collection.count(), 5000):
        got = collection.get(include=["embeddings"], limit=5000, offset=offset)
        ids += got["ids"]
        blocks.append(np.asarray(got["embeddings"], dtype=np.float32))
    vectors = np.vstack(blocks)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    embedder = embedder_for(settings.index)
    top = min(200, len(ids))
    shares = []
    for question in load_questions(DEFAULT_QUESTIONS):
        query = np.asarray(embedder.get_query_embedding(retrieval_query(question)), dtype=np.float32)
        exact = {ids[i] for i in np.argsort(-(vectors @ query))[:top]}
        found = collection.query(query_embeddings=[query.tolist()], n_results=top, include=[])["ids"][0]
        shares.append(len(exact.intersection(found)) / top)
    return {
        "hnsw_ef_search": settings.index.hnsw_ef_search,
        "ann_recall@200": round(float(np.mean(shares)), 4),
        "ann_recall@200_min": round(float(np.min(shares)), 4),
    }


PHASES = {"ingest": phase_ingest, "raw": phase_raw, "search": phase_search, "ann": phase_ann}


def run_phase(name: str, *extra: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))}
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, *extra], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


def bench_size(n: int, args: argparse.Namespace, work: Path) -> dict:
    from rag.config import bundled_corpus_files
    from rag.paper import normalize_title

    taken = {normalize_title(p.title) for p in _bundled()}
    corpus_dir = work / f"corpus-{n}"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    if args.corpus:
        records = real_records(Path(args.corpus), n + 100, 0, taken)
    else:
        records = synthetic_records(n + 100, seed=12, taken=taken, source=args.distractors)
    distractors = write_jsonl(corpus_dir / "distractors.jsonl", records[:n])
    extra = write_jsonl(corpus_dir / "new-100.jsonl", records[n:])
    inputs = [str(p) for p in bundled_corpus_files()] + [str(distractors)]
    index = work / f"index-{n}"
    shutil.rmtree(index, ignore_errors=True)

    raw = run_phase("raw", *inputs)
    cache = ["--vector-cache", args.vector_cache] if args.vector_cache else []
    ingest = run_phase("ingest", "--index", str(index), *cache, *inputs)
    raw_s = ingest["chunks_embedded"] / raw["chunks_per_s"]
    non_embedding_s = max(ingest["seconds"] - ingest["embed_s"], 0.0)
    if ingest["vectors_cached"]:
        ratio = {"value": round(raw_s / (raw_s + non_embedding_s), 3), "estimated": True}
    else:
        ratio = {"value": round(raw_s / ingest["seconds"], 3), "estimated": False}
    size_mb = _dir_mb(index)
    search = {} if args.skip_search else run_phase("search", "--index", str(index))
    ann = {} if args.skip_search else run_phase("ann", "--index", str(index))
    add = run_phase("ingest", "--index", str(index), *inputs, str(extra))  # never cached
    return {
        "n_distractors": n,
        "papers": ingest["papers"],
        "corpus": "real" if args.corpus else f"synthetic (recombined bundled sentences, {args.distractors})",
        "ingest": {**ingest, "papers_per_s": round(ingest["papers"] / ingest["seconds"], 2)},
        "raw_embedding": {"chunks_per_s": round(raw["chunks_per_s"], 2), "sample_chunks": raw["chunks"]},
        "ingest_vs_raw_throughput": ratio,
        "index_mb": size_mb,
        "search": search,
        "vector_search": ann,
        "add_100": {
            "seconds": add["seconds"],
            "added": add["added"],
            "vs_full_ingest": round(add["seconds"] / ingest["seconds"], 4),
            "disk_written_mb": add["disk_written_mb"],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--corpus", help="a file of real papers (e.g. an arXiv metadata snapshot) for the distractors")
    parser.add_argument(
        "--distractors",
        choices=["unrelated", "copies"],
        default="unrelated",
        help="synthetic distractors from bundled papers no recall question is about (default), or from all "
        "of them, gold abstracts' sentences included (a stress test)",
    )
    parser.add_argument("--vector-cache", help="directory of cached chunk vectors, reused across runs")
    parser.add_argument("--work", help="working directory (kept); default a temporary one")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--raw-sample", type=int, default=300, help="papers whose chunks time raw embedding")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="rag-scale-"))
    os.environ.setdefault("RAG_DATA_DIR", str(work / "data-home"))
    results = []
    for n in args.sizes:
        results.append(bench_size(n, args, work))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"cpu_count": os.cpu_count(), "results": results}, indent=2))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
