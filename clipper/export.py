"""Exports: JSON Lines (re-importable without loss), CSV, and a Markdown press review."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clipper.errors import UsageError
from clipper.model import Clipping
from clipper.options import EXPORT_FORMATS, REVIEW_TITLE
from clipper.records import export_record
from clipper.textutil import one_line

_SAFE_URL = re.compile(r"^https?://[^\s<>]+$")
CSV_KEYS = ("id", "date", "title", "source", "agency", "author", "lang", "url", "tags", "lead")
_FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


@dataclass
class Export:
    """Clippings written in one format: the text in parts, and how many went in."""

    count: int
    parts: Iterable[str]  # jsonl: a line each, read as they are written
    mapping: str | None = None  # opensearch: the index mapping (JSON), a file of its own


def export_as(
    fmt: str,
    clippings: list[Clipping],
    *,
    query: str = "",
    filters: Mapping[str, str] | None = None,
    title: str = REVIEW_TITLE,
    group_by: str = "day",
    original: Callable[[Clipping], bytes] | None = None,
) -> Export:
    """The one dispatch of export formats (:data:`clipper.options.EXPORT_FORMATS`).

    ``original`` (jsonl only) reads a clipping's original bytes to include them.
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint=", ".join(EXPORT_FORMATS))
    if fmt == "jsonl":  # line by line: with originals, the whole would not fit in memory
        return Export(len(clippings), jsonl_lines(clippings, original))
    if fmt == "csv":
        return Export(len(clippings), [to_csv(clippings)])
    if fmt == "md":
        review = to_markdown(
            clippings,
            title=title,
            query=query,
            filters=filters or {},
            group_by=group_by,
            exported=datetime.now(),
        )
        return Export(len(clippings), [review])
    return Export(len(clippings), [to_opensearch_bulk(clippings)], opensearch_mapping_json())


def jsonl_lines(
    clippings: Iterable[Clipping], original: Callable[[Clipping], bytes] | None = None
) -> Iterator[str]:
    """One line per clipping, restored as it is by `clipper import`.

    ``original`` reads a clipping's original bytes, to export them too.
    """
    for c in clippings:
        record = export_record(c, original(c) if original else None)
        yield json.dumps(record, ensure_ascii=False) + "\n"


def to_jsonl(clippings: Iterable[Clipping]) -> str:
    return "".join(jsonl_lines(clippings))


def to_csv(clippings: Iterable[Clipping]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_KEYS)
    for c in clippings:
        row = {**export_record(c), "tags": ";".join(c.tags), "lead": c.lead}
        writer.writerow([_inert_cell(row[k]) for k in CSV_KEYS])
    return buffer.getvalue()


