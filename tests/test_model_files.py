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


def test_llm_stop_never_signals_a_process_that_reuses_a_stale_pid(tmp_path):
    """A pid file left by a crashed server can name an unrelated process after a reboot: it must survive."""
    import json
    import subprocess

    from rag.llm.local_server import running_server, state_file, stop_server
    from rag.llm.model_files import MODEL_SHA256
    from rag.settings import Settings

    settings = Settings.load(overrides={"index.data_dir": tmp_path})
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        state_file(settings).write_text(
            json.dumps({"pid": bystander.pid, "url": "http://127.0.0.1:9", "model_sha256": MODEL_SHA256})
        )
        assert running_server(settings) is None
        assert stop_server(settings) is False  # reported as not running
        assert bystander.poll() is None  # and left alone
        assert not state_file(settings).exists()  # the stale record is gone
    finally:
        bystander.kill()
        bystander.wait()
