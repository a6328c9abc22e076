#!/usr/bin/env python3
"""CPU time of Whoosh indexing clipper's documents, in one process, nothing else.

Bulk ingest figures (``benchmarks/run.py``) are wall times of several processes
on a shared machine, where other jobs move them by 15 % or more; this measures
only what the index writer does with clipper's schema and analyzers (analysis,
posting pool, segment writing), in CPU seconds of this process. The documents
are made first (fingerprints included) and not timed. Run it once per version
of clipper, alternating, to compare them::

    PYTHONPATH=/tmp/before python benchmarks/index_cpu.py --data FILE --limit 2000
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def documents(path: Path, limit: int) -> list[dict[str, Any]]:
    from clipper.fingerprint import fingerprint_text, signature
    from clipper.indexing import document_for
    from clipper.model import Clipping, content_id

    docs = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if len(docs) >= limit:
                break
            record = json.loads(line)
            if not record.get("text"):
                continue
            clipping = Clipping(
                id=content_id(record["text"]),
                title=record.get("title") or "",
                text=record["text"],
                added="2026-12-01T10:00:00.000000+00:00",
                original="original.txt",
                source=record.get("source"),
                date=record.get("date"),
                url=record.get("url"),
                lang=record.get("lang"),
            )
            docs.append(document_for(clipping, signature(fingerprint_text(clipping))))
    return docs


def index_once(docs: list[dict[str, Any]]) -> float:
    from whoosh import index

    from clipper.fields import build_schema

    folder = tempfile.mkdtemp(prefix="clipper-index-cpu-")
    try:
        ix = index.create_in(folder, build_schema())
        started = time.process_time()
        writer = ix.writer()
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        return time.process_time() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="JSON Lines (.gz) of articles")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    import clipper

    docs = documents(args.data, args.limit)
    seconds = [index_once(docs) for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "clipper": str(Path(clipper.__file__).parent),
                "documents": len(docs),
                "cpu_seconds": [round(s, 3) for s in seconds],
                "median_cpu_seconds": round(statistics.median(seconds), 3),
                "docs_per_cpu_second": round(len(docs) / statistics.median(seconds), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
