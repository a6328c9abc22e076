"""Scores computed from postings read a block at a time must be Whoosh's own.

clipper scores an AND of free words (and relaxed questions) from the words'
postings instead of Whoosh's matcher tree; these tests run both on the same
index, of several segments with removed clippings, and compare every match.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper import searching
from clipper.archive import Archive
from clipper.index import SearchIndex

_FRENCH = (
    "police enquête grève transports ville mairie élections budget écoles hôpital "
    "médecins vaccins sécurité routes vélos pistes tramway navires port pêcheurs"
).split()
_ENGLISH = (
    "police inquiry strike transport city council elections budget schools hospital "
    "doctors vaccines safety roads bikes lanes harbour ships fishermen cocoa prices"
).split()
_STOP = {"fr": "le la les des en et du".split(), "en": "the of and in to a".split()}


def _text(rng: random.Random, lang: str, words: int) -> str:
    vocabulary = _FRENCH if lang == "fr" else _ENGLISH
    out = [rng.choice(vocabulary if rng.random() < 0.6 else _STOP[lang]) for _ in range(words)]
    return " ".join(out).capitalize() + "."


@pytest.fixture
def index(archive: Archive, tmp_path: Path) -> Iterator[SearchIndex]:
    """Clippings of varied lengths in both languages, in several segments, some removed."""
    rng = random.Random(7)
    for batch, size in enumerate((300, 1, 1, 1)):  # a bulk import, then single adds
        lines = []
        for n in range(size):
            lang = rng.choice(["fr", "en"])
            line = {
                "title": f"{_text(rng, lang, rng.randint(2, 6))} {batch}-{n}",
                "text": _text(rng, lang, rng.randint(5, 120)),
                "lang": lang,
                "date": f"{rng.choice([2019, 2023, 2024])}-0{rng.randint(1, 9)}-1{n % 10}",
            }
            if rng.random() < 0.8:  # some clippings have no source
                line["source"] = rng.choice(["Le Monde", "AFP", "Reuters", "Ouest-France"])
            lines.append(line)
        path = tmp_path / f"batch{batch}.jsonl"
        path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
        archive.import_jsonl(path)
    found = archive.search("police", match="all", limit=12).hits
    archive.remove([hit.clipping.id for hit in found[::3]])
    search_index = SearchIndex(archive.corpus)
    yield search_index
    search_index.close()


def _words(searcher: Any, text: str) -> list[searching.QueryWord]:
    q = searching.user_query(searching.make_parser(searcher.schema), text)
    q = searching.words_weighed(searcher, q)
    words, others = searching.split_words(q)
    assert not others
    return words


def _all_matches(searcher: Any, q: Any) -> list[tuple[int, float]]:
    total, hits, _ = searching.run_search(searcher, q, None, limit=10_000, offset=0)
    ranked = [(searcher.document_number(id=hit.id), round(hit.score, 9)) for hit in hits]
    assert len(ranked) == total
    return ranked


@pytest.mark.parametrize(
    "text",
    [
        "police",
        "vélos",
        "velo",
        "Police grève",
        "doctors hospital",
        "le en",
        "the of",
        "budget budget écoles",
        "cocoa",
        "sécurité routes vaccins",
    ],
)
def test_all_words_scored_from_postings_as_whoosh_scores_them(
    index: SearchIndex, text: str
) -> None:
    with index._searching() as searcher:
        words = _words(searcher, text)
        from_postings = searching.all_words_scored(searcher, words)
        assert from_postings is not None
        by_whoosh = _all_matches(searcher, searching._and([w.query for w in words]))
        assert by_whoosh, text  # every query here finds something
        assert _all_matches(searcher, from_postings) == by_whoosh


def test_a_compound_word_is_left_to_whoosh(index: SearchIndex) -> None:
    with index._searching() as searcher:
        # A word the query analyzer splits ("grève/police") must be found
        # whole in one field: an AND of its parts in each.
        words = _words(searcher, "grève/police")
        assert searching.all_words_scored(searcher, words) is None


def test_field_lengths_read_whole_are_whooshs(index: SearchIndex) -> None:
    with index._searching() as searcher:
        assert len(searcher.reader().leaf_readers()) >= 2
        assert searcher.reader().has_deletions()
        docnums = list(range(searcher.doc_count_all()))
        for fieldname in ("title", "body", "body_fr", "body_en", "captions"):
            expected = [searcher.doc_field_length(d, fieldname) or 0 for d in docnums]
            assert searching._field_lengths(searcher, fieldname, docnums) == expected
            assert searching._field_lengths(searcher, fieldname, docnums[::-5]) == expected[::-5]
        assert any(searcher.doc_field_length(d, "body_fr") for d in docnums)


@pytest.mark.parametrize(
    ("fieldname", "text"),
    [("body", "police"), ("body_en", "hospit"), ("title", "zzzqx"), ("no_such_field", "police")],
)
def test_a_terms_postings_read_whole_or_among_documents_are_whooshs(
    index: SearchIndex, fieldname: str, text: str
) -> None:
    with index._searching() as searcher:
        reader = searcher.reader()
        expected: list[tuple[int, float]] = []
        documents = 0
        if fieldname in reader.schema and reader.doc_frequency(fieldname, text):
            documents = reader.doc_frequency(fieldname, text)
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight()))
                matcher.next()
        whole = searching._term_postings(searcher, fieldname, text, 1.0)
        assert list(zip(whole.ids, whole.weights, strict=True)) == expected
        assert whole.documents == documents
        among = list(range(0, searcher.doc_count_all(), 3))
        part = searching._postings_among(searcher, fieldname, text, 1.0, among)
        assert list(zip(part.ids, part.weights, strict=True)) == [
            (d, w) for d, w in expected if d % 3 == 0
        ]
        assert part.documents == documents
    assert text == "zzzqx" or fieldname == "no_such_field" or expected


def _blocks_read_both_ways(ix: Any, fieldname: str) -> Iterator[tuple[Any, Any]]:
    """Each posting block of each term of ``fieldname``: one matcher loaded by
    clipper's reader, one by Whoosh's own."""
    with ix.searcher() as searcher:
        for reader, _ in searcher.reader().leaf_readers():
            for text in reader.lexicon(fieldname):
                ours, whooshs = reader.postings(fieldname, text), reader.postings(fieldname, text)
                if not hasattr(ours, "_read_ids"):  # one posting, kept in the term's entry
                    continue
                while ours.is_active():
                    searching._read_block(ours)
                    whooshs._read_ids()
                    whooshs._read_weights()
                    yield ours, whooshs
                    ours._next_block()
                    whooshs._next_block()


_BLOCK_WORDS = "port navire grève maire le 2024".split()


@settings(max_examples=30, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(_BLOCK_WORDS), min_size=1, max_size=12), min_size=1, max_size=60
    ),
    blocklimit=st.sampled_from([2, 3, 5, 128]),
    compression=st.sampled_from([0, 3]),
)
def test_a_blocks_ids_and_weights_read_without_its_positions_are_whooshs(
    texts: list[list[str]], blocklimit: int, compression: int
) -> None:
    # Blocks of one to three postings (pickled without a mark), weights all
    # one, all equal or mixed, compressed or not.
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(Schema(body=TEXT(phrase=True), title=TEXT(phrase=False)))
    with ix.writer(codec=W3Codec(blocklimit=blocklimit, compression=compression)) as writer:
        for words in texts:
            writer.add_document(body=" ".join(words), title=" ".join(words[:3]))
    for fieldname in ("body", "title"):
        for ours, whooshs in _blocks_read_both_ways(ix, fieldname):
            assert ours._ids == whooshs._ids
            assert list(ours._weights) == list(whooshs._weights)
            if fieldname == "body":  # with positions: read without them ...
                assert ours._values is None and ours._data is None
            assert ours.value() == whooshs.value()  # ... which a phrase still finds


def test_a_block_whose_ids_and_weights_are_cut_short_is_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Too few bytes decompressed for a block's weights: never one weight taken
    # for all (the pickle of a lone float), Whoosh reads the block instead.
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    monkeypatch.setattr(searching, "_PICKLED_POSTING_BYTES", 4)
    ix = RamStorage().create_index(Schema(body=TEXT(phrase=True)))
    with ix.writer() as writer:
        for n in range(300):
            writer.add_document(body=" ".join(["port"] * (1 + n % 4) + ["navire"] * (n % 3)))
    blocks = list(_blocks_read_both_ways(ix, "body"))
    assert len(blocks) == 5  # 300 postings of "port", 200 of "navire"
    for ours, whooshs in blocks:
        assert ours._ids == whooshs._ids
        assert list(ours._weights) == list(whooshs._weights)
        assert ours._data is not None  # read whole


@settings(max_examples=200, deadline=None)
@given(
    postings=st.lists(
        st.tuples(st.integers(0, 70_000), st.floats(0.5, 40), st.binary(max_size=6)),
        max_size=7,
    ),
    weights_kind=st.sampled_from(["mixed", "ones", "equal"]),
)
def test_ids_and_weights_are_read_from_a_block_pickle_cut_anywhere_or_not_at_all(
    postings: list[tuple[int, float, bytes]], weights_kind: str
) -> None:
    import pickle

    ids = tuple(p[0] for p in postings)
    weights: Any = tuple(p[1] for p in postings)
    if weights_kind == "ones":
        weights = None
    elif weights_kind == "equal":
        weights = weights[0] if weights else None
    pickled = pickle.dumps((ids, weights, tuple(p[2] for p in postings)), 2)
    for cut in range(len(pickled) + 1):
        found = searching._IDS_AND_WEIGHTS.match(pickled[:cut])
        if found is not None:
            assert pickle.loads(found.group() + b"N\x87.") == (ids, weights, None)
    assert searching._IDS_AND_WEIGHTS.match(pickled) is not None


@pytest.mark.parametrize(
    ("text", "tied"), [("police", True), ("le en", True), ("budget écoles", False)]
)
def test_pages_of_the_scored_list_are_those_of_whooshs_query(
    index: SearchIndex, text: str, tied: bool
) -> None:
    # Every page, filtered or not, with ties ordered by date then id.
    from clipper.options import Filters

    with index._searching() as searcher:
        words = _words(searcher, text)
        scored = searching.all_words_scored(searcher, words)
        by_whoosh = searching._and([w.query for w in words])
        french = searching.filter_query(searcher.schema, Filters(lang="fr"))
        everything = searching.run_search(searcher, scored, None, limit=10_000, offset=0)[1]
        scores = [hit.score for hit in everything]
        assert (len(set(scores)) < len(scores)) == tied
        for filter_q in (None, french):
            for offset, limit in ((0, 10), (3, 7), (10, 10), (0, 0), (len(scores) - 2, 10)):
                from_postings = searching.run_search(searcher, scored, filter_q, limit, offset)
                collected = searching.run_search(searcher, by_whoosh, filter_q, limit, offset)
                assert from_postings[0] == collected[0]
                assert [(h.id, round(h.score, 9)) for h in from_postings[1]] == [
                    (h.id, round(h.score, 9)) for h in collected[1]
                ]


def test_document_frequencies_are_kept_per_reader_and_bounded(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clipper.ingest import Metadata

    def police_documents() -> int:
        index = SearchIndex(archive.corpus)
        try:
            with index._searching() as searcher:
                reader = searcher.reader()
                first = searching.doc_frequency(reader, "body", "police")
                assert first == reader.doc_frequency("body", "police")
                assert searching.doc_frequency(reader, "body", "police") == first
                return first
        finally:
            index.close()

    for n in range(2):
        archive.add_bytes(f"Police {n}\n\nLa police patrouille.".encode(), f"p{n}.txt", Metadata())
    assert police_documents() == 2
    # A new reader after an add sees the new count, not the one kept.
    archive.add_bytes(b"Police 3\n\nLa police encore.", "p3.txt", Metadata())
    assert police_documents() == 3
    monkeypatch.setattr(searching, "FREQUENCIES_KEPT", 2)
    index = SearchIndex(archive.corpus)
    try:
        with index._searching() as searcher:
            reader = searcher.reader()
            for word in ("police", "patrouille", "encore"):
                searching.doc_frequency(reader, "body", word)
            assert len(searching._FREQUENCIES[reader]) <= 2
    finally:
        index.close()


def test_facet_counts_are_whooshs_grouped_counts(index: SearchIndex) -> None:
    from whoosh import sorting

    from clipper.fields import FACET_FIELDS

    with index._searching() as searcher:
        q = searching._and([w.query for w in _words(searcher, "police")])
        expected = {}
        for name in ("source", "lang", "year"):
            facet = sorting.FieldFacet(FACET_FIELDS[name])
            groups = searcher.search(q, groupedby={name: facet}, limit=None).groups(name)
            expected[name] = sorted(
                ((key, len(docs)) for key, docs in groups.items() if key),
                key=lambda item: (-item[1], item[0]),
            )
        assert len(expected["source"]) == 4 and len(expected["year"]) == 3
        main = searcher.reader().leaf_readers()[0][0]
        ways = []
        # Values are read one call each until that would pass the segment's
        # size, then from the column read whole: both must count alike.
        for _ in range(8):
            total, _, counts = searching.run_search(
                searcher, q, None, limit=10, offset=0, facets=["source", "lang", "year"]
            )
            assert total > 10
            assert counts == expected
            ways.append(isinstance(searching._COLUMNS[main]["source_key"], tuple))
        assert ways[0] is False and ways[-1] is True


def test_scoring_from_postings_stops_at_the_deadline(index: SearchIndex) -> None:
    # The clock passes the budget at its third reading: after the one word's
    # postings are read, while its terms are scored.
    from clipper.errors import SearchTimeoutError

    readings = iter([0.0, 0.0, 5.0])
    deadline = searching.Deadline(1.0, clock=lambda: next(readings, 5.0))
    with index._searching() as searcher:
        words = _words(searcher, "police")
        with pytest.raises(SearchTimeoutError):
            searching.all_words_scored(searcher, words, deadline)


@pytest.mark.parametrize(
    "text", ["police^3 grève", "(police grève)^2", "police police^2", "police grève", "police^2"]
)
def test_boosted_or_repeated_words_are_scored_as_whoosh_scores_them(
    index: SearchIndex, text: str
) -> None:
    # A boost on a word or a group, or a word typed twice with two boosts,
    # is Whoosh's to score: strict search must rank as Whoosh does.
    with index._searching() as searcher:
        q = searching.user_query(searching.make_parser(searcher.schema), text)
        outcome = searching.relaxed_search(searcher, q, None, 40, 0, match="all")
        expected = searching.run_search(searcher, searching.words_weighed(searcher, q), None, 40, 0)
        assert outcome.total == expected[0] > 10
        assert [(h.id, round(h.score, 9)) for h in outcome.hits] == [
            (h.id, round(h.score, 9)) for h in expected[1]
        ]
