#!/usr/bin/env python3
"""Comparative benchmark: clipper against plain Whoosh and SQLite FTS5, in one run.

Run from the repository root, in the virtualenv (the data stays in the shared
folder, never in the repository)::

    python benchmarks/run.py \\
        --data ../shared/data/orangesum/orangesum_fr_full.jsonl.gz \\
        --data ../shared/data/reuters21578/reuters21578.jsonl.gz \\
        --snapshot --json-out benchmarks/results/run.json

On the same articles (concatenated into one temporary JSON Lines file), for each
contender -- clipper (``Archive.import_jsonl``), plain Whoosh (``contenders/plain_whoosh.py``)
and SQLite FTS5 (``contenders/fts5.py``):

* bulk ingest in a fresh process: documents/s, and its peak memory (``VmHWM`` of the
  process plus ``ru_maxrss`` of its largest child, and the process tree's RSS and PSS
  sampled from outside every 0.2 s);
* index size against the text size (UTF-8 bytes of title + text);
* search latency in one process (index/searcher/connection reused; 200 seeded queries
  taken from the corpus: one word, two words, a quoted two-word phrase; top 10 with
  snippets), and as a fresh process per query (30 queries, the three interleaved).

For clipper alone: ``clipper add`` of one new article into the full corpus (fresh
process, 5 articles), ``clipper --help`` (10 runs), and the in-process search p50
before and after 500 single-clipping adds (and after ``clipper optimize`` when the
command exists).

``--snapshot`` measures a frozen ``git archive HEAD`` of this repository rather than
the working tree, so that concurrent edits cannot change the code mid-run; the JSON
records the commit. ``--scale K`` repeats the corpora K times with perturbed ids and
text (a unique token per copy, two sentences swapped): for the large points, not CI.

Exit codes: 0 every step ran, 1 some step failed (see the table and the JSON),
2 bad usage or missing data.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONTENDERS_DIR = HERE / "contenders"
ENGINES = ("clipper", "whoosh", "fts5")
ENGINE_LABELS = {"clipper": "clipper", "whoosh": "plain Whoosh", "fts5": "SQLite FTS5"}
QUERY_KINDS = ("word", "two_words", "phrase")
EXIT_FAILED, EXIT_USAGE = 1, 2
DEFAULT_SEED = 20261126
SAMPLE_EVERY = 0.2  # seconds between two samples of a process tree's memory
MIN_WORD_LETTERS = 4
_EDGE_PUNCTUATION = ".,;:!?«»\"'“”‘’()[]{}…-–—/*"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s*(?=[A-ZÀ-Ý«\"])")
# French and English stop words (Whoosh's lists, copied so that this process imports
# nothing of the contenders), plus query-language words of the parsers.
_STOP_TEXT = """
a about above after again against all am an and any are as at be because been before
being below between both but by can did do does doing don down during each few for from
further had has have having he her here hers herself him himself his how i if in into is
it its itself just me more most my myself no nor not now of off on once only or other our
ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with you your yours yourself
yourselves near said would also could
au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me meme
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
toi ton tu un une vos votre vous c d j l m n s t y ete etee etees etes etant suis es est
sommes etes sont serai seras sera serons serez seront serais serait serions seriez
seraient etais etait etions etiez etaient fus fut fumes futes furent sois soit soyons
soyez soient fusse fusses fut fussions fussiez fussent ayant eu eue eues eus ai as avons
avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais
avait avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient eusse
eusses eussions eussiez eussent ceci cela celà cet cette ici ils les leurs quel quels
quelle quelles sans soi plus aussi comme tout tous toute toutes fait faire elles dont
selon apres avant depuis entre encore alors donc chez lors sous contre deux trois
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

TARGETS: dict[str, str] = {
    "ingest": "bulk ingest >= 1.5x plain Whoosh docs/s",
    "memory": "ingest peak memory (process tree PSS) <= 600 MB",
    "fresh_search": "fresh-process search p50 <= 1.1x the minimal Whoosh script",
    "help": "clipper --help p50 <= 120 ms",
    "search_p50": "in-process search with snippets p50 <= 10 ms",
    "search_p95": "in-process search with snippets p95 <= 40 ms",
    "add": "one clipper add into the full corpus p50 <= 400 ms",
    "after_adds": "search p50 after 500 adds <= 1.5x before",
    "index_size": "index size <= 1.5x text size",
}


class StepError(Exception):
    """A step of the benchmark failed; the message says which and why."""


# -- small helpers ---------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0-100), linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    """n, p50, p95, mean, min and max of durations given in milliseconds."""
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


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total_mb() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def machine_info() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_mb": memory_total_mb(),
        "sqlite": sqlite3.sqlite_version,
    }


def tree_bytes(path: Path) -> dict[str, int]:
    """Files, apparent bytes and allocated bytes below ``path`` (or of one file)."""
    files = apparent = allocated = 0
    paths: Iterator[Path]
    if path.is_file():
        paths = iter([path])
    else:
        paths = (Path(root) / name for root, _dirs, names in os.walk(path) for name in names)
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        files += 1
        apparent += st.st_size
        allocated += st.st_blocks * 512
    return {"files": files, "bytes": apparent, "allocated": allocated}


def mb(n: float) -> float:
    return round(n / 1024 / 1024, 1)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or a != a or b != b:
        return None
    return round(a / b, 3)


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n    ".join(text[-lines:])


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# -- the articles -----------------------------------------------------------------


@dataclass
class Article:
    id: str
    title: str
    text: str
    record: dict[str, Any]

    @property
    def lang(self) -> str:
        return str(self.record.get("lang") or "")


