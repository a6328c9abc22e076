"""Text analysis for French and English: the Whoosh analyzer chains.

Index and query go through the same chain, so folding always happens before
stemming on both sides ("sécurité" and "securite" meet at one stem):

    tokens -> lowercase -> accent fold (é->e, œ->oe, ß->ss) -> elisions
           -> compounds                                   = exact fields
           -> stop words -> Snowball stem (per language)  = stemmed fields

Exact fields keep every token with positions, so phrases and exact forms match
and rank first; stemmed fields find singular/plural and other inflections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Composable,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang.stopwords import stoplists

from clipper.model import STEMMED_LANGUAGES
from clipper.textutil import fold

# Numbers however they are grouped: "7 500", "7.500", "7,500", "2,5", "2.5"
# (thin and no-break spaces too); not a date or a code ("2024-03-15", "COVID-19").
_GROUP_SPACE = r"[ \u00a0\u202f]"  # between thousands: space, no-break, thin no-break
NUMBER_PATTERN = (
    rf"(?<![\w.,])\d{{1,3}}(?:(?:{_GROUP_SPACE}|[.,](?=\d{{3}}(?!\d)))\d{{3}})+(?:[.,]\d+)?"
    r"(?![\w\-‐‑])|(?<![\w.,])\d+[.,]\d+(?![\w\-‐‑.,])"
)
# Words, keeping inner hyphens, apostrophes and dots: "GPT-4o", "COVID-19",
# "Renault-Nissan", "l'intelligence", "aujourd'hui", "U.S".
# The number pattern is tried only where a digit starts (its lookbehinds are
# slow to fail at every other position).
TOKEN_PATTERN = rf"(?=\d)(?:{NUMBER_PATTERN})|\w+(?:['’\-‐‑.]\w+)*"
_NUMBER = re.compile(rf"^(?:{NUMBER_PATTERN})$")
_GROUP_SPACES = re.compile(_GROUP_SPACE)
_SPACED_NUMBER = re.compile(rf"(?<![\w.,])\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}})+(?![\w\-‐‑])")


def join_spaced_numbers(query: str) -> str:
    """``7 500 postes`` -> ``7500 postes``: a query parser splits words at spaces first."""
    return _SPACED_NUMBER.sub(lambda m: _GROUP_SPACES.sub("", m.group()), query)


def normalise_number(text: str) -> str:
    """``7 500``, ``7.500``, ``7,500`` -> ``7500``; ``2,5`` and ``2.5`` -> ``2.5``.

    A separator before exactly three last digits groups thousands; otherwise
    the last separator is the decimal point.
    """
    text = _GROUP_SPACES.sub("", text)
    separators = [i for i, c in enumerate(text) if c in ".,"]
    if not separators:
        return text
    last = separators[-1]
    decimals = text[last + 1 :]
    whole = "".join(c for c in text[:last] if c.isdigit())
    if len(decimals) == 3 and (len(separators) == 1 or text[separators[-2]] == text[last]):
        return whole + decimals
    return f"{whole}.{decimals}"


_LANGUAGE_NAMES = {"fr": "french", "en": "english"}

# French elided articles and pronouns: l'arbre, d'un, qu'il, jusqu'à...
_ELIDED_WORDS = frozenset(
    {"l", "d", "qu", "s", "n", "j", "m", "t", "c", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
_ELISION = re.compile(rf"^(?:{'|'.join(sorted(_ELIDED_WORDS, key=len, reverse=True))})'(?=\w)")
_POSSESSIVE = re.compile(r"(?<=\w)'s$")
_INNER_SEPARATORS = re.compile(r"['\-‐‑.]+")


class NumberFilter(Filter):
    """One form for a number however it is written (see :func:`normalise_number`)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.text[:1].isdigit() and _NUMBER.match(token.text):
                token.text = normalise_number(token.text)
            yield token


