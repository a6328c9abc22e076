"""No query can hold a core: expansions are capped, costly words refused,
searches in ``clipper serve`` stopped past their budget (issue 12, item 10)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq

from clipper import searching
from clipper.archive import Archive
from clipper.cli import cli
from clipper.errors import QuerySyntaxError, SearchTimeoutError
from clipper.indexing import open_index
from clipper.searching import AnyOf, Deadline, bound_query, make_parser, parse_query
from clipper.web.app import DEFAULT_HOST, DEFAULT_PORT, SEARCH_SECONDS_KEY, create_app

DOCS = 10
COMMON = [f"mo{n:03d}" for n in range(10)]  # in every clipping
RARE = [f"mo{n:03d}" for n in range(10, 200)]  # one clipping each


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bounds") / "corpus"
    lines = tmp_path_factory.mktemp("bounds-input") / "words.jsonl"
    records = []
    for i in range(DOCS):
        rare = RARE[i::DOCS]
        text = f"Le tramway {i} passe. " + " ".join(COMMON + rare) + "."
        records.append({"title": f"Liste {i}", "text": text, "lang": "fr", "date": "2024-05-01"})
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with Archive.open_or_create(root) as archive:
        archive.import_jsonl(lines)
    return root


@pytest.fixture
def words(template: Path, corpus_dir: Path) -> Path:
    shutil.copytree(template, corpus_dir, dirs_exist_ok=True)
    return corpus_dir


@pytest.fixture
def bounded(words: Path) -> Iterator[Any]:
    """``bound(text)``: the query as searched, once expanded on the test index."""
    with Archive.open(words) as archive:
        index = open_index(archive.corpus)
        with index.searcher() as searcher:
            parser = make_parser(index.schema)
            yield lambda text: bound_query(parse_query(parser, text), searcher.reader())
        index.close()


def _terms(q: Any) -> Counter[str]:
    """Words of each field in a rewritten query."""
    found: Counter[str] = Counter()
    for leaf in q.leaves():
        # Nothing is left for Whoosh to expand at search time.
        assert isinstance(leaf, wq.Term | AnyOf), leaf
        found[leaf.fieldname] += len(leaf.words) if isinstance(leaf, AnyOf) else 1
    return found


def _words(q: Any, fieldname: str) -> set[str]:
    return {w for leaf in q.leaves() if leaf.fieldname == fieldname for w in leaf.words}


def test_a_prefix_expands_to_at_most_the_cap_the_most_frequent_first(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_EXPANSIONS", 5)
    q = bounded("body:mo*")
    counts = _terms(q)
    assert counts["body"] == 5
    assert _words(q, "body") == set(COMMON[:5])


def test_without_a_cap_the_same_prefix_stands_for_every_word(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_EXPANSIONS", 10_000)
    assert _terms(bounded("body:mo*"))["body"] == len(COMMON) + len(RARE)


def test_fuzzy_and_wildcard_words_expand_to_at_most_the_cap_per_field(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_EXPANSIONS", 7)
    for text in ("mo100~2", "mo1*", "title:liste~1 OR mo1*"):
        counts = _terms(bounded(text))
        assert counts, text
        assert max(counts.values()) == 7, (text, counts)


def test_a_word_standing_for_too_many_index_words_is_refused(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_SCANNED", 50)
    for text in ("body:mo*", "mo1* OR tramway", "mo100~2", "body:[mo000 TO mo199]"):
        with pytest.raises(QuerySyntaxError, match="stands for too many words of the index"):
            bounded(text)
    assert _terms(bounded("body:mo19*"))["body"] == 10  # a longer prefix is answered


def test_expansions_reading_too_many_postings_are_refused(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_POSTINGS", 30)
    assert _terms(bounded("body:mo19*"))["body"] == 10  # 10 words of 1 clipping, 2 fields
    with pytest.raises(QuerySyntaxError, match="'mo00\\*' stands for words in too many clippings"):
        bounded("body:mo00*")  # 10 words of 10 clippings


def test_a_query_of_too_many_words_once_expanded_is_refused(
    bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "MAX_CLAUSES", 30)
    # 10 words, in the exact and the French body (the English one has none)
    assert sum(_terms(bounded("body:mo19*")).values()) == 20
    with pytest.raises(QuerySyntaxError, match=r"too broad \(40 index words once expanded"):
        bounded("body:mo19* OR body:mo18*")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("*tion", "invalid query: '*tion' starts with a wildcard"),
        (
            "?title:a~c^{TO*]title:!bc",
            "invalid query: '?title:a~c^{TO*]title:!bc' starts with a wildcard",
        ),
        ("title:a~c^{TO*]title:!bc", "invalid query: 'a~' is too short for a fuzzy search"),
        ("tramway m*", "invalid query: 'm*' has too few letters before its wildcard"),
        ("a~2 e~2 i~2", "invalid query: 'a~2' is too short for a fuzzy search"),
        ("title:*ramway", "invalid query: '*ramway' starts with a wildcard"),
    ],
)
def test_costly_words_are_refused_with_a_hint(words: Path, runner, query, message) -> None:
    with Archive.open(words) as archive, pytest.raises(QuerySyntaxError) as refused:
        archive.search(query)
    assert refused.value.message == message
    assert refused.value.hint
    result = runner.invoke(cli, ["search", query])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"Error: {message}"


def test_expanded_queries_still_find_and_highlight(words: Path) -> None:
    with Archive.open(words) as archive:
        assert archive.search("tram*").total == DOCS
        assert archive.search("mo123*").total == 1
        assert archive.search("mo12* NOT mo123*").total == 9
        assert archive.search("liste~1 AND mo153*").total == 1
        assert archive.search("tramwey~1").total == DOCS
        snippet = archive.search("body:mo19*").hits[0].snippet
    marked = {snippet.text[start:end] for start, end in snippet.highlights}
    assert marked and all(word.startswith("mo19") for word in marked)


def test_a_deadline_raises_once_its_clock_passes_the_budget() -> None:
    now = [100.0]
    deadline = Deadline(1.5, clock=lambda: now[0])
    now[0] = 101.4
    deadline.check()
    now[0] = 101.5
    with pytest.raises(SearchTimeoutError, match=r"search stopped after 1\.5 s"):
        deadline.check()


def test_a_search_past_its_budget_stops_with_a_clear_error(words: Path) -> None:
    with Archive.open(words) as archive:
        assert archive.search("tramway", budget=60).total == DOCS
        with pytest.raises(SearchTimeoutError, match="the query is too broad"):
            archive.search("tramway", budget=0)


def test_the_web_page_says_when_a_search_ran_out_of_time(words: Path) -> None:
    app = create_app(words, secret_key=b"k" * 32)
    headers = {"Host": f"{DEFAULT_HOST}:{DEFAULT_PORT}"}
    try:
        client = app.test_client()
        assert client.get("/?q=tramway", headers=headers).status_code == 200
        app.config[SEARCH_SECONDS_KEY] = 0
        response = client.get("/?q=tramway", headers=headers)
        assert response.status_code == 400
        assert "search stopped after 0 s: the query is too broad" in response.text
        refused = client.get("/?q=%2Ation", headers=headers)
        assert refused.status_code == 400
        assert "starts with a wildcard" in refused.text
    finally:
        app.extensions["clipper"].archive.close()

