"""Quality of HTML extraction (clipper.extract.html) against public ground truth.

Usage::

    python benchmarks/quality_html.py [--data-root ../shared/data]
        [--json-out benchmarks/results/quality_html.json]
        [--sets n4k_dataset,aeb] [--variants [--only default,balanced]]
        [--limit N] [--workers N] [--pages-out /tmp/pages.jsonl]

For each HTML set under the data root (read only; nothing is copied into the
repository) it extracts every page with :func:`clipper.extract.html.extract_html`
and reports:

- body F1: bag-of-tokens precision / recall / F1 of the extracted text against
  the ground-truth text, per page, then the mean (a failed page scores 0).
  Tokens: lowercase, split on non-word characters. OrangeSum's upstream text
  glued paragraphs together ("...recycler" + "Car ces..." -> "recyclerCar"), so
  for OrangeSum both sides are also split where a lower-case letter or digit
  meets an upper-case one, which makes the comparison insensitive to that
  missing whitespace;
- title exact match (whitespace-normalised) and a "normalised" rate that also
  ignores case, punctuation and a site-name suffix after " - ", " | ", " : ";
- date accuracy (same calendar day) over pages whose ground truth has a date;
- language accuracy where the ground truth declares one (Readability pages);
- for trafilatura_eval: the share of "must include" snippets found in the text
  and of "must not include" snippets absent from it;
- pages and extraction failures.

Readability's 36 synthetic test pages are reported apart
(``readability_synthetic``). ``--pages-out`` writes one JSON line per page
(ids, extracted titles and dates, scores): publishers' text, so write it
outside the repository.

``--variants`` runs the extraction-settings grid used to choose
``clipper.extract.html.DEFAULT_SETTINGS`` and prints one row per setting.
This script is not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from clipper.errors import InputError
from clipper.extract.html import DEFAULT_SETTINGS, HtmlSettings, extract_html

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO.parent / "shared" / "data"
DEFAULT_JSON_OUT = REPO / "benchmarks" / "results" / "quality_html.json"
SETS = ("n4k_dataset", "aeb", "readability_testpages", "orangesum", "trafilatura_eval")
TARGET_F1 = 0.90
TARGET_TITLE = 0.90
TARGET_DATE = 0.85

_WORD = re.compile(r"\w+")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ0-9])(?=[A-ZÀ-Ý])")
_SPACES = re.compile(r"\s+")
_SITE_SUFFIX = re.compile(r"\s+(?:-|–|—|\||:)\s+[^-–—|:]*$")

# The grid tried to choose DEFAULT_SETTINGS (see docs/quality.md).
VARIANTS: dict[str, HtmlSettings] = {
    "default": DEFAULT_SETTINGS,
    # trafilatura's own defaults and nothing around them: the starting point.
    "trafilatura_plain": HtmlSettings(
        favor="balanced",
        fallback_favor=None,
        strip_site_from_title=False,
        title_from_headline=False,
        drop_title_from_text=False,
        drop_byline_lines=False,
    ),
    "precision_only": replace(DEFAULT_SETTINGS, favor="precision", fallback_favor=None),
    "balanced": replace(DEFAULT_SETTINGS, favor="balanced", fallback_favor=None),
    "recall": replace(DEFAULT_SETTINGS, favor="recall", fallback_favor=None),
    "precision_else_balanced": replace(
        DEFAULT_SETTINGS, favor="precision", fallback_favor="balanced"
    ),
    "no_tables": replace(DEFAULT_SETTINGS, include_tables=False),
    "deduplicate": replace(DEFAULT_SETTINGS, deduplicate=True),
    "no_extensive_date": replace(DEFAULT_SETTINGS, extensive_date_search=False),
    "captions_in_text": replace(DEFAULT_SETTINGS, captions_out_of_text=False),
    "keep_title_suffix": replace(DEFAULT_SETTINGS, strip_site_from_title=False),
    "metadata_title": replace(DEFAULT_SETTINGS, title_from_headline=False),
    "keep_title_in_text": replace(DEFAULT_SETTINGS, drop_title_from_text=False),
    "keep_bylines": replace(DEFAULT_SETTINGS, drop_byline_lines=False),
    "latest_date": replace(DEFAULT_SETTINGS, original_date=False),
}


@dataclass
class Page:
    set: str
    id: str
    path: Path
    url: str | None = None
    text: str | None = None
    title: str | None = None
    date: str | None = None
    lang: str | None = None
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    camel_split: bool = False
    extra_text: str | None = None  # OrangeSum: the lead, kept apart upstream


@dataclass
class Result:
    set: str
    id: str
    failed: str | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    f1_text_only: float | None = None
    title: str | None = None
    title_exact: bool | None = None
    title_normalised: bool | None = None
    date: str | None = None
    date_ok: bool | None = None
    date_miss: str | None = None  # why a date is wrong: missing, 1 day, year only, other
    lang_ok: bool | None = None
    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0
    seconds: float = 0.0


# --- loading ---------------------------------------------------------------


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_pages(root: Path, name: str) -> list[Page]:
    folder = root / name
    pages: list[Page] = []
    if name == "n4k_dataset":
        for row in _jsonl(folder / "ground_truth.jsonl"):
            if row.get("html_missing") or not row.get("html_file"):
                continue
            pages.append(
                Page(
                    name,
                    row["id"],
                    folder / row["html_file"],
                    url=row.get("url"),
                    text=row.get("text"),
                    title=row.get("title") or None,
                    date=row.get("date") or None,
                )
            )
    elif name == "aeb":
        for row in _jsonl(folder / "ground_truth.jsonl"):
            pages.append(
                Page(
                    name, row["id"], folder / row["html_file"], url=row.get("url"), text=row["text"]
                )
            )
    elif name == "readability_testpages":
        for row in _jsonl(folder / "ground_truth.jsonl"):
            pages.append(
                Page(
                    "readability_synthetic" if row.get("synthetic") else name,
                    row["id"],
                    folder / row["html_file"],
                    url=row.get("url"),
                    text=row.get("text"),
                    title=row.get("title") or None,
                    date=row.get("date") or None,
                    lang=row.get("lang") or None,
                )
            )
    elif name == "orangesum":
        for row in _jsonl(folder / "html_ground_truth.jsonl"):
            pages.append(
                Page(
                    name,
                    row["id"],
                    folder / row["html_file"],
                    url=row.get("url"),
                    text=row.get("text"),
                    title=row.get("title") or None,
                    date=row.get("date") or None,
                    lang=row.get("lang") or None,
                    camel_split=True,
                    extra_text=row.get("summary") or None,
                )
            )
    elif name == "trafilatura_eval":
        for row in _jsonl(folder / "ground_truth.jsonl"):
            pages.append(
                Page(
                    name,
                    row["id"],
                    folder / row["html_file"],
                    url=row.get("url"),
                    title=row.get("title") or None,
                    date=row.get("date") or None,
                    with_snippets=list(row.get("with") or []),
                    without_snippets=list(row.get("without") or []),
                )
            )
    else:
        raise ValueError(f"unknown set {name!r}")
    return pages


# --- metrics ---------------------------------------------------------------


def tokens(text: str, *, camel_split: bool = False) -> list[str]:
    text = unicodedata.normalize("NFC", text)
    if camel_split:
        text = _CAMEL.sub(" ", text)
    return _WORD.findall(text.lower())


def bag_f1(predicted: list[str], expected: list[str]) -> tuple[float, float, float]:
    """Bag-of-tokens (multiset) precision, recall and F1."""
    if not predicted or not expected:
        return 0.0, 0.0, 0.0
    counts: dict[str, int] = {}
    for token in expected:
        counts[token] = counts.get(token, 0) + 1
    common = 0
    for token in predicted:
        if counts.get(token, 0) > 0:
            counts[token] -= 1
            common += 1
    if common == 0:
        return 0.0, 0.0, 0.0
    precision = common / len(predicted)
    recall = common / len(expected)
    return precision, recall, 2 * precision * recall / (precision + recall)


def _ws(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _loose(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def titles_match(predicted: str, expected: str) -> tuple[bool, bool]:
    """(exact after whitespace normalisation, equal ignoring case/punctuation/site suffix)."""
    exact = _ws(predicted) == _ws(expected)
    forms_p = {_loose(predicted), _loose(_SITE_SUFFIX.sub("", _ws(predicted)))}
    forms_e = {_loose(expected), _loose(_SITE_SUFFIX.sub("", _ws(expected)))}
    forms_p.discard("")
    forms_e.discard("")
    return exact, exact or bool(forms_p & forms_e)


def same_day(predicted: str | None, expected: str) -> bool:
    return bool(predicted) and predicted[:10] == expected[:10]


def date_miss(predicted: str | None, expected: str) -> str:
    """Classify a wrong date: "missing", "1 day", "year only" (same month and day), "other"."""
    if not predicted:
        return "missing"
    try:
        got = datetime.date.fromisoformat(predicted[:10])
        want = datetime.date.fromisoformat(expected[:10])
    except ValueError:
        return "other"
    if abs((got - want).days) == 1:
        return "1 day"
    if (got.month, got.day) == (want.month, want.day):
        return "year only"
    return "other"


# --- running ---------------------------------------------------------------


def evaluate(job: tuple[Page, HtmlSettings]) -> Result:
    page, settings = job
    result = Result(page.set, page.id)
    with gzip.open(page.path, "rb") as handle:
        data = handle.read()
    started = time.perf_counter()
    try:
        extracted = extract_html(data, page.id, url=page.url, settings=settings)
    except InputError as exc:
        result.failed = exc.reason
        extracted = None
    result.seconds = time.perf_counter() - started
    body = extracted.text if extracted else ""
    if page.text is not None:
        expected = page.text
        if page.extra_text:
            _, _, result.f1_text_only = bag_f1(
                tokens(body, camel_split=page.camel_split),
                tokens(expected, camel_split=page.camel_split),
            )
            expected = f"{page.extra_text}\n\n{expected}"
        result.precision, result.recall, result.f1 = bag_f1(
            tokens(body, camel_split=page.camel_split),
            tokens(expected, camel_split=page.camel_split),
        )
    if page.title:
        result.title = extracted.title if extracted else None
        result.title_exact, result.title_normalised = titles_match(result.title or "", page.title)
    if page.date:
        result.date = extracted.date if extracted else None
        result.date_ok = same_day(result.date, page.date)
        if not result.date_ok:
            result.date_miss = date_miss(result.date, page.date)
    if page.lang:
        predicted = extracted.lang if extracted else None
        result.lang_ok = predicted == page.lang[:2].lower()
    flat = _ws(body)
    result.with_total = len(page.with_snippets)
    result.with_found = sum(_ws(s) in flat for s in page.with_snippets)
    result.without_total = len(page.without_snippets)
    result.without_absent = sum(_ws(s) not in flat for s in page.without_snippets)
    return result


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def summarise(results: list[Result]) -> dict[str, Any]:
    def rate(flags: list[bool | None]) -> float | None:
        kept = [f for f in flags if f is not None]
        return sum(kept) / len(kept) if kept else None

    f1s = [r.f1 for r in results if r.f1 is not None]
    with_total = sum(r.with_total for r in results)
    without_total = sum(r.without_total for r in results)
    return {
        "pages": len(results),
        "failures": sum(r.failed is not None for r in results),
        "body_f1": _mean(f1s),
        "body_precision": _mean([r.precision for r in results if r.precision is not None]),
        "body_recall": _mean([r.recall for r in results if r.recall is not None]),
        "body_f1_median": statistics.median(f1s) if f1s else None,
        "body_f1_text_only": _mean([r.f1_text_only for r in results if r.f1_text_only is not None]),
        "pages_f1_below_0.5": sum(f < 0.5 for f in f1s),
        "title_pages": sum(r.title_exact is not None for r in results),
        "title_exact": rate([r.title_exact for r in results]),
        "title_normalised": rate([r.title_normalised for r in results]),
        "date_pages": sum(r.date_ok is not None for r in results),
        "date_accuracy": rate([r.date_ok for r in results]),
        "date_wrong_by_kind": {
            kind: sum(r.date_miss == kind for r in results)
            for kind in ("missing", "1 day", "year only", "other")
        },
        "lang_pages": sum(r.lang_ok is not None for r in results),
        "lang_accuracy": rate([r.lang_ok for r in results]),
        "snippets_with": with_total,
        "snippets_with_found": sum(r.with_found for r in results) / with_total
        if with_total
        else None,
        "snippets_without": without_total,
        "snippets_without_absent": sum(r.without_absent for r in results) / without_total
        if without_total
        else None,
        "seconds_per_page": _mean([r.seconds for r in results]),
    }


def run(pages: list[Page], settings: HtmlSettings, workers: int) -> list[Result]:
    jobs = [(page, settings) for page in pages]
    if workers <= 1:
        return [evaluate(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(evaluate, jobs, chunksize=4))


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f} %" if percent else f"{value:.3f}"


def print_table(rows: list[tuple[str, dict[str, Any]]], label: str = "set") -> None:
    header = (
        f"{label:<24} {'pages':>5} {'fail':>4} {'body F1':>7} {'P':>6} {'R':>6} "
        f"{'title =':>8} {'title ~':>8} {'date':>8} {'(n)':>5} {'lang':>8} "
        f"{'with':>8} {'without':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, s in rows:
        print(
            f"{name:<24} {s['pages']:>5} {s['failures']:>4} {_fmt(s['body_f1']):>7} "
            f"{_fmt(s['body_precision']):>6} {_fmt(s['body_recall']):>6} "
            f"{_fmt(s['title_exact'], True):>8} {_fmt(s['title_normalised'], True):>8} "
            f"{_fmt(s['date_accuracy'], True):>8} {s['date_pages']:>5} "
            f"{_fmt(s['lang_accuracy'], True):>8} "
            f"{_fmt(s['snippets_with_found'], True):>8} "
            f"{_fmt(s['snippets_without_absent'], True):>8}"
        )


def by_set(results: list[Result]) -> dict[str, list[Result]]:
    grouped: dict[str, list[Result]] = {}
    for result in results:
        grouped.setdefault(result.set, []).append(result)
    return grouped


def has_data_root(root: Path) -> bool:
    """Whether the shared data sets are at ``root``; if not, say so on stderr."""
    if root.is_dir():
        return True
    print(
        f"data root not found: {root}\n"
        "The quality measurement needs the shared data sets (see docs/quality.md);"
        " pass --data-root.",
        file=sys.stderr,
    )
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument(
        "--json-out", default=str(DEFAULT_JSON_OUT), help="JSON results ('' or '-': none)"
    )
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    parser.add_argument("--variants", action="store_true", help="run the settings grid")
    parser.add_argument("--only", default="", help="with --variants: comma-separated names")
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pages-out", type=Path, help="also write per-page results (JSONL)")
    args = parser.parse_args(argv)

    root: Path = args.data_root
    if not has_data_root(root):
        return 2
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    pages: list[Page] = []
    for name in names:
        if name not in SETS:
            print(f"unknown set {name!r}; known: {', '.join(SETS)}", file=sys.stderr)
            return 2
        if not (root / name).is_dir():
            print(f"skipping {name}: {root / name} not found", file=sys.stderr)
            continue
        loaded = load_pages(root, name)
        if args.limit:
            by: dict[str, list[Page]] = {}
            for page in loaded:
                by.setdefault(page.set, []).append(page)
            loaded = [p for group in by.values() for p in group[: args.limit]]
        pages.extend(loaded)

    variants = {"default": DEFAULT_SETTINGS}
    if args.variants:
        wanted = [v for v in args.only.split(",") if v] or list(VARIANTS)
        variants = {name: VARIANTS[name] for name in wanted}

    report: dict[str, Any] = {
        "data_root": str(root),
        "targets": {"body_f1": TARGET_F1, "title_exact": TARGET_TITLE, "date": TARGET_DATE},
        "variants": {},
    }
    for variant, settings in variants.items():
        started = time.perf_counter()
        results = run(pages, settings, args.workers)
        elapsed = time.perf_counter() - started
        grouped = by_set(results)
        summary = {name: summarise(rs) for name, rs in grouped.items()}
        report["variants"][variant] = {
            "settings": asdict(settings),
            "seconds": round(elapsed, 1),
            "sets": summary,
        }
        print(f"\n== {variant}: {asdict(settings)} ({elapsed:.0f} s)")
        print_table(list(summary.items()))
        if args.pages_out:
            out = (
                args.pages_out.with_suffix(f".{variant}.jsonl") if args.variants else args.pages_out
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as handle:
                for result in results:
                    handle.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
    if args.json_out not in ("", "-"):
        json_out = Path(args.json_out)
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
