"""Export then import over real articles: every clipping, every field, every original byte.

    python benchmarks/roundtrip.py [--jobs N] [--keep DIR] [JSONL ...]

Imports the JSON Lines files (default: all of OrangeSum and Reuters-21578)
into a fresh corpus, exports it with `--with-originals` (the same code as
`clipper export`), imports the export into a second fresh corpus, then
compares the two corpora clipping by clipping, field by field, and the
original bytes. Prints the differences (the target is none) and the times,
and exits 1 if any. Uses the Archive API only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, fields
from pathlib import Path

from clipper.archive import Archive
from clipper.export import jsonl_lines
from clipper.model import Clipping

DATA = Path("/work/shared/data")
DEFAULT_INPUTS = [
    DATA / "orangesum" / "orangesum_fr_full.jsonl.gz",
    DATA / "reuters21578" / "reuters21578.jsonl.gz",
]
FIELDS = [f.name for f in fields(Clipping)]


def _import(archive: Archive, path: Path, jobs: int | None) -> Counter[str]:
    report = archive.import_jsonl(path, jobs=jobs, keep_outcomes=False)
    for outcome in report.failed[:5]:
        print(f"  failed: {outcome.error}", file=sys.stderr)
    return report.counts


def run(inputs: list[Path], work: Path, jobs: int | None) -> dict[str, object]:
    figures: dict[str, object] = {"inputs": [str(p) for p in inputs]}
    first = Archive.open_or_create(work / "first")
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    for path in inputs:
        counts.update(_import(first, path, jobs))
    figures["first_import"] = {"seconds": round(time.perf_counter() - started, 1), **counts}

    started = time.perf_counter()
    clippings = first.matching()
    exported = work / "export.jsonl"
    with open(exported, "w", encoding="utf-8") as handle:
        handle.writelines(jsonl_lines(clippings, first.original))
    figures["export"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "clippings": len(clippings),
        "bytes": exported.stat().st_size,
    }

    second = Archive.open_or_create(work / "second")
    started = time.perf_counter()
    counts = _import(second, exported, jobs)
    figures["second_import"] = {"seconds": round(time.perf_counter() - started, 1), **counts}

    started = time.perf_counter()
    differences: Counter[str] = Counter()
    examples: list[str] = []
    for clipping in clippings:
        try:
            restored = second.get(clipping.id)
        except Exception as exc:  # a missing clipping is a difference, not a crash
            differences["missing"] += 1
            examples.append(f"{clipping.id}: {exc}")
            continue
        before, after = asdict(clipping), asdict(restored)
        for name in FIELDS:
            if before[name] != after[name]:
                differences[name] += 1
                if len(examples) < 10:
                    examples.append(f"{clipping.id}.{name}: {before[name]!r} != {after[name]!r}")
        if first.original(clipping) != second.original(restored):
            differences["original bytes"] += 1
            examples.append(f"{clipping.id}: original bytes differ")
    extra = second.search("", limit=1).total - len(clippings)
    if extra:
        differences["extra clippings"] += extra
    figures["compare"] = {"seconds": round(time.perf_counter() - started, 1)}
    figures["differences"] = sum(differences.values())
    figures["differences_by_field"] = dict(differences)
    figures["examples"] = examples[:10]
    first.close()
    second.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    parser.add_argument("--keep", type=Path, help="work in this (new) directory and keep it")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
        figures = run(args.inputs, args.keep, args.jobs)
    else:
        with tempfile.TemporaryDirectory(prefix="clipper-roundtrip-") as work:
            figures = run(args.inputs, Path(work), args.jobs)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 1 if figures["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
