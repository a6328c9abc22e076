"""The clipping record and its field groups: one declaration, the carriers pinned to it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from clipper.archive import Hit
from clipper.extract import Extracted
from clipper.ingest import EXPORT_FIELDS, JSONL_FIELDS, Metadata
from clipper.model import (
    COPY_FIELDS,
    GIVEN_FIELDS,
    HIT_FIELDS,
    IDENTITY_FIELDS,
    LAYOUT_FIELDS,
    Clipping,
    content_id,
)
from clipper.snippets import Snippet

CLIPPING_FIELDS = [f.name for f in fields(Clipping)]


@pytest.mark.parametrize(
    "group", [GIVEN_FIELDS, LAYOUT_FIELDS, IDENTITY_FIELDS, HIT_FIELDS, COPY_FIELDS]
)
def test_every_group_names_fields_of_a_clipping(group):
    assert set(group) <= set(CLIPPING_FIELDS)
    assert len(set(group)) == len(group)


def test_metadata_a_user_gives_is_the_given_group():
    assert {f.name for f in fields(Metadata)} == set(GIVEN_FIELDS)


def test_extraction_carries_every_field_a_clipping_takes_from_it():
    extracted = {f.name for f in fields(Extracted)}
    assert set(GIVEN_FIELDS) | set(LAYOUT_FIELDS) | set(IDENTITY_FIELDS) <= extracted
    # What only storing adds: the original's file name and the near-duplicate link.
    assert set(CLIPPING_FIELDS) - extracted == {"original", "duplicate_of", "similarity"}


def test_a_json_record_reads_every_field_an_export_writes():
    read = set(JSONL_FIELDS) | set(EXPORT_FIELDS)
    # The rest is restored from clipper's own records only (clipper.records).
    assert set(CLIPPING_FIELDS) - read == {
        "original", "content_type", "encoding", "duplicate_of", "similarity",
    }  # fmt: skip


def _clipping(**values) -> Clipping:
    base = {"id": "0123456789abcdef", "title": "T", "text": "B", "added": "2024-01-01T00:00:00"}
    return Clipping(**{**base, "original": "0123456789abcdef.orig.txt", **values})


def test_a_hit_as_json_shows_the_hit_fields_of_its_clipping():
    clipping = _clipping(source="Le Monde", agency="AFP", author="A. B.", url="https://x.fr/a",
                         lang="fr", date="2024-03-15", tags=["eau"], note="not shown")
    data = Hit(clipping, 1.23456, Snippet("B", [(0, 1)])).to_dict()
    assert list(data) == [
        "id", "score", *[n for n in HIT_FIELDS if n != "id"],
        "snippet", "highlights", "copies", "matched",
    ]  # fmt: skip
    assert data["source"] == "Le Monde" and data["tags"] == ["eau"] and data["score"] == 1.2346
    assert "note" not in data


def test_the_stored_record_has_every_field_and_the_format_marker():
    data = _clipping().to_dict()
    assert list(data) == [*CLIPPING_FIELDS, "format"]
    assert Clipping.from_dict(data) == _clipping()


def test_the_content_id_ignores_newline_and_space_differences():
    assert content_id("Un titre\r\n\r\nUn texte.") == content_id("Un titre\n\nUn texte.")
    assert content_id("Un titre\n\nUn texte.") != content_id("Un titre\n\nUn autre texte.")
    assert len(content_id("x")) == 16
