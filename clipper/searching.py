"""Searching the Whoosh index: query parsing, filters, ranking, highlight spans.

The query language is Whoosh's (AND by default, OR, NOT, "phrases",
``field:value``, ``wild*``, ``fuzzy~``) with three changes made here: an
unfielded word searches the exact and the stemmed version of every text field
and sums their scores (BM25F, title boosted); phrases go to the fields that
keep positions; dates are parsed by :mod:`clipper.dates`.
"""

from __future__ import annotations

import copy
import pickle
import re
import sys
import time
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from heapq import heappush, heapreplace
from itertools import islice, takewhile
from math import log
from typing import Any

from whoosh import collectors, scoring
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching import ListMatcher, ReadTooFar
from whoosh.matching.wrappers import FilterMatcher
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
from whoosh.reading import TermNotFound
from whoosh.support.levenshtein import distance as levenshtein_distance
from whoosh.util.numeric import byte_to_length

from clipper.analysis import (
    STEMMED_LANGUAGES,
    is_stopword,
    join_spaced_numbers,
    stem_word,
    word_forms,
)
from clipper.dates import parse_range
from clipper.errors import LanguageError, QuerySyntaxError, SearchTimeoutError
from clipper.fields import (
    FACET_FIELDS,
    FIELD_GROUPS,
    PHRASE_FIELDS,
    QUERYABLE_FIELDS,
    TEXT_FIELDS,
)
from clipper.language_names import language_code
from clipper.model import UNDATED
from clipper.options import MATCH_MODES, PERIODS, SORTS, Filters, MatchMode, Timeline
from clipper.snippets import Span
from clipper.textutil import fold

# -- what one query may cost ---------------------------------------------------
# Whoosh expands wildcards, prefixes, fuzzy words and ranges over the lexicon
# and ORs the words found: unbounded, one query could hold a core for minutes.
# As Lucene caps expansions (max_expansions, maxClauseCount), so does clipper.
# docs/query.md lists these caps: change both together.
MAX_QUERY_CHARS = 1000
# Index words a query's wildcards, prefixes, fuzzy words and ranges may
# examine in all (each in every field it searches), and the spelling
# suggestion of a query too.
MAX_SCANNED = 20_000
# Of the words found, the most frequent ones kept, per field.
MAX_EXPANSIONS = 50
# Postings a query may read: the documents of each of its words, in each
# field, summed (Whoosh reads and scores every one, about 5 µs each).
MAX_POSTINGS = 200_000
# Words (terms) in the whole query once expanded, over all the fields searched.
MAX_CLAUSES = 2048
# Letters a wildcard needs before its first * or ?.
MIN_WILDCARD_PREFIX = 2
# Fuzzy words: at least this long, at most this many edits, and this many
# first letters shared (a misspelling seldom starts with the wrong letter).
FUZZY_MIN_CHARS = 3
FUZZY_MAX_EDITS = 2
FUZZY_PREFIX = 2
# A word directly followed by a colon, outside quotes: a field name.
_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(+\-]))([A-Za-z_][A-Za-z0-9_]*):(?!//)")
_QUOTED = re.compile(r'"[^"]*"?')
# A known field with nothing after it, at the end of a query ("title:"); and a
# range left open ("date:[2024 TO"), which Whoosh reads as words.
_EMPTY_FIELD = re.compile(r"(?:^|(?<=[\s(+\-]))([A-Za-z_]\w*):\s*$")
_OPEN_RANGE = re.compile(r"(?:^|(?<=[\s(+\-]))([A-Za-z_]\w*):[\[{][^\]}]*$")
_FIELD_EXAMPLES = {
    "source": "Reuters",
    "agency": "AFP",
    "author": "Martin",
    "lang": "fr",
    "tag": "ia",
    "keywords": "exposition",
    "id": "60a5f",
    "url": "lemonde",
    "date": "2024-03",
    "added": "7d",
}
# A word starting with * or ?: Whoosh would scan the whole lexicon for it (or
# the analyzer would drop the wildcard and search another word).
_LEADING_WILDCARD = re.compile(r"(?:^|(?<=[\s(+\-:]))[*?]+\w\S*")


# Fields that read their whole value themselves (a date in words, a URL, an id,
# a language name).
_WHOLE_VALUE_FIELDS = frozenset({"date", "added", "url", "id", "lang"})


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
                group[i] = node = word
            if node.fieldname == "lang" and isinstance(node, syntax.WordNode):
                node.text = _stored_language(node.text)
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


def _stored_language(value: str) -> str:
    """A ``lang:`` value as clippings store it: ``English``, ``FR``, ``fr-CA``
    read as --lang reads them; any other value (``yue``, which the language
    identifier stores) as the code it may be."""
    try:
        return language_code(value)
    except LanguageError:
        return value.strip().lower()


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
    return parse_counting(parser, text)[0]


def parse_counting(parser: QueryParser, text: str) -> tuple[Any, dict[str, int]]:
    """:func:`parse_query`, and how many times each free word repeated in it
    appears (normalising keeps one; a question that repeats a word means it)."""
    if len(text) > MAX_QUERY_CHARS:
        # A pasted question is searched on its first words, up to the cap.
        cut = text[: MAX_QUERY_CHARS + 1].rsplit(None, 1)[0] if " " in text else ""
        if not cut.strip() or len(cut) > MAX_QUERY_CHARS:
            raise QuerySyntaxError(
                f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})"
            )
        text = cut
    if not text.strip():
        raise QuerySyntaxError("empty query", hint="give words to search for")
    unquoted = _QUOTED.sub(" ", text)
    leading = _LEADING_WILDCARD.search(unquoted)
    if leading:
        raise QuerySyntaxError(
            f"invalid query: {leading[0]!r} starts with a wildcard",
            hint=f"put at least {MIN_WILDCARD_PREFIX} letters before *, as in mo*",
        )
    phrases_emptied = _QUOTED.sub('""', text)  # a phrase is something after a colon
    if (match := _OPEN_RANGE.search(phrases_emptied)) and match[1] in QUERYABLE_FIELDS:
        raise QuerySyntaxError(
            f"unclosed range {match[0].strip()!r}",
            hint="close it with ] (or } to leave the end out), as in date:[2024-01 TO 2024-06]",
        )
    if (match := _EMPTY_FIELD.search(phrases_emptied)) and match[1] in QUERYABLE_FIELDS:
        raise QuerySyntaxError(
            f"'{match[1]}:' has nothing after it",
            hint="write what to find right after the colon, as in "
            f"{match[1]}:{_FIELD_EXAMPLES.get(match[1], 'Phi')}",
        )
    for match in _FIELD_PREFIX.finditer(unquoted):
        if match[1] in QUERYABLE_FIELDS:
            continue
        if _SENTENCE_COLON.match(unquoted, match.end()):
            continue  # "nutrition: what…" in a typed sentence: a word, not a field
        raise QuerySyntaxError(
            f"unknown field {match[1]!r} in query",
            hint=f"fields: {', '.join(QUERYABLE_FIELDS)}",
        )
    typed = text  # errors quote the query as typed, not as rewritten for Whoosh
    text = join_spaced_numbers(_minus_as_not(_unknown_field_colons(text)))
    try:
        parsed = parser.parse(text, normalize=False)
    except QueryParserError as exc:
        raise QuerySyntaxError(f"cannot parse query {typed!r}: {exc}") from exc
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError) as exc:
        # Whoosh's parser has corners (unbalanced groups, stray operators) where
        # it fails instead of reporting; the user gets the same one-line error.
        raise QuerySyntaxError(
            f"cannot parse query {typed!r}", hint="check quotes, brackets and operators"
        ) from exc
    _raise_errors(parsed)
    parsed = _without_unplaced_phrases(parsed, parser.schema)
    repeats = _repeats(parsed)
    parsed = parsed.normalize()
    _check_costly_words(parsed)
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        if not any(c.isalnum() for c in text):
            raise QuerySyntaxError(
                f"query {typed!r} has no letters or digits: symbols alone are not indexed",
                hint="search for words or numbers ('euros', not '€')",
            )
        raise QuerySyntaxError(
            f"query {typed!r} has nothing to search for", hint="give words to search for"
        )
    return parsed, repeats


def _repeats(parsed: Any) -> dict[str, int]:
    parts = parsed.subqueries if isinstance(parsed, wq.And) else [parsed]
    counts = Counter(word for part in parts if (word := _free_word(part.normalize())))
    return {word: n for word, n in counts.items() if n > 1}


def user_query(parser: QueryParser, text: str) -> Any:
    """The parsed query; every clipping for an empty one."""
    return parse_query(parser, text) if text.strip() else wq.Every()


def user_query_counting(parser: QueryParser, text: str) -> tuple[Any, dict[str, int]]:
    """:func:`user_query`, and the words it repeats (:func:`parse_counting`)."""
    return parse_counting(parser, text) if text.strip() else (wq.Every(), {})


def only_ids(filter_q: Any | None, ids: Iterable[str]) -> Any:
    """``filter_q`` narrowed to the clippings of ``ids``."""
    only = wq.Or([wq.Term("id", i) for i in ids])
    return wq.And([filter_q, only]) if filter_q is not None else only


# A colon followed by a space or the end: punctuation of a sentence.
_SENTENCE_COLON = re.compile(r"\s|$")


def _unknown_field_colons(text: str) -> str:
    """``text`` with the colon after an unknown word followed by a space removed."""

    def fix(match: re.Match[str]) -> str:
        if match[1] in QUERYABLE_FIELDS or not _SENTENCE_COLON.match(text, match.end()):
            return match[0]
        return match[1] + " "

    parts = re.split(r'("[^"]*"?)', text)
    return "".join(p if p.startswith('"') else _FIELD_PREFIX.sub(fix, p) for p in parts)


# -word excludes, as in most search boxes: a minus that starts a word, a
# phrase, a group or a field, after a space or a bracket (not COVID-19, "a - b", -5);
# a quoted phrase is matched whole first, so a minus inside it stays.
_EXCLUDING_MINUS = re.compile(r'("[^"]*"?)|(?:^|(?<=[\s(]))-(?=[^\W\d_]|["(])')


