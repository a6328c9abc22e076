"""The Whoosh schema: which fields exist, how they are analysed, what is stored.

Only ``id`` is stored: titles, text and metadata are read from the corpus
files, which keeps the index small and the corpus the one source of truth.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh import query
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser import QueryParserError

from clipper import whooshfix
from clipper.analysis import (
    STEMMED_LANGUAGES,
    exact_analyzer,
    stemming_analyzer,
    tag_analyzer,
)
from clipper.dates import parse_period, parse_range
from clipper.errors import DateFormatError
from clipper.model import ID_LENGTH
from clipper.options import FACETS

whooshfix.apply()

# Bump when analysis or fields change: an index of another version is rebuilt.
SCHEMA_VERSION = 15

# fingerprint.BANDS 32-bit values a clipping (not imported: it needs numpy).
BAND_BYTES = 80

TITLE_BOOST = 3.0
CAPTION_BOOST = 0.5

# What an unfielded query word searches, with boosts (BM25F sums the fields).
TEXT_FIELDS: dict[str, float] = {
    "title": TITLE_BOOST,
    "body": 1.0,
    "captions": CAPTION_BOOST,
    **{f"title_{lang}": TITLE_BOOST for lang in STEMMED_LANGUAGES},
    **{f"body_{lang}": 1.0 for lang in STEMMED_LANGUAGES},
}
# A field named in a query stands for its exact and stemmed versions.
FIELD_GROUPS: dict[str, dict[str, float]] = {
    "title": {"title": 1.0, **{f"title_{lang}": 1.0 for lang in STEMMED_LANGUAGES}},
    "body": {"body": 1.0, **{f"body_{lang}": 1.0 for lang in STEMMED_LANGUAGES}},
}
# Fields with positions, where phrases can be matched.
PHRASE_FIELDS = frozenset(
    {"title", "body", "captions", "source", "author", "agency", "keywords"}
)
# Fields users may name in queries (``source:reuters``).
# Facet names users give to --facet, and the field each counts.
FACET_FIELDS = dict(
    zip(FACETS, ("source_key", "lang", "agency_key", "tag_label", "year"), strict=True)
)
QUERYABLE_FIELDS = (
    "title",
    "body",
    "captions",
    "source",
    "agency",
    "author",
    "lang",
    "tag",
    "keywords",
    "id",
    "url",
    "date",
    "added",
)


class ClipperDate(DATETIME):
    """A date field whose query forms are parsed by :mod:`clipper.dates`."""

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> Any:
        try:
            period = parse_period(qstring)
        except DateFormatError as exc:
            raise QueryParserError(str(exc)) from exc
        return self._range(fieldname, period.start, period.end, boost)

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> Any:
        try:
            if startexcl and start:  # date:>2024-03 means after March 2024
                low = parse_period(start).end
                high = parse_range(None, end).end
            elif endexcl and end:  # date:<2024-03 means before March 2024
                low = parse_range(start, None).start
                high = parse_period(end).start
            else:
                period = parse_range(start, end)
                low, high = period.start, period.end
        except DateFormatError as exc:
            raise QueryParserError(str(exc)) from exc
        return self._range(fieldname, low, high, boost)

    @staticmethod
    def _range(fieldname: str, low: datetime, high: datetime, boost: float) -> Any:
        # Whoosh ranges are inclusive: stop one microsecond before the end.
        from datetime import timedelta

        return query.DateRange(fieldname, low, high - timedelta(microseconds=1), boost=boost)


def url_key(url: str) -> str:
    """A URL as compared by ``url:``: no scheme, no ``www.``, no fragment, host in lower case.

    ``https://www.Example.com/a/b#x`` and ``example.com/a/b`` give the same key,
    so a full URL, a prefix of it or its host typed either way matches.
    """
    rest = url.strip().split("#", 1)[0]
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    host, slash, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}{slash}{path}".rstrip("/")


class UrlWords(TEXT):
    """``url:``: a host word (``url:lemonde``), or a URL, a prefix of one, or a host."""

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> Any:
        key = url_key(qstring)
        if not key:
            return query.NullQuery
        by_key = query.Prefix("url_key", key, boost=boost)
        if "/" in key or "." in key:
            return by_key
        words = [t.text for t in self.analyzer(qstring, mode="query")]
        by_words = query.And([query.Term(fieldname, w, boost=boost) for w in words])
        return query.Or([by_words, by_key]) if words else by_key


class ClippingId(ID):
    """``id:``: a whole id or a prefix of one, as ``clipper show`` takes."""

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> Any:
        value = qstring.strip().lower()
        if len(value) >= ID_LENGTH:
            return query.Term(fieldname, value, boost=boost)
        return query.Prefix(fieldname, value, boost=boost)


def build_schema() -> Schema:
    exact = exact_analyzer()
    fields: dict[str, Any] = {
        "id": ClippingId(stored=True, unique=True),
        "title": TEXT(analyzer=exact, phrase=True),
        "body": TEXT(analyzer=exact, phrase=True),
        "captions": TEXT(analyzer=exact, phrase=True),
        "source": TEXT(analyzer=exact, phrase=True),
        "agency": TEXT(analyzer=exact, phrase=True),
        "author": TEXT(analyzer=exact, phrase=True),
        # The publisher's keywords: asked for by name, not searched by every word.
        "keywords": TEXT(analyzer=exact, phrase=True),
        "url": UrlWords(analyzer=exact, phrase=False),
        "url_key": ID(),  # url_key(url): prefixes of it match
        "lang": ID(sortable=True),
        "tag": KEYWORD(analyzer=tag_analyzer(), commas=True, scorable=True),
        "date": ClipperDate(),
        "added": ClipperDate(),
        # date, or when it was added if the clipping has none: for sorting.
        "sortdate": ClipperDate(sortable=True),
        # Facets: display forms as columns, counted over all matches.
        "source_key": ID(sortable=True),
        "agency_key": ID(sortable=True),
        "year": ID(sortable=True),
        "tag_label": KEYWORD(commas=True),  # tags as written, for the tag facet
        # Near-duplicates: the group key, and the MinHash band values in a
        # column (candidates share a value). As terms they were a quarter of
        # the lexicon, nearly all of them unique, and Whoosh's writer keeps
        # every term of a segment in memory.
        "group": ID(stored=True),
        "bands": COLUMN(FixedBytesColumn(BAND_BYTES)),
        # Hash of the metadata file when indexed: a differing hash means stale.
        "stamp": STORED(),
    }
    for lang in STEMMED_LANGUAGES:
        stem = stemming_analyzer(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=stem, phrase=False)
        fields[f"body_{lang}"] = TEXT(analyzer=stem, phrase=False)
    return Schema(**fields)
