"""The search index of one corpus behind one typed class: Whoosh stays below it.

:class:`SearchIndex` owns the Whoosh index and the searcher kept between
searches. The archive asks it questions in clipper's terms (a query string,
:class:`~clipper.options.Filters`, ids, counts) and gets clipper's values back;
parsing, bounding and filtering Whoosh queries happen here and in the modules
this one drives (:mod:`clipper.indexing`, :mod:`clipper.searching`,
:mod:`clipper.fields`, :mod:`clipper.analysis`, :mod:`clipper.whooshfix`).
Those are imported on first use, so that importing the library stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clipper.options import Filters, MatchMode, Timeline
from clipper.storage import Corpus

if TYPE_CHECKING:
    from clipper.indexing import IndexDiff, IndexLookup, IndexWriter
    from clipper.searching import RawHit
    from clipper.snippets import Span

ProgressCallback = Callable[[int], None]


@dataclass
class Found:
    """One page of a search as the index answers it, before clippings are read."""

    total: int
    hits: list[RawHit]
    facets: dict[str, list[tuple[str, int]]]
    terms: dict[str, set[str]]  # the query's terms by field, for highlighting
    suggestion: str | None = None
    words: int = 0  # words of the query that count (stop words aside)
    relaxed: bool = False
    dropped: list[str] = field(default_factory=list)


class SearchIndex:
    """The derived index of a corpus: opened when first needed, rebuilt when stale."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._ix: Any = None  # a Whoosh index
        self._searcher: Any = None  # a Whoosh searcher, kept between searches
        self._schema: Any = None  # the index's, read once (Whoosh reads it from disk each time)

    @property
    def has_searcher(self) -> bool:
        return self._searcher is not None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None
            self._schema = None

    def _open(self, progress: ProgressCallback | None = None) -> Any:
        if self._ix is None:
            from clipper.indexing import open_index

            self._ix = open_index(self._corpus, progress, mapped=True)
        return self._ix

    @contextmanager
    def _searching(self, progress: ProgressCallback | None = None) -> Iterator[Any]:
        """A searcher kept between calls, renewed when another commit made it stale.

        Opening one reads every segment's term and column files; a process that
        searches often (the web page, a script) pays it once per index change.
        """
        ix = self._open(progress)
        if self._searcher is None or not self._searcher.up_to_date():
            if self._searcher is not None:
                self._searcher.close()
            from clipper.searching import open_searcher

            self._searcher = open_searcher(ix)
        yield self._searcher

    def _parse(
        self, query: str, filters: Filters | None, progress: ProgressCallback | None = None
    ) -> tuple[Any, dict[str, int], Any]:
        """The Whoosh query of a query string, the words it repeats, and the
        query of the filters (or None)."""
        from clipper.searching import filter_query, make_parser, user_query_counting

        if self._schema is None:
            self._schema = self._open(progress).schema
        q, repeats = user_query_counting(make_parser(self._schema), query)
        return q, repeats, filter_query(self._schema, filters or Filters())

    # -- searching -----------------------------------------------------

    def search(
        self,
        query: str,
        filters: Filters | None,
        *,
        limit: int,
        offset: int,
        sort: str,
        collapse: bool,
        facets: Iterable[str],
        match: MatchMode,
        text_of: Callable[[str], str],
        progress: ProgressCallback | None = None,
        budget: float | None = None,
    ) -> Found:
        """One page of hits (see :meth:`Archive.search`); ``text_of(id)`` feeds the
        suggestion and a question's feedback words."""
        from clipper.searching import (
            SUGGEST_BELOW,
            Deadline,
            as_typed,
            bound_query,
            matched_terms,
            relaxed_search,
            suggest_query,
        )

        deadline = Deadline(budget) if budget is not None else None
        q, repeats, fq = self._parse(query, filters, progress)
        with self._searching() as searcher:
            q = bound_query(q, searcher.reader(), deadline)
            outcome = relaxed_search(
                searcher,
                q,
                fq,
                limit,
                offset,
                match=match if query.strip() else "all",
                sort=sort if query.strip() else "-date",
                collapse=collapse,
                facets=list(facets),
                deadline=deadline,
                repeats=repeats,
                text_of=text_of,
            )
            terms = matched_terms(q, searcher.reader()) if query.strip() else {}
            suggestion = None
            # A relaxed query that found something needs no correction.
            total = outcome.total
            if query.strip() and total < SUGGEST_BELOW and not (outcome.relaxed and total):
                suggestion = suggest_query(searcher, query, text_of)
        return Found(
            total,
            outcome.hits,
            outcome.facets,
            terms,
            suggestion,
            words=len(outcome.words) if query.strip() else 0,
            relaxed=outcome.relaxed,
            dropped=as_typed(outcome.dropped, query),
        )

    @staticmethod
    def highlight(text: str, lang: str | None, terms: dict[str, set[str]]) -> list[Span]:
        """Spans of ``text`` matching a search's terms (:attr:`Found.terms`)."""
        from clipper.searching import highlight_spans

        return highlight_spans(text, lang, terms)

    def timeline(
        self, query: str, filters: Filters | None, by: str | None, *, match: MatchMode
    ) -> Timeline:
        """Every match of a search (as :meth:`search` finds them) per period."""
        from clipper.searching import check_period, timeline

        check_period(by)
        with self._searching() as searcher:
            hits = self._every_match(searcher, query, filters, sort="-date", match=match)
            return timeline(searcher, [h.docnum for h in hits if h.docnum is not None], by)

    def similar(
        self,
        clipping_id: str,
        text: str,
        lang: str | None,
        group: str,
        *,
        limit: int,
        include_copies: bool,
    ) -> list[RawHit]:
        """The documents closest to one by its key terms (none of its group unless asked)."""
        from clipper.searching import similar_to

        with self._searching() as searcher:
            return similar_to(
                searcher,
                clipping_id,
                text,
                lang,
                group,
                limit=limit,
                include_copies=include_copies,
            )

    def matching_ids(
        self,
        query: str,
        filters: Filters | None,
        *,
        sort: str,
        match: MatchMode,
        text_of: Callable[[str], str] | None = None,
    ) -> list[str]:
        """The ids of every document a search finds (relaxed as :meth:`search`
        relaxes it), in ``sort`` order; ``text_of`` as for :meth:`search`."""
        with self._searching() as searcher:
            hits = self._every_match(searcher, query, filters, sort, match, text_of)
            return [h.id for h in hits]

    def _every_match(
        self,
        searcher: Any,
        query: str,
        filters: Filters | None,
        sort: str,
        match: MatchMode,
        text_of: Callable[[str], str] | None = None,
    ) -> list[RawHit]:
        """Every hit of a search, on one page: what :meth:`search` pages through."""
        from clipper.searching import bound_query, relaxed_search

        q, repeats, fq = self._parse(query, filters)
        q = bound_query(q, searcher.reader())
        outcome = relaxed_search(
            searcher,
            q,
            fq,
            max(searcher.doc_count_all(), 1),
            0,
            match=match if query.strip() else "all",
            sort=sort,
            repeats=repeats,
            text_of=text_of,
            count_common=False,  # every match: no one reads their counts
        )
        return outcome.hits

    def matching_among(
        self, query: str, filters: Filters | None, ids: Collection[str]
    ) -> list[str]:
        """Which of ``ids`` match a query and filters (a saved search on new clippings)."""
        from clipper.searching import bound_query, only_ids

        q, _, fq = self._parse(query, filters)
        fq = only_ids(fq, ids)
        with self._searching() as searcher:
            q = bound_query(q, searcher.reader())
            return [hit["id"] for hit in searcher.search(q, filter=fq, limit=None)]

    def group_members(self, group: str) -> list[str]:
        """The ids of a near-duplicate group's documents, from the committed index."""
        with self.reading() as lookup:
            return lookup.group_members(group)

    # -- describing ----------------------------------------------------

    def state(self) -> str:
        """``"ok"``, ``"missing"`` or ``"stale"`` (see :func:`clipper.indexing.index_state`)."""
        from clipper.indexing import index_state

        return index_state(self._corpus)

    def document_count(self, progress: ProgressCallback | None = None) -> int:
        """Documents in the index (opening, and building if needed, the index)."""
        return int(self._open(progress).doc_count())

    def segment_count(self) -> int:
        """Segments of the index: each search reads every one."""
        return len(self._open()._segments())

    def indexed_ids(self) -> list[str]:
        """The id of every document in the index, once per document (a repeat is a fault)."""
        with self._open().searcher() as searcher:
            return [fields["id"] for fields in searcher.all_stored_fields()]

    def diff(self) -> IndexDiff:
        """How the index differs from the corpus files."""
        from clipper.indexing import diff

        return diff(self._corpus)

    # -- changing ------------------------------------------------------
    # Each closes the open index first: what it writes is then read afresh.

    def writing(self, *, bulk: bool = False) -> AbstractContextManager[IndexWriter]:
        """Add and delete documents under the corpus lock (see :func:`clipper.indexing.writing`)."""
        from clipper.indexing import writing

        return writing(self._corpus, bulk=bulk)

    def reading(self) -> AbstractContextManager[IndexLookup]:
        """Lookups on the committed index, without the write lock (dry runs)."""
        from clipper.indexing import reading

        return reading(self._corpus)

    @staticmethod
    def checkpoint_every() -> int:
        """Clippings per index commit in bulk writes."""
        from clipper import indexing

        return indexing.CHECKPOINT_EVERY  # read at each call: tests lower it

    def rebuild(self, progress: ProgressCallback | None = None) -> int:
        """Build the index again from the corpus files; returns how many were indexed."""
        from clipper.indexing import rebuild

        self.close()
        return rebuild(self._corpus, progress)

    def sync(self, found: IndexDiff | None = None) -> IndexDiff:
        """Index what is missing or stale and drop what is gone."""
        from clipper.indexing import sync

        self.close()
        return sync(self._corpus, found)

    def optimize(self) -> tuple[int, int]:
        """Merge the segments into one; returns the counts before and after."""
        from clipper.indexing import optimize

        self.close()
        return optimize(self._corpus)
