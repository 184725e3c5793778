"""Uploaded corpus files: kept in the data directory under their content hash, never in Gradio's temp folder.

Gradio saves an upload as GRADIO_TEMP_DIR/<hash>/<original name>, a folder it may clean at any time; an
index that recorded that path would list a file that disappears. `store_upload` copies the file to
DATA_DIR/uploads/<sha256[:16]>-<original name> (the same content always lands on the same path, so a
re-upload is recognised as unchanged) and deletes Gradio's copy. `public_message` replaces the server path
in an error message by the name the user uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def store_upload(received: Path, data_dir: Path) -> Path:
    """Copy `received` into the data directory (content-addressed) and remove Gradio's temporary copy."""
    digest = hashlib.sha256(received.read_bytes()).hexdigest()[:16]
    target = uploads_dir(data_dir) / f"{digest}-{received.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(received, partial)
        partial.replace(target)
    discard_received(received)
    return target


def discard_received(received: Path) -> None:
    """Delete Gradio's temporary copy of an upload and its per-upload folder once empty."""
    received.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty, or already gone
        received.parent.rmdir()


def public_message(message: str, stored: Path, name: str) -> str:
    """`message` with the server-side path of an upload replaced by the name the user gave it."""
    return message.replace(str(stored), name).replace(str(stored.parent), "uploads")
