"""Bounding one piece of evidence to a token budget: a sentence too long for the budget is cut, visibly.

One abstract sentence of 8398 tokens once went into the prompt whole and the local model (4096-token
context) answered HTTP 400. Evidence selection passes every sentence through `cap_tokens`.
"""

from __future__ import annotations

import functools

import tiktoken

TRUNCATED = " … (truncated)"  # appended to a cut sentence, so the reader and the model know
MIN_PIECE_TOKENS = 8  # a budget smaller than this leaves nothing worth showing: skip the sentence


@functools.cache
def _encoder() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base")  # shipped in llama-index-core's tiktoken cache: no download


def cap_tokens(text: str, limit: int) -> str | None:
    """`text` if it has at most `limit` tokens; else its first tokens plus `TRUNCATED`, within `limit` in all.

    None when `limit` is too small for a useful piece (the caller skips the sentence).
    """
    tokens = _encoder().encode(text)
    if len(tokens) <= limit:
        return text
    room = limit - len(_encoder().encode(TRUNCATED))
    if room < MIN_PIECE_TOKENS:
        return None
    head = _encoder().decode(tokens[:room]).rstrip()
    while head and len(_encoder().encode(head + TRUNCATED)) > limit:  # decoding can merge tokens differently
        head = head[:-1]
    return head + TRUNCATED


def strip_truncation(text: str) -> str:
    """The sentence text of a piece `cap_tokens` may have cut (for finding it in the abstract)."""
    return text.removesuffix(TRUNCATED)
