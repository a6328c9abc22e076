"""Searching the Whoosh index: query parsing, filters, ranking, highlight spans.

The query language is Whoosh's (AND by default, OR, NOT, "phrases",
``field:value``, ``wild*``, ``fuzzy~``) with three changes made here: an
unfielded word searches the exact and the stemmed version of every text field
and sums their scores (BM25F, title boosted); phrases go to the fields that
keep positions; dates are parsed by :mod:`clipper.dates`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from whoosh import query as wq
from whoosh import sorting
from whoosh.qparser import (
    FuzzyTermPlugin,
    GtLtPlugin,
    Plugin,
    QueryParser,
    QueryParserError,
    syntax,
)
from whoosh.qparser.plugins import FuzzyTermPlugin as _Fuzzy
from whoosh.qparser.plugins import PhrasePlugin, SingleQuotePlugin, WildcardPlugin

from clipper.analysis import STEMMED_LANGUAGES, stem_word, word_forms
from clipper.dates import parse_range
from clipper.errors import QuerySyntaxError
from clipper.fields import (
    FACET_FIELDS,
    FIELD_GROUPS,
    PHRASE_FIELDS,
    QUERYABLE_FIELDS,
    TEXT_FIELDS,
)
from clipper.snippets import Span
from clipper.textutil import fold

MAX_QUERY_CHARS = 1000
# A word directly followed by a colon, outside quotes: a field name.
_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(+\-]))([A-Za-z_][A-Za-z0-9_]*):(?!//)")
_QUOTED = re.compile(r'"[^"]*"?')


@dataclass
class Filters:
    """Restrictions applied besides the query text."""

    source: str | None = None
    lang: str | None = None
    tag: str | None = None
    since: str | None = None
    until: str | None = None
    agency: str | None = None
    added_after: datetime | None = None  # for saved searches: only what is new

    # The filters a person sets (by option, saved search or web form).
    NAMES: ClassVar[tuple[str, ...]] = ("source", "lang", "tag", "agency", "since", "until")

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | None]) -> Filters:
        """Filters from ``{"source": ..., "since": ...}``; other keys are ignored."""
        return cls(
            source=values.get("source") or None,
            lang=values.get("lang") or None,
            tag=values.get("tag") or None,
            agency=values.get("agency") or None,
            since=values.get("since") or None,
            until=values.get("until") or None,
        )

    def to_mapping(self) -> dict[str, str]:
        """The filters that are set, as ``{name: value}``."""
        return {name: value for name in self.NAMES if (value := getattr(self, name))}


# Fields that read their whole value themselves (a date in words, a URL, an id).
_WHOLE_VALUE_FIELDS = frozenset({"date", "added", "url", "id"})


class _FieldExpansionPlugin(Plugin):
    """Send an unfielded word to every text field, a named field to its group.

    Runs after the fields plugin (priority 100), like Whoosh's MultifieldPlugin,
    but knows which fields have positions (phrases) and that ``title:`` means
    the exact and the stemmed title alike.
    """

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self._expand, 110)]

    def _expand(self, parser: Any, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self._expand(parser, node)
                continue
            if not node.has_fieldname:
                continue
            if isinstance(node, PhrasePlugin.PhraseNode) and node.fieldname in _WHOLE_VALUE_FIELDS:
                # date:"15 mars 2024" is one date in words, not a phrase of terms.
                word = syntax.WordNode(node.text).set_fieldname(node.fieldname)
                word.startchar, word.endchar = node.startchar, node.endchar
                group[i] = word
                continue
            if isinstance(node, WildcardPlugin.WildcardNode | _Fuzzy.FuzzyTermNode):
                # These nodes skip analysis: fold them as the analyzer would.
                node.text = fold(node.text.lower())
            if node.fieldname is None:
                targets = TEXT_FIELDS
            elif node.fieldname in FIELD_GROUPS:
                targets = FIELD_GROUPS[node.fieldname]
            else:
                continue
            if isinstance(node, PhrasePlugin.PhraseNode):
                targets = {f: b for f, b in targets.items() if f in PHRASE_FIELDS}
            alternatives = []
            for fieldname, boost in targets.items():
                alternative = copy.copy(node)
                alternative.set_fieldname(fieldname, override=True)
                alternative.set_boost(node.boost * boost)
                alternatives.append(alternative)
            group[i] = syntax.OrGroup(alternatives)
        return group


def make_parser(schema: Any) -> QueryParser:
    parser = QueryParser(None, schema)
    # French apostrophes are not quotes: l'IA 'd'accord' must stay words.
    parser.remove_plugin_class(SingleQuotePlugin)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(_FieldExpansionPlugin())
    return parser


def parse_query(parser: QueryParser, text: str) -> Any:
    """Parse a user query; raise :class:`QuerySyntaxError` with a one-line reason."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})"
        )
    if not text.strip():
        raise QuerySyntaxError("empty query", hint="give words to search for")
    unquoted = _QUOTED.sub(" ", text)
    for match in _FIELD_PREFIX.finditer(unquoted):
        if match[1] not in QUERYABLE_FIELDS:
            raise QuerySyntaxError(
                f"unknown field {match[1]!r} in query",
                hint=f"fields: {', '.join(QUERYABLE_FIELDS)}",
            )
    try:
        parsed = parser.parse(text)
    except QueryParserError as exc:
        raise QuerySyntaxError(f"cannot parse query {text!r}: {exc}") from exc
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError) as exc:
        # Whoosh's parser has corners (unbalanced groups, stray operators) where
        # it fails instead of reporting; the user gets the same one-line error.
        raise QuerySyntaxError(
            f"cannot parse query {text!r}", hint="check quotes, brackets and operators"
        ) from exc
    _raise_errors(parsed)
    parsed = parsed.normalize()
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        raise QuerySyntaxError(
            f"query {text!r} has nothing to search for", hint="stop words alone match nothing"
        )
    return parsed


