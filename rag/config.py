"""Process-wide safe defaults for third-party libraries, and where the bundled resources are.

Tunable values live in `rag.settings.Settings`; this module only (1) switches off telemetry and hub
downloads before any of those libraries is imported and (2) locates the prompts and the bundled corpus,
which sit at the repository's top level in a checkout and inside the package in an installed wheel.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# Safe defaults before any of these libraries is imported: no telemetry, no hub downloads.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# onnxruntime's 1DS telemetry starts when the library loads: it resolves mobile.events.data.microsoft.com
# and writes a device id and an event queue to ~/.cache/Microsoft/DeveloperTools/.onnxruntime/. Only this
# variable, set before `import onnxruntime`, stops both (disable_telemetry_events() alone does not).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
CORPUS_SUFFIXES = {".txt", ".jsonl", ".json"}


def _bundled_tiktoken_cache() -> str | None:
    """llama-index-core ships the cl100k/o200k encodings; point tiktoken there instead of the web."""
    spec = importlib.util.find_spec("llama_index")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        cache = Path(location) / "core" / "_static" / "tiktoken_cache"
        if cache.is_dir():
            return str(cache)
    return None


if (_tiktoken_cache := _bundled_tiktoken_cache()) is not None:
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", _tiktoken_cache)


def _resource_dir(packaged: str, in_checkout: str) -> Path:
    """`rag/<packaged>` in an installed wheel (see pyproject's package-dir), else the checkout's folder."""
    installed = PACKAGE_DIR / packaged
    return installed if installed.is_dir() else PROJECT_ROOT / in_checkout


PROMPTS_DIR = _resource_dir("bundled_prompts", "prompts")
BUNDLED_CORPUS = _resource_dir("bundled_corpus", "data")


def bundled_corpus_files() -> list[Path]:
    return sorted(p for p in BUNDLED_CORPUS.iterdir() if p.suffix in CORPUS_SUFFIXES)
