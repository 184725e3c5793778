"""The chat web page: streamed, verified, cited answers; sources panel; settings; feedback; corpus tab.

Started by `rag ui` (and `make run`). Binds 127.0.0.1 unless told otherwise, never creates a share link,
sends no analytics and loads no remote assets (system fonts, no CDN).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from rag.answer_types import Answer
from rag.errors import IndexNotFoundError, RagError
from rag.generate import GENERATORS, resolve_backend
from rag.ingestion import IngestError, ingest
from rag.pipeline import Pipeline
from rag.retrieve import SearchFilters, get_searcher
from rag.settings import Settings
from rag.state import IndexFiles, state_summary
from ui.feedback import record_feedback
from ui.render import (
    answer_html,
    conversation_markdown,
    error_html,
    esc,
    is_streaming_html,
    plain_answer_text,
    sources_html,
    stopped_html,
    streaming_html,
)
from ui.uploads import public_message, store_upload

_CORPUS_LISTING = 1000  # papers listed in the corpus tab before a search narrows them

EXAMPLES = [
    "How can one train a model whose memory exceeds the GPUs of a single server?",
    "What top-1 accuracy does EfficientNet-B7 reach on ImageNet?",
    "Which papers quantize trained networks without the original training data?",
]
CSS = """
.cite-chip{display:inline-block;padding:0 .35em;margin:0 .1em;border-radius:.6em;background:#e0ecff;color:#1a4fb4;
  font-size:.85em;text-decoration:none;cursor:pointer}
