"""`rag` command line: ingest, search, ask, verify, eval, ui, llm, stats, settings.

Every command takes `--preset NAME` and `--set section.field=value` (repeatable) on top of the
environment; `rag settings` shows the effective values and where each came from. A `RagError` is printed
as one clear message (exit 2); anything else is a bug and surfaces as one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rag.errors import InputError, RagError
from rag.settings import Settings, available_presets, env_name, field_descriptions, flatten_paths, parse_assignments

if TYPE_CHECKING:
    from evals.judge import Judge
    from rag.answer_types import Answer

err_console = Console(stderr=True)
out_console = Console()


def load_settings(args: argparse.Namespace) -> Settings:
    """The environment and preset, then `--set`, then the command's own options (`--index-dir`, `-k`, ...)."""
    overrides = parse_assignments(args.set)
    for option, path in (
        ("index_dir", "index.dir"),
        ("backend", "generation.backend"),
        ("papers", "evidence.papers"),
        ("mode", "retrieval.mode"),
        ("host", "ui.host"),
        ("port", "ui.port"),
    ):
        if getattr(args, option, None) is not None:
            overrides[path] = getattr(args, option)
    return Settings.load(args.preset, overrides)


def _generator_names() -> list[str]:
    from rag.generate import GENERATORS

    return GENERATORS.names()


def _retriever_names() -> list[str]:
    from rag.retrieve import RETRIEVERS

    return RETRIEVERS.names()


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.ingestion import ingest

    report = ingest(
        args.paths or None, settings=load_settings(args), show_progress=sys.stderr.isatty() and not args.json
    )
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
        settings=load_settings(args),
        year_from=args.year_from,
        year_to=args.year_to,
        has_code=args.has_code,
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
    from rag.errors import IndexNotFoundError
    from rag.state import IndexFiles, state_summary

    settings = load_settings(args)
    files = IndexFiles(settings.index_dir)
    if settings.index.chroma_url:  # the records live on the server: bring the local copy up to date
        from rag.remote import RemoteRecords

        RemoteRecords(settings.index, files.root).sync(files)
    if not files.exists():
        raise IndexNotFoundError(f"no index in {files.root}; run `rag ingest` first")
    summary = {"index_dir": str(files.root), **state_summary(files)}
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
            out_console.print(f"[red]unsupported:[/] {escape(sentence.text)}", highlight=False)
    for sentence in answer.removed:
        reason = sentence.verdict.replace("_", " ")
        out_console.print(f"[red]left out ({reason}):[/] {escape(sentence.text)}", highlight=False)
    for sentence in answer.off_topic:
        reason = sentence.left_out or "off the question"
        out_console.print(f"[yellow]left out ({escape(reason)}):[/] {escape(sentence.text)}", highlight=False)
    for source in answer.sources:
        meta = ", ".join(x for x in (source.date, f"{source.authors} authors" if source.authors else None) if x)
        out_console.print(f"[bold][{source.n}][/] {source.title}" + (f" ({meta})" if meta else ""), highlight=False)
    t = answer.timings
    first = f"{t.first_token_s:.1f}s" if t.first_token_s is not None else "-"
    out_console.print(f"[dim]retrieve {t.retrieve_s:.2f}s · first token {first} · total {t.total_s:.1f}s")


def _history_argument(raw: str | None) -> list[Any]:
    if not raw:
        return []
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(f"--history is not valid JSON ({err.msg} at character {err.pos})") from None


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import Pipeline
    from rag.retrieve import SearchFilters

    filters = SearchFilters(year_from=args.year_from, year_to=args.year_to, has_code=args.has_code)
    stream = Pipeline(load_settings(args)).stream(args.question, _history_argument(args.history), filters)
    live = not args.json and sys.stdout.isatty()
    for piece in stream:
        if live:
            out_console.print(piece, end="", highlight=False, markup=False)
    if args.json:
        print(stream.answer.to_json())
    else:
        if live:
            out_console.print()
        _print_answer(stream.answer)
    return 0


def _papers_to_verify(args: argparse.Namespace, settings: Settings) -> list[Any]:
    """`--abstracts FILE.jsonl` records, or each `--paper` looked up in the index by id or exact title."""
    if args.abstracts:
        path = Path(args.abstracts)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise InputError(f"--abstracts {path}: {err.strerror}") from None
        records = []
        for no, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise InputError(f"--abstracts {path}:{no}: invalid JSON ({err.msg})") from None
        return records
    if not args.paper:
        raise InputError("name the cited papers: --paper TITLE_OR_ID (once per [n], in order) or --abstracts FILE")
    from rag.retrieve import get_searcher

    searcher = get_searcher(settings)
    return [searcher.find_paper(key) for key in args.paper]


