"""The corpus on disk: atomic files, shards, reading back, id prefixes, grouped writes."""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from conftest import NEWS

from clipper import storage
from clipper.errors import AmbiguousIdError, CorpusError, NotFoundError, UsageError
from clipper.model import Clipping
from clipper.storage import (
    MARKER,
    TMP_PREFIX,
    Corpus,
    GroupWriter,
    metadata_bytes,
    metadata_stamp,
    write_atomic,
)


def _clipping(clipping_id: str, text: str = "La criée ouvre à cinq heures.") -> Clipping:
    return Clipping(
        clipping_id, "Criée de Lorient", text, "2024-05-02T08:00:00", f"{clipping_id}.orig.txt"
    )


def _files(corpus: Corpus) -> list[str]:
    """Every file below the clippings folder, as ``shard/name``."""
    return sorted(
        f"{p.parent.name}/{p.name}" for p in corpus.clippings_dir.rglob("*") if p.is_file()
    )


@pytest.fixture
def corpus(corpus_dir) -> Corpus:
    return Corpus.create(corpus_dir)


# -- atomic files and metadata -------------------------------------------------


def test_write_atomic_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "note.json"
    target.write_bytes(b"old content, longer than the new one")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["note.json"]


def test_write_atomic_that_fails_keeps_the_old_file_and_removes_its_temporary(
    tmp_path, monkeypatch
):
    target = tmp_path / "note.json"
    target.write_bytes(b"old")

    def replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["note.json"]


def test_metadata_file_is_readable_utf8_json_that_reads_back_the_same_clipping():
    clipping = _clipping("5a7318d00b5e4df0")
    clipping.tags = ["pêche"]
    data = metadata_bytes(clipping)
    assert data.startswith(b'{\n  "id": "5a7318d00b5e4df0",\n')
    assert data.endswith(b"}\n")
    assert "Criée de Lorient".encode() in data  # not \u-escaped
    record = json.loads(data)
    assert record["format"] == 1
    assert Clipping.from_dict(record) == clipping


def test_metadata_stamp_hashes_the_metadata_file_and_follows_any_change():
    clipping = _clipping("5a7318d00b5e4df0")
    stamp = metadata_stamp(clipping)
    assert stamp == hashlib.sha1(metadata_bytes(clipping)).hexdigest()[:16]
    assert metadata_stamp(_clipping("5a7318d00b5e4df0")) == stamp
    clipping.tags = ["port"]
    assert metadata_stamp(clipping) != stamp


# -- opening and creating ------------------------------------------------------


def test_create_writes_the_marker_and_a_second_create_keeps_what_is_stored(corpus_dir):
    corpus = Corpus.create(corpus_dir)
    assert json.loads((corpus_dir / MARKER).read_text()) == {
        "format": 1,
        "kind": "clipper corpus",
    }
    corpus.write(_clipping("5a7318d00b5e4df0"), b"x")
    assert Corpus.create(corpus_dir).count() == 1
    assert Corpus.open(corpus_dir).count() == 1


def test_a_folder_holding_only_an_index_can_become_a_corpus(corpus_dir):
    (corpus_dir / ".index").mkdir(parents=True)
    assert Corpus.is_corpus(Corpus.create(corpus_dir).root)


@pytest.mark.parametrize(
    ("prepare", "make", "message"),
    [
        (None, Corpus.open, "no corpus at"),
        ("folder", Corpus.open, "is not a clipper corpus (no clipper-corpus.json)"),
        ("folder", Corpus.create, "is not empty and not a clipper corpus"),
        ("file", Corpus.create, "is a file, not a corpus directory"),
    ],
)
def test_what_is_not_a_corpus_is_refused_and_left_alone(corpus_dir, prepare, make, message):
    if prepare == "folder":
        corpus_dir.mkdir()
        (corpus_dir / "notes.txt").write_text("mes notes")
    elif prepare == "file":
        corpus_dir.write_text("mes notes")
    with pytest.raises(CorpusError, match=re.escape(message)):
        make(corpus_dir)
    assert not (corpus_dir / MARKER).exists()


# -- one clipping --------------------------------------------------------------