def _raise_errors(q: Any) -> None:
    error = getattr(q, "error", None)
    if error:
        raise QuerySyntaxError(f"invalid query: {error}")
    for child in q.children():
        _raise_errors(child)


def filter_query(schema: Any, filters: Filters) -> Any | None:
    """The Whoosh query all results must also match, or ``None``."""
    parts: list[Any] = []
    if filters.source:
        words = [t.text for t in schema["source"].analyzer(filters.source, mode="query")]
        if words:
            parts.append(
                wq.Phrase("source", words) if len(words) > 1 else wq.Term("source", words[0])
            )
    if filters.agency:
        words = [t.text for t in schema["agency"].analyzer(filters.agency, mode="query")]
        if words:
            parts.append(wq.And([wq.Term("agency", w) for w in words]))
    if filters.lang:
        parts.append(wq.Term("lang", filters.lang.strip().lower()))
    if filters.tag:
        parts.append(wq.Term("tag", fold(filters.tag.strip().lower())))
    if filters.since or filters.until:
        period = parse_range(filters.since, filters.until)
        low = period.start if filters.since else None
        high = period.end - timedelta(microseconds=1) if filters.until else None
        parts.append(wq.DateRange("sortdate", low, high))
    if filters.added_after:
        after = filters.added_after + timedelta(microseconds=1)
        parts.append(wq.DateRange("added", after, None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


@dataclass
class RawHit:
    id: str
    score: float
    copies: list[str] = field(default_factory=list)  # near-duplicates met among the results


def run_search(
    searcher: Any,
    q: Any,
    filter_q: Any | None,
    limit: int,
    offset: int,
    *,
    sort: str = "relevance",
    collapse: bool = False,
    facets: Sequence[str] = (),
) -> tuple[int, list[RawHit], dict[str, list[tuple[str, int]]]]:
    """Total matches, the hits of one page, and facet counts over every match.

    ``sort``: ``relevance`` (ties broken newest first), ``date`` (oldest
    first) or ``-date`` (newest first). With ``collapse``, each near-duplicate
    group counts once, represented by its best-ranked member, and the total
    counts groups. Facets are counted in the same pass over the matches.
    """
    wanted = None if collapse else offset + limit
    groupedby = _groupedby(facets)
    if sort == "relevance":
        ranked, results = _by_relevance(searcher, q, filter_q, wanted, groupedby)
    else:
        results = searcher.search(
            q, filter=filter_q, limit=wanted, sortedby=_sort_facets(sort), groupedby=groupedby
        )
        ranked = [(hit["id"], 0.0, hit.get("group")) for hit in results]
    total = len(results)
    counts = _facet_counts(searcher, results, facets) if facets else {}
    if not collapse:
        page = [RawHit(i, score) for i, score, _ in ranked[offset : offset + limit]]
        return total, page, counts
    groups: dict[str, RawHit] = {}
    for clipping_id, score, group in ranked:
        key = group or clipping_id
        if key in groups:
            groups[key].copies.append(clipping_id)
        else:
            groups[key] = RawHit(clipping_id, score)
    ordered = list(groups.values())
    return len(ordered), ordered[offset : offset + limit], counts


# Extra hits fetched so that ties at the end of a page are broken by date too.
_TIE_MARGIN = 10


def count_matches(searcher: Any, q: Any, filter_q: Any | None) -> int:
    """How many documents match ``q`` and the filter."""
    return len(searcher.search(q, filter=filter_q, limit=1, optimize=False))


def _by_relevance(
    searcher: Any, q: Any, filter_q: Any | None, wanted: int | None, groupedby: Any
) -> tuple[list[tuple[str, float, str | None]], Any]:
    """Hits by score, ties newest first.

    Whoosh's plain scored search is several times faster than sorting on a
    score-and-date key, so ties are broken afterwards on the fetched hits.
    """
    limit = None if wanted is None else wanted + _TIE_MARGIN
    # Whoosh's "optimised" top-k collector skips blocks while scoring, then runs
    # the query again to count the total (and ignores the filter when it does).
    # Scoring every match in one pass is both right and, on 57,000 clippings,
    # about twice as fast (p50 16 ms against 25-31 ms).
    results = searcher.search(q, filter=filter_q, limit=limit, optimize=False, groupedby=groupedby)
    dates = searcher.reader().column_reader("sortdate", translate=False)
    hits = [(hit["id"], float(hit.score or 0.0), hit.get("group"), hit.docnum) for hit in results]
    hits.sort(key=lambda h: (-round(h[1], 9), -(dates[h[3]] or 0)))
    return [(i, score, group) for i, score, group, _ in hits], results


SORTS = ("relevance", "date", "-date")


def _sort_facets(sort: str) -> Any:
    if sort == "date":
        return sorting.FieldFacet("sortdate")
    if sort == "-date":
        return sorting.FieldFacet("sortdate", reverse=True)
    raise QuerySyntaxError(f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")


# Every clipping has a year (of its date, or of when it was added): grouping by
# it gives the set of matching documents, which the tag counts need.
_ALL_MATCHES = "__matches"


def _groupedby(names: Sequence[str]) -> dict[str, Any] | None:
    unknown = [n for n in names if n not in FACET_FIELDS]
    if unknown:
        raise QuerySyntaxError(
            f"unknown facet {unknown[0]!r}", hint=f"facets: {', '.join(FACET_FIELDS)}"
        )
    if not names:
        return None
    groupedby = {n: sorting.FieldFacet(FACET_FIELDS[n]) for n in names if n != "tag"}
    if "tag" in names:
        groupedby[_ALL_MATCHES] = sorting.FieldFacet("year")
    return groupedby


def _facet_counts(
    searcher: Any, results: Any, names: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """Per facet, ``[(value, count), ...]`` over every match, most frequent first."""
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        if name == "tag":
            matches = set().union(*results.groups(_ALL_MATCHES).values())
            counts = _tag_counts(searcher.reader(), matches)
        else:
            groups = results.groups(name)
            counts = [(_facet_label(key), len(docs)) for key, docs in groups.items() if key]
        facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))
    return facets


def _tag_counts(reader: Any, matches: set[int]) -> list[tuple[str, int]]:
    """Tags are several per clipping: count each tag's postings among the matches.

    Whoosh's overlapping facet would read the tags of every document of the
    index on each search (25 ms at 57,000 clippings); tags are few.
    """
    counts = []
    for term in reader.lexicon("tag_label"):
        label = _facet_label(term)
        found = sum(
            1 for docnum in reader.postings("tag_label", label).all_ids() if docnum in matches
        )
        if found:
            counts.append((label, found))
    return counts


def _facet_label(key: Any) -> str:
    return key.decode("utf-8") if isinstance(key, bytes) else str(key)


PERIODS = ("day", "week", "month", "year")


@dataclass
class Timeline:
    by: str
    counts: list[tuple[str, int]]  # every period from the first to the last match
    total: int
    undated: int  # matches without a date, counted at the day they were added


def timeline(searcher: Any, q: Any, filter_q: Any | None, by: str | None = None) -> Timeline:
    """Matches per day, week, month or year (chosen from the span when ``by`` is None)."""
    if by is not None and by not in PERIODS:
        raise QuerySyntaxError(f"unknown period {by!r}", hint=f"use one of {', '.join(PERIODS)}")
    results = searcher.search(q, filter=filter_q, limit=None)
    column = searcher.reader().column_reader("sortdate", translate=True)
    moments = sorted(column[docnum] for docnum in results.docs())
    moments = [m for m in moments if m is not None]
    dated = searcher.search(wq.And([q, wq.Every("date")]), filter=filter_q, limit=None)
    undated = len(results) - len(dated)
    if not moments:
        return Timeline(by or "month", [], len(results), undated)
    if by is None:
        span = (moments[-1] - moments[0]).days
        by = "day" if span <= 45 else "week" if span <= 182 else "month" if span <= 1830 else "year"
    counts: dict[str, int] = {}
    for label in _period_labels(moments[0], moments[-1], by):
        counts[label] = 0
    for moment in moments:
        counts[_period_label(moment, by)] += 1
    return Timeline(by, list(counts.items()), len(results), undated)


def _period_label(moment: datetime, by: str) -> str:
    if by == "day":
        return moment.strftime("%Y-%m-%d")
    if by == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y")


def _period_labels(first: datetime, last: datetime, by: str) -> Iterator[str]:
    """Every period label from ``first`` to ``last``, in order, gaps included."""
    step = timedelta(days=1) if by in ("day", "week") else timedelta(days=28)
    moment = first.replace(hour=0, minute=0, second=0, microsecond=0)
    seen: set[str] = set()
    while moment <= last + step:
        label = _period_label(moment, by)
        if label not in seen and label <= _period_label(last, by):
            seen.add(label)
            yield label
        moment += step


def similar_to(
    searcher: Any,
    clipping_id: str,
    text: str,
    lang: str | None,
    group: str,
    *,
    limit: int,
    include_copies: bool,
) -> list[RawHit]:
    """Clippings sharing the most distinctive terms of one clipping (more-like-this)."""
    docnum = searcher.document_number(id=clipping_id)
    if docnum is None:
        return []
    fieldname = f"body_{lang}" if lang in STEMMED_LANGUAGES else "body"
    results = searcher.more_like(docnum, fieldname, text=text, top=limit * 3 + 10, numterms=20)
    hits = []
    for hit in results:
        if hit["id"] == clipping_id or (not include_copies and hit.get("group") == group):
            continue
        hits.append(RawHit(hit["id"], float(hit.score or 0.0)))
        if len(hits) == limit:
            break
    return hits


# Below this many hits, a corrected query is suggested.
SUGGEST_BELOW = 3
# Words in a query string: not field names (followed by ":"), not wildcards or
# fuzzy terms (followed by * ? ~), not operators.
_QUERY_WORD = re.compile(r"(?<![\w:*?~])([^\W\d_][\w'’-]*)(?![\w:*?~])")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_FIELD_VALUE = re.compile(r"\w+:(?:\"[^\"]*\"?|[\[{][^\]}]*[\]}]?|\S*)")
_FIELD_VALUE_SPLIT = re.compile(rf"({_FIELD_VALUE.pattern})")


def suggest_query(searcher: Any, text: str, text_of: Callable[[str], str]) -> str | None:
    """The query with unknown words replaced by the closest words of the corpus.

    Candidates come from the folded words of the index; each is then shown as
    written in a clipping that contains it (``text_of(id)``), so ``modles``
    becomes ``modèles``. ``None`` when every word is known or nothing is close.
    """
    reader = searcher.reader()
    corrector = searcher.corrector("body")
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(1)
        if word in _OPERATORS or len(word) < 3:
            return word
        folded = fold(word.lower())
        if any(reader.doc_frequency(field, folded) for field in ("title", "body")):
            return word
        found = corrector.suggest(folded, limit=1, maxdist=2)
        if not found:
            return word
        changed = True
        return _as_written(searcher, str(found[0]), text_of)

    # Only free words are corrected: a field's value (a URL, a date, a range)
    # is the user's exact input, not a misspelling.
    corrected = "".join(
        part if _FIELD_VALUE.fullmatch(part) else _QUERY_WORD.sub(replace, part)
        for part in _FIELD_VALUE_SPLIT.split(text)
    )
    return corrected if changed else None


_WORDS = re.compile(r"\w+(?:['’-]\w+)*")


def _as_written(searcher: Any, folded: str, text_of: Callable[[str], str]) -> str:
    """How a folded index word is written in a clipping that contains it."""
    for hit in searcher.search(wq.Term("body", folded), limit=1):
        for word in _WORDS.findall(text_of(hit["id"])):
            if fold(word.lower()) == folded:
                return word.lower()
    return folded


# -- highlighting ---------------------------------------------------------


def matched_terms(q: Any, reader: Any) -> dict[str, set[str]]:
    """Terms of the query's positive clauses, by field; wildcards expanded on the index."""
    terms: dict[str, set[str]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            visit(node.a)
            return
        if isinstance(node, wq.Term):
            terms.setdefault(node.fieldname, set()).add(str(node.text))
            return
        if isinstance(node, wq.Phrase):
            terms.setdefault(node.fieldname, set()).update(str(w) for w in node.words)
            return
        if isinstance(node, wq.PatternQuery | wq.FuzzyTerm):
            field = reader.schema[node.fieldname]
            for btext in node._btexts(reader):  # FuzzyTerm yields str, the others bytes
                text = field.from_bytes(btext) if isinstance(btext, bytes) else btext
                terms.setdefault(node.fieldname, set()).add(text)
            return
        for child in node.children():
            visit(child)

    visit(q)
    return terms


_EXACT_FIELDS = ("title", "body", "captions")
# Highlighting looks this far into a clipping: snippets come from the start of long texts.
HIGHLIGHT_CHARS = 20_000


def highlight_spans(text: str, lang: str | None, terms: dict[str, set[str]]) -> list[Span]:
    """Character spans of ``text`` whose words match the query terms.

    Words matched through stemming or folding count: ``modele`` marks
    ``modèles``. Words are folded and, only when they could match a stem
    (same first letters), stemmed: cheaper than the analyzer chains.
    """
    exact_terms = set().union(*(terms.get(f, set()) for f in _EXACT_FIELDS))
    languages = (lang,) if lang in STEMMED_LANGUAGES else STEMMED_LANGUAGES if lang is None else ()
    stems = {
        language: terms.get(f"body_{language}", set()) | terms.get(f"title_{language}", set())
        for language in languages
    }
    stems = {language: wanted for language, wanted in stems.items() if wanted}
    if not exact_terms and not stems:
        return []
    prefixes = {stem[:3] for wanted in stems.values() for stem in wanted}
    spans: list[Span] = []
    for form, start, end in word_forms(text, HIGHLIGHT_CHARS):
        if form in exact_terms:
            spans.append(Span(start, end, form))
        elif form[:3] in prefixes:
            for language, wanted in stems.items():
                stem = stem_word(language, form)
                if stem in wanted:
                    spans.append(Span(start, end, stem))
                    break
    return spans
