#!/usr/bin/env python3
"""Benchmark: JSON Lines import, index size and search latency on a real corpus.

Run from the repository root (the data stays in the shared folder, never in the repo)::

    python benchmarks/bench_ingest_search.py \\
        --data ../shared/data/orangesum/orangesum_fr_sample5k.jsonl.gz \\
        --json-out benchmarks/results/ingest_search.json

What it measures, on a fresh corpus in a temporary folder:

1. ``Archive.import_jsonl`` of the file (or of its first ``--limit`` lines): clippings/s.
2. Size of the article text (UTF-8 bytes of title + text of the clippings added)
   against the size of the Whoosh index (``CORPUS/.index``) and of the whole corpus.
3. In-process search latency: one ``Archive`` (index opened once), ``limit=10`` with
   snippets, over a deterministic (seeded) mix of one-word, two-word and quoted
   two-word phrase queries taken from the corpus texts.
4. Fresh-process latency: ``clipper --corpus DIR search QUERY --limit 10`` as a
   subprocess, wall time, plus ``clipper --help`` and ``python -c pass`` for scale.

This file is a script, not a test: pytest never collects it (outside ``tests/``,
and its name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh.lang.stopwords import stoplists

from clipper.archive import AddOutcome, Archive
from clipper.errors import ClipperError
from clipper.textutil import fold

EXIT_MISSING_DATA = 2
DEFAULT_SEED = 20261126
MIN_WORD_LETTERS = 4
QUERY_KINDS = ("word", "two_words", "phrase")
STOPWORDS = frozenset(
    fold(w.lower()) for lang in ("fr", "en") for w in stoplists[lang]
) | frozenset(w.lower() for lang in ("fr", "en") for w in stoplists[lang])
# Punctuation stripped from the ends of whitespace-separated tokens.
_EDGE_PUNCTUATION = ".,;:!?«»\"'“”‘’()[]{}…-–—/*"


# -- small helpers -------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_stats(seconds: Sequence[float]) -> dict[str, float | int]:
    """p50, p95, mean, min and max in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


@dataclass
class TreeSize:
    files: int = 0
    bytes: int = 0  # apparent size (st_size)
    allocated: int = 0  # what the file system really uses (st_blocks * 512)


def tree_size(path: Path) -> TreeSize:
    size = TreeSize()
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = (Path(root) / name).stat()
            except OSError:
                continue
            size.files += 1
            size.bytes += st.st_size
            size.allocated += st.st_blocks * 512
    return size


