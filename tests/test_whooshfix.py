"""clipper's fixes to Whoosh 2.7.4 (clipper.whooshfix), on a real index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from whoosh import columns

from clipper.archive import Archive
from clipper.index import SearchIndex
from clipper.ingest import Metadata
from clipper.options import FACETS


@pytest.fixture
def tides(archive: Archive) -> None:
    for n, source in enumerate(["Le Monde", "AFP", "Le Monde"]):
        data = f"Marée {n}\n\nLa marée monte sur la côte ({n}).".encode()
        outcome = archive.add_bytes(data, f"m{n}.txt", Metadata(source=source, lang="fr"))
        assert outcome.status == "added"


@pytest.fixture
def index(archive: Archive, tides: None) -> Iterator[SearchIndex]:
    search_index = SearchIndex(archive.corpus)
    yield search_index
    search_index.close()


def test_a_segments_facet_columns_are_read_once(
    archive: Archive, tides: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = []
    original = columns.VarBytesColumn.Reader._read_offsets_and_lengths

    def counted(self):  # type: ignore[no-untyped-def]
        reads.append(self)
        return original(self)

    monkeypatch.setattr(columns.VarBytesColumn.Reader, "_read_offsets_and_lengths", counted)
    first = archive.search("marée", facets=FACETS)
    after_first = len(reads)
    second = archive.search("marée", facets=FACETS)
    assert after_first > 0
    assert len(reads) == after_first  # the second search built no reader anew
    assert first.facets == second.facets
    assert dict(first.facets["source"]) == {"Le Monde": 2, "AFP": 1}


def test_a_reversed_column_reader_leaves_the_next_one_in_order(index: SearchIndex) -> None:
    with index._searching() as searcher:
        segment = searcher.reader().leaf_readers()[0][0]
        reversed_reader = segment.column_reader("sortdate", reverse=True, translate=False)
        plain = segment.column_reader("sortdate", translate=False)
        assert reversed_reader is not plain
        assert reversed_reader._reverse and not plain._reverse
