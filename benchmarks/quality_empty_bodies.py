"""Clippings whose body vanished in extraction: empty, or most of the source's words lost.

Usage::

    python benchmarks/quality_empty_bodies.py [--data-root ../shared/data]
        [--sets orangesum,reuters21578,rpm2_fr,n4k_dataset,...] [--workers N]
        [--json-out benchmarks/results/quality_empty_bodies.json]
        [--examples-out /tmp/empty_bodies.jsonl]

Each document of the shared data sets goes through the path ``clipper`` itself
takes, in process and without a corpus:

- ``orangesum`` (``orangesum_fr_full.jsonl.gz``) and ``reuters21578``: every
  JSON line through :func:`clipper.pipeline.extract_source` as ``clipper
  import`` does (:func:`clipper.ingest.extract_json_record`); the source text is
  the record's ``text``;
- ``rpm2_fr``: every ``.txt`` file of ``raw/Corpus_RPM2_*/`` as bytes, through format
  detection, decoding and plain-text extraction as ``clipper add`` does; the
  source text is the file's bytes read as UTF-8 (byte-order mark dropped);
- the HTML sets, read as ``benchmarks/quality_html.py`` reads them, through
  :func:`clipper.extract.html.extract_html`; the source text is the ground
  truth text (trafilatura_eval has none: only emptiness is counted there).

Counted per set, over documents whose source has words: **empty** (extraction
succeeded with an empty body: what ``clipper show`` would print),
**no text** (refused as holding no article text although the source had some),
**refused** (any other refusal, such as decoding), and **lost most**: the body
keeps less than half of the source's words (bag-of-words recall, tokens as in
quality_html; for plain-text files and JSON records without a title, the title
taken from the first line counts as kept). ``--examples-out`` writes the ids
and reasons of those documents, with the start of their text: publishers'
text, so write it outside the repository.
This script is not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import quality_html  # the sibling script: run as `python benchmarks/...`

from clipper.errors import InputError
from clipper.pipeline import Source, detect_format, extract_source

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO.parent / "shared" / "data"
DEFAULT_JSON_OUT = REPO / "benchmarks" / "results" / "quality_empty_bodies.json"
JSONL_SETS = {
    "orangesum": "orangesum/orangesum_fr_full.jsonl.gz",
    "reuters21578": "reuters21578/reuters21578.jsonl.gz",
}
# The HTML sets of quality_html; its "orangesum" is the saved pages.
HTML_SETS = {f"{name}_html" if name == "orangesum" else name: name for name in quality_html.SETS}
SETS = (*JSONL_SETS, "rpm2_fr", *HTML_SETS)
LOST_MOST = 0.5
_NO_TEXT = "no article text found"
_EXAMPLE_CHARS = 300


@dataclass
class Doc:
    set: str
    id: str
    kind: str  # "jsonl", "file", "html"
    data: bytes | None = None  # jsonl line or file bytes; HTML is read in the worker
    path: str | None = None
    url: str | None = None
    source_text: str | None = None
    camel_split: bool = False
    title_from_text: bool = False  # the first line may become the title: not lost


@dataclass
class Outcome:
    set: str
    id: str
    source_words: int
    kept: float | None = None  # share of the source's words in the body
    empty: bool = False
    no_text: bool = False
    refused: str | None = None
    start: str = ""


def load_docs(root: Path, name: str) -> Iterator[Doc]:
    if name in JSONL_SETS:
        with gzip.open(root / JSONL_SETS[name], "rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                record = json.loads(line)
                yield Doc(
                    name,
                    str(record.get("id") or number),
                    "jsonl",
                    data=line,
                    source_text=record.get("text") if isinstance(record.get("text"), str) else "",
                    camel_split=name == "orangesum",
                    title_from_text=not record.get("title"),
                )
    elif name == "rpm2_fr":
        raw = root / "rpm2_fr" / "raw"
        # The articles and their reference summaries, not the corpus's readme.
        for path in sorted(raw.glob("Corpus_RPM2_*/*.txt")):
            data = path.read_bytes()
            yield Doc(
                name,
                str(path.relative_to(raw)),
                "file",
                data=data,
                source_text=data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace"),
                title_from_text=True,
            )
    else:
        for page in quality_html.load_pages(root, HTML_SETS[name]):
            expected = "\n\n".join(t for t in (page.extra_text, page.text) if t)
            if page.with_snippets and not expected:
                expected = "\n".join(page.with_snippets)
            yield Doc(
                page.set if page.set != "orangesum" else name,
                page.id,
                "html",
                path=str(page.path),
                url=page.url,
                source_text=expected,
                camel_split=page.camel_split,
            )


def evaluate(doc: Doc) -> Outcome:
    source_tokens = quality_html.tokens(doc.source_text or "", camel_split=doc.camel_split)
    outcome = Outcome(doc.set, doc.id, len(source_tokens))
    try:
        if doc.kind == "jsonl":
            assert doc.data is not None
            source = Source(f"{doc.set}:{doc.id}", kind="jsonl", data=doc.data)
            extracted = extract_source(source, doc.data, "text")
        elif doc.kind == "file":
            assert doc.data is not None
            source = Source(doc.id, kind="bytes", data=doc.data)
            extracted = extract_source(source, doc.data, detect_format(doc.id, doc.data))
        else:
            assert doc.path is not None
            with gzip.open(doc.path, "rb") as handle:
                data = handle.read()
            source = Source(doc.id, kind="bytes", data=data)
            extracted = extract_source(source, data, "html", url=doc.url)
    except InputError as exc:
        if _NO_TEXT in exc.reason:
            outcome.no_text = True
        else:
            outcome.refused = exc.reason
        outcome.start = (doc.source_text or "")[:_EXAMPLE_CHARS]
        return outcome
    if not extracted.text.strip():
        outcome.empty = True
    kept_text = f"{extracted.title}\n\n{extracted.text}" if doc.title_from_text else extracted.text
    if source_tokens:
        _, recall, _ = quality_html.bag_f1(
            quality_html.tokens(kept_text, camel_split=doc.camel_split), source_tokens
        )
        outcome.kept = recall
    if outcome.empty or (outcome.kept is not None and outcome.kept < LOST_MOST):
        outcome.start = (doc.source_text or "")[:_EXAMPLE_CHARS]
    return outcome


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    with_text = [o for o in outcomes if o.source_words]
    return {
        "documents": len(outcomes),
        "with_source_text": len(with_text),
        "empty": sum(o.empty for o in with_text),
        "no_text": sum(o.no_text for o in with_text),
        "refused": sum(o.refused is not None for o in with_text),
        "lost_most": sum(
            not o.empty and o.kept is not None and o.kept < LOST_MOST for o in with_text
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--json-out", default=str(DEFAULT_JSON_OUT), help="JSON results ('' or '-': none)"
    )
    parser.add_argument("--examples-out", type=Path, help="write the failing documents (JSONL)")
    args = parser.parse_args(argv)

    root: Path = args.data_root
    if not quality_html.has_data_root(root):
        return 2
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        print(f"unknown sets {unknown}; known: {', '.join(SETS)}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for name in names:
            docs = list(load_docs(root, name))
            outcomes.extend(pool.map(evaluate, docs, chunksize=64 if docs[0].kind != "html" else 4))
    grouped: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.set, []).append(outcome)
    summary = {name: summarise(group) for name, group in grouped.items()}
    elapsed = time.perf_counter() - started

    header = f"{'set':<24} {'docs':>6} {'w/ text':>7} {'empty':>5} {'no text':>7} "
    header += f"{'refused':>7} {'lost most':>9}"
    print(header)
    print("-" * len(header))
    for name, s in summary.items():
        print(
            f"{name:<24} {s['documents']:>6} {s['with_source_text']:>7} {s['empty']:>5} "
            f"{s['no_text']:>7} {s['refused']:>7} {s['lost_most']:>9}"
        )
    print(f"({elapsed:.0f} s)")
    if args.json_out not in ("", "-"):
        json_out = Path(args.json_out)
        json_out.parent.mkdir(parents=True, exist_ok=True)
        report = {"data_root": str(root), "seconds": round(elapsed, 1), "sets": summary}
        json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {json_out}")
    if args.examples_out:
        args.examples_out.parent.mkdir(parents=True, exist_ok=True)
        with args.examples_out.open("w", encoding="utf-8") as handle:
            for o in outcomes:
                if o.source_words and (o.empty or o.no_text or o.refused or o.start):
                    handle.write(json.dumps(asdict(o), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
