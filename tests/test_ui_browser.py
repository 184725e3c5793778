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
UI: dict[str, Path] = {}  # where the app_url server keeps its index
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
    UI["index"] = index
    # Its own temp dir and working dir, so that (as in a real install) the data dir is inside neither, and
    # only what the app allows is served from there.
    UI["tmp"] = tmp_path_factory.mktemp("ui-tmp")
    port = _free_port()
    log = (index.parent / "ui.log").open("w")
    # The OpenAI-compatible backend points at a port nothing listens on: the dead-endpoint case.
    env = {
        **os.environ,
        "RAG_BACKEND": "extractive",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1",
        "OPENAI_API_KEY": "none",
        "RAG_MODEL": "no-such-model",
        "TMPDIR": str(UI["tmp"]),
    }  # RAG_DATA_DIR (session temp) is inherited
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--index-dir", str(index)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=index.parent,
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
    mark = answer.locator(".rag-verdict-supported").first
    assert mark.is_visible()
    mark.hover()  # the deciding evidence sentence is its tooltip
    tip = mark.get_attribute("title") or ""
    assert tip.startswith("Supported by the cited paper") and "memory" in tip.lower()
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


def test_an_upload_is_kept_in_the_data_dir_and_gradios_copy_is_removed(page, tmp_path, isolated_data_home):
    import tempfile

    name = f"upload-{os.getpid()}-{time.monotonic_ns()}.jsonl"
    upload = tmp_path / name
    upload.write_text(
        json.dumps(
            {
                "title": "Acoustic Metamaterials for Quiet Data Centres",
                "abstract": "We design acoustic metamaterial panels that cut data-centre fan noise by 12 decibels.",
            }
        )
        + "\n"
    )
    page.get_by_role("tab", name="Corpus").click()
    page.set_input_files("#upload input[type=file]", str(upload))
    page.click("#index-btn")
    page.wait_for_selector("#upload-status :text('Indexed')", timeout=120_000)
    kept = list((isolated_data_home / "uploads").glob(f"*-{name}"))
    assert len(kept) == 1 and kept[0].read_bytes() == upload.read_bytes()
    from rag.state import IndexFiles

    sources = IndexFiles(UI["index"]).source_hashes()  # recorded input path -> sha256
    assert str(kept[0].resolve()) in sources
    assert not [p for p in sources if "gradio" in p]  # the index records our copy, not Gradio's temp file
    assert list(UI["tmp"].rglob("*")), "the app did not use its own temp dir"
    assert not list(UI["tmp"].rglob(name))  # Gradio's copy is gone
    shown = page.locator("#upload-status").inner_text() + page.locator("#corpus-stats").inner_text()
    assert name in shown and str(isolated_data_home) not in shown and tempfile.gettempdir() not in shown

    bad = tmp_path / f"bad-{name}"
    bad.write_bytes(b"\x00\x01 not a dump")
    page.set_input_files("#upload input[type=file]", str(bad))
    page.click("#index-btn")
    page.wait_for_selector("#upload-status :text('Not indexed')", timeout=60_000)
    status = page.locator("#upload-status").inner_text()
    assert f"bad-{name}: binary file" in status and "/" not in status.split("binary file")[0]
    assert not list((isolated_data_home / "uploads").glob(f"*-bad-{name}"))  # a rejected file is not kept


def test_corpus_table_shows_every_column_at_1400px(page):
    page.get_by_role("tab", name="Corpus").click()
    page.wait_for_selector("#corpus-table :text('upvotes')", timeout=30_000)
    page.wait_for_selector("#corpus-table :text('MKOR')", timeout=30_000)  # rows are in (most upvoted first)
    box = page.evaluate(
        """() => {
          const table = document.querySelector('#corpus-table').getBoundingClientRect();
          const heads = [...document.querySelectorAll('#corpus-table th')].map(th => th.getBoundingClientRect());
          return {right: table.right, heads: heads.map(h => h.right), widths: heads.map(h => h.width)};
        }"""
    )
    assert len(box["heads"]) == 5
    assert max(box["heads"]) <= box["right"] + 1  # date, upvotes, authors and code stay inside the table
    assert min(box["widths"]) > 40
    shot(page, "10-corpus-columns")


def test_a_huge_word_and_a_javascript_link_stay_inside_the_source_card(page, tmp_path):
    word = "x" * 6000
    upload = tmp_path / "hostile-card.jsonl"
    upload.write_text(
        json.dumps(
            {
                "title": "Holographic Storage of Neural Weights",
                "abstract": f"We store neural network weights in holographic crystals at 3 bits per voxel. {word} "
                "Holographic storage keeps weights for ten years without power.",
                "code_urls": ["javascript:alert(document.cookie)", "https://github.com/example/holo"],
            }
        )
        + "\n"
    )
    page.get_by_role("tab", name="Corpus").click()
    page.set_input_files("#upload input[type=file]", str(upload))
    page.click("#index-btn")
    page.wait_for_selector("#upload-status :text('Indexed')", timeout=120_000)
    page.get_by_role("tab", name="Chat").click()
    ask_in_page(page, "How are neural network weights stored in holographic crystals?")
    card = page.locator("#sources details.rag-card", has_text="Holographic Storage").first
    card.evaluate("el => { el.open = true; }")
    sizes = card.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] <= sizes["client"] + 1, sizes  # the 6000-character word wraps
    hrefs = page.locator("#sources a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.lower().startswith("javascript:")]
    assert "https://github.com/example/holo" in hrefs
    shot(page, "11-long-word-card")


def test_the_api_bounds_k(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    for k in (0, 51):
        with pytest.raises(Exception, match=r"evidence\.papers"):
            client.predict(MEMORY_QUESTION, "extractive", k, api_name="/ask")
    assert client.predict(MEMORY_QUESTION, "extractive", 50, api_name="/ask")["sources"]


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
    assert page.locator(".rag-answer:not(.rag-streaming) .rag-verdict").count() >= 1
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
