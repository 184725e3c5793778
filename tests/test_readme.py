"""Every ```python and ```bash block of the README runs, so the docs cannot drift from the code.

A block preceded by a `<!-- not run by tests: reason -->` line is skipped (the two `make` commands and the
20-minute eval). Blocks run from the repository root against a copy of the bundled index, with the real
embedded model for the examples that use the default backend.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_SKIP = "<!-- not run by tests"


def readme_blocks() -> list[tuple[int, str, str]]:
    """(line number, language, code) of every python/bash block not marked as skipped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        language, code = match.group(1), match.group(2)
        before = text[: match.start()].rstrip().splitlines()
        if language not in ("python", "bash") or (before and before[-1].startswith(_SKIP)):
            continue
        blocks.append((text[: match.start()].count("\n") + 1, language, code))
    return blocks


def test_the_readme_has_runnable_examples():
    languages = [language for _, language, _ in readme_blocks()]
    assert languages.count("python") >= 2 and languages.count("bash") >= 3


@pytest.fixture(scope="module")
def readme_env(bundled_index, tmp_path_factory, _local_model_settings):
    from rag.llm.local_server import ensure_server

    ensure_server(_local_model_settings)  # the examples that use the default backend reuse it
    index = tmp_path_factory.mktemp("readme") / "index"
    shutil.copytree(bundled_index, index)
    return {**os.environ, "RAG_INDEX_DIR": str(index), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


@pytest.mark.parametrize(("line", "language", "code"), readme_blocks(), ids=lambda v: str(v)[:12])
def test_readme_block_runs(readme_env, line, language, code):
    if language == "python":
        commands = [[sys.executable, "-c", code]]
    else:
        commands = [["bash", "-c", cmd] for cmd in code.splitlines() if cmd.strip() and not cmd.startswith("#")]
    for command in commands:
        result = subprocess.run(command, cwd=ROOT, env=readme_env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"README line {line}: {command[-1]}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