def _minus_as_not(text: str) -> str:
    """``Phi -OpenAI`` -> ``Phi NOT OpenAI``."""
    return _EXCLUDING_MINUS.sub(lambda m: m[1] or "NOT ", text)


def _without_unplaced_phrases(q: Any, schema: Any) -> Any:
    """A quoted value of a field without positions (``tag:"ia,tech"``) as
    all its words: Whoosh would refuse the phrase when searching."""

    def unplaced(node: Any) -> bool:
        return (
            isinstance(node, wq.Phrase)
            and node.fieldname in schema
            and not schema[node.fieldname].format.supports("positions")
        )

    def rewrite(node: Any) -> Any:
        if unplaced(node):
            return _and([wq.Term(node.fieldname, w, boost=node.boost) for w in node.words])
        return node.apply(rewrite)

    # Looked for without recursion first: a query may nest hundreds of groups.
    stack = [q]
    while stack:
        node = stack.pop()
        if unplaced(node):
            return rewrite(q)
        stack.extend(node.children())
    return q


def _raise_errors(q: Any) -> None:
    error = getattr(q, "error", None)
    if error:
        raise QuerySyntaxError(f"invalid query: {error}")
    for child in q.children():
        _raise_errors(child)


def _check_costly_words(q: Any) -> None:
    """Refuse wildcards and fuzzy words that would scan most of the index."""
    if isinstance(q, wq.FuzzyTerm) and len(q.text) < FUZZY_MIN_CHARS:
        raise QuerySyntaxError(
            f"invalid query: {_written(q)!r} is too short for a fuzzy search",
            hint=f"fuzzy words (word~) need at least {FUZZY_MIN_CHARS} letters",
        )
    if isinstance(q, wq.PatternQuery):
        literal = q.text if isinstance(q, wq.Prefix) else q._find_prefix(q.text)
        if len(literal) < MIN_WILDCARD_PREFIX:
            where = "has too few letters before its" if literal else "starts with a"
            raise QuerySyntaxError(
                f"invalid query: {_written(q)!r} {where} wildcard",
                hint=f"put at least {MIN_WILDCARD_PREFIX} letters before *, as in mo*",
            )
    for child in q.children():
        _check_costly_words(child)


