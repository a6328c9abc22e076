"""The README's terminal sessions are real: each is run, in order, and must print what it shows.

Every ```console block is read as ``$ command`` lines, each followed by the
output it shows (stdout and stderr together, as on a terminal). They run one
after another, in a copy of the repository's sample corpus, so a session may
rely on what an earlier one added. In the shown output, a line ``…`` stands
for any number of lines, the corpus's path is written ``/home/me/clipper``,
and sizes (``52.8 KB``) may differ. A command shown without output is run but
not compared.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHOWN_HOME = "/home/me/clipper"
_SIZE = re.compile(r"\b\d+(?:\.\d+)? (?:B|KB|MB|GB)\b")
_COMMENT = re.compile(r"\s+#\s.*$")


def sessions() -> list[tuple[str, list[str]]]:
    """``(command, shown output lines)`` of every console block, in order."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((_COMMENT.sub("", line[2:]), []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def _normal(line: str, home: str) -> str:
    return _SIZE.sub("<size>", line.replace(home, SHOWN_HOME)).rstrip()


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether the printed lines are the shown ones, a ``…`` line standing for any lines."""
    if not shown:
        return not printed
    if shown[0] == "…":
        return any(matches(shown[1:], printed[i:]) for i in range(len(printed) + 1))
    return bool(printed) and shown[0] == printed[0] and matches(shown[1:], printed[1:])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder like the repository's root: the sample corpus, the fixtures, an empty file."""
    home = tmp_path / "clipper"
    home.mkdir()
    shutil.copytree(ROOT / "corpus", home / "corpus", ignore=shutil.ignore_patterns(".index"))
    (home / "tests").symlink_to(ROOT / "tests")
    (home / "empty.txt").write_bytes(b"")
    (home / "export.jsonl.gz").write_bytes(
        gzip.compress(b'{"title": "Un titre", "text": "Un texte court sur les ports."}\n')
    )
    return home


def test_the_readme_sessions_print_what_they_show(workdir: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CLIPPER_CORPUS")  # ./corpus, as for a newcomer in the repository
    env.update(PYTHONUNBUFFERED="1", COLUMNS="200", LC_ALL="C.UTF-8")
    home = str(workdir.resolve())
    steps = sessions()
    assert len(steps) >= 15
    status = 0
    for command, shown in steps:
        if command.startswith("pbpaste"):  # a clipboard: not on a test machine
            continue
        if command == "echo $?":
            printed = [str(status)]
        else:
            run = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                cwd=workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            status = run.returncode
            printed = run.stdout.decode("utf-8").splitlines()
        if not shown:
            continue
        expected = [_normal(line, home) for line in shown]
        actual = [_normal(line, home) for line in printed]
        assert matches(expected, actual), f"$ {command}\n" + "\n".join(printed)
