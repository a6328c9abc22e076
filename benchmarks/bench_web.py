#!/usr/bin/env python3
"""Benchmark: latency of the web search page on a warm local server.

    python benchmarks/bench_web.py --corpus DIR [--requests 200]
    python benchmarks/bench_web.py --data ../shared/data/orangesum/orangesum_fr_sample5k.jsonl.gz

Starts ``clipper serve``'s server in this process on 127.0.0.1 (a free port),
warms it with a few requests, then times GET /?q=... (the search page) over HTTP for a
deterministic mix of one-word, two-word and phrase queries taken from the
corpus, and reports p50/p95. With ``--data``, the corpus is first imported
into a temporary folder. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from clipper.archive import Archive

WORD = re.compile(r"[^\W\d_]{5,}")


def queries_from(archive: Archive, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = [archive.get(i).text for i in archive.clipping_ids()[:500]]
    queries = []
    while len(queries) < count:
        words = WORD.findall(rng.choice(texts))
        if len(words) < 3:
            continue
        start = rng.randrange(len(words) - 1)
        kind = len(queries) % 3
        if kind == 0:
            queries.append(words[start])
        elif kind == 1:
            queries.append(f"{words[start]} {rng.choice(words)}")
        else:
            queries.append(f'"{words[start]} {words[start + 1]}"')
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="An existing clipper corpus.")
    parser.add_argument("--data", type=Path, help="A JSON Lines file to import first.")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if bool(args.corpus) == bool(args.data):
        parser.error("give --corpus or --data")
    if args.data and not args.data.exists():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 2
    try:
        from clipper.web.app import build_server
    except ImportError:
        print("the web page needs Flask: pip install '.[web]'", file=sys.stderr)
        return 2
    corpus = args.corpus
    if args.data:
        corpus = Path(tempfile.mkdtemp(prefix="clipper-web-bench-")) / "corpus"
        print(f"importing {args.data} into {corpus} ...", file=sys.stderr)
        Archive.open_or_create(corpus).import_jsonl(args.data)
    archive = Archive.open(corpus)
    clippings = archive.count()
    queries = queries_from(archive, args.requests, args.seed)
    archive.close()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = build_server(corpus, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/?"
    try:
        for query in queries[:5]:  # warm: index open, templates compiled
            urllib.request.urlopen(base + urllib.parse.urlencode({"q": query}), timeout=60).read()
        times = []
        for query in queries:
            started = time.perf_counter()
            with urllib.request.urlopen(
                base + urllib.parse.urlencode({"q": query}), timeout=60
            ) as response:
                response.read()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        server.shutdown()
        server.server_close()
    result = {
        "clippings": clippings,
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "mean_ms": round(statistics.fmean(times), 1),
    }
    print(
        f"web search page, {clippings} clippings, {len(times)} requests: "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, mean {result['mean_ms']} ms"
    )
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
