"""Shared fixtures. No test touches a real home, the network or ../shared."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clipper.archive import Archive

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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_text(name: str) -> str:
    return fixture_bytes(name).decode("utf-8")
