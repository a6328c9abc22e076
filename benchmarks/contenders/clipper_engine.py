"""Contender 1: clipper through its library API (``clipper.archive.Archive``).

Which ``clipper`` is imported is up to ``PYTHONPATH`` (``benchmarks/run.py`` points it
at a frozen snapshot of a commit). Its fresh-process search is the real CLI,
``python -m clipper --corpus DIR search QUERY``, so there is no script here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def describe() -> dict[str, Any]:
    import clipper

    return {"module": str(Path(clipper.__file__).resolve().parent)}


def ingest(jsonl: Path, target: Path) -> dict[str, Any]:
    from clipper.archive import Archive

    archive = Archive.open_or_create(target)
    try:
        # Counts only, as the command line does: the report does not grow with the batch.
        report = archive.import_jsonl(jsonl, keep_outcomes=False)
    finally:
        archive.close()
    counts = report.counts
    return {
        "documents": sum(counts[status] for status in ("added", "duplicate", "failed")),
        "added": counts["added"],
        "duplicates": counts["duplicate"],
        "near_duplicates": counts["near_duplicate"],
        "failed": counts["failed"],
        "failures": [o.error for o in report.failed[:5]],
    }


class Searcher:
    """One ``Archive``: clipper keeps its index open between searches."""

    def __init__(self, target: Path) -> None:
        from clipper.archive import Archive

        self.archive = Archive.open(target)

    def search(self, query: str, limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
        result = self.archive.search(query, limit=limit)
        return result.total, [(h.clipping.title, h.snippet.text) for h in result.hits]

    def count(self, query: str) -> int:
        return self.archive.search(query, limit=1).total

    def add_text(self, name: str, data: bytes) -> str:
        return self.archive.add_bytes(data, name=name).status

    def segments(self) -> int | None:
        return self.archive.segment_count()

    def close(self) -> None:
        self.archive.close()