# A spreadsheet runs a cell starting with one of these as a formula
# ("=HYPERLINK(…)" in a clipped title); such a cell gets a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def human_date(value: str | None) -> str:
    """``2024-03-15`` -> ``15 mars 2024`` (the review is in French, like most of its readers)."""
    if not value:
        return "date inconnue"
    parts = value[:10].split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {_FRENCH_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{_FRENCH_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return value
    return value


# The filters a review was made with, named in French as the review is.
_FILTER_NAMES = {
    "source": "source",
    "agency": "agence",
    "lang": "langue",
    "tag": "étiquette",
    "since": "depuis",
    "until": "jusqu'à",
}


def _md_text(text: str) -> str:
    """Clipping text made inert in Markdown: no headings, links or HTML from the clipping."""
    escaped = one_line(text)
    for char in "\\`*_[]<>#|":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def to_markdown(
    clippings: list[Clipping],
    *,
    title: str,
    query: str,
    group_by: str,
    exported: datetime,
    filters: Mapping[str, str] | None = None,
) -> str:
    """A press review: a title, the query, its filters and the date, then each
    clipping grouped by day or source."""
    lines = [f"# {_md_text(title)}", ""]
    described = f"« {_md_text(query)} »" if query else "toutes les coupures"
    restricted = [
        f"{_FILTER_NAMES.get(name, name)} : {_md_text(value)}"
        for name, value in (filters or {}).items()
        if value
    ]
    count = len(clippings)
    lines.append(
        " · ".join(
            [
                f"Requête : {described}",
                *restricted,
                f"exportée le {human_date(exported.date().isoformat())}",
                f"{count} coupure{'s' if count > 1 else ''}",
            ]
        )
    )
    groups: dict[str, list[Clipping]] = {}
    for clipping in clippings:
        if group_by == "source":
            key = clipping.source or ""
        else:
            # An undated clipping has its own section, never the day it was added.
            key = clipping.date[:10] if clipping.date else ""
        groups.setdefault(key, []).append(clipping)
    # Sources in alphabetical order, whatever their case; days newest first;
    # the unknown source or the undated last.
    known = [k for k in groups if k]
    if group_by == "source":
        keys = sorted(known, key=lambda k: (k.casefold(), k))
    else:
        keys = sorted(known, reverse=True)
    keys += [""] if "" in groups else []
    for key in keys:
        if group_by == "source":
            heading = _md_text(key) if key else "Source inconnue"
        else:
            heading = human_date(key) if key else "Sans date"
        lines += ["", f"## {heading}"]
        for c in groups[key]:
            lines += ["", f"### {_md_text(c.title)}", ""]
            byline = [_md_text(c.source or "Source inconnue"), human_date(c.date)]
            if c.author:
                byline.append(_md_text(c.author))
            lines.append("*" + " · ".join(byline) + "*")
            if c.lead:
                lines += ["", _md_text(c.lead)]
            if c.url:
                lines += ["", f"<{c.url}>" if _SAFE_URL.match(c.url) else _md_text(c.url)]
    return "\n".join(lines) + "\n"


# -- OpenSearch / Elasticsearch ----------------------------------------------

OPENSEARCH_INDEX = "clipper"


def opensearch_mapping() -> dict[str, Any]:
    """Index settings and mappings equivalent to clipper's analysis.

    Exact fields fold case and accents and drop French elisions; ``.fr`` and
    ``.en`` sub-fields add stop words and Snowball stemming, as clipper's
    stemmed fields do. Query all of them with a ``multi_match`` of type
    ``most_fields`` (scores summed, like clipper) and boost ``title^3``.
    """
    elision = {
        "type": "elision",
        "articles_case": True,
        "articles": ["l", "d", "qu", "s", "n", "j", "m", "t", "c", "jusqu", "lorsqu", "puisqu"],
    }
    analyzers = {
        "clipper_exact": {
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "clipper_elision"],
        },
        "clipper_fr": {
            "tokenizer": "standard",
            "filter": [
                "lowercase",
                "asciifolding",
                "clipper_elision",
                "clipper_fr_stop",
                "clipper_fr_stem",
            ],
        },
        "clipper_en": {
            "tokenizer": "standard",
            "filter": [
                "english_possessive",
                "lowercase",
                "asciifolding",
                "clipper_en_stop",
                "clipper_en_stem",
            ],
        },
    }
    filters = {
        "clipper_elision": elision,
        "clipper_fr_stop": {"type": "stop", "stopwords": "_french_"},
        "clipper_fr_stem": {"type": "snowball", "language": "French"},
        "clipper_en_stop": {"type": "stop", "stopwords": "_english_"},
        "clipper_en_stem": {"type": "snowball", "language": "English"},
        "english_possessive": {"type": "stemmer", "language": "possessive_english"},
    }
    text = {
        "type": "text",
        "analyzer": "clipper_exact",
        "fields": {
            "fr": {"type": "text", "analyzer": "clipper_fr"},
            "en": {"type": "text", "analyzer": "clipper_en"},
        },
    }
    keyword = {"type": "keyword"}
    return {
        "settings": {"analysis": {"analyzer": analyzers, "filter": filters}},
        "mappings": {
            "properties": {
                "title": text,
                "text": text,
                "captions": {"type": "text", "analyzer": "clipper_exact"},
                "source": {
                    "type": "text",
                    "analyzer": "clipper_exact",
                    "fields": {"keyword": keyword},
                },
                "agency": keyword,
                "author": {"type": "text", "analyzer": "clipper_exact"},
                "lang": keyword,
                "tags": keyword,
                "url": keyword,
                "group": keyword,
                "date": {"type": "date", "format": "strict_date_optional_time||yyyy-MM||yyyy"},
                "added": {"type": "date"},
            }
        },
    }


def opensearch_mapping_json() -> str:
    return json.dumps(opensearch_mapping(), ensure_ascii=False, indent=2) + "\n"


def to_opensearch_bulk(clippings: Iterable[Clipping], index: str = OPENSEARCH_INDEX) -> str:
    """Bulk API NDJSON: an action line then a document line per clipping."""
    lines = []
    for c in clippings:
        lines.append(json.dumps({"index": {"_index": index, "_id": c.id}}))
        document = {
            "title": c.title,
            "text": c.text,
            "captions": "\n".join(c.captions + c.credits),
            "source": c.source,
            "agency": c.agency,
            "author": c.author,
            "lang": c.lang,
            "tags": c.tags,
            "url": c.url,
            "group": c.group,
            "date": c.date,
            "added": c.added,
        }
        lines.append(json.dumps(document, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
