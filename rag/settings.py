"""Every tunable value of paper-rag in one validated object: `Settings`.

Values come from, highest priority first:
1. explicit overrides (keyword arguments, `rag --set section.field=value`, the UI's per-session settings);
2. environment variables `RAG_<SECTION>__<FIELD>` (e.g. `RAG_RETRIEVAL__DENSE_WEIGHT=0.7`);
3. the established short variables (`RAG_INDEX_DIR`, `RAG_BACKEND`, `OPENAI_BASE_URL`, ...: `LEGACY_ENV`);
4. the preset chosen with `preset=` / `--preset` / `RAG_PRESET` (JSON files in `rag/presets/`);
5. the defaults below.
A bad value fails on load with a `SettingsError` naming the field and where it came from. Settings are
passed explicitly into the searcher, the pipeline, the LLM client and the UI; nothing reads the
environment behind their back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from rag.errors import SettingsError

PRESETS_DIR = Path(__file__).with_name("presets")
ENV_PREFIX = "RAG_"

# Short variables that predate Settings (and the OpenAI ecosystem's own), mapped to their fields.
LEGACY_ENV: dict[str, tuple[str, str]] = {
    "RAG_DATA_DIR": ("index", "data_dir"),
    "RAG_INDEX_DIR": ("index", "dir"),
    "RAG_CHROMA_URL": ("index", "chroma_url"),
    "RAG_COLLECTION": ("index", "collection"),
    "RAG_EMBED_THREADS": ("index", "embed_threads"),
    "RAG_BACKEND": ("generation", "backend"),
    "RAG_MODEL": ("llm", "model"),
    "RAG_LLM_TIMEOUT": ("llm", "timeout_s"),
    "RAG_LLM_THREADS": ("llm", "local_threads"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "OPENAI_API_KEY": ("llm", "api_key"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class IndexSettings(_Section):
    """Where the index lives and how papers are embedded into it."""

    data_dir: Path | None = Field(
        None, description="per-user data directory (model cache, feedback, exports); default $XDG_DATA_HOME/paper-rag"
    )
    dir: Path | None = Field(None, description="index directory; default DATA_DIR/index")
    chroma_url: str | None = Field(
        None, description="a Chroma server (`chroma run`) URL instead of embedded Chroma, e.g. http://127.0.0.1:8000"
    )
    collection: str = Field("paper_rag", min_length=3, description="Chroma collection name")
    embed_threads: int = Field(0, ge=0, description="onnxruntime threads for embedding (0 = all cores)")
    embed_batch_size: int = Field(8, ge=1, description="texts per embedding batch (8 measured fastest on 2 cores)")
    ingest_batch_size: int = Field(64, ge=1, description="papers committed per ingest batch")
    hnsw_ef_search: int = Field(
        2000,
        ge=10,
        le=100_000,
        description="Chroma HNSW search breadth (ef_search); its default 100 returned 0.725 of the true top-200 "
        "chunks at 113k chunks, 2000 returns 0.975 (docs/scale.md)",
    )
    chunk_overlap: int = Field(
        32, ge=0, le=128, description="word-piece overlap between chunks of a long abstract (changing it re-embeds)"
    )
    sync_interval_s: float = Field(
        1.0, ge=0.0, le=3600.0, description="with a Chroma server: how often a searcher syncs its local records at most"
    )
    max_abstract_chars: int = Field(
        20_000,
        ge=1_000,
        le=1_000_000,
        description="longest abstract accepted; a longer record rejects its file with file:line (arXiv caps at 1920)",
    )

    @field_validator("data_dir", "dir")
    @classmethod
    def _not_a_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.expanduser().exists() and not value.expanduser().is_dir():
            raise ValueError(f"{value} is a file, not a directory")
        return value

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "paper-rag"

    def resolved_dir(self) -> Path:
        return (self.dir.expanduser() if self.dir else self.resolved_data_dir() / "index").resolve()


class RetrievalSettings(_Section):
    """How papers are ranked for a query."""

    # Names are checked against the RETRIEVERS registry on load (rag.components), not a Literal, so that
    # adding a retriever touches only rag/retrieve.py; likewise generation.backend and verification.verifier.
    mode: str = Field("hybrid", description="retriever (registered in rag/retrieve.py): hybrid, dense or bm25")
    k: int = Field(10, ge=1, le=200, description="papers returned by `rag search` / `search()`")
    dense_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="hybrid score = w * cosine + (1 - w) * bm25 / (bm25 + saturation)"
    )
    bm25_saturation: float = Field(10.0, gt=0.0, description="BM25 score at which its fused contribution is half")
    min_depth: int = Field(100, ge=1, description="candidates taken from each retriever at least (docs/scale.md)")
    depth_per_k: int = Field(10, ge=1, description="candidates per requested paper (depth = max(min_depth, k * this))")
    dense_depth_factor: int = Field(2, ge=1, description="dense candidates are chunks: take this many times the depth")
    repeat_window: int = Field(
        3,
        ge=1,
        description="among the top k * this, papers repeating a higher-ranked paper's sentences word for word "
        "go after the others (rag.collapse; 1 = off)",
    )


class EvidenceSettings(_Section):
    """Which abstract sentences become the numbered evidence the answer is written from."""

    papers: int = Field(5, ge=1, le=50, description="papers to draw evidence from when answering")
    token_budget: int = Field(220, ge=20, description="tiktoken tokens for the whole evidence block")
    max_sentences_per_paper: int = Field(2, ge=1, description="evidence sentences per paper at most")
    intent_bonus: float = Field(
        0.08, ge=0.0, le=1.0, description="added to a sentence's score when it gives what is asked (rag.intent)"
    )
    problem_penalty: float = Field(
        0.08, ge=0.0, le=1.0, description="subtracted for how/why questions from sentences that only state the problem"
    )
    focus_ratio: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="answer from the first paper alone when the question asks about one paper and the second "
        "paper's retrieval score is below this share of the first's (rag.focus; 0 = never)",
    )
    focus_sentences: int = Field(3, ge=1, description="evidence sentences at most when answering from one paper")
    explain_sentences: int = Field(
        4,
        ge=1,
        description="evidence sentences at most when answering a how or why question from one paper: a method "
        "or a reason often takes two sentences, and the ones most like the question state the problem",
    )
    position_bonus: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="added, in proportion to its place in the abstract, to the score of the first paper's "
        "sentences when e5 picks them for the answer: results come late (rag.evidence._position_bonus)",
    )
    first_paper_ranker: Literal["minilm", "e5"] | None = Field(
        None,
        description="what picks the first paper's evidence sentences for the answer: MiniLM, or e5-small, "
        "which finds the answer sentence more often (rag.rerank); default e5 for LLM backends, MiniLM for "
        "extractive; the similarity gate always reads MiniLM's",
    )


class GenerationSettings(_Section):
    """Who writes the answer and how the question is handled."""

    backend: str | None = Field(
        None, description="answer generator (see `rag ask --help`); default local if installed, else extractive"
    )
    max_question_chars: int = Field(1000, ge=10, description="longest question accepted")
    history_turns: int = Field(4, ge=0, description="earlier chat turns shown to the follow-up condenser")
    condense_max_tokens: int = Field(60, ge=8, description="tokens for the condensed standalone question")
    extractive_sentences: int = Field(3, ge=1, description="extractive answers: evidence sentences at most")
    extractive_margin: float = Field(
        0.12, ge=0.0, description="extractive answers: keep sentences within this score of the best one"
    )
    nearest_on_abstain: int = Field(3, ge=0, description="nearest papers listed with an abstention")


class VerificationSettings(_Section):
    """How answer sentences are checked against the sources, and when to abstain."""

    verifier: str | None = Field(
        None, description="citation verifier: entailment or embedding; default entailment for LLM backends"
    )
    support_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="embedding verifier: cosine a cited abstract sentence must reach"
    )
    entailment_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="entailment verifier: judge probability of 'supported' needed"
    )
    second_opinion: tuple[float, float] | None = Field(
        (0.5, 0.75),
        description="entailment verifier: when the judge's P(supported) is in [low, high), a yes/no follow-up "
        "is asked too and the geometric mean of the two must reach second_opinion_threshold; [0, 0]: never",
    )
    second_opinion_threshold: float = Field(
        0.61,
        ge=0.0,
        le=1.0,
        description="entailment verifier: geometric mean of P(supported) and the follow-up's P(yes) needed",
    )
    entailment_floor: float = Field(
        0.3, ge=-1.0, le=1.0, description="entailment verifier: below this cosine a source is not asked (no info)"
    )
    entailment_sentences: int = Field(3, ge=1, description="entailment verifier: abstract sentences shown per check")
    number_binding: bool = Field(
        True,
        description="a number the cited abstract binds to other words than the sentence's, or states only in a "
        "sentence without the name the sentence puts next to it, or states as a level where the abstract states a "
        "difference (or the reverse), is contradicted (both verifiers, `rag.attribution`, `rag.differences`)",
    )
    antonym_check: bool = Field(
        True,
        description='a sentence saying the opposite of one word of a cited abstract sentence ("powerful mobile '
        'devices" where it says "weak mobile devices") is contradicted without the judge (entailment verifier, '
        "`rag.antonyms`)",
    )
    role_order: bool = Field(
        True,
        description="a sentence that puts two things on the other sides of a comparison or directed relation "
        'than the cited abstract does ("B beats A" where it says A beats B) is contradicted '
        "(both verifiers, `rag.roles`); one the entailment judge calls contradicted that states the "
        'relation from the other side ("B is slower than A" where it says A is faster than B) is supported',
    )
    direction_question: bool = Field(
        True,
        description="entailment verifier: a sentence stating a comparison that the judge calls contradicted is "
        "supported when a reading question (which side does the evidence favour?) favours its side by "
        "direction_margin, and one it calls supported is contradicted when it favours the other side by it "
        "(`rag.direction`, two judge calls)",
    )
    direction_margin: float = Field(
        0.2, ge=0.0, le=1.0, description="entailment verifier: how much the reading question must favour a side"
    )
    require_known_names: bool = Field(
        True,
        description="entailment verifier: a sentence naming something the cited title and abstract never spell "
        "(a dataset, model, language, ...) is not supported by it (`rag.names.unknown_names`)",
    )
    judge_reads_evidence: bool = Field(
        True,
        description="entailment verifier: the judge reads a source's evidence sentences (what the answer was "
        "written from), the closest abstract sentence and those spelling the claim's names and values the "
        "evidence does not, not only the closest few",
    )
    max_checks: int = Field(8, ge=1, description="entailment verifier: LLM judge calls per answer at most")
    repair_candidates: int = Field(2, ge=0, description="entailment verifier: other sources tried for a sentence")
    best_source_margin: float = Field(
        0.1, ge=0.0, le=1.0, description="a citation must be within this of the best-supporting source"
    )
    abstain_below: float | None = Field(
        None,
        ge=-1.0,
        le=1.0,
        description="abstain when the best evidence score is below this; default: rag/calibration.json",
    )
    answerability_intents: list[Literal["how", "why", "quantity", "other"]] = Field(
        default_factory=lambda: ["quantity", "other"],
        description="question intents (rag.intent) the LLM answerability gate judges; how/why rely on the others",
    )
    drop_unsupported: bool = Field(
        True,
        description="leave sentences no source supports out of the answer (listed in `removed`); "
        "abstain if none is left",
    )
    quote_rejected_facts: bool = Field(
        True,
        description="when every sentence is left out, quote instead the evidence sentence stating all a left-out "
        "sentence adds to the question (its words and values, bound alike; rag.quoting) rather than abstain; "
        "a sentence that only restates a question other than how/why is not quoted from",
    )
    off_topic_margin: float | None = Field(
        0.15,
        ge=0.0,
        le=2.0,
        description="leave out a supported sentence that cites none of the lead sentence's papers and is this much "
        "less similar to the question than the lead (listed in `off_topic`; rag.relevance); 2 or null keeps them",
    )
    require_first_paper: bool = Field(
        True,
        description="a question about one paper (no plural, no comparison; rag.focus) is answered only by "
        "sentences citing source [1], the paper retrieval ranked first (rag.relevance)",
    )
    require_question_names: bool = Field(
        True,
        description="when the question names a method, model or dataset that a source uses, leave out sentences "
        "citing no source that uses it (listed in `off_topic`; rag.relevance)",
    )
    require_known_question_names: bool = Field(
        True,
        description="abstain, before generating, when the question names something (a method, dataset, cohort, "
        "language, place, ...) that no retrieved paper spells or shortens; the abstention says which "
        "(rag.names.unspelled_question_names)",
    )
    require_cited_names: bool = Field(
        True,
        description="when the question asks for a value or a name, leave out a sentence whose every cited source "
        "leaves a name of the question unspelled (listed in `off_topic`; rag.relevance.split_uncited_names)",
    )
    require_compared_names: bool = Field(
        True,
        description="when the question compares with a method, model or dataset that no source names, or that a "
        "cited source names but the evidence deciding no sentence does, abstain (the sentences are listed in "
        "`off_topic`; rag.relevance)",
    )
    require_number: bool = Field(
        True,
        description="when the question asks for a quantity and no kept sentence states a number, abstain (the "
        "sentences are listed in `off_topic`; rag.relevance)",
    )
    drop_restatements: bool = Field(
        True,
        description="leave out sentences that only restate the question (not for yes/no or either/or questions); "
        "if nothing else is left, a how/why question shows the best evidence sentences instead, any other "
        "abstains (rag.relevance.split_restated)",
    )
    require_asked_setting: bool = Field(
        True,
        description="leave out a sentence giving a value that the cited abstract states, in its one sentence "
        "stating it, for another setting than the one the question and the sentence name (listed in "
        "`off_topic`; rag.relevance.split_value_for_another_setting)",
    )
    require_asked_condition: bool = Field(
        True,
        description="for a question asking for a value or a name under a condition (pre-training, inference, "
        "GPU, test set, ...), leave out a sentence naming only the contrasting one (fine-tuning, training, CPU, "
        "validation set; listed in `off_topic`; rag.relevance.split_other_conditions)",
    )
    require_asked_count: bool = Field(
        True,
        description='for a "how many X" question, leave out a sentence whose numbers all count something else '
        '("1.1 million bounding boxes" for "how many object categories") or are all shares or multipliers '
        '("95%" for "how many queries"; listed in `off_topic`; rag.relevance.split_other_counts)',
    )
    require_name: bool = Field(
        True,
        description="when the question asks which dataset, backbone, optimizer, hardware, ... and no kept sentence "
        "names anything the question does not, abstain (the sentences are listed in `off_topic`; rag.relevance)",
    )
    answerable_below: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="LLM backends: abstain when P(sources state the answer) is below this; default: calibration",
    )

    @field_validator("second_opinion")
    @classmethod
    def _second_opinion_band(cls, band: tuple[float, float] | None) -> tuple[float, float] | None:
        if band is not None and not 0.0 <= band[0] <= band[1] <= 1.0:
            raise ValueError("second_opinion is a band [low, high) with 0 <= low <= high <= 1")
        return band


class LLMSettings(_Section):
    """The OpenAI-compatible client and the embedded model's server."""

    base_url: str = Field("https://api.openai.com/v1", description="OpenAI-compatible endpoint of the openai backend")
    api_key: SecretStr | None = Field(None, description="API key of the openai backend")
    model: str = Field("gpt-4o-mini", description="model name of the openai backend")
    timeout_s: float = Field(
        60.0, gt=0, description="seconds without a byte from the endpoint (connect / read) before a request fails"
    )
    request_deadline_s: float = Field(
        120.0, gt=0, description="seconds one request may take in all, streamed answer included"
    )
    answer_deadline_s: float = Field(
        150.0, gt=0, description="seconds one LLM call may take in all, every attempt and backoff included"
    )
    total_deadline_s: float = Field(
        180.0,
        gt=0,
        description="seconds one whole answer may take in LLM calls: condensing, answerability check, answer, checks",
    )
    attempts: int = Field(3, ge=1, le=10, description="tries per request before the endpoint is reported as failed")
    backoff_s: float = Field(0.5, ge=0, description="first retry delay; doubled per attempt")
    max_tokens: int = Field(160, ge=1, description="answer tokens at most")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="sampling temperature")
    local_threads: int = Field(1, ge=1, description="embedded model threads (2 collapses under contention on 2 cores)")
    local_ctx: int = Field(4096, ge=512, description="embedded model context per parallel slot")
    local_parallel: int = Field(2, ge=1, description="embedded model parallel slots")
    local_startup_timeout_s: float = Field(180.0, gt=0, description="seconds to wait for the embedded model server")


