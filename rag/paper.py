"""The paper record shared by parsing, indexing and retrieval."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote_plus

from pydantic import BaseModel, Field

_GITHUB_URL = re.compile(r"https?://(?:www\.)?github\.com/[\w.\-]+(?:/[\w.\-]+)?", re.IGNORECASE)


def normalize_title(title: str) -> str:
    """Case-, accent-, width- and punctuation-insensitive key used for deduplication, in every script.

    NFKC (full-width and compatibility forms), casefold, accents on Latin letters dropped (the marks of
    other scripts are part of their letters), then the words (runs of letters, digits and marks of any
    script) joined by single spaces. For a title whose letters
    are all ASCII or accented Latin this is exactly the key of earlier versions, so their ids are unchanged;
    letters the old ASCII-only key dropped ("α-Net", Chinese, Cyrillic, Greek, "ß") are now kept.
    A title with no letter or digit at all keys on its casefolded symbols, never on an empty string.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", title).casefold())
    kept: list[str] = []
    base_is_latin = False
    for char in folded:
        if unicodedata.combining(char):
            if base_is_latin:
                continue  # an accent on a Latin letter: "é" keys as "e", as it always did
        else:
            base_is_latin = char.isascii() or unicodedata.name(char, "").startswith("LATIN")
        kept.append(char if unicodedata.category(char)[0] in "LNM" else " ")  # letters, digits, marks
    words = unicodedata.normalize("NFC", "".join(kept)).split()
    return " ".join(words) or " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def paper_id_for(title: str) -> str:
    """Stable id derived from the normalised title, so ids survive re-ingest and rebuilds."""
    return hashlib.sha1(normalize_title(title).encode()).hexdigest()[:16]


def clean_space(text: str) -> str:
    return " ".join(text.split())


def find_code_urls(text: str) -> list[str]:
    urls = [u.rstrip(".") for u in _GITHUB_URL.findall(text)]
    return list(dict.fromkeys(urls))


class Paper(BaseModel):
    """One unique paper after parsing (and, across files, after deduplication)."""

    paper_id: str
    title: str
    abstract: str
    authors: int | None = Field(default=None, description="number of authors, when known")
    author_names: list[str] = Field(default_factory=list)
    date: str | None = Field(default=None, description="publication date, ISO 8601")
    upvotes: int | None = None
    code_urls: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    arxiv_id: str | None = None
    sources: list[str] = Field(default_factory=list, description="files the paper was read from")

    @classmethod
    def create(cls, title: str, abstract: str, **metadata: object) -> Paper:
        title, abstract = clean_space(title), clean_space(abstract)
        metadata.setdefault("code_urls", find_code_urls(abstract))
        return cls(paper_id=paper_id_for(title), title=title, abstract=abstract, **metadata)

    @property
    def url(self) -> str:
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return f"https://huggingface.co/papers?q={quote_plus(self.title)}"

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def content_hash(self) -> str:
        """Hash of everything that is indexed; a change means the paper must be re-embedded/updated."""
        return hashlib.sha1(self.model_dump_json(exclude={"sources"}).encode()).hexdigest()
