"""Search latency of relaxed questions and short queries, in process.

    python benchmarks/relax_speed.py CORPUS [--queries 100] [--seed 7] [--rounds 1]
                                            [--facets] [--collapse]

Queries are drawn from the corpus itself with a seeded generator: a
*question* is 8 consecutive words of a clipping's text (with its stop words,
unquoted: every word together usually finds only that clipping, so the query
is relaxed); a *pair* is two words of a title. Some queries of each kind,
drawn first, warm the process up (index opened, caches filled); then each
query is timed the first time it is asked, as a new query would be (a query
asked again finds what a search keeps per opened index). p50 and p95 per
kind are printed, wall-clock and CPU time. ``--facets`` asks for every
facet, as the web page does; ``--collapse`` shows each near-duplicate group
once (the page's "show each wire story once"). With ``--rounds N`` every
query is timed N times, the archive opened anew each time, and counts with
its median time. The corpus is only read.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time

from clipper.archive import Archive
from clipper.errors import ClipperError
from clipper.options import FACETS

WORD = re.compile(r"[^\W\d_]{2,}")
WARM_UP = 20  # queries of each kind asked before the timed ones


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=1, help="archive opened anew each round")
    parser.add_argument("--facets", action="store_true", help="count every facet")
    parser.add_argument("--collapse", action="store_true", help="each group once")
    args = parser.parse_args()
    facets = FACETS if args.facets else ()
    archive = Archive.open(args.corpus)
    questions, pairs = draw_queries(archive, args.queries + WARM_UP, args.seed)
    archive.close()
    kinds = {"question (8 words)": questions[WARM_UP:], "pair (2 words)": pairs[WARM_UP:]}
    rounds: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    cpu_rounds: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(args.rounds):
        # A new opening forgets what searches keep per opened index: each
        # query is timed as the first time it is asked.
        archive = Archive.open(args.corpus)
        for query in questions[:WARM_UP] + pairs[:WARM_UP]:
            try:
                archive.search(query, limit=10, facets=facets, collapse=args.collapse)
            except ClipperError:  # an older clipper refuses some (too broad)
                pass
        for kind, queries in kinds.items():
            times = []
            cpu_times = []
            relaxed = refused = 0
            for query in queries:
                start = time.perf_counter()
                cpu_start = time.process_time()
                try:
                    result = archive.search(query, limit=10, facets=facets, collapse=args.collapse)
                    relaxed += bool(getattr(result, "relaxed", False))
                except ClipperError:
                    refused += 1
                times.append((time.perf_counter() - start) * 1000)
                cpu_times.append((time.process_time() - cpu_start) * 1000)
            rounds[kind].append(times)
            cpu_rounds[kind].append(cpu_times)
            counts[kind] = (relaxed, refused)
        archive.close()
    for kind, timed in rounds.items():
        # Each query's median over the rounds: a burst of another process on
        # the machine slows one round, not the figure.
        times = per_query_medians(timed)
        cpu = per_query_medians(cpu_rounds[kind])
        relaxed, refused = counts[kind]
        each_round = ", ".join(f"{statistics.median(t):.1f}" for t in timed)
        # CPU time leaves out waiting for the disk (files the system dropped
        # from its cache) and for the other processes of the machine.
        print(
            f"{kind:<20} n={len(times)}  p50 {statistics.median(times):6.1f} ms  "
            f"p95 {p95(times):6.1f} ms  (CPU {statistics.median(cpu):.1f} / {p95(cpu):.1f})  "
            f"relaxed {relaxed}  refused {refused}"
            + (f"  (p50 of each round: {each_round})" if len(timed) > 1 else "")
        )


def per_query_medians(rounds: list[list[float]]) -> list[float]:
    """Each query's median time over the rounds, ascending."""
    return sorted(statistics.median(each) for each in zip(*rounds, strict=True))


def p95(ascending: list[float]) -> float:
    return ascending[min(len(ascending) - 1, int(len(ascending) * 0.95))]


def draw_queries(archive: Archive, wanted: int, seed: int) -> tuple[list[str], list[str]]:
    """``wanted`` questions (8 consecutive words of a text) and pairs (2
    words of a title), drawn from the corpus with ``seed``."""
    rng = random.Random(seed)
    ids = archive.clipping_ids()
    questions: list[str] = []
    pairs: list[str] = []
    while len(questions) < wanted or len(pairs) < wanted:
        clipping = archive.get(rng.choice(ids))
        words = WORD.findall(clipping.text)
        if len(words) >= 8 and len(questions) < wanted:
            start = rng.randrange(len(words) - 7)
            questions.append(" ".join(words[start : start + 8]))
        title = WORD.findall(clipping.title)
        if len(title) >= 2 and len(pairs) < wanted:
            pairs.append(" ".join(rng.sample(title, 2)))
    return questions, pairs


if __name__ == "__main__":
    main()
