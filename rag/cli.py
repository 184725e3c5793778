"""`rag` command line: ingest, search, ask, ui, eval, llm, stats."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from rag import config
from rag.ingest import IngestError
from rag.llm.client import LLMEndpointError
from rag.llm.model_files import ModelFileError
from rag.parsing import CorpusFormatError

if TYPE_CHECKING:
    from evals.judge import Judge
    from rag.answer_types import Answer

err_console = Console(stderr=True)
out_console = Console()

# Errors a user can act on: printed as one clear message, never as a traceback.
USER_ERRORS = (
    IngestError,
    CorpusFormatError,
    LLMEndpointError,
    ModelFileError,
    FileNotFoundError,
    ValueError,
    ConnectionError,
    RuntimeError,
)


def _add_index_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", help="index directory (default: $RAG_INDEX_DIR or the per-user data dir)")


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.ingest import ingest

    report = ingest(args.paths or None, args.index_dir, show_progress=sys.stderr.isatty() and not args.json)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        out_console.print(
            f"[bold]{report.papers}[/] papers in {report.index_dir}: {report.added} added, {report.updated} updated, "
            f"{report.removed} removed, {report.unchanged} unchanged; {report.chunks_embedded} chunks embedded "
            f"in {report.seconds:.1f}s"
        )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.retrieve import search

    hits = search(
        args.query,
        k=args.k,
        index_dir=args.index_dir,
        year_from=args.year_from,
        year_to=args.year_to,
        has_code=args.has_code,
        mode=args.mode,
    )
    if args.json:
        print(json.dumps([hit.summary() for hit in hits], indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"{len(hits)} papers for: {args.query}", show_lines=False)
    for column in ("#", "score", "title", "date", "authors", "upvotes"):
        table.add_column(column, overflow="fold")
    for rank, hit in enumerate(hits, start=1):
        p = hit.paper
        table.add_row(str(rank), f"{hit.score:.4f}", p.title, p.date or "", str(p.authors or ""), str(p.upvotes or ""))
    out_console.print(table)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from rag.state import IndexFiles, state_summary

    files = IndexFiles(config.index_dir(args.index_dir))
    if not files.exists():
        raise FileNotFoundError(f"no index in {files.root}; run `rag ingest` first")
    summary = {"index_dir": str(files.root), **state_summary(files.load_state())}
    print(json.dumps(summary, indent=2))
    return 0


def _print_answer(answer: Answer) -> None:
    from rich.panel import Panel

    style = "yellow" if answer.abstained else "green"
    out_console.print(Panel(answer.answer, title=f"[{style}]{answer.backend} · {answer.model}", expand=False))
    if answer.notice:
        out_console.print(f"[yellow]{answer.notice}", highlight=False)
    for sentence in answer.sentences:
        if not sentence.supported:
            out_console.print(f"[red]unsupported:[/] {sentence.text}", highlight=False)
    for source in answer.sources:
        meta = ", ".join(x for x in (source.date, f"{source.authors} authors" if source.authors else None) if x)
        out_console.print(f"[bold][{source.n}][/] {source.title}" + (f" ({meta})" if meta else ""), highlight=False)
    t = answer.timings
    first = f"{t.first_token_s:.1f}s" if t.first_token_s is not None else "-"
    out_console.print(f"[dim]retrieve {t.retrieve_s:.2f}s · first token {first} · total {t.total_s:.1f}s")


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer_types import Answer
    from rag.ask import ask_stream
    from rag.retrieve import SearchFilters

    history = json.loads(args.history) if args.history else []
    filters = SearchFilters(year_from=args.year_from, year_to=args.year_to, has_code=args.has_code)
    stream = ask_stream(
        args.question, history, backend=args.backend, k=args.k, index_dir=args.index_dir, filters=filters
    )
    answer = None
    for item in stream:
        if isinstance(item, Answer):
            answer = item
        elif not args.json and sys.stdout.isatty():
            out_console.print(item, end="", highlight=False, markup=False)
    if args.json:
        print(answer.to_json())
    else:
        if sys.stdout.isatty():
            out_console.print()
        _print_answer(answer)
    return 0


def _judge(args: argparse.Namespace) -> Judge:
    from evals.judge import LLMJudge, OfflineJudge
    from rag.llm.client import LLMClient

    if not args.judge_model:
        return OfflineJudge()
    if args.judge_model == "local":
        from rag.llm.local_server import ensure_server
        from rag.llm.model_files import MODEL_NAME

        return LLMJudge(LLMClient(base_url=ensure_server() + "/v1", model=MODEL_NAME))
    base_url = args.judge_url or os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
    return LLMJudge(
        LLMClient(base_url=base_url, model=args.judge_model, api_key=os.environ.get("OPENAI_API_KEY") or "not-needed")
    )


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        from evals.compare import compare_runs

        text = compare_runs(*args.compare)
        target = Path(args.compare[1]) / f"compare-vs-{Path(args.compare[0]).name}.md"
        target.write_text(text, encoding="utf-8")
        out_console.print(text, markup=False, highlight=False)
        out_console.print(f"[dim]written to {target}")
        return 0
    if not args.questions:
        raise ValueError("give a questions file (JSONL), or --compare DIR_A DIR_B")
    from evals.harness import run_eval
    from evals.report import PER_TYPE
    from rag.llm.backends import resolve_backend

    backend = resolve_backend(args.backend)
    out = args.out or f"eval-runs/{backend}-{time.strftime('%Y%m%d-%H%M%S')}"
    metrics = run_eval(
        args.questions,
        out,
        backend=backend,
        k=args.k,
        workers=args.workers,
        limit=args.limit,
        index_dir=args.index_dir,
        judge=_judge(args),
        show_progress=sys.stderr.isatty(),
    )
    overall = metrics["overall"]
    keys = ("questions", "errors", *PER_TYPE)
    print(json.dumps({k: overall.get(k) for k in keys}, indent=2))
    out_console.print(f"[dim]answers, metrics.json, report.md and report.html in {out}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from ui.app import launch

    if args.ingest:
        from rag.ingest import ingest

        ingest(None, args.index_dir, show_progress=sys.stderr.isatty())
    print(f"paper-rag chat on http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    launch(args.host, args.port, args.index_dir)
    return 0


def cmd_llm(args: argparse.Namespace) -> int:
    from rag.llm.local_server import ensure_server, running_server, stop_server

    if args.action == "start":
        print(ensure_server())
    elif args.action == "stop":
        print("stopped" if stop_server() else "not running")
    else:
        state = running_server()
        print(json.dumps(state or {"running": False}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited question answering over paper abstracts.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index paper files (default: the bundled corpus)")
    p.add_argument("paths", nargs="*", help="dump .txt, .jsonl/.json papers or arXiv metadata files, or folders")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="rank papers for a question")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="number of papers (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--has-code", action="store_true", help="only papers with a code link")
    p.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid")
    _add_index_dir(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with verified citations")
    p.add_argument("question")
    p.add_argument(
        "--backend",
        choices=("local", "openai", "extractive"),
        help="default: $RAG_BACKEND, else local if the model is installed, else extractive",
    )
    p.add_argument("-k", type=int, default=5, help="papers to draw evidence from (default 5)")
    p.add_argument("--history", help='JSON list of earlier turns: [{"role": "user", "content": "..."}, ...]')
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--has-code", action="store_true")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="batch-evaluate a question set, or compare two runs")
    p.add_argument("questions", nargs="?", help="question file (JSONL)")
    p.add_argument("--backend", choices=("local", "openai", "extractive"))
    p.add_argument("--k", type=int, default=5, help="papers per question (default 5)")
    p.add_argument("--out", help="output folder (default eval-runs/BACKEND-TIMESTAMP); reruns resume it")
    p.add_argument("--workers", type=int, default=1, help="questions answered in parallel (default 1)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument(
        "--judge-model",
        help="LLM judge model (OpenAI-compatible; 'local' = the embedded model); default: the offline lexical judge",
    )
    p.add_argument("--judge-url", help="judge endpoint base URL (default $OPENAI_BASE_URL)")
    p.add_argument("--compare", nargs=2, metavar=("DIR_A", "DIR_B"), help="compare two eval output folders")
    _add_index_dir(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("ui", help="start the chat web page")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--ingest", action="store_true", help="ingest the bundled corpus first if needed")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("llm", help="manage the embedded model's server")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.set_defaults(func=cmd_llm)

    p = sub.add_parser("stats", help="show what the index holds")
    _add_index_dir(p)
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except USER_ERRORS as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted; the index stays usable and the next ingest completes it")
        return 130


if __name__ == "__main__":
    sys.exit(main())