class UISettings(_Section):
    """The chat page."""

    host: str = Field("127.0.0.1", description="interface to bind (127.0.0.1: this machine only)")
    port: int = Field(7860, ge=1, le=65535, description="port")
    concurrency_limit: int = Field(8, ge=1, description="requests served at once")
    max_papers: int = Field(10, ge=1, le=50, description="upper end of the papers slider")


SECTIONS: dict[str, type[_Section]] = {
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "evidence": EvidenceSettings,
    "generation": GenerationSettings,
    "verification": VerificationSettings,
    "llm": LLMSettings,
    "ui": UISettings,
}
# Left out of `fingerprint()`: where files live, secrets, the page layout and ingest-time record limits do not
# change answers.
_NOT_FINGERPRINTED = {
    "index": {"data_dir", "dir", "max_abstract_chars"},
    "llm": {"api_key"},
    "ui": True,
    "preset": True,
}


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def load_preset(name: str) -> dict[str, Any]:
    path = PRESETS_DIR / f"{name}.json"
    if not path.is_file():
        raise SettingsError(f"unknown preset {name!r}; choose one of {', '.join(available_presets())}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SettingsError(f"preset {path} is not valid JSON: {err}") from err
    data.pop("description", None)
    return data


class _PresetSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], preset: str) -> None:
        super().__init__(settings_cls)
        self.preset = preset

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return load_preset(self.preset)