class Deadline:
    """The time budget of one search: :meth:`check` raises once it is spent."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def check(self) -> None:
        if self.clock() >= self.end:
            raise SearchTimeoutError(
                f"search stopped after {self.seconds:g} s: the query is too broad",
                hint="use fewer wildcards and fuzzy words, longer prefixes, or a filter",
            )


def bound_query(q: Any, reader: Any, deadline: Deadline | None = None) -> Any:
    """``q`` with every wildcard, prefix, fuzzy word and word range replaced by
    the words of the index it stands for, within the caps above.

    Together they examine at most :data:`MAX_SCANNED` words of the index
    and read the postings of at most :data:`MAX_POSTINGS` documents (past
    either, the query is refused); each keeps its :data:`MAX_EXPANSIONS`
    most frequent matches in a field; the whole query may hold
    :data:`MAX_CLAUSES` words. Refusals are :class:`QuerySyntaxError`
    (``invalid query: …``).
    """
    clauses = 0
    cost = _Cost()

    def rewrite(node: Any) -> Any:
        nonlocal clauses
        if isinstance(node, wq.Every) and node.fieldname:
            if deadline is not None:
                deadline.check()
            cost.scanned += len(list(islice(reader.lexicon(node.fieldname), MAX_SCANNED + 1)))
            if cost.scanned > MAX_SCANNED:
                raise QuerySyntaxError(
                    f"invalid query: {node.fieldname}:* stands for too many words",
                    hint="an empty query lists every clipping (clipper list)",
                )
            clauses += 1
            return node
        if isinstance(node, wq.MultiTerm):
            if deadline is not None:
                deadline.check()
            words, documents = _expansions(node, reader, cost)
            clauses += len(words)
            # No words: an AnyOf of none matches nothing, where a NullQuery
            # would be dropped from an And and widen it (modeles zzz*).
            return AnyOf(node.fieldname, words, boost=node.boost, documents=documents)
        if isinstance(node, wq.Term):
            clauses += 1
            # Stop words are optional (relaxed matching drops them), so they
            # cost nothing to a question that contains a few.
            if not is_stopword(str(node.text)):
                plain.append((node.fieldname, node.text))
            return node
        if isinstance(node, wq.Phrase):
            clauses += 1
            plain.extend((node.fieldname, word) for word in node.words)
            return node
        return node.apply(rewrite)

    plain: list[tuple[str, Any]] = []  # (field, word) of the words not expanded
    bounded = rewrite(q)
    # A few words cannot reach the cap on a small archive: skip the lookups.
    if cost.postings + len(plain) * reader.doc_count_all() > MAX_POSTINGS:
        cost.postings += sum(_documents(reader, name, text) for name, text in plain)
    hint = "use fewer or longer wildcards and fuzzy words, fewer or rarer words"
    if clauses > MAX_CLAUSES:
        raise QuerySyntaxError(
            f"invalid query: too broad ({clauses} index words once expanded, "
            f"at most {MAX_CLAUSES})",
            hint=hint,
        )
    if cost.postings > MAX_POSTINGS:
        raise QuerySyntaxError(
            f"invalid query: too broad (its words occur {cost.postings:,} times in the "
            f"index, at most {MAX_POSTINGS:,})",
            hint=hint,
        )
    return bounded.normalize()


def _documents(reader: Any, fieldname: str | None, text: Any) -> int:
    if fieldname is None or fieldname not in reader.schema:
        return 0
    try:
        return doc_frequency(reader, fieldname, text)
    except (ValueError, TypeError):  # a value the field cannot hold matches nothing
        return 0


# Document frequencies looked up, per reader (an index as opened: they cannot
# change under it). One search asks for the same words' several times (cost
# bounds, relaxing, idf, languages), each a lookup in every segment.
_FREQUENCIES: weakref.WeakKeyDictionary[Any, dict[tuple[str, Any], int]] = (
    weakref.WeakKeyDictionary()
)
# Terms a reader's table keeps (about 150 bytes each); emptied when full.
FREQUENCIES_KEPT = 100_000


def doc_frequency(reader: Any, fieldname: str, text: Any) -> int:
    """How many documents of ``reader`` hold ``text`` in ``fieldname``
    (removed ones too, as Whoosh counts them), looked up once per reader."""
    known = _FREQUENCIES.setdefault(reader, {})
    key = (fieldname, text)
    if key not in known:
        if len(known) >= FREQUENCIES_KEPT:
            known.clear()
        known[key] = int(reader.doc_frequency(fieldname, text))
    return known[key]


@dataclass
class _Cost:
    """What the expansions of one query have cost so far."""

    scanned: int = 0  # index words examined
    postings: int = 0  # documents of the words kept


def _expansions(node: Any, reader: Any, cost: _Cost) -> tuple[list[str], int]:
    """The words of the index ``node`` stands for, the most frequent, at most
    the cap, and their documents (summed over the words).

    Each segment's lexicon is read in order from the literal start of the
    word, with the document frequency of each word on the way (asking for
    it word by word costs a lookup per segment).
    """
    fieldname = node.fieldname
    if fieldname not in reader.schema:
        return [], 0
    field = reader.schema[fieldname]
    span = _lexicon_span(node, field)
    if span is None:
        return [], 0
    start, inside, matches = span
    frequency: dict[bytes, int] = {}
    hint = "give more letters before a wildcard, a narrower range or a longer word"
    for leaf, _ in reader.leaf_readers():
        for (name, btext), info in leaf.iter_from(fieldname, start):
            if name != fieldname or not inside(btext):
                break
            cost.scanned += 1
            if cost.scanned > MAX_SCANNED:
                raise QuerySyntaxError(
                    f"invalid query: {_written(node)!r} stands for too many words of the index",
                    hint=hint,
                )
            if matches(btext):
                frequency[btext] = frequency.get(btext, 0) + info.doc_frequency()
    kept = sorted(frequency, key=lambda btext: (-frequency[btext], btext))[:MAX_EXPANSIONS]
    documents = sum(frequency[btext] for btext in kept)
    cost.postings += documents
    if cost.postings > MAX_POSTINGS:
        raise QuerySyntaxError(
            f"invalid query: {_written(node)!r} stands for words in too many clippings",
            hint=hint,
        )
    return [field.from_bytes(btext) for btext in sorted(kept)], documents


class AnyOf(wq.Query):
    """Documents with any of ``words`` in a field, each scored ``boost``.

    What a wildcard, prefix, fuzzy word or range becomes once expanded: as
    Lucene's constant-score rewrite, one sorted list of documents. Whoosh's
    Or of as many scored terms costs far more per posting (seconds for a few
    hundred words on a large archive).
    """

    def __init__(
        self, fieldname: str, words: Sequence[str], boost: float = 1.0, documents: int = 0
    ) -> None:
        self.fieldname = fieldname
        self.words = tuple(words)
        self.boost = boost
        self.documents = documents  # an upper bound, for Whoosh's query planning

    def __repr__(self) -> str:
        return f"AnyOf({self.fieldname!r}, {list(self.words)!r}, boost={self.boost})"

    def __str__(self) -> str:
        return f"{self.fieldname}:({' OR '.join(self.words)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnyOf) and (self.fieldname, self.words, self.boost) == (
            other.fieldname,
            other.words,
            other.boost,
        )

    def __hash__(self) -> int:
        return hash((self.fieldname, self.words, self.boost))

    def estimate_size(self, ixreader: Any) -> int:
        return self.documents

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        reader = searcher.reader()
        found: set[int] = set()
        for word in self.words:
            try:
                found.update(reader.postings(self.fieldname, word).all_ids())
            except TermNotFound:  # in another segment
                continue
        return _SortedIdsMatcher(sorted(found), all_weights=self.boost)


class _SortedIdsMatcher(ListMatcher):
    """A list matcher that skips by bisection (Whoosh's steps one id at a time)."""

    def skip_to(self, id: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if id > self.id():
            self._i: int = bisect_left(self._ids, id, self._i)


_Span = tuple[bytes, Callable[[bytes], bool], Callable[[bytes], bool]]


def _lexicon_span(node: Any, field: Any) -> _Span | None:
    """Where a query's words start in the lexicon, while a word is still in its
    span, and whether a word of the span matches; ``None`` if none can."""
    if isinstance(node, wq.FuzzyTerm):
        text = node.text
        maxdist = min(int(node.maxdist), FUZZY_MAX_EDITS)
        start = field.to_bytes(text[: max(node.prefixlength, FUZZY_PREFIX)])

        def close(btext: bytes) -> bool:
            word = field.from_bytes(btext)
            return abs(len(word) - len(text)) <= maxdist and (
                levenshtein_distance(word, text, limit=maxdist) <= maxdist
            )

        return start, lambda btext: btext.startswith(start), close
    if isinstance(node, wq.Prefix):
        start = field.to_bytes(node.text)
        return start, lambda btext: btext.startswith(start), lambda btext: True
    if isinstance(node, wq.PatternQuery):
        start = field.to_bytes(node._find_prefix(node.text))
        pattern = re.compile(node._get_pattern())
        return (
            start,
            lambda btext: btext.startswith(start),
            lambda btext: pattern.match(field.from_bytes(btext)) is not None,
        )
    if isinstance(node, wq.TermRange):
        try:
            low = b"" if node.start is None else field.to_bytes(node.start)
            high = b"\xff\xff\xff\xff" if node.end is None else field.to_bytes(node.end)
        except ValueError:
            return None
        return (
            low,
            lambda btext: btext < high or (btext == high and not node.endexcl),
            lambda btext: not (btext == low and node.startexcl),
        )
    raise QuerySyntaxError(f"invalid query: {_written(node)!r} is not supported")


def _written(node: Any) -> str:
    """A query word as the user wrote it (near enough), for messages."""
    if isinstance(node, wq.FuzzyTerm):
        return f"{node.text}~{node.maxdist if node.maxdist != 1 else ''}"
    if isinstance(node, wq.Prefix):
        return f"{node.text}*"
    if isinstance(node, wq.PatternQuery):
        return str(node.text)
    return str(node)


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
        parts.append(wq.Term("lang", language_code(filters.lang)))
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
    matched: int | None = None  # words of the query matched (relaxed matching)
    copies: list[str] = field(default_factory=list)  # near-duplicates met among the results
    docnum: int | None = None  # in the searcher's index (not kept across searches)


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
    deadline: Deadline | None = None,
    rank: Callable[[int, float], float] | None = None,
    words_of: Callable[[int], int] | None = None,
) -> tuple[int, list[RawHit], dict[str, list[tuple[str, int]]]]:
    """Total matches, the hits of one page, and facet counts over every match.

    ``sort``: ``relevance`` (ties broken newest first), ``date`` (oldest
    first) or ``-date`` (newest first); remaining ties are broken by id, so
    consecutive pages partition the matches. With ``collapse``, each
    near-duplicate group counts once, represented by its best-ranked member
    (its first publication among members that rank alike),
    and the total counts groups. Facets are counted in the same pass over the
    matches. Past ``deadline``, :class:`SearchTimeoutError` is raised.
    ``rank``: the ordering key of a document and its score (relaxed
    queries); ``words_of``: how many query words a document matched.
    """
    if sort not in SORTS:
        raise QuerySyntaxError(f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
    wanted = None if collapse else offset + limit
    ranking = _PageCollector(
        wanted,
        scored=sort == "relevance",
        oldest_first=sort == "date",
        deadline=deadline,
        rank=rank if sort == "relevance" else None,
    )
    collector: Any = ranking
    _check_facets(facets)
    ranking.matched = [] if facets else None
    if filter_q is not None:
        collector = collectors.FilterCollector(collector, filter_q)
    searcher.search_with_collector(q, collector)
    collector.results()
    total = ranking.total
    counts = _facet_counts(searcher, ranking.matched or [], facets) if facets else {}
    if not collapse:
        page = ranking.ranked[offset : offset + limit]
        hits = [
            RawHit(ranking.stored(d)["id"], score, words_of(d) if words_of else None, docnum=d)
            for d, score in page
        ]
        return total, hits, counts
    groups: dict[str, RawHit] = {}
    for docnum, score in ranking.ranked:
        clipping_id, key = _id_and_group(ranking.stored(docnum))
        matched = words_of(docnum) if words_of else None
        current = groups.get(key)
        if current is None:
            groups[key] = RawHit(clipping_id, score, matched)
        elif clipping_id == key and score == current.score:
            # Copies that rank alike are represented by the first publication.
            groups[key] = RawHit(clipping_id, score, matched, [current.id, *current.copies])
        else:
            current.copies.append(clipping_id)
    ordered = list(groups.values())
    return len(ordered), ordered[offset : offset + limit], counts


# -- relaxed matching ---------------------------------------------------------

# Strict (every word) is kept when it finds at least this many clippings; fewer
# and the query is relaxed. docs/relevance.md has the measurements.
RELAX_BELOW = 100
# Queries of at most this many words (stop words aside) are relaxed only when
# every word together finds nothing.
SHORT_QUERY_WORDS = 3
# Words of a long question considered when relaxing: the rarest ones.
MAX_RELAX_WORDS = 48
# Share of the clippings above which a word is too common to count when
# relaxing (the stop words of a collection that no list has), if it is in at
# least COMMON_MIN_DOCUMENTS: the rule saves reading long postings, and a
# small archive's shares say little.
COMMON_SHARE = 0.25
COMMON_MIN_DOCUMENTS = 1000
# A relaxed clipping ranks by its score times the share of the query's weight
# (idf, times repeats) it holds, to this power: a few remembered words want
# every word, a question of QUESTION_WORDS words or more is ranked nearer
# its score (a question has words no answer uses).
COVERAGE_POWER = 2.0
QUESTION_COVERAGE_POWER = 1.0
QUESTION_WORDS = 6
# Clippings scored when relaxing (or a page's size, if larger; a question with
# feedback scores FEEDBACK_RERANK): those holding the largest shares of the
# query's weight (scoring every clipping with any word of a question is what
# made an OR slow); the other matches follow them, by share.
MAX_SCORED = 300
# A word that is not required is read only among the clippings holding every
# required word when its documents outnumber them this many times: skipping
# to each costs about as much as reading this many postings.
READ_AMONG_BELOW = 10
# Clippings tied with the last of them scored besides (see relaxed_search).
MAX_TIED = 3000
# Pseudo-relevance feedback for questions (a relevance model, RM3): the words
# most typical of the first FEEDBACK_DOCS clippings (a near-duplicate group
# counting once; words in FEEDBACK_MIN_DOCS of them or more, weighted by
# frequency and rarity; the FEEDBACK_POOL most frequent looked up, those in
# more than FEEDBACK_MAX_SHARE of the clippings left out, as for
# COMMON_SHARE), at most FEEDBACK_WORDS, the question's own words among them,
# are added to the question with FEEDBACK_WEIGHT times its weight, shared in
# proportion, and re-rank every clipping scored: FEEDBACK_RERANK of them (or a
# page's size, if larger) for a question, as many as a TREC run lists, the
# depth RM3 is defined over. The caps keep a question's cost bounded;
# docs/relevance.md has the measurements.
FEEDBACK_DOCS = 10
FEEDBACK_MIN_DOCS = 2
FEEDBACK_WORDS = 12
FEEDBACK_POOL = 100
FEEDBACK_MAX_SHARE = 0.1
FEEDBACK_CHARS = 3000
FEEDBACK_RERANK = 1000
FEEDBACK_WEIGHT = 1.0


class LuceneBM25F(scoring.BM25F):
    """BM25F with Lucene's idf, ln(1 + (N - n + 0.5) / (n + 0.5)).

    Whoosh's idf (log(N/(n+1)) + 1) leaves a word found in every clipping a
    sixth of a rare word's weight; Lucene's gives it almost none.
    """

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        return lucene_idf(searcher.get_parent(), fieldname, text)


def lucene_idf(searcher: Any, fieldname: str, text: Any) -> float:
    return bm25_idf(doc_frequency(searcher.reader(), fieldname, text), searcher.doc_count_all())


def bm25_idf(documents: int, total: int) -> float:
    """Lucene's idf of a word found in ``documents`` of ``total`` clippings."""
    return log(1 + (total - documents + 0.5) / (documents + 0.5))


def open_searcher(ix: Any) -> Any:
    """A searcher scoring with :class:`LuceneBM25F`."""
    return ix.searcher(weighting=LuceneBM25F())


@dataclass
class QueryWord:
    """One free word of a query's top-level AND: what relaxing may drop."""

    text: str  # as the exact fields index it (folded)
    query: Any
    documents: int = 0  # in the field where it is most frequent
    repeats: int = 1  # times the query has it


@dataclass
class Outcome:
    """What a search found and how it matched."""

    total: int
    hits: list[RawHit]
    facets: dict[str, list[tuple[str, int]]]
    words: list[str] = field(default_factory=list)  # the query's words that count
    dropped: list[str] = field(default_factory=list)  # words no longer required
    relaxed: bool = False


def split_words(
    q: Any, repeats: Mapping[str, int] | None = None
) -> tuple[list[QueryWord], list[Any]]:
    """The free words of the query's top-level AND, and its other parts.

    A free word is what ``_FieldExpansionPlugin`` made of one unfielded word:
    an OR of terms over the text fields with one exact ``body`` term.
    Phrases, fields, NOT, explicit OR groups and wildcards are the other parts:
    relaxing never drops them.
    """
    parts = list(q.subqueries) if isinstance(q, wq.And) else [q]
    words: list[QueryWord] = []
    others: list[Any] = []
    for part in parts:
        text = _free_word(part)
        if text is None:
            others.append(part)
        elif all(w.text != text for w in words):
            # A word a question repeats matters more to it, as in BM25's query tf.
            words.append(QueryWord(text, part, repeats=(repeats or {}).get(text, 1)))
    return words, others


def _free_word(part: Any) -> str | None:
    """The word a part stands for if it is one unfielded word (or compound:
    ``zero-one`` is an AND of its parts in each field), else ``None``."""
    alternatives = part.subqueries if isinstance(part, wq.Or) else [part]
    exact: set[tuple[str, ...]] = set()
    has_body = False
    for alternative in alternatives:
        terms = alternative.subqueries if isinstance(alternative, wq.And) else [alternative]
        if not terms or not all(isinstance(t, wq.Term) for t in terms):
            return None
        fields = {t.fieldname for t in terms}
        if len(fields) != 1 or not fields <= TEXT_FIELDS.keys():
            return None
        if fields <= set(_EXACT_FIELDS):
            exact.add(tuple(str(t.text) for t in terms))
        has_body = has_body or fields == {"body"}
    if len(exact) != 1 or not has_body:
        return None  # an explicit OR, or a field named by the user
    return " ".join(exact.pop())


def as_typed(words: Sequence[str], query: str) -> list[str]:
    """Query words as the query wrote them (``greve`` -> ``grève``), to show them."""
    if not words:  # most searches drop none: the query is not read again
        return []
    typed: dict[str, str] = {}
    span = (-1, -1)
    for form, start, end in word_forms(query, len(query)):
        if (start, end) != span:  # a compound's parts share its span: not as typed
            typed.setdefault(form, query[start:end])
        span = (start, end)
    return [typed.get(word, word) for word in words]


def relaxed_search(
    searcher: Any,
    q: Any,
    filter_q: Any | None,
    limit: int,
    offset: int,
    *,
    match: MatchMode = "auto",
    sort: str = "relevance",
    collapse: bool = False,
    facets: Sequence[str] = (),
    deadline: Deadline | None = None,
    repeats: Mapping[str, int] | None = None,
    text_of: Callable[[str], str] | None = None,
    count_common: bool = True,
) -> Outcome:
    """:func:`run_search` with relaxed matching (``q`` already bounded).

    ``all``: every word required, as typed. ``auto``: stop words are optional
    unless the query is only stop words; every other word is required if that
    finds :data:`RELAX_BELOW` clippings, else words are dropped, first those
    found nowhere, then the most frequent, one at a time, until enough are
    found; if none is enough, any word matches. ``any``: any word matches
    from the start. Documents matching a larger share of the query's weight
    rank first (:data:`COVERAGE_POWER`); questions get feedback words
    (:data:`FEEDBACK_DOCS`). ``count_common``: hits' ``matched`` include the
    words too common to read for every match (looked up for the hits only;
    callers that show no counts skip it).
    """
    if match not in MATCH_MODES:
        raise QuerySyntaxError(f"unknown match mode {match!r}", hint="use all, auto or any")

    def run(
        query: Any,
        rank: Callable[[int, float], float] | None = None,
        words_of: Callable[[int], int] | None = None,
        counted: bool = True,
    ) -> Any:
        return run_search(
            searcher,
            query,
            filter_q,
            limit,
            offset,
            sort=sort,
            collapse=collapse,
            facets=facets if counted else (),
            deadline=deadline,
            rank=rank,
            words_of=words_of,
        )

    def all_words(query: Any, required: Sequence[QueryWord]) -> Any:
        """``query``, the AND of ``required``, scored from their postings
        where that is exact (Whoosh's matchers cost far more a posting)."""
        if sort != "relevance":
            return query  # nothing to score
        parts = query.subqueries if isinstance(query, wq.And) else [query]
        if query.boost != 1 or [id(p) for p in parts] != [id(w.query) for w in required]:
            return query  # a boosted group, or a word typed twice: Whoosh scores it
        return all_words_scored(searcher, required, deadline) or query

    if sort == "relevance":  # boosts order nothing else
        q = words_weighed(searcher, q)
    words, others = split_words(q, repeats)
    content = [w for w in words if not is_stopword(w.text)]
    names = [w.text for w in content]
    if match == "all" or not content or (len(content) == 1 and not others):
        # Strict as typed; a query of stop words alone requires them all.
        strict = q if match == "all" or not content else _and([*others, content[0].query])
        if not others:
            strict = all_words(strict, words if strict is q else content[:1])
        total, hits, counts = run(strict)
        shown = [w.text for w in (content or words)] if match != "all" else [w.text for w in words]
        for hit in hits:  # an OR, a phrase or a field alone counts no words
            hit.matched = len(shown) if shown else None
        return Outcome(total, hits, counts, shown)
    # A phrase that no clipping contains is dropped like a word found nowhere:
    # a pasted question with quotes must not come back empty.
    missing = [
        p for p in others if _phrase_text(p) and next(searcher.docs_for_query(p), None) is None
    ]
    others = [p for p in others if p not in missing]
    lost = [_phrase_text(p) or "" for p in missing]
    strict = _and([*others, *(w.query for w in content)])
    # Two or three remembered words found together are the answer; a longer
    # question is relaxed whenever strict finds only a few.
    short = len(content) <= SHORT_QUERY_WORDS
    enough = 1 if short else RELAX_BELOW

    def strict_outcome() -> Outcome:
        total, hits, counts = run(all_words(strict, content) if not others else strict)
        for hit in hits:
            hit.matched = len(content)
        return Outcome(total, hits, counts, names, list(lost), relaxed=bool(lost))

    if match == "auto" and short:
        outcome = strict_outcome()
        if outcome.total >= enough:
            return outcome
    reader = searcher.reader()
    for word in content:
        word.documents = _word_documents(reader, word.query)
    ordered = sorted(content, key=lambda w: (w.documents, w.text))
    found = [w for w in ordered if w.documents]
    dropped = lost + [w.text for w in ordered if not w.documents]
    if not found:
        return strict_outcome()
    # How many clippings the rarest k words find together, for each k: their
    # documents intersected rarest first, stopping as soon as too few are left
    # (the most common words' postings are never read then).
    sizes: list[int] = []
    documents: dict[str, tuple[set[int], list[_TermPostings]]] = {}

    def docs_of(word: QueryWord) -> set[int]:
        if word.text not in documents:
            documents[word.text] = _word_docs(searcher, word.query)
        return documents[word.text][0]

    constraints = [*others, *([filter_q] if filter_q is not None else [])]

    @cache  # the clippings the constraints allow, read once
    def constrained() -> set[int]:
        return set(searcher.docs_for_query(_and(constraints)))

    if match == "auto":
        kept: set[int] | None = constrained() if constraints else None
        for word in found:
            if deadline is not None:
                deadline.check()
            docs = docs_of(word)
            kept = docs if kept is None else kept & docs
            if len(kept) < enough:
                break
            sizes.append(len(kept))
        if not dropped and len(sizes) == len(found) and not short:
            return strict_outcome()  # every word together finds enough
    # Past the cap, and words in more than COMMON_SHARE of the clippings
    # (almost no weight with Lucene's idf, and the longest postings to read),
    # are dropped: the rarest words are kept.
    common = max(COMMON_SHARE * searcher.doc_count_all(), COMMON_MIN_DOCUMENTS)
    kept_words = [w for w in found[:MAX_RELAX_WORDS] if w.documents <= common] or found[:1]
    uncounted = [w for w in found if w not in kept_words]
    dropped += [w.text for w in uncounted]
    sizes = sizes[: len(kept_words)]
    found = kept_words
    # Required: the rarest words that still find enough together; the most
    # common are dropped first.
    required = min(len(sizes), len(found))
    count = searcher.doc_count_all()
    weights = [bm25_idf(w.documents, count) * w.repeats for w in found]
    total_weight = sum(weights)
    held_by_required: set[int] | None = None  # the clippings every required word holds
    if required:
        held_by_required = _domain([docs_of(w) for w in found[:required]])
        if constraints:
            held_by_required &= constrained()
        # Every match is among them: the other words, the commonest, are read
        # there only when their postings are much longer.
        among = sorted(held_by_required)
        for word in found[required:]:
            if word.text not in documents and len(among) * READ_AMONG_BELOW < word.documents:
                documents[word.text] = _word_docs(searcher, word.query, among=among)
    sets = [docs_of(w) for w in found]
    question = len(found) >= QUESTION_WORDS
    power = QUESTION_COVERAGE_POWER if question else COVERAGE_POWER

    def words_of(docnum: int) -> int:
        return sum(docnum in docs for docs in sets)

    def coverage(docnum: int) -> float:
        share = sum(wt for wt, docs in zip(weights, sets, strict=True) if docnum in docs)
        return (share / total_weight) ** power

    def rank(docnum: int, score: float) -> float:
        return score * coverage(docnum)

    if sort == "relevance":
        # Score only the clippings holding the largest shares of the query's
        # weight, and count the rest (and the facets) from the sets.
        if held_by_required is not None:
            domain = held_by_required
        else:
            domain = set().union(*sets)
            if constraints:
                domain &= constrained()
        shares: dict[int, float] = dict.fromkeys(domain, 0.0)
        for weight, docs in zip(weights, sets, strict=True):
            for docnum in docs & domain if len(docs) > len(domain) else docs:
                if docnum in shares:
                    shares[docnum] += weight
        # The clippings scored depend on the page's size, never on its offset:
        # consecutive pages cut one ordering.
        feedback_text = text_of if question else None  # only questions get feedback
        scored = max(MAX_SCORED if feedback_text is None else FEEDBACK_RERANK, limit)
        ranked = sorted(shares, key=lambda d: (-shares[d], d))
        candidates = ranked[:scored]
        if len(ranked) > scored:
            # Those sharing the last one's share are scored too (within a
            # cap): which of them made the cut would otherwise depend on
            # their order in the index, which a bulk import does not fix.
            last = shares[candidates[-1]]
            tied = takewhile(lambda d: shares[d] == last, ranked[scored:])
            within = list(islice(tied, MAX_TIED + 1))
            if len(within) <= MAX_TIED:
                candidates += within
        if collapse:
            candidates = _covering_groups(searcher, ranked, candidates, scored)
        postings = [
            _boosted_postings(term, word.repeats * word.query.boost)
            for word in found
            for term in documents[word.text][1]
        ]
        scores = _bm25_scores(searcher, candidates, postings, deadline)
        scoring = [p for p in others if _searches_text(p)]
        if scoring:  # a phrase's score, as Whoosh gives it; fields and NOT only narrow
            scores = _plus_scores(searcher, _and(scoring), candidates, scores)
        if feedback_text is not None and candidates:
            scores = _with_feedback(searcher, candidates, scores, rank, found, feedback_text)
        is_scored = set(candidates)

        def ordering(docnum: int, score: float) -> float:
            if docnum not in is_scored:  # after every scored clipping, by share
                return shares[docnum] / total_weight - 2.0
            return rank(docnum, score)

        _check_facets(facets)
        if collapse or offset + limit > len(candidates):
            # Every match is listed: to count its group, or for a page past
            # the scored ones.
            unscored = sorted(domain.difference(candidates))
            listed = DocList([*candidates, *unscored], [*scores, *[0.0] * len(unscored)])
            total, hits, _ = run(listed, ordering, words_of, counted=False)
        else:
            _, hits, _ = run(DocList(candidates, scores), ordering, words_of, counted=False)
            total = len(domain)
        counts = _facet_counts(searcher, sorted(domain), facets) if facets else {}
    else:  # no score to rank by: Whoosh's matchers list the matches
        queries = [_boosted(w.query, w.repeats) if w.repeats > 1 else w.query for w in found]
        if required:
            must = _and([*others, *queries[:required]])
            relaxed_q = wq.AndMaybe(must, wq.Or(queries[required:])) if queries[required:] else must
        else:
            relaxed_q = _and([*others, wq.Or(queries)])
        total, hits, counts = run(relaxed_q, rank, words_of)
    if uncounted and count_common:
        _count_held(searcher, hits, uncounted)
    if required:
        dropped += [w.text for w in found[required:]]
    return Outcome(total, hits, counts, names, dropped, relaxed=True)


def _count_held(searcher: Any, hits: list[RawHit], words: Sequence[QueryWord]) -> None:
    """Add to each hit's ``matched`` the ``words`` it holds: words too common to
    be read for every match are looked up for the page's hits alone."""
    docnums = {
        id(hit): hit.docnum if hit.docnum is not None else searcher.document_number(id=hit.id)
        for hit in hits
    }
    page = sorted(set(docnums.values()))
    held: Counter[int] = Counter()
    for word in words:
        held.update(_word_docs(searcher, word.query, among=page)[0])
    for hit in hits:
        hit.matched = (hit.matched or 0) + held[docnums[id(hit)]]


# A word whose exact form the archive holds (nearly) only in clippings of one
# language is a word of that language: its stems in the other language's fields
# ("cocoa", French stem "coco": "Coco Gauff") weigh this much, so that a
# clipping found only through them ranks below those found by the word itself
# or by its stem in its own language.
OTHER_LANGUAGE_STEM_WEIGHT = 0.1
# A word's language is told by the clippings holding it as written, if it is
# in at most LANGUAGE_MAX_CLIPPINGS (a commoner word costs more to count than
# its stems can mislead); at least LANGUAGE_MIN_CLIPPINGS and a LANGUAGE_SHARE
# of those must be of one language.
LANGUAGE_MAX_CLIPPINGS = 1000
LANGUAGE_MIN_CLIPPINGS = 3
LANGUAGE_SHARE = 0.9


def words_weighed(searcher: Any, q: Any) -> Any:
    """``q`` with each free word's terms weighing as the word (see
    :func:`_terms_weighed`) and its other-language stems weighed down."""
    parts = list(q.subqueries) if isinstance(q, wq.And) else [q]
    changed = False
    for number, part in enumerate(parts):
        word = _free_word(part)
        if word is None or " " in word or not isinstance(part, wq.Or):
            continue
        terms = list(part.subqueries)
        if not all(isinstance(t, wq.Term) for t in terms):
            continue
        weighed = _terms_weighed(searcher, terms, _other_language_fields(searcher, word, terms))
        if all(new is old for new, old in zip(weighed, terms, strict=True)):
            continue
        parts[number] = wq.Or(weighed, boost=part.boost)
        changed = True
    if not changed:
        return q
    return wq.And(parts, boost=q.boost) if isinstance(q, wq.And) else parts[0]


def _terms_weighed(
    searcher: Any, terms: Sequence[Any], other_language: Collection[str] = ()
) -> list[Any]:
    """One word's terms, each reweighed to score with the word's idf, that of
    its commonest term (``other_language`` fields aside, and weighed down).

    Each field's own idf would make a form rarer than its stem (*harvested*,
    whose stem *harvest* also holds *harvests*) or a title word rarer than the
    same word in texts weigh more than the word does: one idf per word, as
    BM25F has. Set as boosts, it scores alike wherever the terms are scored
    (Whoosh's matchers or postings).
    """
    reader = searcher.reader()
    count = searcher.doc_count_all()
    documents = [_documents(reader, t.fieldname, t.text) for t in terms]
    common = max(
        (n for t, n in zip(terms, documents, strict=True) if t.fieldname not in other_language),
        default=0,
    )
    weighed = []
    for term, n in zip(terms, documents, strict=True):
        factor = bm25_idf(common, count) / bm25_idf(n, count) if 0 < n < common else 1.0
        if term.fieldname in other_language:
            factor *= OTHER_LANGUAGE_STEM_WEIGHT
        weighed.append(term if factor == 1 else _boosted(term, factor))
    return weighed


def _other_language_fields(searcher: Any, word: str, terms: Sequence[Any]) -> frozenset[str]:
    """The stemmed fields of the language ``word`` is not of, if it is of one
    (see :func:`word_language`)."""
    by_field = {t.fieldname: t.text for t in terms}
    stems = {
        lang: by_field[f"body_{lang}"] for lang in STEMMED_LANGUAGES if f"body_{lang}" in by_field
    }
    if len(stems) < len(STEMMED_LANGUAGES) or len(set(stems.values())) < 2:
        return frozenset()  # a stop word, or one stem for both: nothing to tell apart
    lang = word_language(searcher, word, stems)
    if lang is None:
        return frozenset()
    return frozenset(f"{f}_{o}" for o in STEMMED_LANGUAGES if o != lang for f in ("title", "body"))


def word_language(searcher: Any, word: str, stems: Mapping[str, str]) -> str | None:
    """The language of the clippings holding ``word`` as written, if they agree.

    ``stems``: the word's stem in each language. A language's stemmed fields
    exist only in its clippings (and in those of no known language), so the
    clippings holding both the word and its stem in a language are counted
    as that language's.
    """
    documents = doc_frequency(searcher.reader(), "body", word)
    if not LANGUAGE_MIN_CLIPPINGS <= documents <= LANGUAGE_MAX_CLIPPINGS:
        return None
    holding = _term_postings(searcher, "body", word, 1.0).ids
    counts = {
        lang: len(_postings_among(searcher, f"body_{lang}", stems[lang], 1.0, holding).ids)
        for lang in STEMMED_LANGUAGES
    }
    known = sum(counts.values())
    lang = max(counts, key=counts.__getitem__)
    if known < LANGUAGE_MIN_CLIPPINGS or counts[lang] < LANGUAGE_SHARE * known:
        return None
    return lang


def all_words_scored(
    searcher: Any, words: Sequence[QueryWord], deadline: Deadline | None = None
) -> DocList | None:
    """Every clipping holding all ``words``, with the score Whoosh's matchers
    give the AND of the words' queries, from their postings read a block at a
    time; ``None`` when a word is a compound (an AND of parts in a field) or
    boosted as a whole (``police^3``)."""
    for word in words:
        alternatives = word.query.subqueries if isinstance(word.query, wq.Or) else [word.query]
        if word.query.boost != 1 or not all(isinstance(t, wq.Term) for t in alternatives):
            return None
    sets: list[set[int]] = []
    postings: list[_TermPostings] = []
    for word in words:
        if deadline is not None:
            deadline.check()
        docs, read = _word_docs(searcher, word.query)
        sets.append(docs)
        postings.extend(read)
    docnums = sorted(_domain(sets))
    return DocList(docnums, _bm25_scores(searcher, docnums, postings, deadline))


def _domain(sets: list[set[int]]) -> set[int]:
    smallest, *rest = sorted(sets, key=len)
    return smallest.intersection(*rest)


@dataclass
class _TermPostings:
    """One field's term of a free word: its documents and frequencies, in order."""

    fieldname: str
    text: str
    boost: float
    ids: list[int]
    weights: list[float]
    documents: int | None = None  # the term's document frequency, when known


def _word_docs(
    searcher: Any, q: Any, among: list[int] | None = None
) -> tuple[set[int], list[_TermPostings]]:
    """The documents of a free word and the postings of its single terms, read
    a block at a time (Whoosh's union matchers over the word's fields cost
    far more per posting); only those of ``among`` (ascending) if given."""
    found: set[int] = set()
    postings: list[_TermPostings] = []
    for alternative in q.subqueries if isinstance(q, wq.Or) else [q]:
        terms = alternative.subqueries if isinstance(alternative, wq.And) else [alternative]
        sets = []
        for term in terms:
            if among is None:
                read = _term_postings(searcher, term.fieldname, term.text, term.boost)
            else:
                read = _postings_among(searcher, term.fieldname, term.text, term.boost, among)
            sets.append(set(read.ids))
            if len(terms) == 1:
                postings.append(read)
        found |= _domain(sets)
    return found, postings


def _segment_postings(
    searcher: Any, fieldname: str, text: str
) -> Iterator[tuple[Any, int, Any, frozenset[int]]]:
    """Each segment holding a term: its reader, offset, postings matcher and
    removed documents (one lookup of the term a segment).

    The matcher is the codec's own: for a segment with removals, Whoosh's
    ``postings`` wraps it in a filter that decodes its first block whole (the
    positions too) as it is made, and that reads one posting at a time.
    """
    for reader, offset in searcher.reader().leaf_readers():
        if fieldname not in reader.schema:
            continue
        try:
            if hasattr(reader, "_terms") and hasattr(reader, "_perdoc"):  # a segment's
                btext = reader._text_to_bytes(fieldname, text)
                matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
                removed = frozenset(reader._perdoc.deleted_docs())
            else:
                matcher, removed = reader.postings(fieldname, text), frozenset()
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher) and matcher._exclude:
            matcher, removed = matcher.child, matcher._ids
        yield reader, offset, matcher, removed


def _term_postings(searcher: Any, fieldname: str, text: str, boost: float) -> _TermPostings:
    """A term's postings over every segment, document numbers ascending."""
    ids: list[int] = []
    weights: list[float] = []
    for _, offset, matcher, removed in _segment_postings(searcher, fieldname, text):
        _read_postings(matcher, offset, ids, weights, removed)
    # Whoosh's count for idf (removed clippings too), kept per reader.
    documents = _documents(searcher.reader(), fieldname, text)
    return _TermPostings(fieldname, text, boost, ids, weights, documents)


def _postings_among(
    searcher: Any, fieldname: str, text: str, boost: float, docnums: list[int]
) -> _TermPostings:
    """A term's postings in the documents ``docnums`` (ascending) only: the
    matcher skips to each, without decoding the blocks in between."""
    ids: list[int] = []
    weights: list[float] = []
    for reader, offset, matcher, removed in _segment_postings(searcher, fieldname, text):
        blocks = hasattr(matcher, "_skip_to_block") and hasattr(matcher, "_read_ids")
        end = offset + reader.doc_count_all()
        for docnum in docnums[bisect_left(docnums, offset) : bisect_left(docnums, end)]:
            local = docnum - offset
            if not matcher.is_active():
                break
            if blocks and matcher._ids is None:
                _read_block(matcher)
            if matcher.id() < local:
                if blocks:  # Whoosh's skip_to steps through a block one posting at a time
                    _bisect_to(matcher, local)
                else:
                    matcher.skip_to(local)
            if matcher.is_active() and matcher.id() == local and local not in removed:
                ids.append(docnum)
                weights.append(matcher.weight())
    documents = _documents(searcher.reader(), fieldname, text)
    return _TermPostings(fieldname, text, boost, ids, weights, documents)


def _bisect_to(matcher: Any, target: int) -> None:
    """Move a block matcher to its first posting at or after ``target``."""
    if target > matcher.block_max_id():
        matcher._skip_to_block(lambda: target > matcher.block_max_id())
        if not matcher.is_active():
            return
    if matcher._ids is None:
        _read_block(matcher)
    matcher._i = bisect_left(matcher._ids, target, matcher._i)
    if matcher._i >= matcher._blocklength:
        matcher._next_block()
        if matcher.is_active():
            _read_block(matcher)


# A posting block as Whoosh 2.7.4 pickles it (protocol 2) is a tuple of the
# ids (as deltas), the weights (None when all are 1, one float when all are
# equal) and the values: in a field with positions, one pickled string each,
# most of the cost of decoding a block (docs/performance.md). Scoring needs
# the ids and weights alone; they come first, and this reads them alone.
_PICKLED_INT = rb"(?:K.|M..|J....)"
_PICKLED_FLOAT = rb"(?:G.{8})"


def _pickled_tuple(item: bytes) -> bytes:
    # Up to three items are pickled without a mark; a memo index follows.
    return rb"(?:\)|%s\x85|%s{2}\x86|%s{3}\x87|\(%s*t)(?:q.|r....)?" % ((item,) * 4)


_PICKLED_WEIGHTS = rb"(?:N|%s|%s)" % (_pickled_tuple(_PICKLED_FLOAT), _PICKLED_FLOAT)
_IDS_AND_WEIGHTS = re.compile(
    # Then where the values start: a tuple, a first string, or None.
    rb"\x80\x02" + _pickled_tuple(_PICKLED_INT) + _PICKLED_WEIGHTS + rb"(?=[()cN])",
    re.DOTALL,
)
# Bytes a posting's id and weight take at most in that pickle, and the rest.
_PICKLED_POSTING_BYTES = 14
_PICKLED_HEAD_BYTES = 32


def _read_block(matcher: Any) -> None:
    """Load a block matcher's ids and weights; its values (positions) only if
    the ids and weights cannot be read without them."""
    fixedsize = getattr(matcher, "_fixedsize", 0)
    if (
        matcher._data is None
        and (fixedsize is None or fixedsize < 0)  # values of varying size: positions
        and not getattr(matcher, "_byteids", True)
    ):
        stored = matcher._postfile.get(
            matcher._dataoffset, matcher._nextoffset - matcher._dataoffset
        )
        wanted = matcher._blocklength * _PICKLED_POSTING_BYTES + _PICKLED_HEAD_BYTES
        head = zlib.decompressobj().decompress(stored, wanted) if matcher._compression else stored
        found = _IDS_AND_WEIGHTS.match(head)
        if found is not None:
            matcher._data = pickle.loads(found.group() + b"N\x87.")  # values: None
            matcher._read_ids()
            matcher._read_weights()
            matcher._data = None  # values, if a phrase asks, are read in full
            return
    if matcher._ids is None:
        matcher._read_ids()
    if matcher._weights is None:
        matcher._read_weights()


def _read_postings(
    matcher: Any,
    offset: int,
    ids: list[int],
    weights: list[float],
    removed: frozenset[int] = frozenset(),
) -> None:
    """Append a posting list's document numbers (plus ``offset``) and weights,
    those of ``removed`` documents left out."""
    if not hasattr(matcher, "_read_ids") or not hasattr(matcher, "_read_weights"):
        while matcher.is_active():  # another codec: one posting at a time
            if matcher.id() not in removed:
                ids.append(offset + matcher.id())
                weights.append(matcher.weight())
            matcher.next()
        return
    while matcher.is_active():
        if matcher._ids is None or matcher._weights is None:
            _read_block(matcher)
        start = matcher._i
        if removed:
            for docnum, weight in zip(matcher._ids[start:], matcher._weights[start:], strict=True):
                if docnum not in removed:
                    ids.append(offset + docnum)
                    weights.append(weight)
        else:
            block = matcher._ids[start:]
            ids.extend(map(offset.__add__, block) if offset else block)
            weights.extend(matcher._weights[start:])
        matcher._next_block()


def _bm25_scores(
    searcher: Any,
    docnums: list[int],
    postings: list[_TermPostings],
    deadline: Deadline | None = None,
) -> list[float]:
    """What Whoosh's BM25F (with Lucene's idf) gives each document for an OR
    of the terms: the sum of each term's boost times its BM25."""
    weighting = searcher.weighting
    b, k1 = getattr(weighting, "B", 0.75), getattr(weighting, "K1", 1.2)
    scores = [0.0] * len(docnums)
    position = {docnum: n for n, docnum in enumerate(docnums)}
    norms: dict[str, list[float]] = {}  # per field, each document's k1 * length norm
    for term in postings:
        if not term.ids:
            continue
        if deadline is not None:
            deadline.check()
        if term.fieldname not in norms:
            average = searcher.avg_field_length(term.fieldname) or 1
            norms[term.fieldname] = [
                k1 * ((1 - b) + b * length / average)
                for length in _field_lengths(searcher, term.fieldname, docnums)
            ]
        norm = norms[term.fieldname]
        if term.documents is None:
            idf = lucene_idf(searcher, term.fieldname, term.text)
        else:
            idf = bm25_idf(term.documents, searcher.doc_count_all())
        factor = term.boost * idf * (k1 + 1)
        # Walk the shorter side: the term's postings, or the documents.
        if len(term.ids) <= len(docnums):
            for docnum, tf in zip(term.ids, term.weights, strict=True):
                n = position.get(docnum)
                if n is not None:
                    scores[n] += factor * tf / (tf + norm[n])
        else:
            ids, weights = term.ids, term.weights
            for n, docnum in enumerate(docnums):
                j = bisect_left(ids, docnum)
                if j < len(ids) and ids[j] == docnum:
                    tf = weights[j]
                    scores[n] += factor * tf / (tf + norm[n])
    return scores


def _field_lengths(searcher: Any, fieldname: str, docnums: Sequence[int]) -> list[int]:
    """Each document's length in ``fieldname`` (as Whoosh stores it, one byte),
    from each segment's length column read whole rather than one reader call
    a document (a common word has tens of thousands)."""
    ordered = sorted(docnums)
    found: list[int] = []
    for reader, offset in searcher.reader().leaf_readers():
        chunk = ordered[
            bisect_left(ordered, offset) : bisect_left(ordered, offset + reader.doc_count_all())
        ]
        raw = _length_bytes(reader, fieldname)
        if raw is None:
            found.extend(searcher.doc_field_length(d, fieldname) or 0 for d in chunk)
        else:
            known, table = len(raw), _LENGTH_OF_BYTE
            found.extend([table[raw[d - offset]] if d - offset < known else 0 for d in chunk])
    if ordered == docnums:
        return found
    length_of = dict(zip(ordered, found, strict=True))
    return [length_of[d] for d in docnums]


_LENGTH_OF_BYTE = [byte_to_length(b) if b else 0 for b in range(256)]


def _length_bytes(reader: Any, fieldname: str) -> Sequence[int] | None:
    """A segment's length column of ``fieldname`` (a byte a document; empty
    where the segment has none), or ``None`` where Whoosh's reader is not the
    one this reads."""
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    except AttributeError:
        return None
    return b"" if column is None else _column_values(column)


def _with_feedback(
    searcher: Any,
    candidates: list[int],
    scores: list[float],
    rank: Callable[[int, float], float],
    found: list[QueryWord],
    text_of: Callable[[str], str],
) -> list[float]:
    """``scores`` with the feedback words' scores added (see
    :data:`FEEDBACK_DOCS`)."""
    order = sorted(range(len(candidates)), key=lambda i: -rank(candidates[i], scores[i]))
    feedback = _feedback_clippings(searcher, [candidates[i] for i in order])
    mass = sum(scores[order[n]] for n in feedback) or 1.0
    weight: dict[str, float] = defaultdict(float)
    seen_in: Counter[str] = Counter()
    for n, clipping_id in feedback.items():
        i = order[n]
        text = text_of(clipping_id)
        forms = Counter(
            form
            for form, _, _ in word_forms(text, FEEDBACK_CHARS)
            if len(form) > 2 and form.isalpha() and not is_stopword(form)
        )
        length = sum(forms.values()) or 1
        for form, tf in forms.items():
            weight[form] += scores[i] / mass * tf / length
            seen_in[form] += 1
    reader = searcher.reader()
    count = searcher.doc_count_all()
    picked: list[tuple[float, str]] = []
    common = max(FEEDBACK_MAX_SHARE * count, COMMON_MIN_DOCUMENTS)
    pool = [(wt, form) for form, wt in weight.items() if seen_in[form] >= FEEDBACK_MIN_DOCS]
    # The rarity of the most frequent ones only: a lookup per word is costly.
    for wt, form in sorted(pool, reverse=True)[:FEEDBACK_POOL]:
        documents = doc_frequency(reader, "body", form)
        if 0 < documents <= common:
            picked.append((wt * bm25_idf(documents, count), form))
    picked = sorted(picked, reverse=True)[:FEEDBACK_WORDS]
    if not picked:
        return scores
    # The question's words are in the model too, as in RM3: those its best
    # clippings use most gain weight.
    share = FEEDBACK_WEIGHT * sum(w.repeats for w in found) / sum(wt for wt, _ in picked)
    terms = [
        term
        for wt, form in picked
        for term in _terms_weighed(searcher, _word_terms(form, wt * share))
    ]
    # Whole postings: a feedback word is not a common one (FEEDBACK_MAX_SHARE),
    # and reading its blocks costs less than skipping to each candidate.
    postings = [_term_postings(searcher, t.fieldname, t.text, t.boost) for t in terms]
    extra = _bm25_scores(searcher, candidates, postings)
    return [score + more for score, more in zip(scores, extra, strict=True)]


def _covering_groups(
    searcher: Any, ranked: Sequence[int], candidates: list[int], groups: int
) -> list[int]:
    """``candidates`` (the first of ``ranked``), and as many more of ``ranked``
    as it takes to hold ``groups`` near-duplicate groups: the groups a
    collapsed page shows must all be scored."""
    seen = {_id_and_group(searcher.stored_fields(d))[1] for d in candidates}
    more = []
    for docnum in ranked[len(candidates) :]:
        if len(seen) >= groups:
            break
        seen.add(_id_and_group(searcher.stored_fields(docnum))[1])
        more.append(docnum)
    return candidates + more if more else candidates


def _id_and_group(stored: Mapping[str, Any]) -> tuple[str, str]:
    """A clipping's id and near-duplicate group (its id if it has none), from
    its stored fields."""
    return stored["id"], stored.get("group") or stored["id"]


def _plus_scores(searcher: Any, q: Any, docnums: list[int], scores: list[float]) -> list[float]:
    """``scores`` of ``docnums`` (each of which matches ``q``) plus what
    Whoosh's matchers give ``q`` in each (the AND with the documents skips
    the rest of ``q``'s matches)."""
    among = DocList(docnums, [0.0] * len(docnums))
    found = searcher.search(wq.And([among, q]), limit=None)
    extra = {hit.docnum: hit.score for hit in found}
    return [score + (extra.get(d) or 0.0) for d, score in zip(docnums, scores, strict=True)]


def _searches_text(part: Any) -> bool:
    """Whether a query part searches the text (a phrase, an OR of words, a
    wildcard), rather than narrowing by a field (``lang:en``) or excluding."""
    if isinstance(part, wq.Not):
        return False
    fields = {leaf.field() for leaf in part.leaves()} - {None}
    return bool(fields) and fields <= TEXT_FIELDS.keys()


def _feedback_clippings(searcher: Any, ranked: Sequence[int]) -> dict[int, str]:
    """The first :data:`FEEDBACK_DOCS` of ``ranked`` (document numbers, best
    first) a near-duplicate group at a time: ``{position: clipping id}``. A
    wire story republished five times must not make five of the ten."""
    chosen: dict[int, str] = {}
    groups: set[str] = set()
    for position, docnum in enumerate(ranked):
        if len(chosen) >= FEEDBACK_DOCS:
            break
        clipping_id, group = _id_and_group(searcher.stored_fields(docnum))
        if group not in groups:
            groups.add(group)
            chosen[position] = clipping_id
    return chosen


def _word_terms(form: str, boost: float) -> list[Any]:
    """The terms an unfielded word searches, as the parser makes them."""
    terms = []
    for name, field_boost in TEXT_FIELDS.items():
        text = form if name in _EXACT_FIELDS else stem_word(name.rsplit("_", 1)[1], form)
        if text:
            terms.append(wq.Term(name, text, boost=field_boost * boost))
    return terms


class DocList(wq.Query):
    """Documents given by number, with the score of each (scored elsewhere)."""

    def __init__(self, docnums: Sequence[int], scores: Sequence[float]) -> None:
        order = sorted(range(len(docnums)), key=docnums.__getitem__)
        self.docnums = [docnums[i] for i in order]
        self.scores = [scores[i] for i in order]
        self.boost = 1.0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocList) and (self.docnums, self.scores) == (
            other.docnums,
            other.scores,
        )

    def __hash__(self) -> int:
        return hash(tuple(self.docnums))

    def __repr__(self) -> str:
        return f"DocList({len(self.docnums)} documents)"

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.docnums)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        parent = searcher.get_parent()
        offset = 0
        if parent is not searcher and parent.subsearchers:
            offset = next(o for s, o in parent.subsearchers if s is searcher)
        end = offset + searcher.reader().doc_count_all()
        start, stop = bisect_left(self.docnums, offset), bisect_left(self.docnums, end)
        local = [d - offset for d in self.docnums[start:stop]]
        return _SortedIdsMatcher(local, weights=self.scores[start:stop], scorer=_Weights())


