#!/usr/bin/env python3
"""Relevance benchmark: clipper as typed against plain Whoosh and SQLite FTS5, in one run.

Run from the repository root, in the virtualenv (the data stays in the shared folder,
never in the repository)::

    python benchmarks/relevance.py                        # every set, 100 queries per kind
    python benchmarks/relevance.py --sets cisi,med --json-out /tmp/r.json
    python benchmarks/relevance.py --self-test            # the metric functions alone

Each set's documents go, identical, to three contenders:

* **clipper**: a temporary corpus filled by ``Archive.import_jsonl``; each query is
  passed as typed to ``Archive.search(query, limit=100)`` (default relevance sort),
  and a hit is mapped back to its document by the ``id`` that clipper keeps in
  ``clipping.extra`` (not 16 hex digits, so not taken for a clipping id).
* **plain Whoosh** (``contenders/plain_whoosh.py``): title and body, ``StemmingAnalyzer``
  (English) or Whoosh's ``LanguageAnalyzer("fr")``, BM25F, the words OR-ed.
* **SQLite FTS5** (``contenders/fts5.py``): ``porter unicode61 remove_diacritics 2``,
  ``bm25``, each word quoted and the words OR-ed.

Quoted phrases stay phrases in the three. Records clipper stores as duplicates of
another are left out for the other two as well (a judgement on one counts for the
copy kept).

Sets: ``cisi`` and ``med`` (human-judged natural-language queries, TREC qrels; only
judged queries count; any other folder of ``judged/`` holding the same three files
is a set too, named after its folder, French if most of its records say
``"lang": "fr"``), and known-item queries generated, seeded, on ``orangesum``
(the 5,005-article French sample) and ``reuters`` (every fourth Reuters-21578 wire
with a title and a text), and ``mixed``: both in one index, each part's queries as
generated for it alone (plain Whoosh with its English analyzer there). Kinds:
``remembered`` (3-4 distinctive words, some with accents dropped or singular/plural
changed), ``title`` (the headline's words in lower case, accents dropped on half of
the queries), ``phrase`` (three consecutive words of the text, quoted) and
``sentence`` (a question made of 2-3 distinctive words and filler).

Metrics per set, kind and contender: MAP@100, nDCG@10, P@10, MRR@10, the share of
queries with no result, and the median latency of the top-100 search (clipper's
includes reading the 100 clippings and their snippets, as its API returns them).

Exit codes: 0 done, 2 bad usage or missing data.
"""

from __future__ import annotations

import argparse
import doctest
import gzip
import json
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import whoosh
from contenders import fts5, plain_whoosh
from whoosh.lang.stopwords import stoplists

from clipper.archive import AddOutcome, Archive
from clipper.errors import ClipperError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
SETS = ("cisi", "med", "orangesum", "reuters", "mixed")
JUDGED_SETS = {"cisi": "judged/cisi", "med": "judged/med"}
JUDGED_FILES = ("docs.jsonl", "queries.jsonl", "qrels.txt")
KNOWN_ITEM_SETS = {  # file, language, keep every n-th usable record
    "orangesum": ("orangesum/orangesum_fr_sample5k.jsonl.gz", "fr", 1),
    "reuters": ("reuters21578/reuters21578.jsonl.gz", "en", 4),
}
# Both known-item sets in one index, each set's queries as generated alone: what
# a bilingual archive does to them (a word found through the other language's
# stemmer, "cocoa" finding "Coco").
MIXED_PARTS = ("orangesum", "reuters")
KINDS = ("remembered", "title", "phrase", "sentence")
ENGINES = ("clipper", "whoosh", "fts5")
ENGINE_LABELS = {"clipper": "clipper", "whoosh": "plain Whoosh", "fts5": "SQLite FTS5"}
METRICS = ("map100", "ndcg10", "p10", "mrr10", "zero")
METRIC_LABELS = {
    "map100": "MAP@100",
    "ndcg10": "nDCG@10",
    "p10": "P@10",
    "mrr10": "MRR@10",
    "zero": "zero",
}
DEPTH = 100  # documents fetched per query: MAP's cut-off
DEFAULT_SEED = 20261201
DEFAULT_PER_KIND = 100
EXIT_USAGE = 2
# Metadata handed to clipper besides id, title and text; none is searched by default.
META_FIELDS = ("author", "date", "source", "lang", "url")

