"""The wheel carries everything `rag` needs: built, installed into a fresh venv, run outside the repo.

The fresh venv gets only the wheel (no `-e`, no checkout on its path); its dependencies come from the
project's venv through a .pth line, so the test needs no download and checks what the wheel itself ships:
code, entry point, prompts, presets and the bundled corpus.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("paper_rag-*.whl")
    return built


def test_the_wheel_ships_prompts_presets_and_corpus(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {p.name for p in (ROOT / "prompts").glob("*.txt")}
    corpus = {p.name for p in (ROOT / "data").glob("*.txt")}
    assert {f"rag/bundled_prompts/{n}" for n in prompts} <= names
    assert {f"rag/bundled_corpus/{n}" for n in corpus} <= names
    assert {"rag/presets/default.json", "rag/presets/fast.json", "rag/presets/accurate.json"} <= names
    assert "rag/calibration.json" in names and "evals/questions/dev.jsonl" in names


def test_installed_wheel_ingests_and_answers_outside_the_repo(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (site / "project-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")  # dependencies only
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "PYTHONPATH"))}
    env["RAG_DATA_DIR"] = str(tmp_path / "data")
    where = subprocess.run(
        [str(python), "-c", "import rag.config as c; print(c.PROMPTS_DIR); print(c.BUNDLED_CORPUS)"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(str(site) in line for line in where.stdout.splitlines()), where.stdout  # not the checkout's files
    cli = [str(env_dir / "bin" / "rag")]  # the wheel's console script
    ingest = subprocess.run([*cli, "ingest", "--json"], cwd=workdir, env=env, capture_output=True, text=True)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["papers"] == 400
    ask = subprocess.run(
        [
            *cli,
            "ask",
            "How can one train a model whose memory exceeds the GPUs of a single server?",
            "--backend",
            "extractive",
            "--json",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert not answer["abstained"] and any(s["title"].startswith("Harmony") for s in answer["sources"])
