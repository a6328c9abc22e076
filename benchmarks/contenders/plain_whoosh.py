#!/usr/bin/env python3
"""Contender 2: plain Whoosh, written the obvious way.

Schema ``id`` ID (stored), ``title`` and ``body`` TEXT with ``StemmingAnalyzer``
(stored); one default ``ix.writer()``, one commit. A search parses the query with a
``MultifieldParser`` over title and body, takes the top 10 and their
``hit.highlights("body", top=2)`` (re-tokenising the stored text).

As a script, the minimal fresh-process search: ``python plain_whoosh.py INDEXDIR QUERY``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )


def ingest(jsonl: Path, target: Path) -> dict[str, Any]:
    from contenders.common import read_articles

    target.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(target), make_schema())
    writer = ix.writer()
    count = 0
    for doc_id, title, text in read_articles(jsonl):
        writer.add_document(id=doc_id, title=title, body=text)
        count += 1
    start = time.perf_counter()
    writer.commit()
    commit_seconds = time.perf_counter() - start
    segments = len(ix._segments())
    ix.close()
    return {"documents": count, "commit_seconds": round(commit_seconds, 3), "segments": segments}


class Searcher:
    """One searcher and one parser reused for every query."""

    def __init__(self, target: Path) -> None:
        self.ix = index.open_dir(str(target))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)

    def search(self, query: str, limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
        results = self.searcher.search(self.parser.parse(query), limit=limit)
        hits = [(hit["title"], hit.highlights("body", top=2)) for hit in results]
        return len(results), hits

    def count(self, query: str) -> int:
        return len(self.searcher.search(self.parser.parse(query), limit=1))

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: plain_whoosh.py INDEXDIR QUERY", file=sys.stderr)
        return 2
    ix = index.open_dir(argv[0])
    with ix.searcher() as searcher:
        query = MultifieldParser(["title", "body"], ix.schema).parse(argv[1])
        results = searcher.search(query, limit=10)
        for hit in results:
            print(hit["title"])
            print("   ", hit.highlights("body", top=2))
        found = len(results)
    ix.close()
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