class _Weights:
    """A 'scorer' whose score is the weight a ListMatcher holds."""

    def supports_block_quality(self) -> bool:
        return False

    def score(self, matcher: Any) -> float:
        return float(matcher.weight())


def _boosted_postings(term: _TermPostings, factor: float) -> _TermPostings:
    if factor == 1:
        return term
    return _TermPostings(
        term.fieldname, term.text, term.boost * factor, term.ids, term.weights, term.documents
    )


def _boosted(q: Any, factor: float) -> Any:
    """``q`` with the boost of each of its terms multiplied by ``factor``."""
    if isinstance(q, wq.Or | wq.And):
        return q.__class__([_boosted(child, factor) for child in q.subqueries], boost=q.boost)
    boosted = copy.copy(q)
    boosted.boost = q.boost * factor
    return boosted


def _phrase_text(q: Any) -> str | None:
    """``"a b"`` if ``q`` is one phrase (in one or several fields), else ``None``."""
    phrases = q.subqueries if isinstance(q, wq.Or) else [q]
    if not phrases or not all(isinstance(p, wq.Phrase) for p in phrases):
        return None
    return '"' + " ".join(str(w) for w in phrases[0].words) + '"'


def _and(parts: list[Any]) -> Any:
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _word_documents(reader: Any, q: Any) -> int:
    """Clippings with a free word, in the field where it is most frequent (a
    compound: its rarest part)."""
    found = 0
    for alternative in q.subqueries if isinstance(q, wq.Or) else [q]:
        terms = alternative.subqueries if isinstance(alternative, wq.And) else [alternative]
        found = max(found, min(_documents(reader, t.fieldname, t.text) for t in terms))
    return found


