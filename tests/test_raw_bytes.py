"""Stores interrupted by an unexpected error: nothing is left behind, and the rest of
a batch is stored."""

from __future__ import annotations

import pytest

from clipper import storage
from clipper.archive import Archive
from clipper.cli import cli
from clipper.model import Clipping, content_id


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def assert_check_is_clean(runner):
    checked = invoke(runner, "check")
    assert checked.exit_code == 0, checked.output
    assert "problem" not in checked.output


ARTICLES = [
    ("un.txt", "Le conseil municipal a voté le budget de la piscine jeudi soir.\n"),
    ("deux.txt", "La préfecture annonce des restrictions d’eau dans trois communes.\n"),
    ("trois.txt", "Le festival de jazz accueille quarante mille spectateurs cet été.\n"),
]


@pytest.fixture
def failing_metadata(monkeypatch):
    """The metadata serialiser fails for the second article, as a bug would."""
    real = storage.metadata_bytes

    def metadata_bytes(clipping):
        if "préfecture" in clipping.text:
            raise RuntimeError("serialiser bug")
        return real(clipping)

    monkeypatch.setattr(storage, "metadata_bytes", metadata_bytes)


@pytest.mark.parametrize("grouped", [False, True])
def test_an_unexpected_error_while_storing_leaves_no_debris(
    runner, tmp_path, monkeypatch, failing_metadata, grouped
):
    options: list[str] = []
    if grouped:  # the bulk path, which writes files in groups (in this process: --jobs 1)
        monkeypatch.setattr("clipper.archive.PARALLEL_THRESHOLD", 1)
        options = ["--jobs", "1"]
    paths = []
    for name, text in ARTICLES:
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    added = invoke(runner, "add", *paths, *options)
    assert added.exit_code == 1
    assert f"Error: {paths[1]}: unexpected RuntimeError: serialiser bug" in added.stderr
    corpus = Archive.open_or_create(tmp_path / "corpus").corpus
    assert sorted(c.text for c in corpus.iter_clippings()) == sorted(
        [ARTICLES[0][1].strip(), ARTICLES[2][1].strip()]
    )
    assert_check_is_clean(runner)
    assert sorted(p.name for p in corpus.clippings_dir.rglob("*") if p.is_file()) == sorted(
        name for c in corpus.iter_clippings() for name in (f"{c.id}.json", c.original)
    )


def test_a_failure_between_the_original_and_its_metadata_removes_the_original(
    runner, tmp_path, monkeypatch
):
    real = storage.write_atomic

    def write_atomic(path, data):
        if path.suffix == ".json" and b"pr\xc3\xa9fecture" in data:
            raise RuntimeError("interrupted")
        real(path, data)

    monkeypatch.setattr(storage, "write_atomic", write_atomic)
    paths = []
    for name, text in ARTICLES:
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    added = invoke(runner, "add", *paths)
    assert added.exit_code == 1
    assert f"Error: {paths[1]}: unexpected RuntimeError: interrupted" in added.stderr
    assert Archive.open_or_create(tmp_path / "corpus").corpus.count() == 2
    assert_check_is_clean(runner)


def _clipping(text: str) -> Clipping:
    clipping_id = content_id(text)
    return Clipping(clipping_id, "T", text, "2024-01-01T00:00:00", f"{clipping_id}.orig.txt")


@pytest.mark.parametrize("step", ["write", "rename"])
def test_a_group_interrupted_while_writing_leaves_nothing_behind(tmp_path, monkeypatch, step):
    corpus = storage.Corpus.create(tmp_path / "c")
    group = storage.GroupWriter(corpus)
    for _, text in ARTICLES:
        group.write(_clipping(text), text.encode())
    real_write, real_replace = storage._write_temporary, storage.os.replace

    def write_temporary(path, data):
        if step == "write" and path.suffix == ".json" and b"jazz" in data:
            raise RuntimeError("interrupted")
        return real_write(path, data)

    def replace(source, target):
        if step == "rename" and str(target).endswith(".json"):
            raise RuntimeError("interrupted")
        real_replace(source, target)

    monkeypatch.setattr(storage, "_write_temporary", write_temporary)
    monkeypatch.setattr(storage.os, "replace", replace)
    with pytest.raises(RuntimeError):
        group.flush()
    assert [p for p in corpus.clippings_dir.rglob("*") if p.is_file()] == []
