#!/usr/bin/env python3
"""Benchmark: no query holds the archive; each is answered or refused within 1 s.

    python benchmarks/fuzz_queries.py --corpus DIR [--queries 500] [--seed 12]
    python benchmarks/fuzz_queries.py --corpus DIR --build \\
        ../shared/data/orangesum/orangesum_fr_full.jsonl.gz \\
        ../shared/data/reuters21578/reuters21578.jsonl.gz

With ``--build``, the JSON Lines files are first imported into DIR (lines
already stored are skipped, so an interrupted build resumes). Then seeded
random queries are run in this process through :meth:`Archive.search`:
words of the corpus mixed with operators, trailing and leading wildcards,
fuzzy words (~, ~1, ~2), word and date ranges, fields, stray punctuation and
very long queries. Each is timed from the call to its result or its refusal
(a :class:`~clipper.errors.ClipperError`); the slowest ten and the count over
the limit are printed. No time budget is given: the caps alone must hold.
Exit 1 if any query took longer than the limit. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from clipper.archive import Archive
from clipper.errors import ClipperError

WORD = re.compile(r"[^\W\d_]{2,}")
FIELDS = ("title", "body", "captions", "source", "author", "agency", "tag", "lang", "url")
GARBAGE = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["AND", "OR", "NOT", "TO", "«", "»", "’"]


def sample_words(archive: Archive, count: int, seed: int) -> list[str]:
    """Words of ``count`` clippings spread over the corpus (the public API only)."""
    rng = random.Random(seed)
    total = archive.search("", limit=1).total
    words: list[str] = []
    for offset in sorted(rng.sample(range(total), min(count, total))):
        for hit in archive.search("", limit=1, offset=offset).hits:
            words += WORD.findall(f"{hit.clipping.title} {hit.clipping.text[:2000]}")
    return words


def fuzzed_query(rng: random.Random, words: list[str]) -> str:
    """One random query: a mix of words, operators, wildcards, fuzziness and noise."""
    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 6, 12])):
        word = rng.choice(words).lower()
        kind = rng.random()
        if kind < 0.12:
            word = word[: rng.randint(1, 4)] + "*"
        elif kind < 0.17:
            word = "*" + word[rng.randint(0, len(word) - 1) :]
        elif kind < 0.22:
            word = rng.choice(["?", "*"]) + word
        elif kind < 0.36:
            word = word[: rng.randint(1, len(word))] + rng.choice(["~", "~1", "~2", "~2/1", "~9"])
        elif kind < 0.42:
            low, high = sorted([word[:3], rng.choice(words).lower()[:3]])
            word = f"[{low} TO {high}]" if rng.random() < 0.7 else f"{{{low} TO *]"
        elif kind < 0.46:
            year = rng.randint(1985, 2024)
            word = rng.choice(
                [f"date:{year}", f"date:[{year} TO {year + 2}]", f"date:>{year}-03", "date:7d"]
            )
        elif kind < 0.52:
            word = f'"{word} {rng.choice(words).lower()}"'
        if rng.random() < 0.2 and not word.startswith("date:"):
            word = f"{rng.choice(FIELDS)}:{word}"
        if rng.random() < 0.1:
            word += rng.choice(GARBAGE) * rng.randint(1, 3)
        if rng.random() < 0.05:
            word = "(" + word
        parts.append(word)
        if rng.random() < 0.3:
            parts.append(rng.choice(["OR", "AND", "NOT", "OR", "^2"]))
    query = " ".join(parts)
    if rng.random() < 0.04:  # very long: a pasted paragraph, or one endless word
        filler = " ".join(rng.choice(words) for _ in range(200))
        query = (query + " " + filler)[: rng.choice([990, 1000, 1200])]
    if rng.random() < 0.01:
        query = rng.choice(words) * 120
    return query


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--build", type=Path, nargs="*", default=[], metavar="JSONL")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--limit-seconds", type=float, default=1.0)
    args = parser.parse_args()

    with Archive.open_or_create(args.corpus) as archive:
        for path in args.build:
            started = time.perf_counter()
            report = archive.import_jsonl(path, keep_outcomes=False)
            print(f"imported {path}: {report.to_dict()} in {time.perf_counter() - started:.0f} s")
        print(f"{archive.search('', limit=1).total} clippings in {args.corpus}")
        rng = random.Random(args.seed)
        words = sample_words(archive, 300, args.seed)
        queries = [fuzzed_query(rng, words) for _ in range(args.queries)]
        archive.search("warm up the searcher", limit=10)
        timings: list[tuple[float, str, str]] = []
        for query in queries:
            started = time.perf_counter()
            try:
                result = archive.search(query, limit=10)
                outcome = f"{result.total} hits"
            except ClipperError as exc:
                outcome = f"refused: {exc.message}"
            timings.append((time.perf_counter() - started, query, outcome))

    seconds = [t for t, _, _ in timings]
    refused = sum(1 for _, _, outcome in timings if outcome.startswith("refused"))
    over = [t for t in seconds if t > args.limit_seconds]
    print(
        f"{len(timings)} queries (seed {args.seed}): {len(timings) - refused} answered, "
        f"{refused} refused; p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms; over {args.limit_seconds:g} s: {len(over)}"
    )
    reasons = Counter(
        re.sub(r"'.*'|\(.*\)|\d[\d,]*", "…", outcome.removeprefix("refused: "))
        for _, _, outcome in timings
        if outcome.startswith("refused")
    )
    print("refusals:")
    for reason, count in reasons.most_common():
        print(f"  {count:4d}  {reason}")
    print("slowest ten:")
    for elapsed, query, outcome in sorted(timings, reverse=True)[:10]:
        shown = query if len(query) <= 90 else query[:87] + "..."
        print(f"  {elapsed * 1000:7.0f} ms  {shown!r}  ({outcome[:70]})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