class _PageCollector(collectors.ScoredCollector):
    """The first ``limit`` matches (all when ``None``) in clipper's total order.

    The order is score (relevance only), then date (newest first unless
    ``oldest_first``), then id. A heap keeps the best ``limit`` (score, date)
    keys, and every match tied with the weakest kept key is kept besides;
    the ids, read only where (score, date) ties, then cut every page from
    the same ordering, whatever its offset. Scores are rounded so that sums
    equal but for the last bits of a float count as ties.
    """

    def __init__(
        self,
        limit: int | None,
        *,
        scored: bool,
        oldest_first: bool = False,
        deadline: Deadline | None = None,
        rank: Callable[[int, float], float] | None = None,
    ) -> None:
        super().__init__()
        self.limit = limit
        self.scored = scored
        # Relaxed queries order by rank(docnum, score): words matched, then score.
        self.rank = rank
        self.date_sign = -1 if oldest_first else 1
        self.deadline = deadline
        self.total = 0
        self.ranked: list[tuple[int, float]] = []  # (docnum, score), best first
        self.matched: list[int] | None = None  # every match, when a list is given
        self._stored: dict[int, dict[str, Any]] = {}

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        # Entries: (rounded score, signed date, -docnum, score); a min-heap.
        self.items: list[tuple[float, int, int, float]] = []
        self.tied: list[tuple[float, int, int, float]] = []
        self.total = 0

    def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
        if self.deadline is not None:
            self.deadline.check()
        super().set_subsearcher(subsearcher, offset)
        reader = subsearcher.reader()
        self.dates: Any = (
            _column_values(reader.column_reader("sortdate", translate=False))
            if reader.has_column("sortdate")
            else defaultdict(int)  # an empty index has no columns
        )

    def matches(self) -> Any:
        if self.scored:
            return super().matches()
        return collectors.Collector.matches(self)  # nothing to score: all_ids() is faster

    def sort_key(self, sub_docnum: int) -> Any:
        return 0

    def collect(self, sub_docnum: int) -> Any:
        self.total += 1
        if self.deadline is not None and self.total % _DEADLINE_EVERY == 0:
            self.deadline.check()
        docnum = self.offset + sub_docnum
        if self.matched is not None:
            self.matched.append(docnum)
        if self.limit == 0:
            return 0
        score = 0.0
        if self.scored:
            score = self.matcher.score()
            if self.final_fn:
                score = self.final_fn(self.top_searcher, docnum, score)
        rounded = round(self.rank(docnum, score) if self.rank else score, 9)
        items = self.items
        full = self.limit is not None and len(items) >= self.limit
        if full and rounded < items[0][0]:
            return 0  # below the page: the date need not be read
        entry = (rounded, self.date_sign * (self.dates[sub_docnum] or 0), -docnum, score)
        if self.limit is None:
            items.append(entry)
        elif not full:
            heappush(items, entry)
        elif entry[:2] > items[0][:2]:
            weakest = items[0][:2]
            evicted = heapreplace(items, entry)
            if items[0][:2] == weakest:
                self.tied.append(evicted)
            else:
                self.tied.clear()  # all tied with a key now below the page
        elif entry[:2] == items[0][:2]:
            self.tied.append(entry)
        return 0

    def count(self) -> int:
        return self.total

    def all_ids(self) -> Any:
        return self.top_searcher.docs_for_query(self.q)

    def results(self) -> Any:
        candidates = self.items + self.tied
        candidates.sort(key=lambda e: (-e[0], -e[1], e[2]))
        # Only entries sharing their (score, date) with another need their id.
        start = 0
        while start < len(candidates):
            key = candidates[start][:2]
            end = start + 1
            while end < len(candidates) and candidates[end][:2] == key:
                end += 1
            if end - start > 1:
                candidates[start:end] = sorted(candidates[start:end], key=self._id_of_entry)
            start = end
        if self.limit is not None:
            del candidates[self.limit :]
        self.ranked = [(-e[2], e[3]) for e in candidates]
        return self._results([(e[3], -e[2]) for e in candidates])

    def _id_of_entry(self, entry: tuple[float, int, int, float]) -> str:
        return str(self.stored(-entry[2])["id"])

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored fields (id, group) of a document, read once."""
        if docnum not in self._stored:
            self._stored[docnum] = self.top_searcher.stored_fields(docnum)
        return self._stored[docnum]


def _column_values(column: Any) -> Any:
    """Every value of a numeric column of a segment, read at once.

    Whoosh's reader reads and unpacks one value a call, about 2.5 µs: when
    scores tie, the date of nearly every match is needed. Whoosh is pinned;
    should its reader differ, it is used as it is.
    """
    try:
        count, width, typecode = column._count, column._fixedlen, column._typecode
        data = column._dbfile.get(column._basepos, count * width)
        padding = [column._default] * (column._doccount - count)
    except AttributeError:
        return column
    values = array(typecode, data)
    if sys.byteorder == "little":  # stored big-endian
        values.byteswap()
    values.extend(padding)
    return values


# How many matches are collected between two looks at the clock.
_DEADLINE_EVERY = 256


def _check_facets(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in FACET_FIELDS]
    if unknown:
        raise QuerySyntaxError(
            f"unknown facet {unknown[0]!r}", hint=f"facets: {', '.join(FACET_FIELDS)}"
        )


def _facet_counts(
    searcher: Any, matched: list[int], names: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """Per facet, ``[(value, count), ...]`` over the matches, most frequent first."""
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        if name == "tag":
            counts = _tag_counts(searcher.reader(), set(matched))
        else:
            found = _column_counts(searcher, FACET_FIELDS[name], matched)
            counts = [(_facet_label(key), n) for key, n in found.items() if key]
        facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))
    return facets


def _column_counts(searcher: Any, fieldname: str, matched: list[int]) -> Counter[Any]:
    """How many of the matched documents have each value of a facet's column."""
    counts: Counter[Any] = Counter()
    ordered = sorted(matched)
    for reader, offset in searcher.reader().leaf_readers():
        docs = ordered[
            bisect_left(ordered, offset) : bisect_left(ordered, offset + reader.doc_count_all())
        ]
        if not docs:
            continue
        known = _COLUMNS.setdefault(reader, {})
        entry = known.get(fieldname, 0)
        if isinstance(entry, int):
            if entry + len(docs) <= reader.doc_count_all():
                column = reader.column_reader(fieldname)  # a value a call
                counts.update(column[d - offset] for d in docs)
                known[fieldname] = entry + len(docs)
                continue
            entry = known[fieldname] = _column_codes(reader, fieldname)
        codes, values = entry
        for code, n in Counter([codes[d - offset] for d in docs]).items():
            counts[values[code]] += n
    return counts