class _LegacyEnvSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _nest({path: value for path, (_, value) in legacy_env_values().items()})


def legacy_env_values() -> dict[str, tuple[str, str]]:
    """`section.field` -> (variable, value) for the short variables that are set (empty counts as unset)."""
    found = {}
    for variable, (section, name) in LEGACY_ENV.items():
        if value := os.environ.get(variable):
            found[f"{section}.{name}"] = (variable, value)
    return found


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def flatten_paths(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"retrieval": {"k": 5}}` -> `{"retrieval.k": 5}` (already-flat keys pass through)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and key in SECTIONS and not prefix:
            flat.update(flatten_paths(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def env_name(path: str) -> str:
    """The environment variable of a `section.field` path."""
    return ENV_PREFIX + path.replace(".", "__").upper()


class Settings(BaseSettings):
    """Every tunable value, by pipeline step. See the module docstring for where values come from."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
        extra="ignore",  # other RAG_* variables (the short legacy names) are not fields of their own
        validate_assignment=True,
    )

    preset: str = Field("default", description="the preset the values start from (`rag settings --presets`)")
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    verification: VerificationSettings = Field(default_factory=VerificationSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ui: UISettings = Field(default_factory=UISettings)
    _overrides: dict[str, Any] = PrivateAttr(default_factory=dict)  # `section.field` -> value, for origins()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        init_kwargs = getattr(init_settings, "init_kwargs", {})
        preset = init_kwargs.get("preset") or os.environ.get(f"{ENV_PREFIX}PRESET") or "default"
        return init_settings, env_settings, _LegacyEnvSource(settings_cls), _PresetSource(settings_cls, preset)

    @model_validator(mode="after")
    def _known_components(self) -> Settings:
        from rag.components import check_component_names

        check_component_names(self)
        return self

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def load(cls, preset: str | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Settings from the environment and `preset`, with `overrides` (`{"section.field": value}` or nested)."""
        flat = {path: value for path, value in flatten_paths(overrides or {}).items() if value is not None}
        kwargs = _nest(flat)
        if preset:
            kwargs["preset"] = preset
        try:
            settings = cls(**kwargs)
        except ValidationError as err:
            raise SettingsError(_describe_validation_error(err, preset, kwargs)) from None
        settings._overrides = flat
        return settings

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with some fields replaced (`{"section.field": value}`; None values are ignored), validated."""
        flat = {path: value for path, value in flatten_paths(overrides).items() if value is not None}
        if not flat:
            return self
        data = self.model_dump()
        for path, value in flat.items():
            *parents, leaf = path.split(".")
            node = data
            for part in parents:
                if part not in node or not isinstance(node[part], dict):
                    raise SettingsError(f"unknown setting {path!r}")
                node = node[part]
            if leaf not in node:
                raise SettingsError(f"unknown setting {path!r}")
            node[leaf] = value
        try:
            settings = type(self).model_validate(data)
        except ValidationError as err:
            raise SettingsError(_describe_validation_error(err, self.preset, _nest(flat))) from None
        settings._overrides = {**self._overrides, **flat}
        return settings

    # -- inspection ---------------------------------------------------------------------------------
    def public_dict(self) -> dict[str, Any]:
        """Every value as JSON-ready data; the API key is masked."""
        return json.loads(self.model_dump_json())

    def fingerprint(self) -> str:
        """Hash of the values that change answers (not paths, secrets or the page layout)."""
        data = self.public_dict()
        for section, fields in _NOT_FINGERPRINTED.items():
            if fields is True:
                data.pop(section, None)
            else:
                for name in fields:
                    data.get(section, {}).pop(name, None)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]

    def origins(self) -> dict[str, str]:
        """`section.field` -> where its value came from: override, env:VAR, preset:NAME or default."""
        override_paths = set(self._overrides)
        env_paths = set(flatten_paths(EnvSettingsSource(type(self))()))
        legacy = legacy_env_values()
        preset_paths = set(flatten_paths(load_preset(self.preset)))
        result = {}
        for path in flatten_paths(self.public_dict()):
            if path in override_paths:
                result[path] = "override"
            elif path in env_paths:
                result[path] = f"env:{env_name(path)}"
            elif path in legacy:
                result[path] = f"env:{legacy[path][0]}"
            elif path in preset_paths:
                result[path] = f"preset:{self.preset}"
            else:
                result[path] = "default"
        return result

    # -- convenience ---------------------------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return self.index.resolved_dir()

    @property
    def data_dir(self) -> Path:
        return self.index.resolved_data_dir()


def _describe_validation_error(err: ValidationError, preset: str | None, overrides: Mapping[str, Any]) -> str:
    legacy = legacy_env_values()
    override_paths = set(flatten_paths(overrides))
    lines = []
    for problem in err.errors():
        path = ".".join(str(part) for part in problem["loc"])
        if path in override_paths:
            origin = "given as an override"
        elif env_name(path) in os.environ:
            origin = f"from {env_name(path)}"
        elif path in legacy:
            origin = f"from {legacy[path][0]}"
        else:
            origin = f"from preset {preset or os.environ.get(ENV_PREFIX + 'PRESET') or 'default'}"
        given = problem.get("input")
        shown = "" if isinstance(given, dict) else f" (got {given!r})"
        lines.append(f"invalid setting {path} {origin}: {problem['msg']}{shown}")
    return "\n".join(lines)


def field_descriptions() -> dict[str, str]:
    """`section.field` -> its description, for `rag settings`."""
    described = {"preset": Settings.model_fields["preset"].description or ""}
    for section, model in SECTIONS.items():
        for name, info in model.model_fields.items():
            described[f"{section}.{name}"] = info.description or ""
    return described


def parse_assignments(items: list[str] | None) -> dict[str, Any]:
    """`["retrieval.k=5", "llm.model=gpt-4o"]` -> `{"retrieval.k": 5, "llm.model": "gpt-4o"}` (JSON values or text)."""
    result: dict[str, Any] = {}
    for item in items or []:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise SettingsError(f"--set takes section.field=value, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        result[path.strip()] = value
    return result


__all__ = [
    "LEGACY_ENV",
    "EvidenceSettings",
    "GenerationSettings",
    "IndexSettings",
    "LLMSettings",
    "RetrievalSettings",
    "Settings",
    "UISettings",
    "VerificationSettings",
    "available_presets",
    "field_descriptions",
    "flatten_paths",
    "parse_assignments",
]
