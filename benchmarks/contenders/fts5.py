#!/usr/bin/env python3
"""Contender 3: SQLite FTS5 from the standard library, written the obvious way.

One table ``docs(title, body)`` with ``unicode61 remove_diacritics 2``, every
article inserted by one ``executemany`` in one transaction; a search is a
``MATCH`` with each query word quoted, the top 10 ordered by ``bm25`` with a
``snippet()`` of the body.

As a script, the minimal fresh-process search: ``python fts5.py DB QUERY``.

``benchmarks/relevance.py`` builds it with the ``porter`` tokenizer and a ``doc_id``
column (``ingest(..., tokenize=PORTER, with_ids=True)``) and ranks with
``Searcher.ranked_ids``: the query's words OR-ed, quoted phrases kept.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

TOKENIZE = "unicode61 remove_diacritics 2"
PORTER = "porter unicode61 remove_diacritics 2"  # English stemming on top of the same
RANKED = "SELECT doc_id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
SEARCH = (
    "SELECT title, snippet(docs, 1, '[', ']', '…', 24) FROM docs "
    "WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"
)
COUNT = "SELECT count(*) FROM docs WHERE docs MATCH ?"
_PARTS = re.compile(r'"([^"]*)"|(\S+)')


def to_match(query: str, any_word: bool = False) -> str:
    """A user query as an FTS5 expression: ``"a b"`` stays a phrase, other words are quoted.

    Quoting every word makes FTS5 read ``AND``, ``NEAR``, ``-`` or ``*`` as text, never
    as syntax; quoted strings are ANDed, like the other contenders' default, or OR-ed
    with ``any_word``.
    """
    terms = []
    for phrase, word in _PARTS.findall(query):
        text = (phrase or word).strip()
        if text:
            terms.append('"' + text.replace('"', '""') + '"')
    return (" OR " if any_word else " ").join(terms)


def create_sql(tokenize: str = TOKENIZE, with_ids: bool = False) -> str:
    # An UNINDEXED column is stored, never matched nor scored: bm25 is unchanged.
    columns = "doc_id UNINDEXED, title, body" if with_ids else "title, body"
    return f"CREATE VIRTUAL TABLE docs USING fts5({columns}, tokenize='{tokenize}')"


def ingest(
    jsonl: Path, target: Path, tokenize: str = TOKENIZE, with_ids: bool = False
) -> dict[str, Any]:
    from contenders.common import read_articles

    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(target)
    try:
        db.execute(create_sql(tokenize, with_ids))
        with db:  # one transaction
            if with_ids:
                db.executemany(
                    "INSERT INTO docs(doc_id, title, body) VALUES (?, ?, ?)",
                    read_articles(jsonl),
                )
            else:
                db.executemany(
                    "INSERT INTO docs(title, body) VALUES (?, ?)",
                    ((title, text) for _id, title, text in read_articles(jsonl)),
                )
        count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        db.close()
    return {"documents": count}


class Searcher:
    """One connection reused for every query."""

    def __init__(self, target: Path) -> None:
        self.db = sqlite3.connect(target)

    def search(self, query: str, limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
        rows = self.db.execute(SEARCH, (to_match(query), limit)).fetchall()
        return -1, [(title, snippet) for title, snippet in rows]  # no total: FTS5 needs a COUNT

    def count(self, query: str) -> int:
        return int(self.db.execute(COUNT, (to_match(query),)).fetchone()[0])

    def ranked_ids(self, query: str, limit: int = 100) -> list[str]:
        """Ids of the top ``limit`` by bm25, the query's words OR-ed (needs ``with_ids``)."""
        match = to_match(query, any_word=True)
        if not match:
            return []
        return [row[0] for row in self.db.execute(RANKED, (match, limit))]

    def close(self) -> None:
        self.db.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: fts5.py DB QUERY", file=sys.stderr)
        return 2
    db = sqlite3.connect(argv[0])
    rows = db.execute(SEARCH, (to_match(argv[1]), 10)).fetchall()
    for title, snippet in rows:
        print(title)
        print("   ", snippet)
    db.close()
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