def own_cpu_seconds() -> float:
    """CPU seconds used so far by this process and its reaped children (worker pools)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def machine_cpu_seconds() -> float | None:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    ticks = [int(x) for x in first[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """Wall time, own CPU time, and the CPUs other processes kept busy meanwhile.

    The machine may be shared: ``others_cpus`` (0 to the CPU count) tells how much
    of it someone else used during a measurement, so a slow figure can be explained.
    """

    wall: float = 0.0
    own_cpu: float = 0.0
    others_cpus: float | None = None
    _start: tuple[float, float, float | None] = (0.0, 0.0, None)

    def __enter__(self) -> CpuMeter:
        self._start = (time.perf_counter(), own_cpu_seconds(), machine_cpu_seconds())
        return self

    def __exit__(self, *exc: object) -> None:
        wall0, own0, machine0 = self._start
        self.wall = time.perf_counter() - wall0
        self.own_cpu = own_cpu_seconds() - own0
        machine1 = machine_cpu_seconds()
        if machine0 is not None and machine1 is not None and self.wall > 0:
            others = (machine1 - machine0) - self.own_cpu
            self.others_cpus = max(0.0, others / self.wall)

    def as_dict(self) -> dict[str, float | None]:
        return {
            "wall_seconds": round(self.wall, 3),
            "own_cpu_seconds": round(self.own_cpu, 3),
            "others_cpus_busy": None if self.others_cpus is None else round(self.others_cpus, 2),
        }


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "load_average_at_start": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: a busy shared machine skews every figure."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def clipper_source() -> dict[str, Any]:
    """Which clipper code is measured: its folder, and the git commit when in a repository.

    Run against another version by putting an exported tree first on the path:
    ``git archive COMMIT clipper | tar -x -C /tmp/src`` then ``PYTHONPATH=/tmp/src``.
    """
    import clipper

    package = Path(clipper.__file__).resolve().parent
    info: dict[str, Any] = {"path": str(package), "commit": None, "dirty": None}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(package), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit:
        info["commit"] = commit
        info["dirty"] = bool(git("status", "--porcelain", "--", "."))
    return info


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def open_lines(path: Path) -> Iterator[bytes]:
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        yield from handle


# -- queries ----------------------------------------------------------------------


def good_word(token: str) -> str | None:
    """The token without edge punctuation if it is a searchable word, else ``None``.

    Kept: letters only (no digits, no inner apostrophe or hyphen, which would need
    the query parser's care), at least four letters, not a French or English stop word.
    """
    word = token.strip(_EDGE_PUNCTUATION)
    if len(word) < MIN_WORD_LETTERS or not word.isalpha():
        return None
    if word.lower() in STOPWORDS or fold(word.lower()) in STOPWORDS:
        return None
    return word


def adjacent_pairs(text: str) -> list[tuple[str, str]]:
    """Pairs of good words that follow each other in ``text`` with only a space between."""
    tokens = text.split()
    pairs = []
    for left, right in zip(tokens, tokens[1:], strict=False):
        # Punctuation between the two words (a comma, a full stop) breaks the phrase.
        if left != left.rstrip(_EDGE_PUNCTUATION) or right != right.lstrip(_EDGE_PUNCTUATION):
            continue
        a, b = good_word(left), good_word(right)
        if a and b:
            pairs.append((a, b))
    return pairs


def build_queries(texts: Sequence[str], count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (kind, query) pairs, a third of each kind, shuffled, reproducible."""
    rng = random.Random(seed)
    queries: list[tuple[str, str]] = []
    per_kind = [count // 3 + (1 if i < count % 3 else 0) for i in range(3)]
    attempts = 0
    for kind, wanted in zip(QUERY_KINDS, per_kind, strict=True):
        made = 0
        while made < wanted:
            attempts += 1
            if attempts > 1000 * max(count, 1):
                raise RuntimeError("cannot build enough queries from this corpus")
            text = rng.choice(texts)
            if kind == "phrase":
                pairs = adjacent_pairs(text)
                if not pairs:
                    continue
                a, b = rng.choice(pairs)
                query = f'"{a} {b}"'
            else:
                words = [w for w in (good_word(t) for t in text.split()) if w]
                if len(words) < 2:
                    continue
                if kind == "word":
                    query = rng.choice(words)
                else:
                    a, b = rng.sample(words, 2)
                    if a.lower() == b.lower():
                        continue
                    query = f"{a} {b}"
            queries.append((kind, query))
            made += 1
    rng.shuffle(queries)
    return queries


# -- the measurements -----------------------------------------------------------------


@dataclass
class IngestResult:
    source_lines: int
    seconds: float
    meter: CpuMeter
    added: list[AddOutcome] = field(default_factory=list)
    duplicates: int = 0
    near_duplicates: int | None = None  # added, but close to a stored clipping (if reported)
    failed: list[AddOutcome] = field(default_factory=list)


def run_import(archive: Archive, data: Path, limit: int | None, workdir: Path) -> IngestResult:
    if limit is not None:
        source = workdir / "input.jsonl"
        lines = 0
        with source.open("wb") as out:
            for line in open_lines(data):
                if not line.strip():
                    continue
                out.write(line)
                lines += 1
                if lines >= limit:
                    break
    else:
        source = data
        lines = sum(1 for line in open_lines(data) if line.strip())
    with CpuMeter() as meter:
        report = archive.import_jsonl(source)
    return IngestResult(
        source_lines=lines,
        seconds=meter.wall,
        meter=meter,
        added=report.added,
        duplicates=len(report.duplicates),
        near_duplicates=_near_duplicates(report),
        failed=report.failed,
    )


def _near_duplicates(report: Any) -> int | None:
    near = getattr(report, "near_duplicates", None)  # only in clipper versions that group them
    return len(near) if near is not None else None


def in_process_latency(
    archive: Archive, queries: Sequence[tuple[str, str]]
) -> tuple[float, dict[str, Any]]:
    """Seconds of the first search (opens the index), and stats of all the queries after it."""
    start = time.perf_counter()
    archive.search(queries[0][1], limit=10)
    first = time.perf_counter() - start

    timings: dict[str, list[float]] = {kind: [] for kind in QUERY_KINDS}
    cpu: list[float] = []
    totals: list[int] = []
    errors: list[str] = []
    with CpuMeter() as meter:
        for kind, query in queries:
            cpu_start = time.process_time()
            start = time.perf_counter()
            try:
                result = archive.search(query, limit=10)
            except ClipperError as exc:
                errors.append(f"{query}: {exc.message}")
                continue
            timings[kind].append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
            totals.append(result.total)
    every = [t for kind in QUERY_KINDS for t in timings[kind]]
    stats: dict[str, Any] = {
        "all": latency_stats(every),
        "cpu": latency_stats(cpu),
        "meter": meter.as_dict(),
        "by_kind": {kind: latency_stats(timings[kind]) for kind in QUERY_KINDS},
        "hits_total_median": statistics.median(totals) if totals else None,
        "queries_without_hits": sum(1 for t in totals if t == 0),
        "errors": errors,
    }
    return first, stats


def clipper_command() -> list[str]:
    beside = Path(sys.executable).with_name("clipper")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("clipper")
    if found:
        return [found]
    return [sys.executable, "-m", "clipper"]


def time_command(argv: Sequence[str], accepted: tuple[int, ...] = (0,)) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=_child_env()
    )
    seconds = time.perf_counter() - start
    if done.returncode not in accepted:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(
            f"{' '.join(argv)} exited {done.returncode}: {message[-1] if message else ''}"
        )
    return seconds, done.returncode


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CLIPPER_CORPUS", None)
    env.pop("CLIPPER_DEBUG", None)
    return env


def fresh_process_latency(
    corpus: Path, queries: Sequence[tuple[str, str]], runs: int, help_runs: int
) -> dict[str, Any]:
    clipper = clipper_command()
    search_times: list[float] = []
    no_hits = 0
    errors: list[str] = []
    with CpuMeter() as meter:
        for _kind, query in queries[:runs]:
            argv = [*clipper, "--corpus", str(corpus), "search", query, "--limit", "10"]
            try:
                seconds, code = time_command(argv, accepted=(0, 1))
            except RuntimeError as exc:
                errors.append(str(exc))
                continue
            search_times.append(seconds)
            no_hits += code == 1
    help_times = [time_command([*clipper, "--help"])[0] for _ in range(help_runs)]
    python_times = [time_command([sys.executable, "-c", "pass"])[0] for _ in range(help_runs)]
    return {
        "command": clipper,
        "search": latency_stats(search_times),
        "search_meter": meter.as_dict(),
        "search_no_hits": no_hits,
        "search_errors": errors,
        "help": latency_stats(help_times),
        "python_startup": latency_stats(python_times),
    }


# -- output ------------------------------------------------------------------------------


def print_table(results: dict[str, Any]) -> None:
    ingest = results["ingest"]
    sizes = results["sizes"]
    search = results["search_in_process"]
    fresh = results["search_fresh_process"]
    m = results["machine"]

    def row(label: str, value: str) -> None:
        print(f"  {label:<44} {value}")

    def ms(stats: dict[str, Any], key: str) -> str:
        return f"{stats[key]:.1f} ms" if key in stats else "n/a"

    print()
    print(f"clipper ingest + search benchmark  ({results['date']})")
    print(f"  machine: {m['cpu_model']}, {m['cpu_count']} CPUs, Python {m['python']}")
    print(f"  data:    {results['data']}")
    src = results["clipper"]
    commit = (src["commit"] or "")[:10] + (" (dirty)" if src["dirty"] else "")
    print(f"  clipper: {src['path']} {commit}".rstrip())
    if results["label"]:
        print(f"  label:   {results['label']}")
    print()
    print("Ingest (Archive.import_jsonl)")
    row("lines read", str(ingest["source_lines"]))
    row(
        "added / duplicates / failed",
        f"{ingest['added']} / {ingest['duplicates']} / {ingest['failed']}",
    )
    if ingest["near_duplicates"] is not None:
        row("  of the added, near-duplicates", str(ingest["near_duplicates"]))
    row("time", f"{ingest['seconds']:.2f} s  (CPU {ingest['own_cpu_seconds']:.1f} s)")
    row(
        "throughput",
        f"{ingest['clippings_per_second']:.1f} clippings/s "
        f"({ingest['ms_per_clipping']:.2f} ms each)",
    )
    print()
    print("Sizes")
    row("text (title + text, UTF-8)", human_bytes(sizes["text_bytes"]))
    row("index (.index)", f"{human_bytes(sizes['index_bytes'])}  ({sizes['index_files']} files)")
    row(
        "clippings/ (json + originals)",
        f"{human_bytes(sizes['clippings_bytes'])}  "
        f"({sizes['clippings_files']} files, {human_bytes(sizes['clippings_allocated'])} "
        "on disk)",
    )
    row(
        "whole corpus dir",
        f"{human_bytes(sizes['corpus_bytes'])}  ({human_bytes(sizes['corpus_allocated'])} on disk)",
    )
    row("index / text", f"{sizes['index_to_text']:.2f}x")
    row(
        "corpus / text",
        f"{sizes['corpus_to_text']:.2f}x  (on disk {sizes['corpus_allocated_to_text']:.2f}x)",
    )
    print()
    print(f"In-process search (one Archive, limit 10 + snippets, {search['all']['n']} queries)")
    row("first search (opens index)", f"{search['first_search_ms']:.1f} ms")
    row("CPU time p50 / p95", f"{ms(search['cpu'], 'p50_ms')} / {ms(search['cpu'], 'p95_ms')}")
    row(
        "p50 / p95 / mean",
        f"{ms(search['all'], 'p50_ms')} / {ms(search['all'], 'p95_ms')} / "
        f"{ms(search['all'], 'mean_ms')}",
    )
    for kind in QUERY_KINDS:
        stats = search["by_kind"][kind]
        row(
            f"  {kind} (n={stats['n']}) p50 / p95", f"{ms(stats, 'p50_ms')} / {ms(stats, 'p95_ms')}"
        )
    row(
        "median total hits; queries with no hit",
        f"{search['hits_total_median']}; {search['queries_without_hits']}",
    )
    if search["errors"]:
        row("query errors", str(len(search["errors"])))
    print()
    print(f"Fresh process (clipper --corpus DIR search Q --limit 10, {fresh['search']['n']} runs)")
    row("search p50 / p95", f"{ms(fresh['search'], 'p50_ms')} / {ms(fresh['search'], 'p95_ms')}")
    row(f"clipper --help p50 ({fresh['help']['n']} runs)", ms(fresh["help"], "p50_ms"))
    row("python -c pass p50 (interpreter start)", ms(fresh["python_startup"], "p50_ms"))
    if fresh["search_errors"]:
        row("errors", str(len(fresh["search_errors"])))
    print()
    print("Other processes on the machine (CPUs kept busy by them, of the CPU count)")
    for label, meter in (
        ("during the import", ingest),
        ("during in-process searches", search["meter"]),
        ("during fresh-process searches", fresh["search_meter"]),
    ):
        busy = meter["others_cpus_busy"]
        row(label, "n/a" if busy is None else f"{busy:.2f} of {m['cpu_count']}")
    print()


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time clipper's JSON Lines import and its searches on a real corpus."
    )
    parser.add_argument("--data", type=Path, required=True, help="JSON Lines file (.gz accepted).")
    parser.add_argument("--limit", type=int, help="Import only the first N articles.")
    parser.add_argument("--queries", type=int, default=200, help="In-process queries (200).")
    parser.add_argument(
        "--fresh-process", type=int, default=30, help="Queries run as a clipper subprocess (30)."
    )
    parser.add_argument("--help-runs", type=int, default=10, help="Runs of 'clipper --help' (10).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the queries.")
    parser.add_argument("--json-out", type=Path, help="Write the figures as JSON here.")
    parser.add_argument("--label", help="Free text saved with the figures (e.g. the commit).")
    parser.add_argument(
        "--tmpdir", type=Path, help="Where to make the temporary corpus (default: system temp)."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the temporary corpus and print its path."
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    if args.fresh_process < 0 or args.help_runs < 0:
        parser.error("--fresh-process and --help-runs must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data: Path = args.data
    if not data.is_file():
        print(
            f"error: data file not found: {data}\n"
            "The benchmark data lives in the shared data folder beside the repository "
            "(../shared/data from the repo root); it is never copied into the repository.",
            file=sys.stderr,
        )
        return EXIT_MISSING_DATA

    machine = machine_info()
    source = clipper_source()
    workdir = Path(tempfile.mkdtemp(prefix="clipper-bench-", dir=args.tmpdir))
    corpus_dir = workdir / "corpus"
    try:
        archive = Archive.open_or_create(corpus_dir)
        print(f"Importing {data} into {corpus_dir} ...", file=sys.stderr, flush=True)
        ingest = run_import(archive, data, args.limit, workdir)
        texts = [o.clipping.text for o in ingest.added if o.clipping]
        text_bytes = sum(
            len(o.clipping.title.encode("utf-8")) + len(o.clipping.text.encode("utf-8"))
            for o in ingest.added
            if o.clipping
        )
        index = tree_size(corpus_dir / ".index")
        clippings = tree_size(corpus_dir / "clippings")
        whole = tree_size(corpus_dir)

        queries = build_queries(texts, args.queries, args.seed)
        print(f"Searching {len(queries)} queries in process ...", file=sys.stderr, flush=True)
        first, in_process = in_process_latency(archive, queries)
        archive.close()
        print(f"Running {args.fresh_process} fresh processes ...", file=sys.stderr, flush=True)
        fresh = fresh_process_latency(corpus_dir, queries, args.fresh_process, args.help_runs)
    finally:
        if args.keep:
            print(f"Corpus kept in {corpus_dir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    added = len(ingest.added)
    results: dict[str, Any] = {
        "benchmark": "ingest_search",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": str(data),
        "label": args.label,
        "clipper": source,
        "arguments": {
            "limit": args.limit,
            "queries": args.queries,
            "fresh_process": args.fresh_process,
            "help_runs": args.help_runs,
            "seed": args.seed,
        },
        "machine": {**machine, "load_average_at_end": load_average()},
        "ingest": {
            "source_lines": ingest.source_lines,
            "added": added,
            "duplicates": ingest.duplicates,
            "near_duplicates": ingest.near_duplicates,
            "failed": len(ingest.failed),
            "failures": [f"{o.name}: {o.error}" for o in ingest.failed[:50]],
            "seconds": round(ingest.seconds, 3),
            **{k: v for k, v in ingest.meter.as_dict().items() if k != "wall_seconds"},
            "clippings_per_second": round(ingest.source_lines / ingest.seconds, 2),
            "added_per_second": round(added / ingest.seconds, 2),
            "ms_per_clipping": round(1000 * ingest.seconds / max(ingest.source_lines, 1), 3),
        },
        "sizes": {
            "text_bytes": text_bytes,
            "index_bytes": index.bytes,
            "index_files": index.files,
            "clippings_bytes": clippings.bytes,
            "clippings_files": clippings.files,
            "clippings_allocated": clippings.allocated,
            "corpus_bytes": whole.bytes,
            "corpus_allocated": whole.allocated,
            "index_to_text": round(index.bytes / text_bytes, 3) if text_bytes else None,
            "corpus_to_text": round(whole.bytes / text_bytes, 3) if text_bytes else None,
            "corpus_allocated_to_text": (
                round(whole.allocated / text_bytes, 3) if text_bytes else None
            ),
        },
        "search_in_process": {"first_search_ms": round(first * 1000, 3), **in_process},
        "search_fresh_process": fresh,
        "queries_sample": [q for _kind, q in queries[:10]],
    }
    print_table(results)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"Figures written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
