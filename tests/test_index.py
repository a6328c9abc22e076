"""The search-index adapter as the archive exposes it: segments, counts, ids."""

from __future__ import annotations

from clipper.ingest import Metadata


def _add(archive, n: int) -> None:
    for i in range(n):
        text = f"Dépêche {i}\n\nLe port numéro {i} accueille des navires.\n"
        assert archive.add_bytes(text.encode(), f"d{i}.txt", Metadata(lang="fr")).status == "added"


def test_each_add_commits_a_segment_and_optimize_merges_them(archive):
    _add(archive, 3)
    assert archive.segment_count() == 3
    assert archive.info()["index"]["segments"] == 3
    assert archive.optimize() == (3, 1)
    assert archive.segment_count() == 1
