"""Every command is documented in the README, and the README's commands exist."""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from clipper.cli import cli
from clipper.storage import Corpus

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


QUERY_GUIDE = (Path(__file__).parent.parent / "docs" / "query.md").read_text(encoding="utf-8")
GUIDE_SEARCHES = re.findall(r"`clipper search ((?:\"[^\"]*\"|'[^']*')[^`]*)`", QUERY_GUIDE)


def test_the_query_guide_has_examples():
    assert len(GUIDE_SEARCHES) >= 25


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory):
    """A copy of the repository's sample corpus, so that tests never change it.

    The copy's clippings count as added an hour ago, so that the guide's
    relative examples (``added:7d``) keep finding them whatever today is.
    """
    target = tmp_path_factory.mktemp("sample") / "corpus"
    source = Path(__file__).parent.parent / "corpus"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".index"))
    corpus = Corpus.open(target)
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for clipping in list(corpus.iter_clippings()):
        corpus.update(replace(clipping, added=an_hour_ago))
    return target


@pytest.mark.parametrize("example", GUIDE_SEARCHES)
def test_every_query_guide_example_finds_a_clipping(example, sample_corpus):
    args = ["--corpus", str(sample_corpus), "search", *shlex.split(example), "--format", "ids"]
    result = CliRunner().invoke(cli, args)
    # Each example illustrates a match on the sample corpus: one that finds
    # nothing has drifted from the corpus or from the query language.
    assert result.exit_code == 0, result.output
    assert result.stdout.split(), example


def test_search_help_points_to_the_guide():
    result = CliRunner().invoke(cli, ["search", "--help"])
    assert "docs/query.md" in result.output


def test_the_archive_docstring_example_runs():
    import doctest

    import clipper.archive

    results = doctest.testmod(clipper.archive, raise_on_error=False, report=True)
    assert results.attempted >= 5
    assert results.failed == 0


def test_the_readme_library_example_runs(tmp_path, monkeypatch, capsys):
    block = README.split("## As a library", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "article.txt").write_text(
        "Les modèles Phi\n\nMicrosoft présente ses petits modèles de langage Phi.\n",
        encoding="utf-8",
    )
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("Les modèles Phi ")
    assert "modèles" in printed
