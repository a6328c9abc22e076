"""A process that only reads the corpus loads only what reading needs.

Every fresh ``clipper search`` pays for the modules it imports (see
docs/performance.md): these tests run a command in a new Python process and
look at ``sys.modules`` afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clipper.archive import Archive
from clipper.ingest import Metadata

# Modules of adding only: the ingest chain, extraction, fetching, language
# identification, fingerprints, and the libraries behind them.
ADD_ONLY = (
    "clipper.pipeline",
    "clipper.ingest",
    "clipper.extract",
    "clipper.records",
    "clipper.fetch",
    "clipper.language",
    "clipper.fingerprint",
    "trafilatura",
    "lxml",
    "pypdf",
    "py3langid",
    "numpy",
    "charset_normalizer",
    "yaml",
    "dateparser",
    # What whoosh.compat's urllib.request would bring (clipper._whooshcompat).
    "urllib.request",
    "http.client",
    "email.parser",
    "ssl",
    # The English morphology whoosh.query.terms would compile (clipper._whooshcompat).
    "whoosh.lang.morph_en",
    # Bulk imports only: the analysing processes and their machinery.
    "clipper.parallel_writing",
    "whoosh.multiproc",
    "multiprocessing",
    # Loaded to quiet the extraction libraries' warnings (clipper.cli).
    "logging",
)

_RUN = """
import json, sys
from click.testing import CliRunner
from clipper.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({"code": result.exit_code, "output": result.output,
                  "modules": sorted(sys.modules)}))
"""


def _loaded(corpus: Path, *args: str) -> tuple[str, set[str]]:
    env = {**os.environ, "CLIPPER_CORPUS": str(corpus)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=corpus.parent,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["code"] == 0, report["output"]
    return report["output"], set(report["modules"])


def _add_only(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules if any(m == name or m.startswith(name + ".") for name in ADD_ONLY)
    )


@pytest.fixture
def filled(corpus_dir: Path) -> str:
    with Archive.open_or_create(corpus_dir) as archive:
        text = "Inflation en mars\n\nLa banque centrale relève ses taux face à l'inflation.\n"
        outcome = archive.add_bytes(text.encode(), "a.txt", Metadata(date="2024-03-12"))
        later = "Inflation en avril\n\nLa banque centrale garde ses taux malgré l'inflation.\n"
        assert archive.add_bytes(later.encode(), "b.txt").status == "added"
    assert outcome.clipping is not None
    return outcome.clipping.id


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("search", "inflation"), "Inflation en mars"),
        (("search", "inflation", "--since", "2024-03", "--format", "json"), "Inflation en mars"),
        (("search", "date:2024-03 taux"), "Inflation en mars"),
        (("list",), "Inflation en mars"),
        (("show", "{id}"), "Inflation en mars"),
        # The clipping like the one shown is the other one.
        (("similar", "{id}"), "Inflation en avril"),
    ],
)
def test_reading_commands_do_not_load_adding(
    corpus_dir: Path, filled: str, args: tuple[str, ...], shown: str
):
    output, modules = _loaded(corpus_dir, *(a.format(id=filled) for a in args))
    assert shown in output
    assert _add_only(modules) == []


# Export writes records with clipper.records (which import shares); neither it
# nor info loads what extraction needs, nor logging (see clipper.cli).
EXTRACTION_LIBRARIES = ("trafilatura", "lxml", "pypdf", "py3langid", "dateparser", "logging")


@pytest.mark.parametrize(
    ("args", "shown"),
    [(("export", "--format", "jsonl"), "Inflation en mars"), (("info",), "clippings:  2")],
)
def test_export_and_info_load_no_extraction_library(
    corpus_dir: Path, filled: str, args: tuple[str, ...], shown: str
):
    output, modules = _loaded(corpus_dir, *args)
    assert shown in output
    assert sorted(m for m in modules if m.split(".")[0] in EXTRACTION_LIBRARIES) == []


def test_an_add_loads_them_so_the_check_above_can_see_them(corpus_dir: Path, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_text("Un titre\n\nUn texte assez long pour être un article de presse.\n")
    _output, modules = _loaded(corpus_dir, "add", str(page))
    assert {"clipper.pipeline", "clipper.ingest", "clipper.fingerprint"} <= set(_add_only(modules))


def test_whoosh_compat_urlretrieve_still_works(tmp_path: Path):
    # whoosh.compat was given a stand-in urlretrieve: calling it loads the real one.
    code = (
        "import sys, clipper, clipper.searching, whoosh.compat\n"
        "assert 'urllib.request' not in sys.modules\n"
        "whoosh.compat.urlretrieve(sys.argv[1], sys.argv[2])\n"
        "import urllib.request\n"
        "assert hasattr(urllib.request, 'urlopen')\n"
    )
    source = tmp_path / "source.txt"
    source.write_text("copied")
    target = tmp_path / "copy.txt"
    subprocess.run(
        [sys.executable, "-c", code, source.as_uri(), str(target)],
        check=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert target.read_text() == "copied"


def test_whoosh_variations_still_work(tmp_path: Path):
    # whoosh.query.terms was given a stand-in variations: calling it loads the real one.
    code = (
        "import sys, clipper, clipper.searching, whoosh.query\n"
        "assert 'whoosh.lang.morph_en' not in sys.modules\n"
        "print(sorted(whoosh.query.terms.variations('render')))\n"
        "assert 'whoosh.lang.morph_en' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        timeout=120,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "rendered" in done.stdout and "renders" in done.stdout


def test_archive_still_exports_metadata():
    import clipper.archive

    assert clipper.archive.Metadata is Metadata
