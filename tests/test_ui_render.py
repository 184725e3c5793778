"""HTML rendering of answers and sources: escaping, chips, unsupported marks, abstentions."""

from __future__ import annotations

from rag.answer_types import Answer, AnswerSentence, Source, Timings
from ui.render import answer_html, conversation_markdown, sources_html, streaming_html

EVIL_TITLE = "<script>alert(1)</script> $\\mathcal{B}$-Coder: **bold** & <b>tags</b>"
ABSTRACT = "First sentence with <img src=x onerror=alert(2)>. The key result is a 3x speedup."


def _answer(abstained: bool = False) -> Answer:
    source = Source(
        n=1,
        paper_id="p",
        title=EVIL_TITLE,
        date="2024-01-02",
        authors=3,
        upvotes=5,
        url="https://arxiv.org/abs/1",
        evidence=["The key result is a 3x speedup."],
        abstract=ABSTRACT,
        code_urls=["https://github.com/x/y"],
    )
    sentences = (
        []
        if abstained
        else [
            AnswerSentence(text="It reaches a 3x speedup <b>.", citations=[1], supported=True, support=0.9),
            AnswerSentence(text="It also cures colds.", citations=[], supported=False, support=0.1),
        ]
    )
    return Answer(
        question="q <i>?",
        answer="x",
        abstained=abstained,
        sentences=sentences,
        sources=[source],
        backend="extractive",
        model="extractive",
        timings=Timings(total_s=0.2),
    )


def test_answer_html_escapes_and_marks():
    html = answer_html(_answer(), turn=4)
    assert '<a class="cite-chip" href="#src-4-1"' in html
    assert "&lt;b&gt;" in html and "<b>." not in html
    assert 'class="rag-sentence unsupported' in html and "(unsupported)" in html
    assert "<script>" not in html


def test_every_sentence_shows_its_verdict_and_the_deciding_evidence():
    answer = _answer()
    answer.sentences[0].evidence = "The key result is a <3x> speedup."
    answer.removed = [
        AnswerSentence(
            text="It is slower.",
            supported=False,
            support=0.0,
            verdict="contradicted",
            evidence="The key result is a 3x speedup.",
        )
    ]
    html = answer_html(answer, turn=1)
    assert 'class="rag-verdict rag-verdict-supported"' in html and "&lt;3x&gt;" in html and "<3x>" not in html
    assert "rag-verdict-not_enough_info" in html  # the uncited sentence
    assert "rag-verdict-contradicted" in html and "Contradicted by the closest paper" in html
    assert "1 sentence of the draft left out" in html and "It is slower." in html


def test_supported_sentences_left_out_as_off_the_question_are_listed_apart():
    answer = _answer()
    assert "rag-off-topic" not in answer_html(answer, turn=1)
    answer.off_topic = [
        AnswerSentence(text="Cats <purr>.", citations=[2], supported=True, support=0.9, left_out="a <reason>")
    ]
    html = answer_html(answer, turn=1)
    assert "1 supported sentence left out: it does not answer the question" in html
    assert "(a &lt;reason&gt;)" in html
    assert "Cats &lt;purr&gt;." in html and "<purr>" not in html
    assert "sentence of the draft left out" not in html  # nothing was unsupported
    abstained = _answer(abstained=True)
    abstained.off_topic = answer.off_topic  # every sentence was off the question: the answer abstained
    assert "1 supported sentence left out" in answer_html(abstained, turn=2)


def test_sources_html_escapes_corpus_text_and_highlights_evidence():
    html = sources_html([(4, _answer())])
    assert 'id="src-4-1"' in html and " open" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert '<mark class="rag-evidence">The key result is a 3x speedup.</mark>' in html
    assert "2024-01-02 · 3 authors · ▲ 5" in html and 'class="rag-code"' in html


def test_abstention_lists_the_nearest_papers():
    html = answer_html(_answer(abstained=True), turn=0)
    assert "rag-abstained" in html and "<li>" in html and 'href="#src-0-1"' in html


def test_markdown_export_has_a_reference_list():
    text = conversation_markdown([(0, _answer())])
    assert text.startswith("# paper-rag conversation") and "[1] " in text and "https://arxiv.org/abs/1" in text


def test_stop_keeps_the_partial_answer_marked_unverified():
    from ui.app import mark_stopped

    def message(content: str) -> dict:  # the shape Gradio 6 hands back to a handler
        return {"role": "assistant", "content": [{"type": "text", "text": content}]}

    partial = streaming_html("Harmony swaps <rag-streaming> [1]")
    stopped = mark_stopped([message(partial)])[-1]["content"]
    assert "rag-stopped" in stopped and 'rag-streaming"' not in stopped
    assert "Harmony swaps &lt;rag-streaming&gt; [1]" in stopped  # the text itself is untouched
    assert "stopped; citations not verified" in stopped
    finished = [message('<div class="rag-answer">done</div>')]
    assert mark_stopped(finished) == finished


def test_only_http_links_are_rendered_in_source_cards():
    from ui.render import safe_link, source_card

    source = (
        _answer()
        .sources[0]
        .model_copy(
            update={
                "code_urls": [
                    "javascript:alert(1)",
                    " JAVASCRIPT:alert(2)",
                    "data:text/html,x",
                    "https://github.com/x/y",
                ]
            }
        )
    )
    card = source_card(source, 0, True)
    assert "javascript:" not in card.lower() and "data:text" not in card
    assert 'href="https://github.com/x/y"' in card
    assert safe_link("//evil.example/x") is None and safe_link("http://ok.example/x") == "http://ok.example/x"