class FoldFilter(Filter):
    """Accent and ligature folding (after lowercasing)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            yield token


class ElisionFilter(Filter):
    """Drop French elisions (``l'``, ``qu'``) and English possessives (``'s``).

    In a query, an elided article typed without its apostrophe ("l unite",
    "d arles") is dropped too: the index holds "unite" and "arles" alone.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        kept = self._without_elisions(tokens)
        first = next(kept, None)
        if first is None:
            return
        if first.mode != "query":
            yield first
            yield from kept
            return
        # A query's tokens are few: copied, so that an elided word is dropped
        # only before another word ("l unite", not a lone "m" of "m*").
        words = [first.copy(), *(token.copy() for token in kept)]
        if len(words) > 1:
            words = [w for w in words if w.text not in _ELIDED_WORDS] or words
        yield from words

    @staticmethod
    def _without_elisions(tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            text = token.text
            if "'" in text:
                text = _POSSESSIVE.sub("", _ELISION.sub("", text))
                token.text = text
            if text:
                yield token


class CompoundFilter(Filter):
    """Index a compound ("renault-nissan") and also its parts at the same position.

    At query time only the compound is kept, so "Renault-Nissan" typed as is
    matches the compound, while "Renault" alone matches the part.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            yield token
            if token.mode == "query":
                continue
            text = token.text
            if "-" in text or "'" in text or "." in text or "‐" in text or "‑" in text:
                for part in _INNER_SEPARATORS.split(text):
                    if part:
                        token.text = part
                        yield token
                token.text = text


# Words the Snowball lists forget.
_EXTRA_STOPWORDS = {"fr": {"les"}, "en": set()}


class FrenchPluralFilter(Filter):
    """Drop a final plural ``s`` that Snowball keeps on short words (vélos, pneus, lois).

    Snowball French only strips suffixes inside a word's "RV" region, so short
    plurals keep their ``s``. Index and query share the filter, so the rare
    word it merges with another (``bus`` and ``bu``) loses no recall.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = strip_french_plural(token.text)
            yield token


def strip_french_plural(text: str) -> str:
    return text[:-1] if len(text) > 3 and text.endswith("s") and not text.endswith("ss") else text


@lru_cache(maxsize=100_000)
def stem_word(lang: str, folded: str) -> str:
    """What the stemmed field of ``lang`` makes of one folded word (stop words aside)."""
    from whoosh.lang import stemmer_for_language

    if lang == "fr":
        folded = strip_french_plural(folded)
    return str(stemmer_for_language(_LANGUAGE_NAMES[lang])(folded))


_WORD = re.compile(TOKEN_PATTERN)


# Distinct words whose analysed forms a process keeps (about 200 bytes each).
WORD_CACHE_SIZE = 50_000


def word_forms(text: str, limit: int) -> Iterator[tuple[str, int, int]]:
    """``(folded form, start, end)`` of each word of ``text[:limit]``, and of each
    part of a compound, the way the exact field indexes them; for highlighting
    without running the whole analyzer chain."""
    for match in _WORD.finditer(text, 0, limit):
        start, end = match.span()
        for form in _token_forms(match.group()):
            yield form, start, end


@lru_cache(maxsize=WORD_CACHE_SIZE)  # snippets read ten texts a search, of words that repeat
def _token_forms(token: str) -> tuple[str, ...]:
    """The folded form of one token, then those of a compound's parts."""
    form = fold(token.lower())
    if form[:1].isdigit() and _NUMBER.match(form):
        form = normalise_number(form)
    if "'" in form:
        form = _POSSESSIVE.sub("", _ELISION.sub("", form))
    if "-" in form or "'" in form or "." in form or "‐" in form or "‑" in form:
        return (form, *(part for part in _INNER_SEPARATORS.split(form) if part))
    return (form,)


def _folded_stopwords(lang: str) -> frozenset[str]:
    words = set(stoplists[lang]) | _EXTRA_STOPWORDS[lang]
    return frozenset(fold(w) for w in words) | frozenset(words)


def _exact_chain() -> Composable:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | NumberFilter()
        | LowercaseFilter()
        | FoldFilter()
        | ElisionFilter()
        | CompoundFilter()
    )


class SharedTokens(Tokenizer):
    """The exact chain, run once per text and replayed for every field that uses it.

    A clipping's title and text are each indexed in an exact and a stemmed
    field; both start from the same tokens. The last text analysed is kept
    (compared by identity, and held, so it cannot be another string at the
    same address), which halves the tokenising of a document. There is one
    instance per process: pickled into the index schema, it unpickles as
    that instance.
    """

    def __init__(self) -> None:
        self._chain = _exact_chain()
        self._value: Any = None
        self._mode: str = ""
        self._tokens: list[tuple[str, int, int, int]] = []
        self._forms: dict[str, tuple[str, ...]] = {}

    def analysed(self, value: str, mode: str) -> list[tuple[str, int, int, int]]:
        """``(text, position, start, end)`` of the chain's tokens of ``value``."""
        if value is not self._value or mode != self._mode:
            if mode == "query":
                self._tokens = [
                    (t.text, t.pos, t.startchar, t.endchar)
                    for t in self._chain(value, positions=True, chars=True, mode=mode)
                ]
            else:
                self._tokens = self._index_tokens(value)
            self._value, self._mode = value, mode
        return self._tokens

    def _index_tokens(self, value: str) -> list[tuple[str, int, int, int]]:
        """The chain's tokens of ``value`` at index time, each word's forms cached.

        Past the tokenizer, the chain treats each token of an indexed text on
        its own (only a query's elisions depend on their neighbours), so what
        it makes of a word is kept: news vocabulary is Zipfian, and one lookup
        replaces a generator per filter for most tokens. Positions and
        characters are the tokenizer's, as in the chain.
        """
        cache = self._forms
        tokens: list[tuple[str, int, int, int]] = []
        append = tokens.append
        for pos, match in enumerate(self._chain.items[0].expression.finditer(value)):
            surface = match.group()
            forms = cache.get(surface)
            if forms is None:
                forms = self._word_forms(surface)
                if len(cache) >= WORD_CACHE_SIZE:
                    cache.clear()  # a bound, cheaper than tracking the least used
                cache[surface] = forms
            start, end = match.span()
            for form in forms:
                append((form, pos, start, end))
        return tokens

    def _word_forms(self, surface: str) -> tuple[str, ...]:
        token = Token(positions=True, chars=True, mode="index")
        token.text, token.pos, token.startchar, token.endchar = surface, 0, 0, len(surface)
        token.boost, token.stopped = 1.0, False
        tokens: Iterator[Token] = iter([token])
        for item in self._chain.items[1:]:
            tokens = item(tokens)
        return tuple(t.text for t in tokens)

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (shared_tokens, ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SharedTokens)

    def __hash__(self) -> int:
        return hash(SharedTokens)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, startchar, endchar in self.analysed(value, mode):
            token.text = text
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + startchar
                token.endchar = start_char + endchar
            yield token


_SHARED: SharedTokens | None = None


def shared_tokens() -> SharedTokens:
    global _SHARED
    if _SHARED is None:
        _SHARED = SharedTokens()
    return _SHARED


def exact_analyzer() -> Composable:
    return shared_tokens()


def _stemming_chain(lang: str) -> Composable:
    chain = exact_analyzer() | StopFilter(stoplist=_folded_stopwords(lang), minsize=2)
    if lang == "fr":
        chain = chain | FrenchPluralFilter()
    # No cache of Whoosh's: StemmedTokens keeps the stem of each word itself.
    return chain | StemFilter(lang=_LANGUAGE_NAMES[lang], cachesize=None)


class StemmedTokens(Tokenizer):
    """The stemming chain of one language, each word's stem cached at index time.

    The chain (:func:`_stemming_chain`: the shared exact tokens, stop words,
    French plurals, Snowball) defines the tokens; past the shared tokens it
    treats each token on its own, so an indexed text takes one lookup a token
    instead of a generator per filter. Queries, and callers keeping stop
    words, go through the chain itself. One instance per language and
    process, as :class:`SharedTokens`.
    """

    is_morph = True  # as the chain's StemFilter: the field's words have variations

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._chain = _stemming_chain(lang)
        self._stems: dict[str, str | None] = {}  # exact form -> stem, None if a stop word

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (stemming_analyzer, (self.lang,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemmedTokens) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash((StemmedTokens, self.lang))

    def _stem(self, form: str) -> str | None:
        token = Token(mode="index")
        token.text, token.boost, token.stopped = form, 1.0, False
        tokens: Iterator[Token] = iter([token])
        for item in self._chain.items[1:]:
            tokens = item(tokens)
        stems = [t.text for t in tokens]
        return stems[0] if stems else None

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        if mode == "query" or not removestops:
            yield from self._chain(
                value,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=tokenize,
                mode=mode,
                **kwargs,
            )
            return
        stems = self._stems
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos: int | None = None
        for form, at, startchar, endchar in shared_tokens().analysed(value, mode):
            if form in stems:
                stem = stems[form]
            else:
                stem = self._stem(form)
                if len(stems) >= WORD_CACHE_SIZE:
                    stems.clear()
                stems[form] = stem
            if stem is None:
                continue
            token.text = stem
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = form
            if positions:
                # The chain's StopFilter renumbers the words it keeps: the
                # first keeps its position, each next one is one further.
                pos = start_pos + at if pos is None else pos + 1
                token.pos = pos
            if chars:
                token.startchar = start_char + startchar
                token.endchar = start_char + endchar
            yield token


_STEMMED: dict[str, StemmedTokens] = {}


def stemming_analyzer(lang: str) -> Composable:
    if lang not in _STEMMED:
        _STEMMED[lang] = StemmedTokens(lang)
    return _STEMMED[lang]


def tag_analyzer() -> Composable:
    """Tags: comma separated, each folded whole (``Économie`` -> ``economie``)."""
    from whoosh.analysis import CommaSeparatedTokenizer

    return CommaSeparatedTokenizer() | LowercaseFilter() | FoldFilter()


def analyze(analyzer: Any, text: str, mode: str = "index") -> list[str]:
    """The token texts an analyzer makes of ``text`` (for tests and debugging)."""
    return [t.text for t in analyzer(text, mode=mode)]


# Question words: optional in a query, as the English list's what/why/how are,
# but still indexed (not in the stemmed fields' stop lists).
_QUESTION_WORDS = {
    "fr": {
        "pourquoi",
        "comment",
        "combien",
        "quand",
        "quel",
        "quels",
        "quelle",
        "quelles",
        "quoi",
        "lequel",
        "laquelle",
        "lesquels",
        "lesquelles",
        "est-ce",
    },
    "en": {"whose"},
}
_ALL_STOPWORDS = frozenset().union(
    *(_folded_stopwords(lang) | _QUESTION_WORDS[lang] for lang in STEMMED_LANGUAGES)
)


def is_stopword(folded: str) -> bool:
    """Whether a folded word is a French or English stop word (le, des, the, of…)."""
    return folded in _ALL_STOPWORDS