# Per segment and facet column: how many values were read one call each, until
# that would exceed the segment's documents; then the column read whole as
# small numbers, one a document, and the value of each. A search process
# reads no more than twice what it must; a server soon counts from the codes
# (Whoosh read a value a call, for every match of every search).
_COLUMNS: weakref.WeakKeyDictionary[Any, dict[str, int | tuple[array[int], list[Any]]]] = (
    weakref.WeakKeyDictionary()
)


def _column_codes(reader: Any, fieldname: str) -> tuple[array[int], list[Any]]:
    numbers: dict[Any, int] = {}
    column = reader.column_reader(fieldname)
    codes = array("I", (numbers.setdefault(value, len(numbers)) for value in column))
    return codes, list(numbers)


def _tag_counts(reader: Any, matches: set[int]) -> list[tuple[str, int]]:
    """Tags are several per clipping: count each tag's postings among the matches.

    Whoosh's overlapping facet would read the tags of every document of the
    index on each search; tags are few.
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


def check_period(by: str | None) -> None:
    if by is not None and by not in PERIODS:
        raise QuerySyntaxError(f"unknown period {by!r}", hint=f"use one of {', '.join(PERIODS)}")


def timeline(searcher: Any, docnums: Collection[int], by: str | None = None) -> Timeline:
    """Matches (``docnums``) per day, week, month or year (chosen from the
    span when ``by`` is None)."""
    check_period(by)
    reader = searcher.reader()
    # Undated clippings are counted apart, never charted on the day they were added.
    years = reader.column_reader("year", translate=True)
    dated = [d for d in docnums if years[d] != UNDATED]
    undated = len(docnums) - len(dated)
    column = reader.column_reader("sortdate", translate=True)
    moments = sorted(column[docnum] for docnum in dated)
    moments = [m for m in moments if m is not None]
    if not moments:
        return Timeline(by or "month", [], len(docnums), undated)
    if by is None:
        span = (moments[-1] - moments[0]).days
        by = "day" if span <= 45 else "week" if span <= 182 else "month" if span <= 1830 else "year"
    counts: dict[str, int] = {}
    for label in _period_labels(moments[0], moments[-1], by):
        counts[label] = 0
    for moment in moments:
        counts[_period_label(moment, by)] += 1
    return Timeline(by, list(counts.items()), len(docnums), undated)


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
# A suggested word is in at least one clipping in this many (and at least one).
SUGGEST_RARITY = 10_000
# Words this long may have two typos; shorter ones one.
SUGGEST_TWO_EDITS_FROM = 5
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
    changed = False
    cost = _Cost()
    min_documents = max(1, reader.doc_count() // SUGGEST_RARITY)

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(1)
        if word in _OPERATORS or len(word) < 3 or cost.scanned >= MAX_SCANNED:
            return word
        folded = fold(word.lower())
        if any(reader.doc_frequency(field, folded) for field in ("title", "body")):
            return word
        # A typo is one edit in a short word, two in a longer one, of a word
        # frequent enough to be what was meant.
        maxdist = 1 if len(folded) < SUGGEST_TWO_EDITS_FROM else 2
        found = _closest_word(
            reader, "body", folded, maxdist=maxdist, cost=cost, min_documents=min_documents
        )
        if found is None:
            return word
        changed = True
        return _as_written(searcher, found, text_of)

    # Only free words are corrected: a field's value (a URL, a date, a range)
    # is the user's exact input, not a misspelling.
    corrected = "".join(
        part if _FIELD_VALUE.fullmatch(part) else _QUERY_WORD.sub(replace, part)
        for part in _FIELD_VALUE_SPLIT.split(text)
    )
    return corrected if changed else None


def _closest_word(
    reader: Any, fieldname: str, word: str, *, maxdist: int, cost: _Cost, min_documents: int = 1
) -> str | None:
    """The closest word of the index to ``word``, the most frequent among equals.

    Like fuzzy words, candidates share the first letters of ``word``, and a
    query's suggestion compares at most :data:`MAX_SCANNED` words in all:
    Whoosh's corrector compares every word of the field, seconds on a large
    archive.
    """
    field = reader.schema[fieldname]
    start = field.to_bytes(word[:FUZZY_PREFIX])
    found: dict[str, tuple[int, int]] = {}  # word: (distance, documents)
    for leaf, _ in reader.leaf_readers():
        for (name, btext), info in leaf.iter_from(fieldname, start):
            cost.scanned += 1
            if name != fieldname or not btext.startswith(start) or cost.scanned > MAX_SCANNED:
                break
            candidate = field.from_bytes(btext)
            if abs(len(candidate) - len(word)) > maxdist:
                continue
            distance = levenshtein_distance(candidate, word, limit=maxdist)
            if distance <= maxdist:
                documents = found.get(candidate, (distance, 0))[1] + info.doc_frequency()
                found[candidate] = (distance, documents)
    found = {w: v for w, v in found.items() if v[1] >= min_documents}
    if not found:
        return None
    return min(found, key=lambda w: (found[w][0], -found[w][1], w))


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
        if isinstance(node, wq.Phrase | AnyOf):
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
