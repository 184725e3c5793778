"""Split papers into embedding-sized chunks (title + abstract text) as llama-index nodes."""

from __future__ import annotations

import functools

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from rag.embedding import MAX_TOKENS, count_tokens, load_counting_tokenizer
from rag.paper import Paper
from rag.parsing.limits import MAX_TITLE_CHARS
from rag.text import MAX_TEXT_CHARS

SCHEMA_VERSION = 1  # bump when chunk text or metadata changes: forces a re-embed
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]


def _model_tokens(text: str) -> list[int]:
    return load_counting_tokenizer().encode(text, add_special_tokens=False).ids


@functools.cache
def _splitter(chunk_size: int, overlap: int) -> SentenceSplitter:
    # Sizes are counted in the embedding model's own word pieces, so no chunk is ever truncated.
    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=min(overlap, chunk_size // 2), tokenizer=_model_tokens)


def chunk_metadata(paper: Paper) -> dict[str, str | int | bool]:
    """Flat metadata stored with every chunk in Chroma; usable as filters."""
    return {
        "paper_id": paper.paper_id,
        "title": paper.title,
        "year": paper.year or 0,
        "date": paper.date or "",
        "has_code": int(bool(paper.code_urls)),  # int: llama-index filters take no bools
        "upvotes": paper.upvotes or 0,
        "authors": paper.authors or 0,
    }


def chunk_paper(paper: Paper, overlap: int) -> list[TextNode]:
    """One node per chunk (`overlap` word pieces shared by neighbours); every chunk starts with the title."""
    heading = paper.title[:MAX_TITLE_CHARS] + "\n\n"
    abstract = paper.abstract[:MAX_TEXT_CHARS]  # ingest rejects longer records; this bounds the splitter anyway
    budget = MAX_TOKENS - _SPECIAL_TOKENS - count_tokens(heading)
    pieces = [abstract] if count_tokens(abstract) <= budget else _splitter(budget, overlap).split_text(abstract)
    metadata = chunk_metadata(paper)
    return [
        TextNode(
            id_=f"{paper.paper_id}-{i}",
            text=heading + piece,
            metadata=metadata,
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=paper.paper_id)},
        )
        for i, piece in enumerate(pieces)
    ]