def read_data(path: Path, limit: int | None) -> list[Article]:
    articles: list[Article] = []
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    text = record["text"]
                    if not isinstance(text, str):
                        raise TypeError("'text' is not a string")
                except (ValueError, KeyError, TypeError) as exc:
                    raise StepError(f"{path}:{number}: not an article ({exc})") from exc
                if not text.strip():
                    continue
                article_id = str(record.get("id") or f"{path.name}-{number}")
                articles.append(Article(article_id, record.get("title") or "", text, record))
                if limit is not None and len(articles) >= limit:
                    break
    except (OSError, EOFError) as exc:
        raise StepError(f"cannot read {path}: {exc}") from exc
    return articles


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def perturbed(article: Article, copy: int, rng: random.Random) -> Article:
    """Copy ``copy`` of an article: another id, two sentences swapped, a unique token."""
    parts = sentences(article.text)
    if len(parts) >= 2:
        i, j = sorted(rng.sample(range(len(parts)), 2))
        parts[i], parts[j] = parts[j], parts[i]
    text = " ".join(parts) + f" benchcopy{copy}"
    record = dict(article.record, id=f"{article.id}~copy{copy}", text=text)
    return Article(record["id"], article.title, text, record)


def select_articles(
    paths: Sequence[Path], limit: int | None, scale: int, seed: int
) -> list[Article]:
    """The first ``limit`` articles (split evenly between the files), ``scale`` times."""
    quotas: list[int | None] = [None] * len(paths)
    if limit is not None:
        quotas = [
            limit // len(paths) + (1 if i < limit % len(paths) else 0) for i in range(len(paths))
        ]
    base: list[Article] = []
    for path, quota in zip(paths, quotas, strict=True):
        base.extend(read_data(path, quota))
    rng = random.Random(seed + 1)
    copies = [perturbed(a, k, rng) for k in range(1, scale) for a in base]
    return base + copies