def test_a_clipping_is_stored_in_the_shard_of_its_first_three_digits(corpus):
    corpus.write(_clipping("5a7318d00b5e4df0"), b"un")
    corpus.write(_clipping("5a8000000000000a"), b"deux")
    assert _files(corpus) == [
        "5a7/5a7318d00b5e4df0.json",
        "5a7/5a7318d00b5e4df0.orig.txt",
        "5a8/5a8000000000000a.json",
        "5a8/5a8000000000000a.orig.txt",
    ]
    assert corpus.metadata_path("5a7318d00b5e4df0") == (
        corpus.root / "clippings" / "5a7" / "5a7318d00b5e4df0.json"
    )


def test_an_added_clipping_reads_back_with_its_original_byte_for_byte(archive, news):
    corpus = archive.corpus
    for name, (data, _, _) in NEWS.items():
        clipping = corpus.read(news[name])
        assert corpus.read_original(clipping) == data
        assert corpus.metadata_path(clipping.id).read_bytes() == metadata_bytes(clipping)
    tram = corpus.read(news["tram"])  # decoded in the metadata, as it was in the original
    assert (tram.title, tram.encoding) == ("Le tramway prolongé vers le nord", "cp1252")


def test_unknown_ids_damaged_metadata_and_lost_originals_are_told_apart(corpus):
    with pytest.raises(NotFoundError, match="no clipping with id 5a7318d00b5e4df0"):
        corpus.read("5a7318d00b5e4df0")
    clipping = _clipping("5a7318d00b5e4df0")
    corpus.write(clipping, b"original")
    corpus.original_path(clipping).unlink()
    with pytest.raises(CorpusError, match="original file is missing"):
        corpus.read_original(clipping)
    corpus.metadata_path(clipping.id).write_text('{"id": "5a7318d00b5e4df0"}')
    with pytest.raises(CorpusError, match="unreadable metadata"):
        corpus.read(clipping.id)


def test_update_rewrites_the_metadata_and_leaves_the_original(corpus):
    clipping = _clipping("5a7318d00b5e4df0")
    corpus.write(clipping, b"\xe9t\xe9\r\n")
    clipping.tags = ["marée"]
    corpus.update(clipping)
    assert corpus.read(clipping.id).tags == ["marée"]
    assert corpus.read_original(clipping) == b"\xe9t\xe9\r\n"
    assert _files(corpus) == ["5a7/5a7318d00b5e4df0.json", "5a7/5a7318d00b5e4df0.orig.txt"]


def test_remove_deletes_both_files_and_a_second_remove_finds_nothing(corpus):
    kept, removed = _clipping("5a7318d00b5e4df0"), _clipping("5a7318d00b5e4df1")
    corpus.write(kept, b"un")
    corpus.write(removed, b"deux")
    corpus.remove(removed)
    assert not corpus.exists(removed.id)
    assert corpus.exists(kept.id)
    assert _files(corpus) == ["5a7/5a7318d00b5e4df0.json", "5a7/5a7318d00b5e4df0.orig.txt"]
    with pytest.raises(NotFoundError):
        corpus.remove(removed)


# -- ids and prefixes ----------------------------------------------------------


@pytest.mark.parametrize("prefix", ["abcd0", "ABCD01", " abcd01 ", "abcd010000000000"])
def test_a_prefix_resolves_to_the_one_id_it_starts(corpus, prefix):
    corpus.write(_clipping("abcd010000000000"), b"un")
    corpus.write(_clipping("abce020000000000"), b"deux")
    assert corpus.resolve(prefix) == "abcd010000000000"


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("abc", "id prefix 'abc' is too short: give at least 4 digits"),
        ("abcg", "invalid id 'abcg': ids are up to 16 hex digits"),
        ("abcd0100000000000", "invalid id 'abcd0100000000000'"),
        ("", "invalid id ''"),
    ],
)
def test_a_prefix_too_short_too_long_or_not_hex_is_a_usage_error(corpus, prefix, message):
    corpus.write(_clipping("abcd010000000000"), b"un")
    with pytest.raises(UsageError) as caught:
        corpus.resolve(prefix)
    assert type(caught.value) is UsageError
    assert str(caught.value).startswith(message)


