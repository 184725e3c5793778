"""HTML and Markdown for the chat page. Every piece of corpus or user text is escaped here."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from rag.answer_types import Answer, AnswerSentence, Source
from rag.budget import strip_truncation
from rag.instructions import instruction_sentences

CHIP = '<a class="cite-chip" href="#src-{turn}-{n}" title="{title}">[{n}]</a>'


def esc(text: str | None) -> str:
    # html.escape covers <, >, &, quotes; `$` and markdown markers are inert inside our HTML blocks
    # because the chatbot is created with latex_delimiters=[] and every message is one HTML block.
    return html.escape(text or "", quote=True)


STREAMING_OPEN = '<div class="rag-answer rag-streaming">'
STREAMING_NOTE = '<span class="rag-note"> (verifying citations…)</span>'
STOPPED_OPEN = '<div class="rag-answer rag-stopped">'
STOPPED_NOTE = '<span class="rag-note"> (stopped; citations not verified)</span>'


def streaming_html(text: str) -> str:
    return f"{STREAMING_OPEN}{esc(text)}{STREAMING_NOTE}</div>"


def is_streaming_html(content: str) -> bool:
    return content.startswith(STREAMING_OPEN)


def stopped_html(streaming: str) -> str:
    """The partial answer as it stood when Stop was pressed, marked as unverified."""
    partial = streaming.removeprefix(STREAMING_OPEN).removesuffix(f"{STREAMING_NOTE}</div>")
    return f"{STOPPED_OPEN}{partial}{STOPPED_NOTE}</div>"


def error_html(message: str) -> str:
    return f'<div class="rag-answer rag-error">⚠️ {esc(message)}</div>'


VERDICT_LABELS = {
    "supported": "Supported by the cited paper",
    "contradicted": "Contradicted by the closest paper",
    "not_enough_info": "No retrieved paper states this",
}
VERDICT_SYMBOLS = {"supported": "✓", "contradicted": "✗", "not_enough_info": "?"}


def verdict_mark(sentence: AnswerSentence) -> str:
    """A small mark after a sentence; hovering it shows the verdict and the deciding evidence (its title:
    Gradio's sanitizer keeps `title`, not `aria-label`)."""
    tip = VERDICT_LABELS[sentence.verdict]
    if sentence.evidence:
        tip += f": “{sentence.evidence}”"
    return (
        f'<span class="rag-verdict rag-verdict-{sentence.verdict}" tabindex="0" '
        f'title="{esc(tip)}">{VERDICT_SYMBOLS[sentence.verdict]}</span>'
    )


def removed_html(answer: Answer) -> str:
    """The draft's sentences that were left out, each with its verdict and deciding evidence (collapsed)."""
    if not answer.removed:
        return ""
    items = "".join(
        f'<li><span class="rag-sentence unsupported">{esc(s.text)}</span>{verdict_mark(s)}'
        + (f'<div class="rag-removed-evidence">{esc(s.evidence)}</div>' if s.evidence else "")
        + "</li>"
        for s in answer.removed
    )
    count = len(answer.removed)
    return (
        f'<details class="rag-removed"><summary>{count} sentence{"s" if count > 1 else ""} of the draft left out: '
        f"no source supports {'them' if count > 1 else 'it'}</summary><ul>{items}</ul></details>"
    )


def off_topic_html(answer: Answer) -> str:
    """Supported sentences left out as off the question, each with its reason, collapsed."""
    if not answer.off_topic:
        return ""
    items = "".join(
        f"<li>{esc(s.text)}"
        + (f' <span class="rag-left-out-reason">({esc(s.left_out)})</span>' if s.left_out else "")
        + "</li>"
        for s in answer.off_topic
    )
    count = len(answer.off_topic)
    return (
        f'<details class="rag-removed rag-off-topic"><summary>{count} supported sentence{"s" if count > 1 else ""} '
        f"left out: {'they do' if count > 1 else 'it does'} not answer the question</summary><ul>{items}</ul></details>"
    )


def answer_html(answer: Answer, turn: int) -> str:
    if answer.abstained:
        nearest = "".join(
            f"<li>{CHIP.format(turn=turn, n=s.n, title=esc(s.title))} {esc(s.title)}</li>" for s in answer.sources
        )
        return (
            f'<div class="rag-answer rag-abstained"><b>{esc(answer.answer)}</b><ul>{nearest}</ul>'
            f"{removed_html(answer)}{off_topic_html(answer)}</div>"
        )
    titles = {s.n: s.title for s in answer.sources}
    parts = []
    for sentence in answer.sentences:
        chips = "".join(CHIP.format(turn=turn, n=n, title=esc(titles.get(n, ""))) for n in sentence.citations)
        mark = verdict_mark(sentence)
        if sentence.supported:
            parts.append(f'<span class="rag-sentence">{esc(sentence.text)}</span> {chips}{mark}')
        else:
            label = "contradicted" if sentence.verdict == "contradicted" else "unsupported"
            parts.append(
                f'<span class="rag-sentence unsupported rag-{label}" title="{esc(VERDICT_LABELS[sentence.verdict])}">'
                f"{esc(sentence.text)} <em>({label})</em></span>{mark}"
            )
    notice = f'<div class="rag-notice">{esc(answer.notice)}</div>' if answer.notice else ""
    meta = f'<div class="rag-meta">{esc(answer.backend)} · {esc(answer.model)} · {answer.timings.total_s:.1f}s</div>'
    left_out = removed_html(answer) + off_topic_html(answer)
    return f'<div class="rag-answer">{notice}{" ".join(parts)}{left_out}{meta}</div>'


INSTRUCTION_FLAG = (
    ' <span class="rag-flag" title="Sentences of this abstract address the reader or a language model; they are '
    'never used as evidence">⚠ contains instruction-like text</span>'
)


def _highlighted_abstract(source: Source, instructions: list[str]) -> str:
    text = esc(source.abstract)
    for sentence in sorted(source.evidence, key=len, reverse=True):
        escaped = esc(strip_truncation(sentence))  # a cut sentence is highlighted up to the cut
        text = text.replace(escaped, f'<mark class="rag-evidence">{escaped}</mark>', 1)
    for sentence in instructions:
        escaped = esc(sentence)
        text = text.replace(escaped, f'<span class="rag-instruction">{escaped}</span>', 1)
    return text


def safe_link(url: str) -> str | None:
    """`url` if it is an absolute http(s) URL (no `javascript:`, `data:` or relative links), else None."""
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme.lower() in ("http", "https") and parsed.netloc else None


def source_card(source: Source, turn: int, cited: bool) -> str:
    facts = [
        source.date,
        f"{source.authors} authors" if source.authors else None,
        f"▲ {source.upvotes}" if source.upvotes else None,
    ]
    code = [link for link in map(safe_link, source.code_urls) if link][:1]
    links = [f'<a class="rag-code" href="{esc(url)}" target="_blank" rel="noopener">code</a>' for url in code]
    if paper_link := safe_link(source.url):
        links.append(f'<a href="{esc(paper_link)}" target="_blank" rel="noopener">paper</a>')
    meta = " · ".join([esc(f) for f in facts if f] + links)
    instructions = instruction_sentences(source.abstract)
    badge = "" if cited else ' <span class="rag-uncited">not cited</span>'
    badge += INSTRUCTION_FLAG if instructions else ""
    return (
        f'<details class="rag-card" id="src-{turn}-{source.n}"{" open" if cited else ""}>'
        f'<summary><span class="rag-n">[{source.n}]</span> {esc(source.title)}{badge}</summary>'
        f'<div class="rag-card-meta">{meta}</div><p>{_highlighted_abstract(source, instructions)}</p></details>'
    )


def sources_html(turns: list[tuple[int, Answer]]) -> str:
    """Source cards of every answered turn, newest first; chips in any message scroll to theirs."""
    if not turns:
        return '<div class="rag-sources-empty">Sources of each answer appear here.</div>'
    blocks = []
    for turn, answer in reversed(turns):
        cited = {n for s in answer.sentences for n in s.citations}
        cards = "".join(source_card(s, turn, s.n in cited or answer.abstained) for s in answer.sources)
        label = "Nearest papers" if answer.abstained else "Sources"
        blocks.append(
            f'<section class="rag-turn" id="turn-{turn}"><h4>{label} · Q{turn + 1}: '
            f"{esc(answer.question[:80])}</h4>{cards}</section>"
        )
    return "".join(blocks)


def conversation_markdown(turns: list[tuple[int, Answer]]) -> str:
    """The conversation with `[n]` citations and one reference list per answer."""
    lines = ["# paper-rag conversation", ""]
    for turn, answer in turns:
        lines += [f"## Q{turn + 1}. {answer.question}", "", answer.answer, ""]
        for s in answer.sources:
            facts = ", ".join(x for x in (s.date, f"{s.authors} authors" if s.authors else None) if x)
            lines.append(f"[{s.n}] {s.title}" + (f" ({facts})" if facts else "") + f". {s.url}")
        lines.append("")
    return "\n".join(lines)


def plain_answer_text(answer: Answer) -> str:
    """What the model sees of an earlier answer in the history: text with markers, no HTML."""
    return re.sub(r"\s+", " ", answer.answer)