def write_jsonl(articles: Sequence[Article], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for a in articles:
            out.write(json.dumps(a.record, ensure_ascii=False) + "\n")


def text_bytes(articles: Sequence[Article]) -> int:
    return sum(len(a.title.encode("utf-8")) + len(a.text.encode("utf-8")) for a in articles)


# -- the queries and the new articles ---------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str  # what a user types, the same string for every contender


def good_word(token: str) -> str | None:
    """A searchable word: letters only, at least four, not a stop word; lowercased."""
    word = token.strip(_EDGE_PUNCTUATION).lower()
    if len(word) < MIN_WORD_LETTERS or not word.isalpha():
        return None
    if word in STOPWORDS or fold(word) in STOPWORDS:
        return None
    return word


def adjacent_pairs(text: str) -> list[tuple[str, str]]:
    """Good words that follow each other with only a space between (no punctuation)."""
    tokens = text.split()
    pairs = []
    for left, right in zip(tokens, tokens[1:], strict=False):
        if left != left.rstrip(_EDGE_PUNCTUATION) or right != right.lstrip(_EDGE_PUNCTUATION):
            continue
        a, b = good_word(left), good_word(right)
        if a and b and a != b:
            pairs.append((a, b))
    return pairs


def build_queries(articles: Sequence[Article], count: int, seed: int) -> list[Query]:
    """``count`` queries, a third of each kind, shuffled; reproducible from ``seed``."""
    rng = random.Random(seed)
    queries: list[Query] = []
    per_kind = [count // 3 + (1 if i < count % 3 else 0) for i in range(3)]
    attempts = 0
    for kind, wanted in zip(QUERY_KINDS, per_kind, strict=True):
        made = 0
        while made < wanted:
            attempts += 1
            if attempts > 1000 * max(count, 1):
                raise StepError("cannot build enough queries from these articles")
            text = rng.choice(articles).text
            if kind == "phrase":
                pairs = adjacent_pairs(text)
                if not pairs:
                    continue
                a, b = rng.choice(pairs)
                query = f'"{a} {b}"'
            else:
                words = sorted({w for w in (good_word(t) for t in text.split()) if w})
                if len(words) < 2:
                    continue
                query = rng.choice(words) if kind == "word" else " ".join(rng.sample(words, 2))
            queries.append(Query(kind, query))
            made += 1
    rng.shuffle(queries)
    return queries


def new_articles(
    articles: Sequence[Article], count: int, seed: int, tag: str
) -> list[dict[str, str]]:
    """Articles not in the corpus: a title and sentences of four articles of one language.

    A unique token makes each one new; mixing four sources keeps it from being a
    near-duplicate of any stored article.
    """
    rng = random.Random(seed)
    by_lang: dict[str, list[Article]] = {}
    for a in articles:
        by_lang.setdefault(a.lang, []).append(a)
    made = []
    for i in range(count):
        first = rng.choice(articles)
        pool = by_lang[first.lang]
        parts = []
        for donor in [first, *rng.sample(pool, min(3, len(pool)))]:
            found = sentences(donor.text)
            if found:
                start = rng.randrange(len(found))
                parts.extend(found[start : start + 2])
        title = first.title or (parts[0][:80] if parts else "Article")
        made.append({"title": f"{title} ({tag} {i})", "text": " ".join(parts) + f" {tag}{i}x"})
    return made


def as_text_file(doc: dict[str, str]) -> bytes:
    """A plain-text clipping: the headline, a blank line, the body."""
    return f"{doc['title']}\n\n{doc['text']}\n".encode()


# -- running steps in fresh processes ---------------------------------------------------


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_memory_kb(root: int) -> dict[int, tuple[int, int]]:
    """(RSS, PSS) in kB of ``root`` and of each of its descendants, now."""
    children = _proc_children()
    todo, pids = [root], []
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    found = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        rss = pss = 0
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
        found[pid] = (rss, pss)
    return found


@dataclass
class TreeSampler:
    """Peaks of a process tree's memory, whole and per process, and a coarse timeline.

    The per-process peaks say where memory goes (the importing process against
    its workers); the timeline, how it grows with the batch.
    """

    root: int
    timeline_every: float = 30.0
    peak_rss: int = 0
    peak_pss: int = 0
    peak_procs: int = 0
    per_process: dict[int, list[int]] = field(default_factory=dict)  # pid -> [rss, pss]
    timeline: list[dict[str, float]] = field(default_factory=list)
    _started: float = field(default_factory=time.perf_counter)

    def sample(self) -> None:
        now = tree_memory_kb(self.root)
        rss = sum(r for r, _ in now.values())
        pss = sum(p for _, p in now.values())
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.peak_procs = max(self.peak_procs, len(now))
        for pid, (r, p) in now.items():
            peaks = self.per_process.setdefault(pid, [0, 0])
            peaks[0], peaks[1] = max(peaks[0], r), max(peaks[1], p)
        elapsed = time.perf_counter() - self._started
        if not self.timeline or elapsed - self.timeline[-1]["seconds"] >= self.timeline_every:
            parent = now.get(self.root, (0, 0))
            self.timeline.append(
                {
                    "seconds": round(elapsed, 1),
                    "tree_pss_mb": round(pss / 1024, 1),
                    "importer_rss_mb": round(parent[0] / 1024, 1),
                    "importer_pss_mb": round(parent[1] / 1024, 1),
                    "processes": len(now),
                }
            )

    def summary(self) -> dict[str, Any]:
        importer = self.per_process.get(self.root, [0, 0])
        others = [peaks for pid, peaks in self.per_process.items() if pid != self.root]
        return {
            "rss_peak_mb": round(self.peak_rss / 1024, 1),
            "pss_peak_mb": round(self.peak_pss / 1024, 1),
            "processes_max": self.peak_procs,
            "every_seconds": SAMPLE_EVERY,
            "importer_peak_rss_mb": round(importer[0] / 1024, 1),
            "importer_peak_pss_mb": round(importer[1] / 1024, 1),
            "largest_other_peak_rss_mb": round(max((r for r, _ in others), default=0) / 1024, 1),
            "largest_other_peak_pss_mb": round(max((p for _, p in others), default=0) / 1024, 1),
            "processes_seen": len(self.per_process),
            "timeline": self.timeline,
        }


@dataclass
class Runner:
    """Starts the worker processes and commands, each with a timeout and a log."""

    workdir: Path
    env: dict[str, str]
    step_timeout: float
    logs: list[str] = field(default_factory=list)

    def worker(
        self, task: str, spec: dict[str, Any], *, timeout: float | None = None, sample: bool = False
    ) -> dict[str, Any]:
        """Run ``run.py _worker`` on ``spec`` in a fresh process; its result, plus the wall time."""
        name = f"{task}-{spec.get('engine', 'clipper')}-{len(self.logs)}"
        spec_path = self.workdir / f"{name}.spec.json"
        out_path = self.workdir / f"{name}.out.json"
        log_path = self.workdir / f"{name}.log"
        spec_path.write_text(json.dumps(dict(spec, task=task, out=str(out_path))))
        self.logs.append(str(log_path))
        argv = [sys.executable, str(Path(__file__).resolve()), "_worker", str(spec_path)]
        limit = timeout or self.step_timeout
        sampler: TreeSampler | None = None
        start = time.perf_counter()
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                argv,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,  # not the repository: `python -m` puts the cwd first on sys.path
                start_new_session=True,
            )
            try:
                if sample:
                    sampler = TreeSampler(proc.pid)
                while proc.poll() is None:
                    if sampler:
                        sampler.sample()
                    if time.perf_counter() - start > limit:
                        raise StepError(f"{name}: timed out after {limit:.0f} s (log: {log_path})")
                    time.sleep(SAMPLE_EVERY if sample else 0.05)
            finally:
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)  # the group this call started
                    proc.wait()
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise StepError(
                f"{name}: exited {proc.returncode}; end of {log_path}:\n    {tail(log_path)}"
            )
        result: dict[str, Any] = json.loads(out_path.read_text())
        result["process_wall_seconds"] = round(wall, 3)
        if sampler:
            result["tree_sampled"] = sampler.summary()
        return result

    def command(
        self, argv: Sequence[str], *, accepted: tuple[int, ...] = (0,), timeout: float = 120.0
    ) -> tuple[float, int]:
        """Wall seconds of one command (output discarded) and its exit code."""
        start = time.perf_counter()
        try:
            done = subprocess.run(
                argv,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=self.env,
                cwd=self.workdir,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise StepError(f"{' '.join(argv)}: timed out after {timeout:.0f} s") from exc
        seconds = time.perf_counter() - start
        if done.returncode not in accepted:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StepError(
                f"{' '.join(argv)}: exited {done.returncode}: {lines[-1] if lines else ''}"
            )
        return seconds, done.returncode


# -- the worker side (runs in the fresh processes) --------------------------------------------


def _engine(name: str) -> Any:
    if name == "clipper":
        from contenders import clipper_engine

        return clipper_engine
    if name == "whoosh":
        from contenders import plain_whoosh

        return plain_whoosh
    if name == "fts5":
        from contenders import fts5

        return fts5
    raise StepError(f"unknown contender {name!r}")


def _self_peak_kb() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _time_queries(
    search: Callable[[str], Any], queries: Sequence[dict[str, str]]
) -> dict[str, Any]:
    times, totals, hits, errors = [], [], [], []
    for q in queries:
        start = time.perf_counter()
        try:
            total, found = search(q["text"])
        except Exception as exc:  # one bad query is recorded, never fatal
            times.append(None)
            totals.append(None)
            hits.append(None)
            errors.append(f"{q['text']}: {type(exc).__name__}: {exc}")
            continue
        times.append((time.perf_counter() - start) * 1000)
        totals.append(total)
        hits.append(len(found))
    return {"ms": times, "totals": totals, "hits": hits, "errors": errors}


def worker_main(spec_path: Path) -> int:
    import resource

    spec = json.loads(spec_path.read_text())
    task = spec["task"]
    engine = _engine(spec.get("engine", "clipper"))
    result: dict[str, Any] = {}
    if task == "ingest":
        start = time.perf_counter()
        result = engine.ingest(Path(spec["jsonl"]), Path(spec["target"]))
        result["seconds"] = time.perf_counter() - start
        result["self_peak_kb"] = _self_peak_kb()
        result["children_peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if hasattr(engine, "describe"):
            result["describe"] = engine.describe()
    elif task == "search":
        start = time.perf_counter()
        searcher = engine.Searcher(Path(spec["target"]))
        result["open_ms"] = (time.perf_counter() - start) * 1000
        queries = spec["queries"]
        start = time.perf_counter()
        searcher.search(queries[0]["text"])
        result["first_search_ms"] = (time.perf_counter() - start) * 1000
        result["timed"] = _time_queries(searcher.search, queries)
        if spec.get("engine") == "fts5":  # totals, untimed: FTS5 needs a separate COUNT
            result["timed"]["totals"] = [searcher.count(q["text"]) for q in queries]
        searcher.close()
    elif task == "adds":
        searcher = engine.Searcher(Path(spec["target"]))
        queries = spec["queries"]
        searcher.search(queries[0]["text"])  # opens the index
        result["before"] = _time_queries(searcher.search, queries)
        result["segments_before"] = searcher.segments()
        docs = [json.loads(line) for line in Path(spec["docs"]).read_text().splitlines()]
        add_ms, statuses = [], []
        for i, doc in enumerate(docs):
            start = time.perf_counter()
            statuses.append(searcher.add_text(f"bench-add-{i}.txt", as_text_file(doc)))
            add_ms.append((time.perf_counter() - start) * 1000)
        result["add_ms"] = add_ms
        result["add_statuses"] = {s: statuses.count(s) for s in sorted(set(statuses))}
        start = time.perf_counter()
        searcher.search(queries[0]["text"])  # reopens the index
        result["first_search_after_ms"] = (time.perf_counter() - start) * 1000
        result["after"] = _time_queries(searcher.search, queries)
        result["segments_after"] = searcher.segments()
        searcher.close()
    else:
        raise StepError(f"unknown task {task!r}")
    Path(spec["out"]).write_text(json.dumps(result))
    return 0


# -- the orchestrator ------------------------------------------------------------------------


def query_summary(timed: dict[str, Any], queries: Sequence[Query]) -> dict[str, Any]:
    """Latency stats overall and per kind, and what was found (a sanity check)."""
    ms = timed["ms"]
    by_kind = {
        kind: latency_stats(
            [t for t, q in zip(ms, queries, strict=True) if q.kind == kind and t is not None]
        )
        for kind in QUERY_KINDS
    }
    totals = [t for t in timed["totals"] if t is not None]
    return {
        "all": latency_stats([t for t in ms if t is not None]),
        "by_kind": by_kind,
        "queries_without_hits": sum(1 for t in totals if t == 0),
        "median_total": statistics.median(totals) if totals else None,
        "errors": timed["errors"][:10],
        "error_count": len(timed["errors"]),
    }


@dataclass
class Bench:
    args: argparse.Namespace
    runner: Runner
    workdir: Path
    clipper_cmd: list[str]
    results: dict[str, Any]
    failures: list[str] = field(default_factory=list)

    def step(self, label: str, fn: Callable[[], Any]) -> Any:
        """Run one step; a failure is logged and recorded, and the run goes on."""
        log(f"{label} ...")
        record: dict[str, Any] = {"step": label, "load_before": load_average()}
        self.results.setdefault("steps", []).append(record)
        start = time.perf_counter()
        try:
            value = fn()
        except StepError as exc:
            message = f"{label}: {exc}"
            log(f"FAILED {message}")
            self.failures.append(message)
            record.update(failed=str(exc), seconds=round(time.perf_counter() - start, 1))
            return None
        record.update(seconds=round(time.perf_counter() - start, 1), load_after=load_average())
        log(f"{label}: done in {record['seconds']} s (load {record['load_after']})")
        return value

    def target(self, engine: str) -> Path:
        return (
            self.workdir
            / {"clipper": "clipper-corpus", "whoosh": "whoosh-index", "fts5": "fts5.db"}[engine]
        )


def find_optimize(bench: Bench) -> bool:
    try:
        bench.runner.command([*bench.clipper_cmd, "optimize", "--help"], timeout=60)
    except StepError:
        return False
    return True


def run_benchmark(bench: Bench, articles: list[Article], engines: Sequence[str]) -> None:
    args, runner, res = bench.args, bench.runner, bench.results
    jsonl = bench.workdir / "articles.jsonl"
    write_jsonl(articles, jsonl)
    res["articles"] = {
        "count": len(articles),
        "text_bytes": text_bytes(articles),
        "jsonl_bytes": jsonl.stat().st_size,
    }
    base = [a for a in articles if "~copy" not in a.id]
    queries = build_queries(base, args.queries, args.seed)
    res["queries"] = [{"kind": q.kind, "text": q.text} for q in queries]
    spec_queries = res["queries"]

    # 1. bulk ingest, each in a fresh process, memory sampled from outside
    ingest: dict[str, Any] = res.setdefault("ingest", {})
    for engine in engines:
        done = bench.step(
            f"ingest {ENGINE_LABELS[engine]} ({len(articles)} articles)",
            functools.partial(
                runner.worker,
                "ingest",
                {"engine": engine, "jsonl": str(jsonl), "target": str(bench.target(engine))},
                timeout=args.ingest_timeout,
                sample=True,
            ),
        )
        if done is None:
            continue
        done["docs_per_second"] = round(len(articles) / done["seconds"], 2)
        done["seconds"] = round(done["seconds"], 3)
        done["peak_mb"] = round((done["self_peak_kb"] + done["children_peak_kb"]) / 1024, 1)
        done["self_peak_mb"] = round(done["self_peak_kb"] / 1024, 1)
        done["children_peak_mb"] = round(done["children_peak_kb"] / 1024, 1)
        ingest[engine] = done

    # 2. sizes
    sizes: dict[str, Any] = res.setdefault("sizes", {})
    text = res["articles"]["text_bytes"]
    for engine in ingest:
        index_path = (
            bench.target(engine) / ".index" if engine == "clipper" else bench.target(engine)
        )
        entry: dict[str, Any] = {"index": tree_bytes(index_path)}
        entry["index_to_text"] = ratio(entry["index"]["bytes"], text)
        if engine == "clipper":
            entry["corpus"] = tree_bytes(bench.target(engine))
            entry["corpus_to_text"] = ratio(entry["corpus"]["bytes"], text)
            entry["corpus_allocated_to_text"] = ratio(entry["corpus"]["allocated"], text)
        sizes[engine] = entry

    # 3. in-process search
    in_process: dict[str, Any] = res.setdefault("search_in_process", {})
    for engine in ingest:
        done = bench.step(
            f"in-process search {ENGINE_LABELS[engine]} ({len(queries)} queries)",
            functools.partial(
                runner.worker,
                "search",
                {"engine": engine, "target": str(bench.target(engine)), "queries": spec_queries},
            ),
        )
        if done is not None:
            in_process[engine] = {
                "open_ms": round(done["open_ms"], 3),
                "first_search_ms": round(done["first_search_ms"], 3),
                **query_summary(done["timed"], queries),
                "totals": done["timed"]["totals"],  # per query, to compare what each finds
            }

    # 4. fresh process per query, the contenders interleaved (rotating order)
    fresh_queries = queries[: args.fresh]
    bench.step("fresh-process search", lambda: fresh_search(bench, fresh_queries, list(ingest)))

    if "clipper" in ingest:
        clipper_only(bench, articles, queries)


def fresh_search(bench: Bench, queries: Sequence[Query], engines: Sequence[str]) -> None:
    runner = bench.runner
    py = sys.executable
    argv: dict[str, Callable[[str], list[str]]] = {
        "clipper": lambda q: [
            *bench.clipper_cmd,
            "--corpus",
            str(bench.target("clipper")),
            "search",
            q,
            "--limit",
            "10",
        ],
        "whoosh": lambda q: [
            py,
            str(CONTENDERS_DIR / "plain_whoosh.py"),
            str(bench.target("whoosh")),
            q,
        ],
        "fts5": lambda q: [py, str(CONTENDERS_DIR / "fts5.py"), str(bench.target("fts5")), q],
    }
    times: dict[str, list[float]] = {e: [] for e in engines}
    no_hits: dict[str, int] = dict.fromkeys(engines, 0)
    errors: dict[str, list[str]] = {e: [] for e in engines}
    python_ms: list[float] = []
    for i, q in enumerate(queries):
        order = list(engines[i % len(engines) :]) + list(engines[: i % len(engines)])
        for engine in order:
            try:
                seconds, code = runner.command(argv[engine](q.text), accepted=(0, 1))
            except StepError as exc:
                errors[engine].append(str(exc))
                continue
            times[engine].append(seconds * 1000)
            no_hits[engine] += code == 1
        python_ms.append(runner.command([py, "-c", "pass"])[0] * 1000)
    bench.results["search_fresh_process"] = {
        "commands": {e: argv[e]("QUERY") for e in engines},
        **{
            e: {
                **latency_stats(times[e]),
                "no_hits": no_hits[e],
                "errors": errors[e][:5],
                "error_count": len(errors[e]),
            }
            for e in engines
        },
        "python_startup": latency_stats(python_ms),
    }


def clipper_only(bench: Bench, articles: list[Article], queries: list[Query]) -> None:
    args, runner, res = bench.args, bench.runner, bench.results
    corpus = str(bench.target("clipper"))
    only: dict[str, Any] = res.setdefault("clipper_only", {})

    def help_runs() -> None:
        ms = [
            runner.command([*bench.clipper_cmd, "--help"])[0] * 1000 for _ in range(args.help_runs)
        ]
        only["help"] = latency_stats(ms)

    bench.step(f"clipper --help x{args.help_runs}", help_runs)

    def adds_fresh() -> None:
        ms = []
        for i, doc in enumerate(new_articles(articles, args.add_runs, args.seed + 2, "benchnew")):
            path = bench.workdir / f"new-{i}.txt"
            path.write_bytes(as_text_file(doc))
            ms.append(
                runner.command([*bench.clipper_cmd, "--corpus", corpus, "add", str(path)])[0] * 1000
            )
        only["add_fresh_process"] = latency_stats(ms)

    bench.step(f"clipper add x{args.add_runs} (fresh process each)", adds_fresh)

    if args.adds > 0:
        docs = bench.workdir / "adds.jsonl"
        with docs.open("w", encoding="utf-8") as out:
            for doc in new_articles(articles, args.adds, args.seed + 3, "benchadd"):
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        spec_queries = [{"kind": q.kind, "text": q.text} for q in queries]
        done = bench.step(
            f"{args.adds} single-clipping adds (Archive.add_bytes) and search before/after",
            lambda: runner.worker(
                "adds",
                {"engine": "clipper", "target": corpus, "queries": spec_queries, "docs": str(docs)},
                timeout=args.ingest_timeout,
            ),
        )
        if done is not None:
            before = query_summary(done["before"], queries)
            after = query_summary(done["after"], queries)
            only["after_adds"] = {
                "adds": len(done["add_ms"]),
                "add_statuses": done["add_statuses"],
                "add_ms": latency_stats(done["add_ms"]),
                "add_ms_slowest": sorted(round(x, 1) for x in done["add_ms"])[-5:],
                "segments_before": done["segments_before"],
                "segments_after": done["segments_after"],
                "before": before,
                "after": after,
                "first_search_after_ms": round(done["first_search_after_ms"], 3),
                "p50_ratio": ratio(after["all"].get("p50_ms"), before["all"].get("p50_ms")),
                "p95_ratio": ratio(after["all"].get("p95_ms"), before["all"].get("p95_ms")),
            }

    def optimize() -> None:
        if not args.optimize:
            only["optimize"] = {"available": True, "skipped": True}
            log("clipper optimize: skipped (--no-optimize)")
            return
        if not find_optimize(bench):
            only["optimize"] = {"available": False}
            log("clipper optimize: no such command at this commit, step skipped")
            return
        seconds = runner.command(
            [*bench.clipper_cmd, "--corpus", corpus, "optimize"], timeout=args.ingest_timeout
        )[0]
        done = runner.worker(
            "search",
            {
                "engine": "clipper",
                "target": corpus,
                "queries": [{"kind": q.kind, "text": q.text} for q in queries],
            },
        )
        summary = query_summary(done["timed"], queries)
        before = only.get("after_adds", {}).get("before", {}).get("all", {}).get("p50_ms")
        only["optimize"] = {
            "available": True,
            "seconds": round(seconds, 3),
            "search_after": summary,
            "p50_ratio_to_before_adds": ratio(summary["all"].get("p50_ms"), before),
        }

    bench.step("clipper optimize and search after it", optimize)


# -- the report ---------------------------------------------------------------------------------


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def comparison_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Metric rows: the value per contender and the ratios clipper/Whoosh, clipper/FTS5."""
    rows: list[dict[str, Any]] = []

    def add(label: str, unit: str, get: Callable[[str], Any]) -> None:
        values = {e: get(e) for e in ENGINES}
        rows.append(
            {
                "metric": label,
                "unit": unit,
                "values": values,
                "clipper/whoosh": ratio(values["clipper"], values["whoosh"]),
                "clipper/fts5": ratio(values["clipper"], values["fts5"]),
            }
        )

    add("bulk ingest", "docs/s", lambda e: _get(res, "ingest", e, "docs_per_second"))
    add("bulk ingest time", "s", lambda e: _get(res, "ingest", e, "seconds"))
    add("peak memory (process + largest child)", "MB", lambda e: _get(res, "ingest", e, "peak_mb"))
    add(
        "peak memory, tree PSS sampled",
        "MB",
        lambda e: _get(res, "ingest", e, "tree_sampled", "pss_peak_mb"),
    )

    def importer_and_largest_other(e: str) -> float | None:
        importer = _get(res, "ingest", e, "tree_sampled", "importer_peak_rss_mb")
        other = _get(res, "ingest", e, "tree_sampled", "largest_other_peak_rss_mb")
        return None if importer is None else round(importer + (other or 0), 1)

    add("peak memory, process + largest other, RSS sampled", "MB", importer_and_largest_other)
    add(
        "peak memory, tree RSS sampled",
        "MB",
        lambda e: _get(res, "ingest", e, "tree_sampled", "rss_peak_mb"),
    )
    add(
        "index size",
        "MB",
        lambda e: mb(v) if (v := _get(res, "sizes", e, "index", "bytes")) else None,
    )
    add("index size / text size", "x", lambda e: _get(res, "sizes", e, "index_to_text"))
    add("search in process p50", "ms", lambda e: _get(res, "search_in_process", e, "all", "p50_ms"))
    add("search in process p95", "ms", lambda e: _get(res, "search_in_process", e, "all", "p95_ms"))
    for kind in QUERY_KINDS:
        add(
            f"  p50, {kind}",
            "ms",
            lambda e, k=kind: _get(res, "search_in_process", e, "by_kind", k, "p50_ms"),
        )
    add(
        "first search (opens index)",
        "ms",
        lambda e: _get(res, "search_in_process", e, "first_search_ms"),
    )
    add("search fresh process p50", "ms", lambda e: _get(res, "search_fresh_process", e, "p50_ms"))
    add("search fresh process p95", "ms", lambda e: _get(res, "search_fresh_process", e, "p95_ms"))
    add(
        "queries without hits",
        "",
        lambda e: _get(res, "search_in_process", e, "queries_without_hits"),
    )
    return rows


def target_checks(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the design with clipper's figure and whether it is met."""
    checks: list[dict[str, Any]] = []

    def check(
        key: str, value: Any, limit: float, *, at_least: bool = False, unit: str = ""
    ) -> None:
        met = None if value is None else (value >= limit if at_least else value <= limit)
        checks.append({"target": TARGETS[key], "value": value, "unit": unit, "met": met})

    clip_rate = _get(res, "ingest", "clipper", "docs_per_second")
    whoosh_rate = _get(res, "ingest", "whoosh", "docs_per_second")
    check("ingest", ratio(clip_rate, whoosh_rate), 1.5, at_least=True, unit="x")
    # The whole tree, shared pages counted once: ru_maxrss of the children misses
    # processes started by a fork server (not children of the importer).
    memory = _get(res, "ingest", "clipper", "tree_sampled", "pss_peak_mb")
    check("memory", memory or _get(res, "ingest", "clipper", "peak_mb"), 600, unit="MB")
    check(
        "fresh_search",
        ratio(
            _get(res, "search_fresh_process", "clipper", "p50_ms"),
            _get(res, "search_fresh_process", "whoosh", "p50_ms"),
        ),
        1.1,
        unit="x",
    )
    check("help", _get(res, "clipper_only", "help", "p50_ms"), 120, unit="ms")
    check("search_p50", _get(res, "search_in_process", "clipper", "all", "p50_ms"), 10, unit="ms")
    check("search_p95", _get(res, "search_in_process", "clipper", "all", "p95_ms"), 40, unit="ms")
    check("add", _get(res, "clipper_only", "add_fresh_process", "p50_ms"), 400, unit="ms")
    check("after_adds", _get(res, "clipper_only", "after_adds", "p50_ratio"), 1.5, unit="x")
    check("index_size", _get(res, "sizes", "clipper", "index_to_text"), 1.5, unit="x")
    return checks


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_report(res: dict[str, Any]) -> None:
    m = res["machine"]
    print()
    print(f"clipper comparative benchmark  ({res['date']})")
    print(f"  clipper: {res['clipper']['source']}  commit {res['clipper'].get('commit') or 'n/a'}")
    cores, memory = m["cpu_count"], m["memory_mb"]
    print(f"  machine: {m['cpu_model']}, {cores} cores, {memory} MB, Python {m['python']}")
    print(f"  load average: start {res['load_average']['start']}, end {res['load_average']['end']}")
    arts = res.get("articles", {})
    text_mb = fmt(mb(arts.get("text_bytes", 0)))
    print(f"  articles: {fmt(arts.get('count'))}, text {text_mb} MB (UTF-8 title + text)")
    print()
    head = (
        f"  {'metric':<40} {'clipper':>10} {'Whoosh':>10} {'FTS5':>10} {'cl/Wh':>7} {'cl/FTS5':>8}"
    )
    print(head)
    print("  " + "-" * (len(head) - 2))
    for row in res["comparison"]:
        v = row["values"]
        label = f"{row['metric']} ({row['unit']})" if row["unit"] else row["metric"]
        print(
            f"  {label:<40} {fmt(v['clipper']):>10} {fmt(v['whoosh']):>10} {fmt(v['fts5']):>10}"
            f" {fmt(row['clipper/whoosh'], 2):>7} {fmt(row['clipper/fts5'], 2):>8}"
        )
    sizes = res.get("sizes", {}).get("clipper", {})
    if "corpus" in sizes:
        allocated = fmt(sizes["corpus_allocated_to_text"], 2)
        print(
            f"  clipper whole corpus folder: {fmt(mb(sizes['corpus']['bytes']))} MB "
            f"({fmt(sizes['corpus_to_text'], 2)}x text; allocated {allocated}x)"
        )
    py = _get(res, "search_fresh_process", "python_startup", "p50_ms")
    print(f"  python -c pass (fresh process, for scale): p50 {fmt(py)} ms")
    only = res.get("clipper_only", {})
    print()
    print("  clipper alone")
    print(f"    clipper --help p50: {fmt(_get(only, 'help', 'p50_ms'))} ms")
    print(
        f"    clipper add (fresh process) p50: {fmt(_get(only, 'add_fresh_process', 'p50_ms'))} ms"
        f"  (max {fmt(_get(only, 'add_fresh_process', 'max_ms'))} ms)"
    )
    adds = only.get("after_adds")
    if adds:
        each, before, after = adds["add_ms"], adds["before"]["all"], adds["after"]["all"]
        print(
            f"    {adds['adds']} single adds: p50 {fmt(each.get('p50_ms'))} ms, "
            f"p95 {fmt(each.get('p95_ms'))} ms, max {fmt(each.get('max_ms'))} ms; "
            f"segments {adds['segments_before']} -> {adds['segments_after']}"
        )
        print(
            f"    search p50 before/after the adds: {fmt(before.get('p50_ms'))} / "
            f"{fmt(after.get('p50_ms'))} ms (x{fmt(adds['p50_ratio'], 2)}); p95 "
            f"{fmt(before.get('p95_ms'))} / {fmt(after.get('p95_ms'))} ms"
        )
    opt = only.get("optimize")
    if opt is not None:
        if opt.get("skipped"):
            print("    clipper optimize: skipped (--no-optimize)")
        elif opt.get("available"):
            p50 = fmt(opt["search_after"]["all"].get("p50_ms"))
            print(
                f"    clipper optimize: {fmt(opt['seconds'])} s; search p50 after it "
                f"{p50} ms (x{fmt(opt['p50_ratio_to_before_adds'], 2)} the p50 before the adds)"
            )
        else:
            print("    clipper optimize: not available at this commit (skipped)")
    print()
    print("  targets")
    for c in res["targets"]:
        state = {True: "met", False: "NOT MET", None: "n/a"}[c["met"]]
        print(f"    [{state:>7}] {c['target']}: {fmt(c['value'], 2)} {c['unit']}")
    if res["failures"]:
        print()
        print("  failed steps")
        for failure in res["failures"]:
            print(f"    - {failure}")
    print()


# -- entry point -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compare clipper with plain Whoosh and SQLite FTS5 on the same articles.",
    )
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        help="JSON Lines (.gz) file of articles; repeatable.",
    )
    parser.add_argument(
        "--limit", type=int, help="Use at most N articles in all (split evenly between the files)."
    )
    parser.add_argument(
        "--scale", type=int, default=1, help="Repeat the articles K times, perturbed (default 1)."
    )
    parser.add_argument("--json-out", type=Path, help="Write every figure as JSON here.")
    parser.add_argument(
        "--queries", type=int, default=200, help="In-process queries (default 200)."
    )
    parser.add_argument(
        "--fresh", type=int, default=30, help="Fresh-process queries per contender (default 30)."
    )
    parser.add_argument(
        "--help-runs", type=int, default=10, help="Runs of clipper --help (default 10)."
    )
    parser.add_argument(
        "--add-runs", type=int, default=5, help="Fresh-process clipper add runs (default 5)."
    )
    parser.add_argument(
        "--adds",
        type=int,
        default=500,
        help="Single-clipping adds before re-measuring search (default 500; 0 skips).",
    )
    parser.add_argument(
        "--no-optimize",
        dest="optimize",
        action="store_false",
        help="Skip 'clipper optimize' and the search after it (long on large corpora).",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Seed of the queries and perturbations."
    )
    parser.add_argument(
        "--contenders",
        default=",".join(ENGINES),
        help="Comma-separated subset of clipper,whoosh,fts5.",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="Measure a frozen 'git archive HEAD' of this repository.",
    )
    parser.add_argument(
        "--clipper-src",
        type=Path,
        help="Folder holding the clipper package to measure (put first on PYTHONPATH).",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="Where corpora and indexes go (default: a new temporary folder).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the work folder (the indexes) at the end."
    )
    parser.add_argument(
        "--ingest-timeout",
        type=float,
        default=4 * 3600,
        help="Seconds allowed per ingest (default 4 h).",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=1800,
        help="Seconds allowed per other step (default 30 min).",
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < len(args.data):
        parser.error("--limit must be at least the number of --data files")
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if (
        args.queries < 1
        or args.fresh < 0
        or args.help_runs < 0
        or args.add_runs < 0
        or args.adds < 0
    ):
        parser.error(
            "--queries must be positive; --fresh, --help-runs, --add-runs and --adds not negative"
        )
    unknown = set(args.contenders.split(",")) - set(ENGINES)
    if unknown:
        parser.error(f"unknown contender(s): {', '.join(sorted(unknown))}")
    if args.snapshot and args.clipper_src:
        parser.error("--snapshot and --clipper-src exclude each other")
    return args


def git(*argv: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), *argv], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def make_snapshot(workdir: Path) -> tuple[Path, str]:
    """``git archive HEAD`` of the repository into ``workdir/src``; (folder, commit)."""
    commit = git("rev-parse", "HEAD")
    if not commit:
        raise StepError(f"{REPO} is not a git repository: cannot --snapshot")
    dest = workdir / "src"
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise StepError(
            f"git archive HEAD failed: {archive.stderr.decode(errors='replace').strip()}"
        )
    untar = subprocess.run(
        ["tar", "-x", "-C", str(dest)], input=archive.stdout, capture_output=True, check=False
    )
    if untar.returncode != 0:
        raise StepError(f"tar failed: {untar.stderr.decode(errors='replace').strip()}")
    return dest, commit


