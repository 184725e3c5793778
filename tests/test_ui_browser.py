"""The chat page in a real browser (Debian's chromium driven by Playwright) against the real app."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pw = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
MEMORY_QUESTION = "How can one train a model whose memory exceeds the GPUs of a single server?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(bundled_index, tmp_path_factory):
    """The real app (extractive default) on its own copy of the bundled index; uploads land there."""
    index = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(bundled_index, index)
    port = _free_port()
    log = (index.parent / "ui.log").open("w")
    # The OpenAI-compatible backend points at a port nothing listens on: the dead-endpoint case.
    env = {
        **os.environ,
        "RAG_BACKEND": "extractive",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1",
        "OPENAI_API_KEY": "none",
        "RAG_MODEL": "no-such-model",
    }  # RAG_DATA_DIR (session temp) is inherited
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--index-dir", str(index)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert process.poll() is None, (index.parent / "ui.log").read_text()
            assert time.monotonic() < deadline, "the UI did not start"
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    with pw.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def ask_in_page(page, question: str, answers_before: int | None = None) -> None:
    count = page.locator(".rag-answer:not(.rag-streaming)").count() if answers_before is None else answers_before
    page.fill("#question textarea", question)
    page.click("#ask-btn")
    page.wait_for_function(
        f"document.querySelectorAll('.rag-answer:not(.rag-streaming)').length > {count}", timeout=120_000
    )


def test_ask_see_chips_and_open_the_source_card(page):
    shot(page, "01-empty-chat")
    assert page.get_by_text("What top-1 accuracy does EfficientNet-B7 reach on ImageNet?").is_visible()
    ask_in_page(page, MEMORY_QUESTION)
    answer = page.locator(".rag-answer").last
    chips = answer.locator(".cite-chip")
    assert chips.count() >= 1
    shot(page, "02-answer-with-chips")
    target = chips.first.get_attribute("href").lstrip("#")
    chips.first.click()
    card = page.locator(f"#{target}")
    page.wait_for_function(f"document.getElementById('{target}').open === true")
    assert card.locator("mark.rag-evidence").first.is_visible()
    assert "Harmony" in card.locator("summary").inner_text()
    shot(page, "03-source-card-highlighted")


def test_followup_uses_the_conversation(page):
    ask_in_page(page, "Which paper scales ConvNet depth, width and resolution together?")
    ask_in_page(page, "What accuracy does its biggest variant get on ImageNet?")
    assert "84.3" in page.locator(".rag-answer").last.inner_text()
    shot(page, "04-followup")


def test_unanswerable_question_says_so(page):
    ask_in_page(page, "Which treaty ended the Thirty Years' War in Europe?")
    answer = page.locator(".rag-answer").last
    assert "does not answer" in answer.inner_text()
    assert answer.locator("li").count() >= 1  # nearest papers listed
    shot(page, "05-abstained")


def test_has_code_filter_applies(page):
    page.click("#settings")
    page.locator("#has-code input").check()
    ask_in_page(page, "How can image restoration remove blur from photos?")
    latest = page.locator(".rag-turn").first
    cards = latest.locator(".rag-card")
    assert cards.count() >= 1
    for i in range(cards.count()):
        assert cards.nth(i).locator("a.rag-code").count() == 1
    shot(page, "06-has-code-filter")


def test_empty_question_and_markup_are_handled(page):
    page.click("#ask-btn")
    page.wait_for_selector(".rag-error", timeout=30_000)
    assert "empty question" in page.locator(".rag-error").last.inner_text()
    ask_in_page(page, '<img src=x onerror="window.pwned=1"> sparse training $x$ **bold**')
    assert page.evaluate("window.pwned") is None
    assert page.locator("#chat img[src='x']").count() == 0
    assert "<img src=x" in page.locator("#chat").inner_text()
    page.click("#settings")
    page.click("#backend input")
    page.get_by_role("option", name="OpenAI-compatible", exact=False).first.click()
    ask_in_page(page, MEMORY_QUESTION)
    error = page.locator(".rag-error").last.inner_text()
    assert "127.0.0.1" in error and page.locator(".rag-streaming").count() == 0
    shot(page, "07-errors-and-escaping")


def test_feedback_is_stored(page, isolated_data_home):
    ask_in_page(page, MEMORY_QUESTION)
    page.locator("#chat button[aria-label='Like']").last.click()
    page.wait_for_selector("#feedback-status :text('feedback saved')", timeout=30_000)
    lines = (isolated_data_home / "feedback.jsonl").read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["liked"] is True and record["question"] == MEMORY_QUESTION
    assert record["answer"]["sources"] and record["settings"]["backend"] == "extractive"


def test_export_conversation_as_markdown(page):
    ask_in_page(page, MEMORY_QUESTION)
    with page.expect_download() as download:
        page.click("#export-btn")
    text = Path(download.value.path()).read_text()
    assert text.startswith("# paper-rag conversation") and "[1] Harmony" in text


def test_upload_a_file_and_a_bad_file(page, tmp_path):
    page.get_by_role("tab", name="Corpus").click()
    page.wait_for_selector("#corpus-stats :text('papers')", timeout=30_000)
    good = tmp_path / "new-papers.jsonl"
    good.write_text(
        json.dumps(
            {
                "title": "Photonic Tensor Cores for Optical Inference",
                "abstract": "We build photonic tensor cores that run neural network inference "
                "with light and cut energy per operation by 40x.",
            }
        )
        + "\n"
    )
    page.set_input_files("#upload input[type=file]", str(good))
    page.click("#index-btn")
    page.wait_for_selector("#upload-status :text('Indexed')", timeout=120_000)
    assert "1 added" in page.locator("#upload-status").inner_text()
    page.fill("#corpus-query textarea", "photonic tensor cores")
    page.press("#corpus-query textarea", "Enter")
    page.wait_for_selector("#corpus-table :text('Photonic Tensor Cores')", timeout=30_000)
    shot(page, "08-corpus-upload")

    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01 not a dump")
    page.set_input_files("#upload input[type=file]", str(bad))
    page.click("#index-btn")
    page.wait_for_selector("#upload-status :text('Not indexed')", timeout=60_000)
    status = page.locator("#upload-status").inner_text()
    assert "broken.txt" in status and "binary file" in status
    shot(page, "09-bad-upload")


def test_eight_simultaneous_questions_do_not_cross_talk(app_url):
    from gradio_client import Client

    questions = {
        "How can one train a model whose memory exceeds the GPUs of a single server?": "Harmony",
        "What top-1 accuracy does EfficientNet-B7 reach on ImageNet?": "EfficientNet",
        "Which approach scales zeroth-order optimization to deep model training?": "DeepZero",
        "How does bert2BERT reuse smaller pretrained language models?": "bert2BERT",
        "What does PRES do for memory-based dynamic graph neural networks?": "PRES",
        "How does NeuRI generate diverse DNN models for fuzzing?": "NeuRI",
        "How many sub-models can SortedNet train at once?": "SortedNet",
        "How accurate is T-Miner at detecting Trojan text classifiers?": "T-Miner",
    }
    client = Client(app_url, verbose=False)

    def one(question: str) -> dict:
        return client.predict(question, "extractive", 5, api_name="/ask")

    started = time.monotonic()
    for question in questions:  # one after another, for the figure printed below (not asserted)
        one(question)
    sequential = time.monotonic() - started
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, questions))
    elapsed = time.monotonic() - started
    for (question, expected), result in zip(questions.items(), results, strict=True):
        assert result["question"] == question
        cited = {result["sources"][n - 1]["title"] for s in result["sentences"] for n in s["citations"]}
        assert any(expected in title for title in cited), (question, cited)
    print(f"\n8 concurrent questions answered in {elapsed:.2f}s (one after another: {sequential:.2f}s)")


def test_streamed_answer_from_the_embedded_model(page, local_model_url):
    page.click("#settings")
    page.click("#backend input")
    page.get_by_role("option", name="local", exact=False).first.click()
    page.fill("#question textarea", MEMORY_QUESTION)
    page.click("#ask-btn")
    # Text appears while the model generates, before the verified version replaces it.
    page.wait_for_function(
        "(() => { const s = document.querySelector('.rag-streaming');"
        " return s && s.innerText.replace('(verifying citations…)', '').trim().length > 0; })()",
        timeout=240_000,
    )
    shot(page, "10-local-model-streaming")
    page.wait_for_selector(".rag-answer:not(.rag-streaming) .cite-chip", timeout=240_000)
    assert "qwen2.5" in page.locator(".rag-meta").last.inner_text()
    shot(page, "11-local-model-answer")


def test_stop_button_cancels_a_running_answer(page, local_model_url):
    page.click("#settings")
    page.click("#backend input")
    page.get_by_role("option", name="local", exact=False).first.click()
    page.fill("#question textarea", "What top-1 accuracy does EfficientNet-B7 reach on ImageNet?")
    page.click("#ask-btn")
    page.wait_for_selector(".rag-streaming", timeout=60_000)
    page.click("#stop-btn")
    page.wait_for_selector(".rag-stopped", timeout=10_000)
    time.sleep(20)  # longer than the model needs for this answer: a finished answer would have appeared
    assert page.locator(".rag-meta").count() == 0  # only a finished, verified answer has a meta line
    assert page.locator(".rag-streaming").count() == 0
    assert "stopped" in page.locator(".rag-stopped").inner_text()
    shot(page, "12-stopped")
    # The page stays usable after a stop.
    page.locator("#backend input").click()
    page.get_by_role("option", name="extractive", exact=False).first.click()
    ask_in_page(page, MEMORY_QUESTION, answers_before=0)
