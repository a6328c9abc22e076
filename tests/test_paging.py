"""Consecutive pages of any query partition its results (issue 12, item 4).

Scores tie for every clipping a field filter alone matches, and dates tie in
groups of five: only a total order (score, date, id) keeps pages apart.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.archive import Archive, SearchResult
from clipper.cli import cli
from clipper.searching import SORTS
from clipper.web.app import DEFAULT_HOST, DEFAULT_PORT, PAGE_SIZE, create_app

COUNT = 40
HOST = f"{DEFAULT_HOST}:{DEFAULT_PORT}"
QUERIES = ("source:wire", "tramway", "")


def _records() -> list[dict[str, str]]:
    rng = random.Random(12)
    vocabulary = [f"mot{n}" for n in range(400)]
    records = []
    for i in range(COUNT):
        words = " ".join(rng.sample(vocabulary, 30))
        # "tramway" once, twice or three times: a few score levels, each tied.
        text = f"{words}. " + "Le tramway passe. " * (i % 3 + 1)
        records.append(
            {
                "title": f"Dépêche {i}",
                "text": text,
                "source": "Wire",
                "date": f"2024-01-{i % 8 + 1:02d}",
                "lang": "fr",
            }
        )
    return records


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paging") / "corpus"
    lines = tmp_path_factory.mktemp("paging-input") / "wire.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in _records()) + "\n", encoding="utf-8")
    with Archive.open_or_create(root) as archive:
        archive.import_jsonl(lines)
        assert archive.search("source:wire", limit=1).total == COUNT
    return root


@pytest.fixture
def wire(template: Path, corpus_dir: Path) -> Path:
    shutil.copytree(template, corpus_dir, dirs_exist_ok=True)
    return corpus_dir


def _ids(result: SearchResult) -> list[str]:
    return [hit.clipping.id for hit in result.hits]


def _in_total_order(result: SearchResult, sort: str) -> bool:
    keys = []
    for hit in result.hits:
        day = hit.clipping.date or ""
        if sort == "relevance":
            keys.append((-round(hit.score, 9), _negated(day), hit.clipping.id))
        elif sort == "date":
            keys.append((0.0, day, hit.clipping.id))
        else:
            keys.append((0.0, _negated(day), hit.clipping.id))
    return keys == sorted(keys)


def _negated(day: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in day)  # newest first, for these equal-length dates


def _pages(archive: Archive, query: str, sort: str, size: int) -> list[str]:
    ids: list[str] = []
    for offset in range(0, COUNT + size, size):
        ids += _ids(archive.search(query, limit=size, offset=offset, sort=sort))
    return ids


@pytest.mark.parametrize("size", [1, 3, 7])
@pytest.mark.parametrize("sort", SORTS)
def test_pages_partition_the_results_in_the_library(wire: Path, sort: str, size: int) -> None:
    with Archive.open(wire) as archive:
        for query in QUERIES:
            everything = archive.search(query, limit=COUNT * 2, sort=sort)
            assert everything.total == COUNT
            assert len(set(_ids(everything))) == COUNT
            if query:  # an empty query lists newest first whatever the sort
                assert _in_total_order(everything, sort), (query, sort)
            assert _pages(archive, query, sort, size) == _ids(everything), (query, sort)


def test_ties_are_broken_by_date_then_id(wire: Path) -> None:
    with Archive.open(wire) as archive:
        hits = archive.search("source:wire", limit=COUNT).hits
    assert len({round(hit.score, 9) for hit in hits}) == 1  # the filter alone: all tied
    keys = [(hit.clipping.date or "", hit.clipping.id) for hit in hits]
    assert keys == sorted(keys, key=lambda key: (_negated(key[0]), key[1]))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.sampled_from(QUERIES),
    sort=st.sampled_from(SORTS),
    size=st.integers(min_value=1, max_value=COUNT + 1),
    collapse=st.booleans(),
)
def test_any_page_size_partitions_the_results(
    wire: Path, query: str, sort: str, size: int, collapse: bool
) -> None:
    with Archive.open(wire) as archive:
        everything = archive.search(query, limit=COUNT * 2, sort=sort, collapse=collapse)
        pages: list[str] = []
        for offset in range(0, COUNT + size, size):
            page = archive.search(query, limit=size, offset=offset, sort=sort, collapse=collapse)
            pages += _ids(page)
    assert pages == _ids(everything)
    assert len(set(pages)) == everything.total


@pytest.mark.parametrize("size", [1, 3, 7])
def test_pages_partition_the_results_at_the_cli(wire: Path, runner, size: int) -> None:
    ids: list[str] = []
    for offset in range(0, COUNT, size):
        args = ["search", "source:wire", "--format", "ids", "--limit", str(size)]
        result = runner.invoke(cli, [*args, "--offset", str(offset)])
        assert result.exit_code == 0, result.output
        ids += result.output.split()
    assert len(ids) == COUNT
    assert len(set(ids)) == COUNT
    with Archive.open(wire) as archive:
        assert ids == _ids(archive.search("source:wire", limit=COUNT))


@pytest.mark.parametrize("sort", SORTS)
def test_pages_partition_the_results_on_the_web_page(wire: Path, sort: str) -> None:
    app = create_app(wire, secret_key=b"k" * 32)
    try:
        client = app.test_client()
        ids: list[str] = []
        for number in range(1, COUNT // PAGE_SIZE + 1):
            response = client.get(
                f"/?q=source%3Awire&sort={sort}&page={number}", headers={"Host": HOST}
            )
            assert response.status_code == 200
            ids += re.findall(r'class="hit-title"><a href="/clipping/([0-9a-f]+)', response.text)
    finally:
        app.extensions["clipper"].archive.close()
    assert len(ids) == COUNT
    with Archive.open(wire) as archive:
        assert ids == _ids(archive.search("source:wire", limit=COUNT, sort=sort))
