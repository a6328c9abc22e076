"""The three contenders of ``benchmarks/run.py``: clipper, plain Whoosh and SQLite FTS5.

Each module offers ``ingest(jsonl, target) -> dict`` (bulk import of a JSON Lines
file of articles into ``target``) and a ``Searcher(target)`` with
``search(query, limit) -> (total, [(title, snippet), ...])`` and ``close()``.
``plain_whoosh.py`` and ``fts5.py`` are also the minimal stand-alone scripts timed
as a fresh process per query: ``python fts5.py DB QUERY``.
"""
