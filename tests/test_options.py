"""One list of filters, facets, sorts, match modes and export formats, shared."""

from __future__ import annotations

import json

import click
import pytest

from clipper import cli
from clipper.errors import UsageError
from clipper.export import to_csv, to_jsonl
from clipper.ingest import Metadata
from clipper.options import (
    EXPORT_FORMATS,
    FACETS,
    GROUPINGS,
    MATCH_MODES,
    PERIODS,
    SORTS,
    WEB_EXPORT_FORMATS,
    Filters,
)


def _choices(command: click.Command, option: str) -> tuple[str, ...]:
    for param in command.params:
        if option in param.opts:
            assert isinstance(param.type, click.Choice)
            return tuple(param.type.choices)
    raise AssertionError(f"{command.name} has no {option}")


def test_the_command_line_offers_the_shared_lists():
    assert _choices(cli.search, "--match") == MATCH_MODES
    assert _choices(cli.search, "--sort") == SORTS
    assert _choices(cli.search, "--by") == PERIODS
    assert _choices(cli.export, "--format") == EXPORT_FORMATS
    assert _choices(cli.export, "--group-by") == GROUPINGS
    assert _choices(cli.export, "--sort") == SORTS


def test_facets_and_filters_name_what_the_index_and_the_web_page_know():
    from clipper.fields import FACET_FIELDS
    from clipper.web import app as web

    assert tuple(FACET_FIELDS) == FACETS
    assert web.FILTER_KEYS == Filters.NAMES
    assert set(WEB_EXPORT_FORMATS) <= set(EXPORT_FORMATS)
    assert set(web.CONTENT_TYPES) == set(WEB_EXPORT_FORMATS)


def _add_two(archive) -> None:
    for title, source in (("Le tramway de Nantes", "Ouest"), ("Le port de Brest", "Mer")):
        text = f"{title}\n\n{title} change ses horaires cet été.\n".encode()
        metadata = Metadata(lang="fr", source=source, date="2024-05-02")
        assert archive.add_bytes(text, f"{source}.txt", metadata).status == "added"


def test_archive_export_dispatches_each_format(archive):
    _add_two(archive)
    clippings = archive.matching()
    jsonl = archive.export("jsonl")
    assert (jsonl.count, "".join(jsonl.parts)) == (2, to_jsonl(clippings))
    assert "".join(archive.export("csv").parts) == to_csv(clippings)
    review = "".join(archive.export("md", "tramway", title="Revue IA").parts)
    assert review.startswith("# Revue IA") and "Le tramway de Nantes" in review
    assert "Le port de Brest" not in review
    bulk = archive.export("opensearch", filters=Filters(source="Mer"))
    assert bulk.count == 1 and bulk.mapping is not None
    assert "mappings" in json.loads(bulk.mapping)
    assert archive.export("csv").mapping is None
    with pytest.raises(UsageError):
        archive.export("xml")


def test_a_saved_search_counts_what_its_next_run_reports(archive):
    archive.add_watch("tram", "tramway")
    assert archive.new_for_watch(archive.watches()[0]) == 0
    _add_two(archive)
    assert archive.new_for_watch(archive.watches()[0]) == 1
    [(_, result)] = archive.run_watches("tram")
    assert result.total == 1
    assert archive.new_for_watch(archive.watches()[0]) == 0
