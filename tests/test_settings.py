"""Settings: sources and their priority, presets, validation errors, `rag settings`, registries, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence

import pytest

from rag.answer_types import Source, Turn
from rag.errors import RagError, SettingsError
from rag.generate import GENERATORS, Generator
from rag.settings import SECTIONS, Settings, field_descriptions

MEMORY_QUESTION = "How can one train a model whose memory exceeds the GPUs of a single server?"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_every_field_has_a_default_and_a_description():
    settings = Settings.load()
    for section, model in SECTIONS.items():
        for name, info in model.model_fields.items():
            assert info.description, f"{section}.{name} has no description"
            assert hasattr(getattr(settings, section), name)


def test_priority_override_then_env_then_legacy_env_then_preset(monkeypatch):
    monkeypatch.setenv("RAG_PRESET", "accurate")
    assert Settings.load().evidence.papers == 8  # preset
    monkeypatch.setenv("RAG_BACKEND", "openai")
    assert Settings.load().generation.backend == "openai"  # the short legacy name
    monkeypatch.setenv("RAG_GENERATION__BACKEND", "extractive")
    monkeypatch.setenv("RAG_EVIDENCE__PAPERS", "4")
    settings = Settings.load()
    assert (settings.generation.backend, settings.evidence.papers) == ("extractive", 4)  # nested env beats both
    overridden = Settings.load(overrides={"evidence.papers": 2})
    assert overridden.evidence.papers == 2  # an explicit override beats the environment
    origins = overridden.origins()
    assert origins["evidence.papers"] == "override"
    assert origins["generation.backend"] == "env:RAG_GENERATION__BACKEND"
    assert origins["evidence.token_budget"] == "preset:accurate"
    assert origins["retrieval.dense_weight"] == "default"


def test_openai_ecosystem_variables_still_work(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    settings = Settings.load()
    assert settings.llm.base_url == "http://127.0.0.1:9/v1"
    assert settings.llm.api_key.get_secret_value() == "sk-test-secret"
    assert "sk-test-secret" not in json.dumps(settings.public_dict())  # never printed
    assert settings.origins()["llm.base_url"] == "env:OPENAI_BASE_URL"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RAG_RETRIEVAL__DENSE_WEIGHT", "1.5", "retrieval.dense_weight from RAG_RETRIEVAL__DENSE_WEIGHT"),
        ("RAG_EVIDENCE__PAPERS", "many", "evidence.papers from RAG_EVIDENCE__PAPERS"),
        ("RAG_LLM_TIMEOUT", "-1", "llm.timeout_s from RAG_LLM_TIMEOUT"),
        ("RAG_RETRIEVAL__MODE", "fuzzy", "retrieval.mode"),
        ("RAG_BACKEND", "gpt5", "generation.backend"),
        ("RAG_PRESET", "turbo", "unknown preset 'turbo'"),
    ],
)
def test_bad_values_fail_on_load_naming_the_field(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(")):
        Settings.load()


def test_unknown_and_bad_overrides_are_refused():
    with pytest.raises(SettingsError, match=r"unknown setting 'retrieval\.dense_wieght'"):
        Settings.load().with_overrides({"retrieval.dense_wieght": 0.7})
    with pytest.raises(SettingsError, match=r"evidence\.papers given as an override"):
        Settings.load(overrides={"evidence.papers": 0})


def test_fingerprint_follows_what_changes_answers():
    base = Settings.load()
    assert base.fingerprint() == Settings.load().fingerprint()
    assert base.with_overrides({"retrieval.dense_weight": 0.7}).fingerprint() != base.fingerprint()
    assert base.with_overrides({"index.dir": "/elsewhere"}).fingerprint() == base.fingerprint()  # paths do not


def test_cli_settings_json_lists_every_tunable_value():
    result = run_cli(
        "settings", "--json", "--preset", "fast", "--set", "retrieval.k=20", env={"RAG_EMBED_THREADS": "1"}
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["fields"]) == set(field_descriptions())
    fields = report["fields"]
    assert fields["retrieval.k"] == {**fields["retrieval.k"], "value": 20, "origin": "override"}
    assert fields["generation.backend"]["value"] == "extractive"
    assert fields["generation.backend"]["origin"] == "preset:fast"
    assert fields["index.embed_threads"]["origin"] == "env:RAG_EMBED_THREADS"
    assert fields["retrieval.dense_weight"]["env"] == "RAG_RETRIEVAL__DENSE_WEIGHT"
    assert report["fingerprint"] and report["presets"] == ["accurate", "default", "fast"]


def test_cli_bad_setting_is_one_clear_line():
    result = run_cli("search", "x", env={"RAG_RETRIEVAL__DENSE_WEIGHT": "2"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "retrieval.dense_weight" in result.stderr and "RAG_RETRIEVAL__DENSE_WEIGHT" in result.stderr


def test_cli_ask_with_the_fast_preset(bundled_index):
    result = run_cli("ask", MEMORY_QUESTION, "--preset", "fast", "--json", env={"RAG_INDEX_DIR": str(bundled_index)})
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["backend"] == "extractive" and len(answer["sources"]) <= 3 and not answer["abstained"]


def test_cli_errors_are_rag_errors_without_traceback(bundled_index):
    env = {"RAG_INDEX_DIR": str(bundled_index)}
    empty = run_cli("search", "   ", env=env)
    assert empty.returncode == 2 and "empty query" in empty.stderr and "Traceback" not in empty.stderr
    history = run_cli("ask", "what?", "--history", "[{oops", "--backend", "extractive", env=env)
    assert history.returncode == 2 and "--history" in history.stderr and "Traceback" not in history.stderr
    too_few = run_cli("search", "sparse training", "-k", "-1", env=env)
    assert too_few.returncode == 2 and "retrieval.k" in too_few.stderr and "Traceback" not in too_few.stderr
    no_papers = run_cli("ask", "sparse training?", "-k", "0", "--backend", "extractive", env=env)
    assert no_papers.returncode == 2 and "evidence.papers" in no_papers.stderr and "Traceback" not in no_papers.stderr
    for wrong in ('{"role": "user"}', "[1, 2]", '"x"', '[{"role": "robot", "content": "hi"}]'):
        shape = run_cli("ask", "sparse training?", "--history", wrong, "--backend", "extractive", env=env)
        assert shape.returncode == 2 and "history" in shape.stderr and "Traceback" not in shape.stderr, wrong


def test_a_bug_is_not_disguised_as_a_user_error(monkeypatch):
    from rag import cli

    def broken(args):
        raise TypeError("a bug")

    monkeypatch.setattr(cli, "cmd_settings", broken)
    with pytest.raises(TypeError, match="a bug"):
        cli.main(["settings"])


def test_every_error_a_user_can_act_on_is_a_rag_error():
    from evals.questions import QuestionFileError
    from rag.ingestion import IngestError
    from rag.llm.client import LLMEndpointError
    from rag.llm.model_files import ModelFileError
    from rag.parsing import CorpusFormatError

    for error in (QuestionFileError, IngestError, LLMEndpointError, ModelFileError, CorpusFormatError, SettingsError):
        assert issubclass(error, RagError)


def test_public_api_imports_as_documented():
    import rag
    from rag import Answer, Settings, ask, ask_stream, ingest, search

    assert all(callable(f) for f in (ask, ask_stream, ingest, search))
    assert Answer.__name__ == "Answer" and Settings.__name__ == "Settings"
    assert set(rag.__all__) >= {"ask", "ask_stream", "search", "ingest", "Answer", "Settings", "RagError"}


class EchoGenerator(Generator):
    """A generator defined outside the package: cites source 1 with its title."""

    name = "echo"
    label = "echo (test)"

    @property
    def model(self) -> str:
        return "echo-1"

    def stream(self, question: str, sources: list[Source]) -> Iterator[str]:
        yield f"{sources[0].best_evidence} [1]."

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return question


@pytest.fixture()
def echo_registered():
    GENERATORS.register("echo", "test generator")(EchoGenerator)
    yield
    GENERATORS.unregister("echo")


def test_a_registered_generator_is_a_setting_a_ui_choice_and_answers(echo_registered, bundled_index):
    from rag.pipeline import ask
    from ui.app import backend_choices

    settings = Settings.load(overrides={"generation.backend": "echo", "index.dir": bundled_index})
    assert ("echo (test) · echo-1", "echo") in backend_choices(settings)
    answer = ask(MEMORY_QUESTION, settings=settings)
    assert answer.backend == "echo" and answer.model == "echo-1"
    assert answer.sentences and answer.sentences[0].supported


def test_an_unregistered_generator_is_refused():
    with pytest.raises(SettingsError, match=r"generation\.backend: unknown backend 'echo'"):
        Settings.load(overrides={"generation.backend": "echo"})
