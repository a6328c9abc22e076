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
from typing import Any

from whoosh.analysis import (
    Composable,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.lang.stopwords import stoplists

from clipper.textutil import fold

# Words, keeping inner hyphens, apostrophes and dots: "GPT-4o", "COVID-19",
# "Renault-Nissan", "l'intelligence", "aujourd'hui", "U.S".
TOKEN_PATTERN = r"\w+(?:['’\-‐‑.]\w+)*"
STEMMED_LANGUAGES = ("fr", "en")
_LANGUAGE_NAMES = {"fr": "french", "en": "english"}

# French elided articles and pronouns: l'arbre, d'un, qu'il, jusqu'à...
_ELISION = re.compile(r"^(?:l|d|qu|s|n|j|m|t|c|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)")
_POSSESSIVE = re.compile(r"(?<=\w)'s$")
_INNER_SEPARATORS = re.compile(r"['\-‐‑.]+")


class FoldFilter(Filter):
    """Accent and ligature folding (after lowercasing)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            yield token


class ElisionFilter(Filter):
    """Drop French elisions (``l'``, ``qu'``) and English possessives (``'s``)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
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
            text = token.text
            if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
                token.text = text[:-1]
            yield token


def _folded_stopwords(lang: str) -> frozenset[str]:
    words = set(stoplists[lang]) | _EXTRA_STOPWORDS[lang]
    return frozenset(fold(w) for w in words) | frozenset(words)


def exact_analyzer() -> Composable:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | ElisionFilter()
        | CompoundFilter()
    )


def stemming_analyzer(lang: str) -> Composable:
    chain = exact_analyzer() | StopFilter(stoplist=_folded_stopwords(lang), minsize=2)
    if lang == "fr":
        chain = chain | FrenchPluralFilter()
    return chain | StemFilter(lang=_LANGUAGE_NAMES[lang], cachesize=100_000)


class ApostropheFilter(Filter):
    """Typographic apostrophes to ASCII, without other folding."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if "’" in token.text:
                token.text = token.text.replace("’", "'")
            yield token


def spelling_analyzer() -> Composable:
    """Words as written (accents kept, elisions dropped): the vocabulary of suggestions."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | ApostropheFilter() | ElisionFilter()


def tag_analyzer() -> Composable:
    """Tags: comma separated, each folded whole (``Économie`` -> ``economie``)."""
    from whoosh.analysis import CommaSeparatedTokenizer

    return CommaSeparatedTokenizer() | LowercaseFilter() | FoldFilter()


def analyze(analyzer: Any, text: str, mode: str = "index") -> list[str]:
    """The token texts an analyzer makes of ``text`` (for tests and debugging)."""
    return [t.text for t in analyzer(text, mode=mode)]
