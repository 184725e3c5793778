"""A full disk during ingest: a clear "no space left on INDEX_DIR" message, and the next ingest recovers.

The disk is really full: the index directory is a 1 MB tmpfs mounted in a private mount namespace
(`unshare --mount --map-root-user`), so nothing outside this test sees it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import lines_dump_head

SCRIPT = """
set -u
mount -t tmpfs -o size=1m tmpfs "$INDEX" || exit 97
"$PYTHON" -m rag.cli ingest "$CORPUS" --index-dir "$INDEX" >"$LOG.1.out" 2>"$LOG.1.err"
echo $? >"$LOG.1.rc"
mount -o remount,size=200m "$INDEX"   # space freed
"$PYTHON" -m rag.cli ingest "$CORPUS" --index-dir "$INDEX" >"$LOG.2.out" 2>"$LOG.2.err"
echo $? >"$LOG.2.rc"
"""


def test_disk_full_is_a_clear_error_and_the_next_ingest_recovers(tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("util-linux's unshare is needed to give the index a small disk of its own")
    corpus = tmp_path / "papers.txt"
    corpus.write_text(lines_dump_head(40), encoding="utf-8")
    index = tmp_path / "index"
    index.mkdir()
    log = tmp_path / "run"
    env = {**os.environ, "INDEX": str(index), "CORPUS": str(corpus), "LOG": str(log), "PYTHON": sys.executable}
    done = subprocess.run(
        [unshare, "--mount", "--map-root-user", "sh", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 97, f"could not mount a tmpfs in a private namespace: {done.stderr}"
    first_err = (tmp_path / "run.1.err").read_text()
    assert (tmp_path / "run.1.rc").read_text().strip() == "2", first_err
    assert f"no space left on {index}" in first_err and "Traceback" not in first_err
    assert (tmp_path / "run.2.rc").read_text().strip() == "0", (tmp_path / "run.2.err").read_text()
    assert "40 papers" in (tmp_path / "run.2.out").read_text()