# -- metrics ------------------------------------------------------------------
# As trec_eval defines them (map_cut_100, ndcg_cut_10, P_10, recip_rank cut at 10):
# AP divides by every relevant document, P@10 by 10 even when fewer came back.


def average_precision(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 100) -> float:
    """AP@k: the mean over all relevant documents of the precision at each one's rank.

    Relevant at ranks 1 and 3 of 3 relevant documents: (1/1 + 2/3) / 3.

    >>> round(average_precision(["a", "x", "b", "y"], {"a": 1, "b": 1, "c": 1}), 4)
    0.5556
    >>> average_precision(["x"], {"a": 1})
    0.0
    """
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) > 0:
            hits += 1
            total += hits / rank
    wanted = sum(1 for grade in relevant.values() if grade > 0)
    return total / wanted if wanted else 0.0


def ndcg(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gain = relevance grade and discount log2(rank + 1).

    Relevant at ranks 1 and 3 of 3: DCG = 1 + 1/2, ideal = 1 + 1/log2(3) + 1/2.

    >>> round(ndcg(["a", "x", "b", "y"], {"a": 1, "b": 1, "c": 1}), 4)
    0.7039
    >>> round(ndcg(["x", "a"], {"a": 2, "b": 1}), 4)  # 1.2619 / (2 + 0.6309)
    0.4796
    """
    dcg = sum(
        relevant.get(doc, 0) / math.log2(rank + 1)
        for rank, doc in enumerate(ranked[:k], start=1)
        if relevant.get(doc, 0) > 0
    )
    grades = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))
    return dcg / ideal if ideal else 0.0


def precision(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """P@k: relevant documents among the first k, over k.

    >>> precision(["a", "x", "b", "y"], {"a": 1, "b": 1, "c": 1})
    0.2
    """
    return sum(1 for doc in ranked[:k] if relevant.get(doc, 0) > 0) / k


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant document within the first k, else 0.

    >>> reciprocal_rank(["x", "y", "b"], {"b": 1})
    0.3333333333333333
    >>> reciprocal_rank(["x"] * 10 + ["b"], {"b": 1})
    0.0
    """
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1 / rank
    return 0.0


def query_metrics(ranked: Sequence[str], relevant: Mapping[str, int]) -> dict[str, float]:
    return {
        "map100": average_precision(ranked, relevant, 100),
        "ndcg10": ndcg(ranked, relevant, 10),
        "p10": precision(ranked, relevant, 10),
        "mrr10": reciprocal_rank(ranked, relevant, 10),
        "zero": 0.0 if ranked else 1.0,
    }


def self_test() -> int:
    failures, tests = doctest.testmod(sys.modules[__name__], verbose=False)
    # A ranking that finds everything first scores 1 on every measure.
    perfect = query_metrics(["a", "b"], {"a": 1, "b": 1})
    assert perfect == {"map100": 1.0, "ndcg10": 1.0, "p10": 0.2, "mrr10": 1.0, "zero": 0.0}
    assert query_metrics([], {"a": 1})["zero"] == 1.0
    print(f"self-test: {tests} doctests, {failures} failed")
    return 1 if failures else 0


# -- documents and queries ------------------------------------------------------


@dataclass
class Doc:
    id: str
    title: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Query:
    id: str
    kind: str
    text: str
    relevant: dict[str, int]


@dataclass
class TestSet:
    name: str
    lang: str
    docs: list[Doc]
    queries: list[Query] = field(default_factory=list)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # judged sets only
    aliases: dict[str, str] = field(default_factory=dict)  # a copy left out -> the doc kept
    notes: dict[str, Any] = field(default_factory=dict)


def _fingerprint(doc: Doc) -> str:
    return " ".join(f"{doc.title}\n{doc.text}".split()).casefold()


def _unique(docs: Iterable[Doc], notes: dict[str, Any]) -> tuple[list[Doc], dict[str, str]]:
    """Documents with a text, exact copies (same title and text) left out.

    Also returns each copy's id mapped to the id of the document kept, so that a
    judgement on a copy counts for it.
    """
    kept: list[Doc] = []
    first: dict[str, str] = {}
    aliases: dict[str, str] = {}
    empty = 0
    for doc in docs:
        if not doc.text.strip():
            empty += 1
            continue
        key = _fingerprint(doc)
        if key in first:
            aliases[doc.id] = first[key]
            continue
        first[key] = doc.id
        kept.append(doc)
    notes.update(empty_texts=empty, exact_copies=len(aliases))
    return kept, aliases


def judged_sets(root: Path) -> dict[str, str]:
    """Every judged collection under ``root/judged``: those above, and any other
    folder holding the same three files (another collection in TREC format)."""
    found = dict(JUDGED_SETS)
    folder = root / "judged"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if all((path / f).is_file() for f in JUDGED_FILES):
                found.setdefault(path.name, f"judged/{path.name}")
    return found


def load_judged(name: str, root: Path) -> TestSet:
    folder = root / judged_sets(root)[name]
    notes: dict[str, Any] = {}
    docs = []
    with (folder / "docs.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                r = json.loads(line)
                meta = {k: r[k] for k in META_FIELDS if r.get(k)}
                docs.append(Doc(str(r["id"]), r.get("title") or "", r.get("text") or "", meta))
    qrels: dict[str, dict[str, int]] = {}
    for line in (folder / "qrels.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and int(parts[3]) > 0:
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    queries = []
    with (folder / "queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                r = json.loads(line)
                queries.append(Query(str(r["id"]), "judged", r["text"], {}))
    notes["queries"] = len(queries)
    judged = [q for q in queries if q.id in qrels]
    notes["judged_queries"] = len(judged)
    unique, aliases = _unique(docs, notes)
    # A collection's records may name their language; English unless most say otherwise.
    languages = Counter(doc.meta.get("lang") or "en" for doc in unique)
    lang = "fr" if languages["fr"] > len(unique) / 2 else "en"
    return TestSet(name, lang, unique, judged, qrels, aliases, notes)


def load_known_item(name: str, root: Path) -> TestSet:
    relative, lang, every = KNOWN_ITEM_SETS[name]
    notes: dict[str, Any] = {"file": relative, "every": every}
    usable = []
    with gzip.open(root / relative, "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            if (r.get("title") or "").strip() and (r.get("text") or "").strip():
                meta = {k: r[k] for k in META_FIELDS if r.get(k)}
                usable.append(Doc(str(r["id"]), r["title"], r["text"], meta))
    notes["usable_records"] = len(usable)
    unique, aliases = _unique(usable[::every], notes)
    return TestSet(name, lang, unique, aliases=aliases, notes=notes)


def load_mixed(root: Path) -> TestSet:
    """The known-item sets' documents in one set, ids prefixed by their set's name."""
    docs: list[Doc] = []
    aliases: dict[str, str] = {}
    notes: dict[str, Any] = {}
    for name in MIXED_PARTS:
        part = load_known_item(name, root)
        docs.extend(Doc(f"{name}:{d.id}", d.title, d.text, d.meta) for d in part.docs)
        aliases.update({f"{name}:{a}": f"{name}:{b}" for a, b in part.aliases.items()})
        notes[name] = part.notes
    return TestSet("mixed", "en", docs, aliases=aliases, notes=notes)


def mixed_queries(test_set: TestSet, per_kind: int, seed: int) -> list[Query]:
    """Each part's queries over its own documents (as stored), kinds named by part."""
    queries = []
    for name in MIXED_PARTS:
        lang = KNOWN_ITEM_SETS[name][1]
        prefix = f"{name}:"
        own = [d for d in test_set.docs if d.id.startswith(prefix)]
        generator = Generator(TestSet(name, lang, own), seed)
        for kind in KINDS:
            for q in generator.queries(kind, per_kind):
                queries.append(Query(f"{name}-{q.id}", f"{name} {kind}", q.text, q.relevant))
    return queries


# -- contenders -------------------------------------------------------------------


class Contender:
    name = ""

    def search(self, query: str) -> tuple[list[str], str | None]:
        """Document ids of the top ``DEPTH``, and an error message if the query failed."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class ClipperContender(Contender):
    """clipper through ``Archive`` only: import, then search as typed."""

    name = "clipper"

    def __init__(self, corpus: Path) -> None:
        self.archive = Archive.open_or_create(corpus)

    def load(self, jsonl: Path, docs: Sequence[Doc]) -> dict[str, str]:
        """Import ``jsonl`` (one line per doc); the status of each doc id, and aliases.

        Returns ``{doc_id: status}`` with "added", "failed" or, for a document
        clipper stored as a copy of another, the id of the document kept.
        """
        by_clipping: dict[str, str] = {}
        outcomes: dict[int, AddOutcome] = {}

        def seen(outcome: AddOutcome) -> None:
            # Names are "PATH:LINE", lines numbered from 1.
            outcomes[int(outcome.name.rsplit(":", 1)[1]) - 1] = outcome

        self.archive.import_jsonl(jsonl, on_outcome=seen, keep_outcomes=False)
        status: dict[str, str] = {}
        for number, doc in enumerate(docs):
            outcome = outcomes.get(number)
            if outcome is not None and outcome.status == "added" and outcome.clipping:
                by_clipping[outcome.clipping.id] = doc.id
                status[doc.id] = "added"
        for number, doc in enumerate(docs):
            outcome = outcomes.get(number)
            if outcome is None or outcome.status == "failed" or outcome.clipping is None:
                status[doc.id] = "failed"
            elif outcome.status == "duplicate":
                status[doc.id] = by_clipping.get(outcome.clipping.id, "failed")
        return status

    def search(self, query: str) -> tuple[list[str], str | None]:
        try:
            result = self.archive.search(query, limit=DEPTH)
        except ClipperError as exc:  # a query clipper refuses: no result, as the user sees
            return [], str(exc)
        return [str(hit.clipping.extra.get("id")) for hit in result.hits], None

    def close(self) -> None:
        self.archive.close()


class WhooshContender(Contender):
    name = "whoosh"

    def __init__(self, jsonl: Path, target: Path, lang: str) -> None:
        plain_whoosh.ingest(jsonl, target, lang=lang)
        self.searcher = plain_whoosh.Searcher(target)

    def search(self, query: str) -> tuple[list[str], str | None]:
        return self.searcher.ranked_ids(query, DEPTH), None

    def close(self) -> None:
        self.searcher.close()


class Fts5Contender(Contender):
    name = "fts5"

    def __init__(self, jsonl: Path, target: Path) -> None:
        fts5.ingest(jsonl, target, tokenize=fts5.PORTER, with_ids=True)
        self.searcher = fts5.Searcher(target)

    def search(self, query: str) -> tuple[list[str], str | None]:
        try:
            return self.searcher.ranked_ids(query, DEPTH), None
        except sqlite3.OperationalError as exc:
            return [], str(exc)

    def close(self) -> None:
        self.searcher.close()


def write_jsonl(path: Path, docs: Iterable[Doc], meta: bool) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            record = {"id": doc.id, "title": doc.title, "text": doc.text}
            if meta:
                record.update(doc.meta)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def build(test_set: TestSet, workdir: Path) -> tuple[list[Contender], dict[str, float]]:
    """The three contenders over the same documents, and how long each took to build."""
    seconds: dict[str, float] = {}
    clipper_in = workdir / "clipper.jsonl"
    write_jsonl(clipper_in, test_set.docs, meta=True)
    start = time.perf_counter()
    clipper = ClipperContender(workdir / "clipper-corpus")
    status = clipper.load(clipper_in, test_set.docs)
    seconds["clipper"] = time.perf_counter() - start
    # What clipper did not store as itself, the others do not get either.
    counts = Counter(s if s in ("added", "failed") else "duplicate" for s in status.values())
    test_set.notes["clipper_import"] = dict(counts)
    test_set.aliases.update({d: s for d, s in status.items() if s not in ("added", "failed")})
    test_set.docs = [d for d in test_set.docs if status.get(d.id) == "added"]
    if test_set.qrels:
        test_set.qrels = {q: _aliased(rels, test_set.aliases) for q, rels in test_set.qrels.items()}
    test_set.notes["documents"] = len(test_set.docs)
    plain_in = workdir / "plain.jsonl"
    write_jsonl(plain_in, test_set.docs, meta=False)
    start = time.perf_counter()
    whoosh_contender = WhooshContender(plain_in, workdir / "whoosh", test_set.lang)
    seconds["whoosh"] = time.perf_counter() - start
    start = time.perf_counter()
    fts5_contender = Fts5Contender(plain_in, workdir / "fts5.db")
    seconds["fts5"] = time.perf_counter() - start
    return [clipper, whoosh_contender, fts5_contender], seconds


def _aliased(relevant: dict[str, int], aliases: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for doc, grade in relevant.items():
        kept = doc
        while kept in aliases:  # a copy of a copy clipper merged
            kept = aliases[kept]
        out[kept] = max(grade, out.get(kept, 0))
    return out


# -- known-item query generation ------------------------------------------------------
# Rules are the same for every set and written before looking at any engine's
# results: what a reader might remember or type, not what an engine needs.

STOPWORDS = frozenset(stoplists["en"]) | frozenset(stoplists["fr"])
_LETTERS = re.compile(r"[^\W\d_]+")
_GLUED = re.compile(r"[a-zà-ÿ][A-ZÀ-Ý]")  # "recyclerCar": paragraphs glued upstream
_TITLE_WORD = re.compile(r"\w+(?:['’.-]\w+)*")  # l'emploi, coca-cola, u.k, 2.4
_TITLE_SEPARATORS = (" : ", " - ", " | ", " – ", " — ")
DISTINCTIVE = 15  # how many of an article's best tf-idf words count as distinctive
MIN_WORDS = 50  # shorter articles are not used as targets
SENTENCES = {
    "en": (
        "what happened with {0} and {1} in {2}",
        "why did {0} {1}",
        "how much {0} for {1} and {2}",
        "is there any news about the {0} of {1}",
        "what did they say about {0} and {1}",
        "when was the {0} {1} announced",
    ),
    "fr": (
        "pourquoi {0} a {1}",
        "que s'est-il passé avec {0} et {1} à {2}",
        "qu'est-ce qu'on sait sur {0} et {1}",
        "combien de {0} pour {1} en {2}",
        "quelles sont les nouvelles sur {0} et {1}",
        "comment {0} va {1} les {2}",
    ),
}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def other_number(word: str, lang: str) -> str | None:
    """The word in the other grammatical number, by the regular rules; None if unsure."""
    if len(word) < 4:
        return None
    if lang == "fr":
        if word.endswith("aux") and len(word) > 4:  # journaux, not taux
            return word[:-3] + "al"
        if word.endswith("al"):
            return word[:-2] + "aux"
        if word.endswith(("x", "z")):
            return None
        return word[:-1] if word.endswith("s") else word + "s"
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is")):
        return None
    if word.endswith("s"):
        return word[:-1]
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("ch", "sh", "x")):
        return word + "es"
    return word + "s"


class Generator:
    """Seeded known-item queries over one set's documents."""

    def __init__(self, test_set: TestSet, seed: int) -> None:
        self.set = test_set
        self.seed = seed
        self.df: Counter[str] = Counter()
        for doc in test_set.docs:
            self.df.update({w.lower() for w in _LETTERS.findall(f"{doc.title} {doc.text}")})
        self.title_suffixes = self._boilerplate_suffixes()

    def _boilerplate_suffixes(self) -> set[str]:
        """Title endings shared by many titles (a site's " : actualité …"), not news."""
        counts: Counter[str] = Counter()
        for doc in self.set.docs:
            for sep in _TITLE_SEPARATORS:
                if sep in doc.title:
                    counts[sep + doc.title.rsplit(sep, 1)[1]] += 1
        floor = max(5, len(self.set.docs) // 100)
        return {suffix for suffix, n in counts.items() if n >= floor}

    def distinctive(self, doc: Doc) -> list[tuple[str, bool]]:
        """The doc's best words by tf-idf: ``(lower-cased word, seen in lower case)``."""
        tf: Counter[str] = Counter()
        lower_seen: set[str] = set()
        for word in _LETTERS.findall(f"{doc.title} {doc.text}"):
            low = word.lower()
            if len(word) < 4 or low in STOPWORDS or _GLUED.search(word):
                continue
            tf[low] += 1
            if word == low:
                lower_seen.add(low)
        n = len(self.set.docs)
        ranked = sorted(tf, key=lambda w: (-tf[w] * math.log(n / self.df[w]), w))
        return [(w, w in lower_seen) for w in ranked[:DISTINCTIVE]]

    def queries(self, kind: str, count: int) -> list[Query]:
        rng = random.Random(f"{self.seed}:{self.set.name}:{kind}")
        targets = [d for d in self.set.docs if len(_LETTERS.findall(d.text)) >= MIN_WORDS]
        rng.shuffle(targets)
        make: Callable[[Doc, random.Random], str | None] = getattr(self, f"_{kind}")
        out = []
        for doc in targets:
            text = make(doc, rng)
            if text:
                out.append(Query(f"{kind}-{len(out) + 1}", kind, text, {doc.id: 1}))
                if len(out) == count:
                    break
        return out

    def _remembered(self, doc: Doc, rng: random.Random) -> str | None:
        words = self.distinctive(doc)
        if len(words) < 4:
            return None
        chosen = rng.sample(words, rng.choice((3, 4)))
        variants = [self._misremembered(word, lower_seen) for word, lower_seen in chosen]
        # One draw per word whatever the word: the next queries do not depend on it.
        draws = [rng.random() for _ in variants]
        changed = [v is not None and d < 0.5 for v, d in zip(variants, draws, strict=True)]
        changeable = [i for i, v in enumerate(variants) if v is not None]
        if changeable and not any(changed):
            changed[rng.choice(changeable)] = True  # at least one word as a memory changes it
        out = [v if c and v else w for (w, _), v, c in zip(chosen, variants, changed, strict=True)]
        rng.shuffle(out)  # remembered in no particular order
        return " ".join(out)

    def _misremembered(self, word: str, lower_seen: bool) -> str | None:
        """The word without its accents, else in the other number; None if neither applies.

        The other number only for words also met in lower case (names are not put in
        the plural) and only if the collection has that form too, so that no invented
        word ("federallies") stands in for a real one.
        """
        if strip_accents(word) != word:
            return strip_accents(word)
        other = other_number(word, self.set.lang) if lower_seen else None
        return other if other and self.df[other] else None

    def _title(self, doc: Doc, rng: random.Random) -> str | None:
        title = doc.title
        for suffix in self.title_suffixes:
            if title.endswith(suffix):
                title = title[: -len(suffix)]
        words = [w.lower().replace("’", "'") for w in _TITLE_WORD.findall(title)]
        if len(words) < 3:
            return None
        text = " ".join(words)
        return strip_accents(text) if rng.random() < 0.5 else text

    def _phrase(self, doc: Doc, rng: random.Random) -> str | None:
        """Three words in a row, no punctuation between, one of them distinctive.

        A phrase someone quotes to find an article again is one they noticed; "said it
        was" would be in half the collection and tell nothing about ranking.
        """
        tokens = doc.text.split()
        distinctive = {w for w, _ in self.distinctive(doc)}

        def plain(token: str) -> bool:
            return bool(_LETTERS.fullmatch(token)) and not _GLUED.search(token)

        starts = [
            i
            for i in range(len(tokens) - 2)
            if all(plain(t) for t in tokens[i : i + 3])
            and any(t.lower() in distinctive for t in tokens[i : i + 3])
        ]
        if not starts:
            return None
        start = rng.choice(starts)
        return '"' + " ".join(tokens[start : start + 3]) + '"'

    def _sentence(self, doc: Doc, rng: random.Random) -> str | None:
        words = [w for w, _ in self.distinctive(doc)]
        template = rng.choice(SENTENCES[self.set.lang])
        slots = template.count("{")
        if len(words) < slots:
            return None
        # In the order the article gives them, as someone retelling it would.
        text = f"{doc.title} {doc.text}".lower()
        chosen = sorted(rng.sample(words, slots), key=text.find)
        return template.format(*chosen)


# -- the run ------------------------------------------------------------------------


@dataclass
class Outcome:
    ranked: list[str]
    seconds: float
    error: str | None


def run_queries(contenders: Sequence[Contender], queries: Sequence[Query]) -> list[dict[str, Any]]:
    rows = []
    for number, query in enumerate(queries):
        outcomes: dict[str, Outcome] = {}
        # Rotate the order so that no contender always runs on a cache the previous warmed.
        shift = number % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            start = time.perf_counter()
            ranked, error = contender.search(query.text)
            outcomes[contender.name] = Outcome(ranked, time.perf_counter() - start, error)
        rows.append(
            {
                "id": query.id,
                "kind": query.kind,
                "query": query.text,
                "relevant": len(query.relevant),
                "target": next(iter(query.relevant)) if query.kind != "judged" else None,
                "engines": {
                    name: {
                        **_rounded(query_metrics(o.ranked, query.relevant)),
                        "first_relevant": _first_relevant(o.ranked, query.relevant),
                        "returned": len(o.ranked),
                        "ms": round(o.seconds * 1000, 2),
                        **({"error": o.error} if o.error else {}),
                    }
                    for name, o in outcomes.items()
                },
            }
        )
    return rows


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in values.items()}


def _first_relevant(ranked: Sequence[str], relevant: Mapping[str, int]) -> int | None:
    return next((i for i, d in enumerate(ranked, start=1) if relevant.get(d, 0) > 0), None)


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for engine in ENGINES:
        values = [row["engines"][engine] for row in rows]
        summary = {m: round(statistics.fmean(v[m] for v in values), 4) for m in METRICS}
        summary["p50_ms"] = round(statistics.median(v["ms"] for v in values), 2)
        summary["errors"] = sum(1 for v in values if "error" in v)
        out[engine] = summary
    return out


def run_set(name: str, root: Path, per_kind: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    if name in judged_sets(root):
        test_set = load_judged(name, root)
    elif name == "mixed":
        test_set = load_mixed(root)
    else:
        test_set = load_known_item(name, root)
    with tempfile.TemporaryDirectory(prefix=f"relevance-{name}-") as tmp:
        contenders, build_seconds = build(test_set, Path(tmp))
        try:
            if test_set.qrels:
                queries = [
                    Query(q.id, q.kind, q.text, test_set.qrels[q.id]) for q in test_set.queries
                ]
            elif name == "mixed":
                queries = mixed_queries(test_set, per_kind, seed)
            else:
                generator = Generator(test_set, seed)
                queries = [q for kind in KINDS for q in generator.queries(kind, per_kind)]
            rows = run_queries(contenders, queries)
        finally:
            for contender in contenders:
                contender.close()
    if test_set.qrels:
        kinds = ["judged"]
    elif name == "mixed":
        kinds = [f"{part} {kind}" for part in MIXED_PARTS for kind in KINDS]
    else:
        kinds = list(KINDS)
    return {
        "lang": test_set.lang,
        "notes": test_set.notes,
        "build_seconds": {k: round(v, 2) for k, v in build_seconds.items()},
        "seconds": round(time.perf_counter() - started, 1),
        "kinds": {
            kind: {
                "queries": sum(1 for r in rows if r["kind"] == kind),
                "engines": summarise([r for r in rows if r["kind"] == kind]),
            }
            for kind in kinds
        },
        "all": {"queries": len(rows), "engines": summarise(rows)},
        "queries": rows,
    }


# -- report ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "whoosh": whoosh.versionstring(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],  # 1, 5, 15 min
    }


def git_commit() -> tuple[str, bool]:
    """HEAD's short hash, and whether clipper/ or benchmarks/ differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") or "unknown", bool(
        git("status", "--porcelain", "--", "clipper", "benchmarks")
    )


def table(results: Mapping[str, Any]) -> str:
    header = ["set", "kind", "n", "contender", *(METRIC_LABELS[m] for m in METRICS), "p50 ms"]
    lines = []
    for name, result in results.items():
        for kind, data in result["kinds"].items():
            for engine in ENGINES:
                s = data["engines"][engine]
                lines.append(
                    [
                        name,
                        kind,
                        str(data["queries"]),
                        ENGINE_LABELS[engine],
                        *(f"{s[m]:.3f}" for m in METRICS[:-1]),
                        f"{s['zero']:.0%}",
                        f"{s['p50_ms']:.1f}",
                    ]
                )
    widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:  # labels left, figures right
        return "  ".join(
            c.ljust(w) if i < 4 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join(line(row) for row in [header, *lines])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets",
        help="comma-separated: " + ",".join(SETS) + ", or the name of another folder of "
        "judged/ with docs.jsonl, queries.jsonl and qrels.txt (default: all of them)",
    )
    parser.add_argument("--queries-per-kind", type=int, default=DEFAULT_PER_KIND)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--json-out", type=Path, help="default: benchmarks/results/relevance-<commit>.json"
    )
    parser.add_argument("--self-test", action="store_true", help="check the metrics and stop")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    judged = judged_sets(args.data_root)
    every = [*judged, *(s for s in SETS if s not in judged)]
    sets = [s for s in args.sets.split(",") if s] if args.sets is not None else every
    unknown = set(sets) - set(every)
    if unknown or not sets or args.queries_per_kind < 1:
        print(f"bad --sets or --queries-per-kind: {', '.join(sorted(unknown))}", file=sys.stderr)
        return EXIT_USAGE
    files = [
        judged.get(s) or KNOWN_ITEM_SETS[s][0]
        for name in sets
        for s in (MIXED_PARTS if name == "mixed" else (name,))
    ]
    missing = [args.data_root / f for f in files if not (args.data_root / f).exists()]
    if missing:
        print(f"data not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    commit, dirty = git_commit()
    load_before = [round(x, 2) for x in os.getloadavg()]  # the machine is shared
    started = time.perf_counter()
    results = {}
    for name in sets:
        print(f"{name}…", file=sys.stderr, flush=True)
        results[name] = run_set(name, args.data_root, args.queries_per_kind, args.seed)
    report = {
        "commit": commit,
        "dirty": dirty,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "queries_per_kind": args.queries_per_kind,
        "depth": DEPTH,
        "machine": {**machine(), "load_average_start": load_before},
        "seconds": round(time.perf_counter() - started, 1),
        "sets": results,
    }
    print(table(results))
    latency = {
        e: statistics.median(q["engines"][e]["ms"] for r in results.values() for q in r["queries"])
        for e in ENGINES
    }
    print(
        "median latency, all queries: "
        + ", ".join(f"{ENGINE_LABELS[e]} {ms:.1f} ms" for e, ms in latency.items())
    )
    print(f"commit {commit}{' (modified)' if dirty else ''}, {report['seconds']:.0f} s")
    out = args.json_out or REPO / "benchmarks" / "results" / f"relevance-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