def cmd_verify(args: argparse.Namespace) -> int:
    from rag.checking import verify

    settings = load_settings(args)
    papers = _papers_to_verify(args, settings)
    sentences = verify(args.text, papers, settings=settings)
    if args.json:
        print(json.dumps([s.model_dump() for s in sentences], indent=2))
        return 0
    colours = {"supported": "green", "contradicted": "red", "not_enough_info": "yellow"}
    for sentence in sentences:
        cited = "".join(f"[{n}]" for n in sentence.citations) or "(no supporting citation)"
        out_console.print(
            f"[{colours[sentence.verdict]}]{sentence.verdict}[/] {escape(sentence.text)} {cited}", highlight=False
        )
        if sentence.evidence:
            out_console.print(f"  [dim]evidence: {escape(sentence.evidence)}", highlight=False)
    return 0


def eval_judge(kind: str | None, judge_model: str | None, judge_url: str | None, settings: Settings) -> Judge:
    """The eval judge: `--judge-model` (RAGAS-style LLM judge), else `kind` (`entailment` through the
    embedded model, `lexical`); default entailment when the embedded model is installed, else lexical."""
    from evals.judge import EntailmentJudge, LLMJudge, OfflineJudge
    from rag.llm.client import LLMClient
    from rag.llm.model_files import MODEL_NAME, parts_installed

    def local_client() -> LLMClient:
        from rag.llm.local_server import ensure_server

        return LLMClient.from_settings(settings.llm, ensure_server(settings) + "/v1", MODEL_NAME)

    if judge_model:
        if judge_model == "local":
            return LLMJudge(local_client())
        return LLMJudge(LLMClient.from_settings(settings.llm, judge_url, judge_model))
    if kind is None:
        kind = "entailment" if parts_installed() else "lexical"
        if kind == "lexical":
            err_console.print("notice: the embedded model is not installed; judging with the lexical judge")
    return EntailmentJudge(local_client()) if kind == "entailment" else OfflineJudge()


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
        raise InputError("give a questions file (JSONL), or --compare DIR_A DIR_B")
    from evals.harness import run_eval
    from evals.report import PER_TYPE
    from rag.generate import resolve_backend

    settings = load_settings(args)
    settings = settings.with_overrides({"generation.backend": resolve_backend(settings)})
    out = args.out or f"eval-runs/{settings.generation.backend}-{time.strftime('%Y%m%d-%H%M%S')}"
    metrics = run_eval(
        args.questions,
        out,
        settings=settings,
        workers=args.workers,
        limit=args.limit,
        judge=eval_judge(args.judge, args.judge_model, args.judge_url, settings),
        show_progress=sys.stderr.isatty(),
    )
    overall = metrics["overall"]
    keys = ("questions", "errors", *PER_TYPE)
    print(json.dumps({k: overall.get(k) for k in keys}, indent=2))
    out_console.print(f"[dim]answers, metrics.json, report.md and report.html in {out}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from ui.app import launch

    settings = load_settings(args)
    ensure_port_free(settings.ui.host, settings.ui.port)
    if args.ingest:
        from rag.ingestion import ingest

        ingest(None, settings=settings, show_progress=sys.stderr.isatty())
    print(f"paper-rag chat on http://{settings.ui.host}:{settings.ui.port}  (Ctrl+C to stop)", flush=True)
    try:
        launch(settings)
    except OSError as err:  # e.g. the port was taken between the check and the launch
        raise InputError(f"cannot serve on {settings.ui.host}:{settings.ui.port}: {err}") from None
    return 0


def ensure_port_free(host: str, port: int) -> None:
    """An `InputError` naming the port if something already listens on `host`:`port`."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as err:
            raise InputError(
                f"cannot serve the chat on {host}:{port}: {err.strerror or err}; choose another port with --port"
            ) from None


def cmd_llm(args: argparse.Namespace) -> int:
    from rag.llm.local_server import ensure_server, running_server, stop_server

    settings = load_settings(args)
    if args.action == "start":
        print(ensure_server(settings))
    elif args.action == "stop":
        print("stopped" if stop_server(settings) else "not running")
    else:
        state = running_server(settings)
        print(json.dumps(state or {"running": False}, indent=2))
    return 0


def settings_report(settings: Settings) -> dict[str, Any]:
    """Every field with its value, origin, environment variable and description (`rag settings --json`)."""
    values = flatten_paths(settings.public_dict())
    origins = settings.origins()
    descriptions = field_descriptions()
    return {
        "preset": settings.preset,
        "presets": available_presets(),
        "fingerprint": settings.fingerprint(),
        "fields": {
            path: {
                "value": value,
                "origin": origins[path],
                "env": env_name(path) if path != "preset" else "RAG_PRESET",
                "description": descriptions.get(path, ""),
            }
            for path, value in values.items()
        },
    }


def cmd_settings(args: argparse.Namespace) -> int:
    report = settings_report(load_settings(args))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"settings (preset {report['preset']}, fingerprint {report['fingerprint']})")
    for column in ("field", "value", "from", "meaning"):
        table.add_column(column, overflow="fold")
    for path, field in report["fields"].items():
        table.add_row(path, json.dumps(field["value"]), field["origin"], field["description"])
    out_console.print(table)
    out_console.print(f"[dim]presets: {', '.join(report['presets'])}; override any field with RAG_<SECTION>__<FIELD>")
    return 0


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--preset", help=f"settings preset ({', '.join(available_presets())}); default $RAG_PRESET")
    common.add_argument(
        "--set",
        action="append",
        metavar="SECTION.FIELD=VALUE",
        help="override one setting, e.g. --set retrieval.dense_weight=0.7 (repeatable; see `rag settings`)",
    )
    return common


def _add_index_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", help="index directory (setting index.dir; default: the per-user data dir)")


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(prog="rag", description="Cited question answering over paper abstracts.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="index paper files (default: the bundled corpus)")
    p.add_argument("paths", nargs="*", help="dump .txt, .jsonl/.json papers or arXiv metadata files, or folders")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", parents=[common], help="rank papers for a question")
    p.add_argument("query")
    p.add_argument("-k", type=int, help="number of papers (setting retrieval.k, default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--has-code", action="store_true", help="only papers with a code link")
    p.add_argument("--mode", choices=_retriever_names(), help="retriever (setting retrieval.mode, default hybrid)")
    _add_index_dir(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="answer a question with verified citations")
    p.add_argument("question")
    p.add_argument(
        "--backend",
        choices=_generator_names(),
        help="setting generation.backend; default: local if the model is installed, else extractive",
    )
    p.add_argument("-k", dest="papers", type=int, help="papers to draw evidence from (setting evidence.papers)")
    p.add_argument("--history", help='JSON list of earlier turns: [{"role": "user", "content": "..."}, ...]')
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--has-code", action="store_true")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("verify", parents=[common], help="check text with [n] markers against the papers it cites")
    p.add_argument("text", help='sentences citing papers by number, e.g. "X improves Y by 3%% [1]."')
    p.add_argument("--paper", action="append", help="the paper [n] cites (id or exact title), once per n, in order")
    p.add_argument("--abstracts", help="JSONL of {title, abstract} records instead: line n is what [n] cites")
    p.add_argument("--backend", choices=_generator_names(), help="the LLM that judges (setting generation.backend)")
    p.add_argument("--json", action="store_true", help="print the sentences as JSON")
    _add_index_dir(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("eval", parents=[common], help="batch-evaluate a question set, or compare two runs")
    p.add_argument("questions", nargs="?", help="question file (JSONL)")
    p.add_argument("--backend", choices=_generator_names())
    p.add_argument("--k", dest="papers", type=int, help="papers per question (setting evidence.papers)")
    p.add_argument("--out", help="output folder (default eval-runs/BACKEND-TIMESTAMP); reruns resume it")
    p.add_argument("--workers", type=int, default=1, help="questions answered in parallel (default 1)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument(
        "--judge",
        choices=("entailment", "lexical"),
        help="support judge: entailment (the embedded model; default when installed) or lexical (fast, word overlap)",
    )
    p.add_argument(
        "--judge-model",
        help="RAGAS-style LLM judge model instead (OpenAI-compatible; 'local' = the embedded model)",
    )
    p.add_argument("--judge-url", help="judge endpoint base URL (default: setting llm.base_url)")
    p.add_argument("--compare", nargs=2, metavar=("DIR_A", "DIR_B"), help="compare two eval output folders")
    _add_index_dir(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("ui", parents=[common], help="start the chat web page")
    p.add_argument("--host", help="interface to bind (setting ui.host, default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, help="setting ui.port (default 7860)")
    p.add_argument("--ingest", action="store_true", help="ingest the bundled corpus first if needed")
    _add_index_dir(p)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("llm", parents=[common], help="manage the embedded model's server")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.set_defaults(func=cmd_llm)

    p = sub.add_parser("stats", parents=[common], help="show what the index holds")
    _add_index_dir(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("settings", parents=[common], help="show every setting, its value and where it came from")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RagError as err:
        err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted; the index stays usable and the next ingest completes it")
        return 130


if __name__ == "__main__":
    sys.exit(main())
