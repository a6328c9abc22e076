"""Every command is documented in the README, and the README's commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clipper.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme_table(command):
    assert re.search(rf"^\| `clipper {command}\b", README, re.MULTILINE), command


def test_readme_table_names_only_real_commands():
    named = set(re.findall(r"^\| `clipper (\w+)", README, re.MULTILINE))
    assert named == set(cli.commands)


def test_readme_starts_with_the_two_setup_commands():
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].startswith('pip install . && clipper search "Phi"')
    assert block[1].startswith("pip install '.[test]' && pytest")