.cite-chip:hover{background:#1a4fb4;color:#fff}
.rag-sentence.unsupported{text-decoration:underline wavy #d33;color:#8a1f1f}
.rag-verdict{display:inline-block;margin-left:.15em;font-size:.8em;cursor:help;border-radius:.5em;padding:0 .25em}
.rag-verdict-supported{color:#1d7a2e;background:#e3f5e6}
.rag-verdict-contradicted{color:#fff;background:#c62828}
.rag-verdict-not_enough_info{color:#8a6d00;background:#fff4cc}
.rag-removed{color:#666;font-size:.85em;margin-top:.4em}
.rag-removed-evidence{color:#777;font-style:italic;margin:.1em 0 .3em 1em}
.rag-meta{color:#888;font-size:.8em;margin-top:.4em}
.rag-notice{color:#8a6d00;font-size:.85em;margin-bottom:.3em}
.rag-note{color:#888;font-style:italic}
.rag-error{color:#a40000}
.rag-abstained b{color:#7a5600}
.rag-card{border:1px solid #ddd;border-radius:8px;padding:.4em .7em;margin:.4em 0;background:#fff;
  overflow-wrap:anywhere;word-break:break-word;max-width:100%;box-sizing:border-box}
.rag-answer{overflow-wrap:anywhere}
.rag-flag{color:#a15c00;font-weight:400;font-size:.8em}
.rag-instruction{text-decoration:line-through;color:#999}
.rag-card summary{cursor:pointer;font-weight:600}
.rag-card-meta{color:#666;font-size:.85em;margin:.3em 0}
.rag-uncited{color:#999;font-weight:400;font-size:.8em}
mark.rag-evidence{background:#fff1a8;padding:0 .1em}
.rag-flash{outline:3px solid #1a4fb4;transition:outline .3s}
#sources{max-height:720px;overflow-y:auto}
"""
# Chips live inside chat messages (sanitised HTML, so no inline handlers): one delegated listener, in the
# capture phase so the chatbot's own link handling never sees the click.
CHIP_JS = """
<script>
document.addEventListener('click', function (event) {
  const chip = event.target.closest && event.target.closest('a.cite-chip');
  if (!chip) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(chip.getAttribute('href').slice(1));
  if (!card) return;
  card.open = true;
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.add('rag-flash');
  setTimeout(function () { card.classList.remove('rag-flash'); }, 1600);
}, true);
</script>
"""
THEME = gr.themes.Soft(font=[gr.themes.Font("system-ui"), "sans-serif"], font_mono=[gr.themes.Font("monospace")])


@dataclass
class Session:
    """Per-browser-session state (gradio deep-copies it per session: no cross-talk)."""

    turns: list[tuple[int, Answer]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    records: dict[int, dict[str, Any]] = field(default_factory=dict)  # chat message index -> feedback record
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def backend_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, name) of every registered generator, e.g. "local · qwen2.5-coder-1.5b-instruct-q4_k_m"."""
    choices = []
    for name in GENERATORS.names():
        generator = GENERATORS.get(name)(settings)
        shown = generator.label if generator.model == name else f"{generator.label} · {generator.model}"
        choices.append((shown, name))
    return choices


def _filters(year_from: float | None, year_to: float | None, has_code: bool) -> SearchFilters:
    return SearchFilters(
        year_from=int(year_from) if year_from else None, year_to=int(year_to) if year_to else None, has_code=has_code
    )


def mark_stopped(chat: list) -> list:
    """On Stop: the answer being streamed stays, marked as stopped and unverified."""
    if chat and chat[-1]["role"] == "assistant":
        content = "".join(part["text"] for part in chat[-1]["content"])  # Gradio 6: a list of text parts
        if is_streaming_html(content):
            return [*chat[:-1], {"role": "assistant", "content": stopped_html(content)}]
    return chat


def build_app(settings: Settings) -> gr.Blocks:
    """The chat page over `settings`' index; each request's settings are `settings` plus the session's choices."""
    index_root = settings.index_dir

    def shown(message: str) -> str:
        """An error message as the page shows it: no server paths."""
        message = message.replace(str(index_root), "the index directory")
        return message.replace(str(settings.data_dir), "the data directory")

    def respond(
        message: str,
        chat: list,
        session: Session,
        backend: str,
        k: float,
        year_from: float | None,
        year_to: float | None,
        has_code: bool,
    ) -> Iterator[tuple]:
        chat = [*chat, {"role": "user", "content": esc(message)}]
        chosen = {"backend": backend, "k": int(k), "year_from": year_from, "year_to": year_to, "has_code": has_code}
        yield [*chat, {"role": "assistant", "content": streaming_html("")}], "", session, gr.skip(), gr.skip()
        text = ""
        try:
            request = settings.with_overrides({"generation.backend": backend, "evidence.papers": int(k)})
            stream = Pipeline(request).stream(message, session.history, _filters(year_from, year_to, has_code))
            for piece in stream:
                text += piece
                streaming = [*chat, {"role": "assistant", "content": streaming_html(text)}]
                yield streaming, "", session, gr.skip(), gr.skip()
            final = stream.answer
        except RagError as err:
            failed = {"role": "assistant", "content": error_html(shown(str(err)))}
            yield [*chat, failed], "", session, gr.skip(), gr.skip()
            return
        turn = len(session.turns)
        session.turns.append((turn, final))
        session.history += [
            {"role": "user", "content": message},
            {"role": "assistant", "content": plain_answer_text(final)},
        ]
        session.records[len(chat)] = {"question": message, "answer": final.model_dump(), "settings": chosen}
        chat = [*chat, {"role": "assistant", "content": answer_html(final, turn)}]
        yield chat, "", session, sources_html(session.turns), export(session)

    def on_like(session: Session, data: gr.LikeData) -> str:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        record = session.records.get(index)
        if record is None:
            return "Feedback is only stored for answers."
        record_feedback(settings.data_dir, bool(data.liked), record)
        return "Thanks, feedback saved."  # no server paths in what the page shows

    def export(session: Session) -> str:
        """The conversation so far as Markdown; the export button always holds the current version."""
        folder = settings.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"conversation-{session.session_id}.md"
        path.write_text(conversation_markdown(session.turns), encoding="utf-8")
        return str(path)

    def clear() -> tuple[list, Session, str, str, None]:
        return [], Session(), sources_html([]), "", None

    def corpus_rows(query: str) -> list[list[Any]]:
        try:
            searcher = get_searcher(settings)
            searcher.refresh()
            if query and query.strip():
                papers = [h.paper for h in searcher.search(query, k=50)]
            else:
                papers = searcher.top_papers(_CORPUS_LISTING)  # the most upvoted; the rest are found by searching
        except RagError as err:
            raise gr.Error(shown(str(err))) from None  # shown to the user as this message, not a generic "Error"
        return [[p.title, p.date or "", p.upvotes or 0, p.authors or 0, "yes" if p.code_urls else ""] for p in papers]

    def corpus_stats() -> str:
        summary = state_summary(IndexFiles(index_root))
        return (
            f"**{summary['papers']} papers** · {summary['chunks']} chunks · {summary['with_date']} dated · "
            f"{summary['with_code']} with code"
        )

    def index_upload(file: Any, query: str, progress: gr.Progress = gr.Progress()) -> tuple[str, str, list, None]:  # noqa: B008
        """Index an uploaded file; the upload box is emptied for the next one either way."""
        if file is None:
            return "Choose a file first.", corpus_stats(), corpus_rows(query), None
        received = Path(file if isinstance(file, str) else file.name)
        name = received.name
        path = store_upload(received, settings.data_dir)  # the index records this copy, not Gradio's temp file
        progress(0, desc="parsing")
        try:
            report = ingest(
                [path], settings=settings, on_progress=lambda done, total: progress(done / total, desc="indexing")
            )
        except RagError as err:
            if isinstance(err, IngestError):
                path.unlink(missing_ok=True)  # a rejected file is not kept (nothing was written); the user has theirs
            message = shown(public_message(str(err), path, name))
            return f"**Not indexed.** {esc(message)}", corpus_stats(), corpus_rows(query), None
        message = (
            f"Indexed **{esc(name)}**: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged ({report.chunks_embedded} chunks in {report.seconds:.1f}s)."
        )
        return message, corpus_stats(), corpus_rows(query), None

    def pick_example(data: gr.SelectData) -> str:
        return data.value["text"]

    def api_ask(question: str, backend: str = "extractive", k: int = 5) -> dict:
        """One question, no session: the verified answer object (for scripts and load tests)."""
        try:
            request = settings.with_overrides({"generation.backend": backend, "evidence.papers": int(k)})
            return Pipeline(request).stream(question).answer.model_dump()
        except RagError as err:
            raise gr.Error(shown(str(err))) from None

    with gr.Blocks(title="paper-rag", analytics_enabled=False, fill_height=True) as demo:
        session = gr.State(Session())
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="paper-rag",
                    elem_id="chat",
                    height=560,
                    latex_delimiters=[],
                    placeholder="Ask a question about the papers. Every sentence of the answer cites the "
                    "abstracts that support it, and every citation is checked.",
                    examples=[{"text": q} for q in EXAMPLES],
                    feedback_options=("Like", "Dislike"),
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the papers…",
                        show_label=False,
                        scale=6,
                        elem_id="question",
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-btn")
                    stop_button = gr.Button("Stop", scale=1, elem_id="stop-btn")
                with gr.Row():
                    clear_button = gr.Button("New conversation", size="sm", elem_id="clear-btn")
                    export_button = gr.DownloadButton("Export conversation (Markdown)", size="sm", elem_id="export-btn")
                feedback_status = gr.Markdown(elem_id="feedback-status")
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    backend = gr.Dropdown(
                        backend_choices(settings), value=resolve_backend(settings), label="Backend", elem_id="backend"
                    )
                    k = gr.Slider(
                        1,
                        settings.ui.max_papers,
                        value=min(settings.evidence.papers, settings.ui.max_papers),
                        step=1,
                        label="Papers to draw evidence from",
                        elem_id="k",
                    )
                    with gr.Row():
                        year_from = gr.Number(label="From year (0 = any)", precision=0, elem_id="year-from")
                        year_to = gr.Number(label="To year (0 = any)", precision=0, elem_id="year-to")
                    has_code = gr.Checkbox(label="Only papers with a code link", elem_id="has-code")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html([]), elem_id="sources")
        with gr.Tab("Corpus", elem_id="corpus-tab"):
            stats = gr.Markdown(elem_id="corpus-stats")
            corpus_query = gr.Textbox(label="Search the indexed papers", elem_id="corpus-query")
            table = gr.Dataframe(
                headers=["title", "date", "upvotes", "authors", "code"],
                interactive=False,
                wrap=True,
                column_widths=["52%", "14%", "11%", "11%", "12%"],  # a long title must not push the rest off-screen
                elem_id="corpus-table",
                max_height=520,
            )
            with gr.Row():
                upload = gr.File(
                    label="Add a daily-papers dump, JSONL or arXiv metadata file",
                    file_types=[".txt", ".jsonl", ".json"],
                    elem_id="upload",
                )
                with gr.Column():
                    index_button = gr.Button("Index file", variant="primary", elem_id="index-btn")
                    upload_status = gr.Markdown(elem_id="upload-status")

        inputs = [question, chatbot, session, backend, k, year_from, year_to, has_code]
        outputs = [chatbot, question, session, sources, export_button]
        submitted = question.submit(respond, inputs, outputs, api_visibility="private")
        clicked = ask_button.click(respond, inputs, outputs, api_visibility="private")
        example = chatbot.example_select(pick_example, None, question).then(
            respond, inputs, outputs, api_visibility="private"
        )
        stop_button.click(mark_stopped, chatbot, chatbot, cancels=[submitted, clicked, example])
        chatbot.like(on_like, [session], feedback_status)
        clear_button.click(clear, None, [chatbot, session, sources, feedback_status, export_button])
        corpus_query.submit(corpus_rows, corpus_query, table)
        index_button.click(index_upload, [upload, corpus_query], [upload_status, stats, table, upload])
        demo.load(corpus_stats, None, stats).then(corpus_rows, corpus_query, table)
        gr.api(api_ask, api_name="ask")
    return demo


def launch(settings: Settings, block: bool = True) -> gr.Blocks:
    """Serve the chat page on `settings.ui.host`:`settings.ui.port`."""
    if not settings.index.chroma_url and not IndexFiles(settings.index_dir).exists():
        raise IndexNotFoundError(f"no index in {settings.index_dir}; run `rag ingest` first")
    get_searcher(settings)  # load the model and index before the first visitor waits for it
    if resolve_backend(settings) == "local":  # load the LLM in the background: the page is usable meanwhile
        from rag.llm.local_server import ensure_server

        threading.Thread(target=ensure_server, args=(settings,), name="warm-llm", daemon=True).start()
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=settings.ui.concurrency_limit)
    demo.launch(
        # Exports live in the data dir, which Gradio serves only if allowed (by default it serves files of
        # the working and temp directories, which the data dir of a real install is neither of).
        allowed_paths=[str(settings.data_dir / "exports")],
        server_name=settings.ui.host,
        server_port=settings.ui.port,
        share=False,
        inbrowser=False,
        show_error=False,
        prevent_thread_lock=not block,
        theme=THEME,
        css=CSS,
        head=CHIP_JS,
        footer_links=[],
        ssr_mode=False,
        quiet=True,
    )
    return demo
