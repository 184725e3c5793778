"""Prompt templates live as text files in `prompts/` (shipped in the wheel); this module only loads and fills them."""

from __future__ import annotations

import functools

from rag.config import PROMPTS_DIR


@functools.cache
def load_prompt(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"prompt template {path} is missing")
    return path.read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load_prompt(name).format(**values)
