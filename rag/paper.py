"""The paper record shared by parsing, indexing and retrieval."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote_plus

from pydantic import BaseModel, Field

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_GITHUB_URL = re.compile(r"https?://(?:www\.)?github\.com/[\w.\-]+(?:/[\w.\-]+)?", re.IGNORECASE)


def normalize_title(title: str) -> str:
    """Case-, accent- and punctuation-insensitive key used for deduplication."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", folded.lower()).strip()


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
