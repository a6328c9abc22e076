"""Shared fixtures. No test touches a real home, the network or ../shared."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clipper.archive import Archive
from clipper.ingest import Metadata

FIXTURES = Path(__file__).parent / "fixtures"

# clipper caches the decompressed language model in the user cache directory;
# tests (and the processes they start) use a scratch one, removed at the end.
_CACHE = tempfile.mkdtemp(prefix="clipper-test-cache-")
os.environ["CLIPPER_CACHE_DIR"] = _CACHE


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def corpus_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point CLIPPER_CORPUS at a fresh temporary directory for every test."""
    path = tmp_path / "corpus"
    monkeypatch.setenv("CLIPPER_CORPUS", str(path))
    monkeypatch.delenv("CLIPPER_DEBUG", raising=False)
    return path


@pytest.fixture
def archive(corpus_dir: Path) -> Iterator[Archive]:
    archive = Archive.open_or_create(corpus_dir)
    yield archive
    archive.close()


# One small corpus of invented clippings, shared by the module tests that need
# stored ones: name -> (original bytes, file name, metadata). The first is
# Windows-1252 with CRLF line ends, the last has no date.
NEWS: dict[str, tuple[bytes, str, dict[str, Any]]] = {
    "tram": (
        "Le tramway prolongé vers le nord\r\n\r\nLa métropole a voté jeudi le "
        "prolongement de la ligne jusqu'au nouveau quartier des Brotteaux.\r\n".encode("cp1252"),
        "tram.txt",
        {"source": "Le Progrès", "date": "2024-04-11", "lang": "fr", "tags": ["transports"]},
    ),
    "harbour": (
        b"Harbour reopens after the storm\n\nFishing boats returned to the harbour on "
        b"Monday as the wind dropped and the sea wall held.\n",
        "harbour.txt",
        {"source": "AFP", "date": "2023-11-20", "lang": "en"},
    ),
    "verger": (
        "Les vergers fleurissent tôt\n\nDans la vallée, les pommiers sont en fleurs "
        "avec trois semaines d'avance sur l'an dernier.\n".encode(),
        "verger.txt",
        {"lang": "fr"},
    ),
}


@pytest.fixture
def news(archive: Archive) -> dict[str, str]:
    """The NEWS clippings added to the temporary corpus: name -> id."""
    ids = {}
    for name, (data, file_name, fields) in NEWS.items():
        outcome = archive.add_bytes(data, file_name, Metadata(**fields))
        assert outcome.status == "added", outcome.error
        ids[name] = outcome.clipping.id
    return ids


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_text(name: str) -> str:
    return fixture_bytes(name).decode("utf-8")