def test_an_ambiguous_prefix_names_its_candidates_and_an_unknown_one_is_not_found(corpus):
    for clipping_id in ("abcd010000000000", "abcd020000000000", "abcd030000000000"):
        corpus.write(_clipping(clipping_id), b"x")
    with pytest.raises(AmbiguousIdError) as caught:
        corpus.resolve("abcd")
    assert str(caught.value) == "id prefix abcd is ambiguous: abcd010000, abcd020000, abcd030000"
    assert caught.value.hint == "give more digits"
    assert corpus.resolve("abcd02") == "abcd020000000000"
    with pytest.raises(NotFoundError):
        corpus.resolve("abcd04")  # its shard exists
    with pytest.raises(NotFoundError):
        corpus.resolve("ffff")  # its shard does not


def test_only_metadata_files_count_as_clippings(corpus):
    corpus.write(_clipping("abcd010000000000"), b"un")
    corpus.write(_clipping("0123456789abcdef"), b"deux")
    shard = corpus.clippings_dir / "abc"
    # An interrupted write, a stray original, files that only look like ids.
    (shard / f"{TMP_PREFIX}abcd020000000000.json-123-abcd").write_text("{")
    (shard / "abcd030000000000.orig.txt").write_text("orphan")
    (shard / "ABCD040000000000.json").write_text("{}")
    (shard / "abcd05000000000.json").write_text("{}")
    (shard / "notes.json").write_text("{}")
    (corpus.clippings_dir / "abcd060000000000.json").write_text("{}")  # outside any shard
    assert sorted(corpus.iter_ids()) == ["0123456789abcdef", "abcd010000000000"]
    assert corpus.count() == 2
    assert sorted(c.id for c in corpus.iter_clippings()) == sorted(corpus.iter_ids())
    assert corpus.resolve("abcd") == "abcd010000000000"  # the debris makes no ambiguity


def test_a_corpus_without_a_clippings_folder_counts_nothing(corpus):
    corpus.clippings_dir.rmdir()
    assert corpus.count() == 0
    assert list(corpus.iter_clippings()) == []


# -- groups --------------------------------------------------------------------


def test_a_group_stays_invisible_until_flushed_then_appears_whole(corpus):
    group = GroupWriter(corpus)
    clippings = [_clipping(f"5a7{n:013x}", f"Marée numéro {n}.") for n in range(3)]
    for n, clipping in enumerate(clippings):
        group.write(clipping, f"original {n}\r\n".encode())
    assert group.staged(clippings[1].id) == clippings[1]
    assert corpus.count() == 0 and _files(corpus) == []
    group.flush()
    assert group.staged(clippings[1].id) is None
    assert sorted(corpus.iter_ids()) == [c.id for c in clippings]
    for n, clipping in enumerate(clippings):
        assert corpus.read(clipping.id) == clipping
        assert corpus.read_original(clipping) == f"original {n}\r\n".encode()
    assert not any(name.split("/")[1].startswith(TMP_PREFIX) for name in _files(corpus))


def test_a_group_flushes_itself_once_it_holds_its_size(corpus):
    group = GroupWriter(corpus, group_size=2)
    clippings = [_clipping(f"5a7{n:013x}") for n in range(3)]
    group.write(clippings[0], b"a")
    assert corpus.count() == 0
    group.write(clippings[1], b"b")
    assert sorted(corpus.iter_ids()) == [clippings[0].id, clippings[1].id]
    group.write(clippings[2], b"c")
    assert corpus.count() == 2 and group.staged(clippings[2].id) == clippings[2]


def test_a_group_renames_every_original_before_any_metadata_between_two_syncs(corpus, monkeypatch):
    events: list[str] = []
    real_replace = os.replace
    monkeypatch.setattr(storage.os, "sync", lambda: events.append("sync"))

    def replace(source, target):
        events.append(os.path.basename(target).split(".", 1)[1])
        real_replace(source, target)

    monkeypatch.setattr(storage.os, "replace", replace)
    group = GroupWriter(corpus)
    group.flush()  # nothing staged: nothing written, nothing synced
    assert events == []
    for n in range(3):
        group.write(_clipping(f"{n:03x}{n:013x}"), b"x")
    group.flush()
    assert events == ["sync"] + ["orig.txt"] * 3 + ["json"] * 3 + ["sync"]
    assert corpus.count() == 3
