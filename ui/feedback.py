"""Thumbs up/down on answers, stored as JSONL under the data directory."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def feedback_file(data_dir: Path) -> Path:
    return data_dir / "feedback.jsonl"


def record_feedback(data_dir: Path, liked: bool, turn: dict[str, Any]) -> Path:
    """Append one verdict with the question, answer, sources and settings it was given on."""
    path = feedback_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "liked": liked, **turn}
    with _lock, path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
