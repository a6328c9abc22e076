"""The search-index adapter as the archive exposes it: segments, counts, ids."""

from __future__ import annotations

import inspect

from clipper.archive import Archive
from clipper.index import SearchIndex
from clipper.ingest import Metadata


def _add(archive, n: int) -> None:
    for i in range(n):
        text = f"Dépêche {i}\n\nLe port numéro {i} accueille des navires.\n"
        assert archive.add_bytes(text.encode(), f"d{i}.txt", Metadata(lang="fr")).status == "added"


def test_each_add_commits_a_segment_and_optimize_merges_them(archive, monkeypatch):
    from clipper import indexing

    monkeypatch.setattr(indexing, "SMALL_SEGMENTS_TO_MERGE", 100)  # no merge on add
    _add(archive, 3)
    assert archive.segment_count() == 3
    assert archive.info()["index"]["segments"] == 3
    assert archive.optimize() == (3, 1)
    assert archive.segment_count() == 1


def test_the_adapter_answers_in_ids_and_counts(archive):
    _add(archive, 3)
    index = SearchIndex(archive.corpus)
    try:
        found = index.search(
            "port numéro 1",
            None,
            limit=10,
            offset=0,
            sort="relevance",
            collapse=False,
            facets=("lang",),
            match="all",
            text_of=lambda _id: "",
        )
        first = archive.search('"Dépêche 1"', match="all").hits[0].clipping.id
        assert found.total == 1
        assert [hit.id for hit in found.hits] == [first]
        assert found.facets == {"lang": [("fr", 1)]}
        assert found.terms  # what highlighting marks
        every = index.matching_ids("", None, sort="-date", match="auto")
        assert sorted(every) == archive.clipping_ids()
        assert sorted(index.indexed_ids()) == archive.clipping_ids()
        assert index.matching_among("navires", None, {first}) == [first]
        assert index.matching_among("absent", None, set(every)) == []
        assert index.document_count() == 3
        assert index.state() == "ok"
    finally:
        index.close()


def test_a_rebuild_through_the_adapter_indexes_the_corpus_again(archive):
    _add(archive, 2)
    index = SearchIndex(archive.corpus)
    try:
        assert index.rebuild() == 2
        assert index.diff().clean
        assert index.segment_count() == 1
    finally:
        index.close()


def test_the_archive_keeps_no_whoosh_object(archive):
    _add(archive, 2)
    archive.search("port")
    archive.timeline("port")
    archive.similar(archive.clipping_ids()[0])
    held = [*vars(archive).values(), *vars(archive.index).values()]
    # The adapter holds the Whoosh index and searcher; the archive only the adapter.
    assert [type(v).__module__ for v in vars(archive).values()] == [
        "clipper.storage",
        "clipper.index",
    ]
    assert any(type(v).__module__.startswith("whoosh") for v in held)


def test_every_public_method_of_the_archive_returns_a_declared_type_not_any():
    # Annotations are read as written (the module defers them): "Any" is Any.
    returns = {
        name: inspect.get_annotations(member).get("return")
        for name, member in vars(Archive).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert {"search", "timeline", "similar", "segment_count"} <= returns.keys()
    assert [name for name, hint in returns.items() if hint in (None, "Any")] == []


def test_postings_among_given_documents_match_the_whole_list(archive, tmp_path):
    # 400 postings of "navires" span several of Whoosh's blocks (128 each);
    # one clipping in three lacks the word, and some are removed.
    import json

    from clipper import searching

    lines = [
        {"title": f"Port {i}", "text": f"Escale {i} : " + ("navires" if i % 3 else "cargos")}
        for i in range(600)
    ]
    path = tmp_path / "ports.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    archive.import_jsonl(path)
    archive.remove([archive.search("escale 5", match="all", limit=1).hits[0].clipping.id])
    index = SearchIndex(archive.corpus)
    try:
        with index._searching() as searcher:
            whole = searching._TermPostings("body", "navires", 1.0, [], [])
            for _, offset, matcher, removed in searching._segment_postings(
                searcher, "body", "navires"
            ):
                searching._read_postings(matcher, offset, whole.ids, whole.weights, removed)
            wanted = list(range(0, searcher.doc_count_all(), 7))
            among = searching._postings_among(searcher, "body", "navires", 1.0, wanted)
            expected = [d for d in whole.ids if d in set(wanted)]
            assert len(whole.ids) >= 390 and expected
            assert among.ids == expected
    finally:
        index.close()


def test_an_index_file_read_through_a_map_reads_as_the_file(tmp_path):
    import mmap
    from array import array

    from whoosh.filedb.filestore import FileStorage

    from clipper.indexing import MappedStorage

    storage = FileStorage(str(tmp_path))
    with storage.create_file("seg.pst") as out:
        out.write_int(-7)
        out.write_pickle({"blocks": (1, 2.5, "navires")})
        out.write_array(array("i", [3, 1, 4, 1, 5]))
        out.write(b"tail")
    storage.create_file("empty.col").close()
    size = storage.file_length("seg.pst")

    def reads(file):
        first = (file.read_int(), file.read_pickle(), list(file.read_array("i", 5)), file.tell())
        return first, file.get(4, 6), file.get(size - 2, 10), file.read(4)

    plain, mapped = storage.open_file("seg.pst"), MappedStorage(str(tmp_path)).open_file("seg.pst")
    assert isinstance(mapped.file, mmap.mmap)
    assert reads(mapped) == reads(plain)
    mapped.close()
    plain.close()
    empty = MappedStorage(str(tmp_path)).open_file("empty.col")  # cannot be mapped
    assert empty.read() == b""
    empty.close()


def test_searches_read_the_index_through_maps_and_writers_do_not(archive, monkeypatch):
    # A merge reading segments through maps would count them as its memory.
    import mmap

    from clipper.indexing import MappedStorage

    opened: list[str] = []
    open_file = MappedStorage.open_file

    def recording(self, name, **kwargs):
        file = open_file(self, name, **kwargs)
        if isinstance(file.file, mmap.mmap):
            opened.append(name.rsplit(".", 1)[-1])
        return file

    monkeypatch.setattr(MappedStorage, "open_file", recording)
    _add(archive, 2)
    assert opened == []
    assert archive.search("navires").total == 2
    assert {"trm", "pst"} <= set(opened)
    opened.clear()
    text = "Escale\n\nTrois navires attendent au large du port.\n"
    assert archive.add_bytes(text.encode(), "escale.txt", Metadata(lang="fr")).status == "added"
    assert opened == []  # the new clipping's segment is mapped at the next search
    assert archive.search("navires").total == 3
    assert {"trm", "pst"} <= set(opened)


def test_searches_read_the_schema_once_per_opening(archive, monkeypatch):
    # Whoosh reads the schema from the table of contents on disk at each ask.
    from whoosh.index import FileIndex

    _add(archive, 2)
    asked = []
    read = FileIndex.schema.fget

    monkeypatch.setattr(FileIndex, "schema", property(lambda ix: asked.append(1) or read(ix)))
    for query in ("navires", "port numéro 1", "accueille"):
        assert archive.search(query).total >= 1
    assert len(asked) == 1
