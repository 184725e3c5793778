"""The embedded model file: assembled from the wheel parts, pinned sha256, a mismatch refused."""

from __future__ import annotations

import os

import pytest

from rag.llm import model_files
from rag.llm.model_files import MODEL_SIZE, ModelFileError, cached_model_path, ensure_model, parts_installed


def test_parts_are_installed_and_add_up_to_the_pinned_size():
    assert parts_installed()
    assert sum(p.stat().st_size for p in model_files.part_paths()) == MODEL_SIZE


def test_a_tampered_model_file_is_refused(monkeypatch, tmp_path):
    target = cached_model_path(tmp_path)
    target.parent.mkdir(parents=True)
    with target.open("wb") as fh:  # right size, wrong bytes (sparse: no real disk used)
        fh.truncate(MODEL_SIZE)
    with pytest.raises(ModelFileError, match="refusing to load"):
        ensure_model(tmp_path)


def test_a_corrupt_part_is_refused_before_anything_is_loaded(monkeypatch, tmp_path):
    parts = model_files.part_paths()
    fake = tmp_path / "part01.bin"
    fake.write_bytes(b"\0" * parts[0].stat().st_size)
    monkeypatch.setattr(model_files, "part_paths", lambda: [fake, *parts[1:]])
    with pytest.raises(ModelFileError, match="reinstall"):
        ensure_model(tmp_path)
    assert not cached_model_path(tmp_path).exists()  # no unverified file is left where the loader would find it
    assert not [p for p in os.listdir(cached_model_path(tmp_path).parent) if p.endswith(".part")]
