"""paper-rag: cited question answering over research-paper abstracts.

    from rag import ask, ask_stream, search, ingest, verify, Answer, Settings

Names are imported on first use, so `import rag` (and `rag settings`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rag import config as _config  # noqa: F401  (sets offline/telemetry defaults first)

_EXPORTS = {
    "ask": "rag.pipeline",
    "verify": "rag.checking",
    "ask_stream": "rag.pipeline",
    "AnswerStream": "rag.pipeline",
    "Pipeline": "rag.pipeline",
    "search": "rag.retrieve",
    "Searcher": "rag.retrieve",
    "SearchFilters": "rag.retrieve",
    "SearchHit": "rag.retrieve",
    "ingest": "rag.ingestion",
    "IngestReport": "rag.ingestion",
    "IngestError": "rag.ingestion",
    "Answer": "rag.answer_types",
    "AnswerSentence": "rag.answer_types",
    "Source": "rag.answer_types",
    "Turn": "rag.answer_types",
    "Paper": "rag.paper",
    "Settings": "rag.settings",
    "RagError": "rag.errors",
    "CorpusFormatError": "rag.parsing.errors",
}

if TYPE_CHECKING:
    from rag.answer_types import Answer, AnswerSentence, Source, Turn
    from rag.checking import verify
    from rag.errors import RagError
    from rag.ingestion import IngestError, IngestReport, ingest
    from rag.paper import Paper
    from rag.parsing.errors import CorpusFormatError
    from rag.pipeline import AnswerStream, Pipeline, ask, ask_stream
    from rag.retrieve import Searcher, SearchFilters, SearchHit, search
    from rag.settings import Settings


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "Answer",
    "AnswerSentence",
    "AnswerStream",
    "CorpusFormatError",
    "IngestError",
    "IngestReport",
    "Paper",
    "Pipeline",
    "RagError",
    "SearchFilters",
    "SearchHit",
    "Searcher",
    "Settings",
    "Source",
    "Turn",
    "ask",
    "ask_stream",
    "ingest",
    "search",
    "verify",
]
