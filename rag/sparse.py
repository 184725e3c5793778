"""Keyword search terms: the text and query forms stored in and sent to the SQLite FTS5 index.

Texts are tokenised here, not by FTS5: bm25s's tokenizer (lower-cased words of 2+ characters, English
stopwords dropped) and PyStemmer's Snowball English stemmer, the same analysis as the bm25s index this
replaced. FTS5 then only splits the stemmed words on spaces and ranks with its built-in `bm25()`
(k1 = 1.2, b = 0.75). The index itself lives in `rag.state` (table `keywords`), updated row by row
in the same transaction as the paper records.
"""

from __future__ import annotations

import bm25s
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


def paper_text(title: str, abstract: str) -> str:
    return f"{title}\n{title}\n{abstract}"  # title twice: it is the densest description of a paper


def _terms(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False, return_ids=False)


def keyword_text(title: str, abstract: str) -> str:
    """The stemmed words of a paper, space separated, as stored in the FTS5 table."""
    return " ".join(_terms([paper_text(title, abstract)])[0])


def query_terms(query: str) -> list[str]:
    """The stemmed search terms of `query` (English stopwords, punctuation and emoji dropped)."""
    return _terms([query])[0]


def fts_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: any of `terms` (each quoted, so no term is read as an operator)."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
