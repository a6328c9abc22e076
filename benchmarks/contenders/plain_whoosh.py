#!/usr/bin/env python3
"""Contender 2: plain Whoosh, written the obvious way.

Schema ``id`` ID (stored), ``title`` and ``body`` TEXT with ``StemmingAnalyzer``
(stored); one default ``ix.writer()``, one commit. A search parses the query with a
``MultifieldParser`` over title and body, takes the top 10 and their
``hit.highlights("body", top=2)`` (re-tokenising the stored text).

As a script, the minimal fresh-process search: ``python plain_whoosh.py INDEXDIR QUERY``.

``benchmarks/relevance.py`` also builds it with a French analyzer (``lang="fr"``) and
ranks with ``Searcher.ranked_ids``: the query's words OR-ed, quoted phrases kept.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from whoosh import index, qparser
from whoosh.analysis import Analyzer, LanguageAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup

# Query syntax that plain words of a typed question would trigger by accident:
# "science?" as a wildcard, "AND"/"NOT" as operators, "title:" as a field.
_SYNTAX_PLUGINS = (
    qparser.WildcardPlugin,
    qparser.OperatorsPlugin,
    qparser.FieldsPlugin,
    qparser.GroupPlugin,
    qparser.BoostPlugin,
    qparser.RangePlugin,
    qparser.SingleQuotePlugin,
    qparser.EveryPlugin,
)


def make_analyzer(lang: str | None = None) -> Analyzer:
    """``StemmingAnalyzer`` (English Porter), or Whoosh's analyzer for ``lang`` (e.g. "fr")."""
    return StemmingAnalyzer() if lang in (None, "en") else LanguageAnalyzer(lang)


def make_schema(lang: str | None = None) -> Schema:
    return Schema(
        id=ID(stored=True),
        title=TEXT(analyzer=make_analyzer(lang), stored=True),
        body=TEXT(analyzer=make_analyzer(lang), stored=True),
    )


def any_word_parser(schema: Schema) -> MultifieldParser:
    """Title and body, the words OR-ed, ``"quoted phrases"`` kept, no other syntax."""
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    for plugin in _SYNTAX_PLUGINS:
        parser.remove_plugin_class(plugin)
    return parser


def ingest(jsonl: Path, target: Path, lang: str | None = None) -> dict[str, Any]:
    from contenders.common import read_articles

    target.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(target), make_schema(lang))
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
        self.any_word = any_word_parser(self.ix.schema)

    def search(self, query: str, limit: int = 10) -> tuple[int, list[tuple[str, str]]]:
        results = self.searcher.search(self.parser.parse(query), limit=limit)
        hits = [(hit["title"], hit.highlights("body", top=2)) for hit in results]
        return len(results), hits

    def count(self, query: str) -> int:
        return len(self.searcher.search(self.parser.parse(query), limit=1))

    def ranked_ids(self, query: str, limit: int = 100) -> list[str]:
        """Ids of the top ``limit`` by BM25F, the query's words OR-ed."""
        results = self.searcher.search(self.any_word.parse(query), limit=limit)
        return [hit["id"] for hit in results]  # len(results) would count every match

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