def child_env(clipper_src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CLIPPER_CORPUS", "CLIPPER_DEBUG"):
        env.pop(name, None)
    paths = [str(HERE)]  # the workers import the contenders package
    if clipper_src:
        paths.insert(0, str(clipper_src))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    # A fresh process must load clipper as an installed user's does, from
    # bytecode (pip compiles it, as it did Whoosh's): with this set, every run
    # would compile clipper's source again and only clipper would pay for it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_package(module_file: str, env: dict[str, str]) -> None:
    """Compile the clipper package that the children import, once, before any timing.

    A package that cannot be compiled (a read-only install) is measured as it
    is, with a warning: its fresh-process figures then include compiling.
    """
    package = Path(module_file).parent
    try:
        done = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(package)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        log(f"warning: compiling {package} took over 300 s; measured as it is")
        return
    if done.returncode != 0:
        log(f"warning: cannot compile {package} ({done.stdout.strip()[-200:]}); measured as it is")


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["_worker"]:
        return worker_main(Path(argv[1]))
    args = parse_args(argv)
    missing = [str(p) for p in args.data if not p.is_file()]
    if missing:
        print(f"error: data file(s) not found: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    engines = [e for e in ENGINES if e in args.contenders.split(",")]
    if "fts5" in engines:
        try:
            sqlite3.connect(":memory:").execute(
                "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')"
            )
        except sqlite3.Error as exc:
            print(
                f"error: this SQLite ({sqlite3.sqlite_version}) lacks FTS5: {exc}", file=sys.stderr
            )
            return EXIT_USAGE

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="clipper-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()) and args.workdir:
        print(f"error: {workdir} is not empty", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    res: dict[str, Any] = {
        "benchmark": "comparison",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": machine_info(),
        "load_average": {"start": load_average(), "end": None},
        "workdir": str(workdir),
    }
    res["arguments"]["data"] = [str(p) for p in args.data]
    failures: list[str] = []
    try:
        try:
            clipper_src, commit = args.clipper_src, None
            if args.snapshot:
                clipper_src, commit = make_snapshot(workdir)
            elif clipper_src is None:
                commit = git("rev-parse", "HEAD")
                res["clipper_working_tree_dirty"] = bool(
                    git("status", "--porcelain", "--", "clipper")
                )
            env = child_env(clipper_src)
            runner = Runner(workdir, env, args.step_timeout)
            clipper_cmd = [sys.executable, "-m", "clipper"]
            where = subprocess.run(
                [sys.executable, "-c", "import clipper, sys; sys.stdout.write(clipper.__file__)"],
                capture_output=True,
                text=True,
                env=env,
                cwd=workdir,
                check=False,
                timeout=60,
            )
            if where.returncode != 0 and "clipper" in engines:
                raise StepError(f"cannot import clipper: {where.stderr.strip().splitlines()[-1:]}")
            if where.returncode == 0 and "clipper" in engines:
                compile_package(where.stdout.strip(), env)
            res["clipper"] = {
                "source": "snapshot of HEAD"
                if args.snapshot
                else str(clipper_src or "installed/working tree"),
                "commit": commit,
                "module": where.stdout.strip(),
                "command": clipper_cmd,
            }
            log(f"clipper from {res['clipper']['module']} (commit {commit}); work folder {workdir}")
            log("reading the articles ...")
            articles = select_articles(args.data, args.limit, args.scale, args.seed)
            if not articles:
                raise StepError("no articles in the data files")
            log(f"{len(articles)} articles; load average {load_average()}")
        except StepError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        bench = Bench(args, runner, workdir, clipper_cmd, res, failures)
        try:
            run_benchmark(bench, articles, engines)
        except StepError as exc:
            failures.append(str(exc))
            log(f"FAILED {exc}")
        except KeyboardInterrupt:
            failures.append("interrupted")
            log("interrupted: reporting what was measured")
    finally:
        res["load_average"]["end"] = load_average()
        res["total_seconds"] = round(time.perf_counter() - started, 1)
        res["failures"] = failures
        res["comparison"] = comparison_rows(res)
        res["targets"] = target_checks(res)
        if "machine" in res and "clipper" in res:
            print_report(res)
        if args.json_out:
            args.json_out.parent.mkdir(parents=True, exist_ok=True)
            args.json_out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
            log(f"wrote {args.json_out}")
        if args.keep or args.workdir:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return EXIT_FAILED if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
