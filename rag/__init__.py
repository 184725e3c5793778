"""paper-rag: cited question answering over research-paper abstracts."""

from rag import config as _config  # noqa: F401  (sets offline/telemetry defaults first)
from rag.ingest import IngestError, IngestReport, ingest
from rag.parsing import CorpusFormatError
from rag.retrieve import SearchFilters, SearchHit, search

__all__ = ["CorpusFormatError", "IngestError", "IngestReport", "SearchFilters", "SearchHit", "ingest", "search"]
