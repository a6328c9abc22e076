"""The installed console script and ``python -m clipper``, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES


def _run(args: list[str], corpus: Path, stdin: bytes | None = None):
    env = {**os.environ, "CLIPPER_CORPUS": str(corpus)}
    return subprocess.run(args, input=stdin, capture_output=True, env=env, timeout=120, check=False)


def test_console_script_adds_and_searches(corpus_dir):
    script = Path(sys.executable).parent / "clipper"
    assert script.exists(), "the clipper console script is not installed next to python"
    added = _run([str(script), "add", str(FIXTURES / "headline_en.txt")], corpus_dir)
    assert added.returncode == 0, added.stderr
    found = _run([str(script), "search", "inflation", "--format", "ids"], corpus_dir)
    assert found.returncode == 0
    assert len(found.stdout.decode().split()) == 1
    missing = _run([str(script), "search", "zeppelin"], corpus_dir)
    assert missing.returncode == 1
    assert missing.stderr == b"No clipping matches 'zeppelin'.\n"


def test_python_dash_m_reads_stdin_and_hides_tracebacks(corpus_dir):
    added = _run(
        [sys.executable, "-m", "clipper", "add", "-"],
        corpus_dir,
        stdin=(FIXTURES / "no_credit_fr.txt").read_bytes(),
    )
    assert added.returncode == 0, added.stderr
    bad = _run([sys.executable, "-m", "clipper", "search", "date:[2024 TO bientôt]"], corpus_dir)
    assert bad.returncode == 2
    assert b"Traceback" not in bad.stderr
    assert bad.stderr.decode().startswith("Error: invalid query: cannot read date")
