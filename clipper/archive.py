r"""The library API: a clipping archive on one corpus directory.

    >>> import tempfile
    >>> from clipper.archive import Archive
    >>> from clipper.ingest import Metadata
    >>> archive = Archive.open_or_create(tempfile.mkdtemp() + "/corpus")
    >>> text = "Les modèles Phi\n\nMicrosoft présente ses petits modèles de langage.\n"
    >>> archive.add_bytes(text.encode(), "phi.txt", Metadata(lang="fr")).status
    'added'
    >>> archive.search("modele phi").hits[0].clipping.title
    'Les modèles Phi'
    >>> archive.close()

Every command of the CLI is one call here. The index is asked through
:class:`~clipper.index.SearchIndex`, the one class below which Whoosh is used.
"""

from __future__ import annotations

import gzip
import os
import shlex
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from clipper.errors import (
    ClipperError,
    CorpusError,
    InputError,
    UsageError,
    unexpected_failure,
)
from clipper.index import SearchIndex
from clipper.locking import corpus_lock
from clipper.model import (
    COPY_FIELDS,
    DEFAULT_MAX_BYTES,
    GIVEN_FIELDS,
    HIT_FIELDS,
    LAYOUT_FIELDS,
    STDIN_NAME,
    Clipping,
    normalise_tags,
)
from clipper.options import MATCH_MODES, REVIEW_TITLE
from clipper.snippets import Snippet, make_snippet
from clipper.storage import Corpus, GroupWriter

if TYPE_CHECKING:
    from clipper.check import CheckReport
    from clipper.export import Export
    from clipper.fingerprint import NearDuplicateFinder, Signature
    from clipper.index import IndexLookup, IndexWriter
    from clipper.ingest import Metadata
    from clipper.options import Filters, MatchMode, Timeline
    from clipper.pipeline import Prepared, Source
    from clipper.watches import Watch

# A JSON Lines file larger than this is prepared in worker processes.
PARALLEL_JSONL_BYTES = 256 * 1024

ENV_CORPUS = "CLIPPER_CORPUS"
APP_NAME = "clipper"


def locate_corpus(option: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """Where the corpus is: ``--corpus`` > ``$CLIPPER_CORPUS`` > ``./corpus`` > user data dir."""
    if option:
        return Path(option).expanduser()
    if os.environ.get(ENV_CORPUS):
        return Path(os.environ[ENV_CORPUS]).expanduser()
    local = (cwd or Path.cwd()) / "corpus"
    if Corpus.is_corpus(local):
        return local
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "corpus"


# -- results -------------------------------------------------------------


# What became of one input; JSON output and reports show these strings.
AddStatus = Literal["added", "duplicate", "failed"]


@dataclass(slots=True)
class AddOutcome:
    """What happened to one input of an ``add`` or ``import``.

    ``status`` is "added", "duplicate" (the same text is stored already) or
    "failed". An added clipping may be a near-duplicate of another: then
    ``near`` names it (also when only a dry run).
    """

    name: str
    status: AddStatus
    clipping: Clipping | None = None
    error: str | None = None
    new_tags: list[str] = field(default_factory=list)
    near: Clipping | None = None


@dataclass
class AddReport:
    """What an add or import did: counts, failures and, if kept, every outcome.

    Each outcome reaches the ``on_outcome`` callback as it happens. A report
    keeps them all unless made with ``keep_outcomes=False``: a caller that
    streams them (the command line, an import of a whole corpus) then gets
    counts and failures alone, and memory does not grow with the batch. In
    large batches (those
    prepared in worker processes), kept clippings are summaries (id, title,
    source, date, language, tags and near-duplicate link; ``near`` has only
    its id); read a whole clipping with :meth:`Archive.get`.
    """

    outcomes: list[AddOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unsupported files met in directories
    dry_run: bool = False
    keep_outcomes: bool = True
    failed: list[AddOutcome] = field(default_factory=list)  # kept in every case
    # "added", "near_duplicate" (added, near another), "duplicate", "failed"
    counts: Counter[str] = field(default_factory=Counter)

    def record(self, outcome: AddOutcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "added" and outcome.near is not None:
            self.counts["near_duplicate"] += 1
        if outcome.status == "failed":
            self.failed.append(outcome)
        if self.keep_outcomes:
            self.outcomes.append(outcome)

    @property
    def near_duplicates(self) -> list[AddOutcome]:
        return [o for o in self._kept() if o.status == "added" and o.near is not None]

    def _kept(self) -> list[AddOutcome]:
        if not self.keep_outcomes:
            raise ValueError("this report kept counts only (keep_outcomes=False)")
        return self.outcomes

    @property
    def added(self) -> list[AddOutcome]:
        return [o for o in self._kept() if o.status == "added"]

    @property
    def duplicates(self) -> list[AddOutcome]:
        return [o for o in self._kept() if o.status == "duplicate"]


@dataclass
class Hit:
    clipping: Clipping
    score: float
    snippet: Snippet
    copies: list[Clipping] = field(default_factory=list)  # with --collapse
    matched: int | None = None  # how many of the query's words it matched

    def to_dict(self) -> dict[str, Any]:
        c = self.clipping
        return {
            "id": c.id,
            "score": round(self.score, 4),
            **{name: getattr(c, name) for name in HIT_FIELDS if name != "id"},
            "snippet": self.snippet.text,
            "highlights": [list(h) for h in self.snippet.highlights],
            "copies": [copy_summary(c) for c in self.copies],
            "matched": self.matched,
        }


def copy_summary(clipping: Clipping) -> dict[str, Any]:
    return {name: getattr(clipping, name) for name in COPY_FIELDS}


@dataclass(frozen=True)
class Removed:
    """A clipping :meth:`Archive.remove` deleted."""

    id: str
    title: str | None  # None: its metadata could not be read

    @property
    def short_id(self) -> str:
        return self.id[:8]


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    offset: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    match: str = "auto"
    words: int = 0  # words of the query that count (stop words aside)
    relaxed: bool = False  # not every word was required
    dropped: list[str] = field(default_factory=list)  # words no longer required
    # Ids of this page's hits whose files could not be read (see `clipper check`).
    unreadable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "offset": self.offset,
            "hits": [h.to_dict() for h in self.hits],
            "suggestion": self.suggestion,
            "match": self.match,
            "words": self.words,
            "relaxed": self.relaxed,
            "dropped": self.dropped,
            "unreadable": self.unreadable,
        }
        if self.facets:
            data["facets"] = {
                name: [{"value": value, "count": count} for value, count in counts]
                for name, counts in self.facets.items()
            }
        return data


# -- the archive -----------------------------------------------------------


class Archive:
    """A corpus plus its derived index."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.index = SearchIndex(corpus)

    @classmethod
    def open(cls, root: str | os.PathLike[str]) -> Archive:
        return cls(Corpus.open(Path(root)))

    @classmethod
    def open_or_create(cls, root: str | os.PathLike[str]) -> Archive:
        return cls(Corpus.create(Path(root)))

    @property
    def root(self) -> Path:
        return self.corpus.root

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # An archive dropped without close() still releases its open index files.
        index = getattr(self, "index", None)
        if index is not None and index.has_searcher:
            self.close()

    # -- adding --------------------------------------------------------

    def add_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        metadata: Metadata | None = None,
        on_outcome: Callable[[AddOutcome], None] | None = None,
        *,
        stdin: bytes | None = None,
        dry_run: bool = False,
        on_total: Callable[[int], None] | None = None,
        jobs: int | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep_outcomes: bool = True,
    ) -> AddReport:
        """Add files, directories (recursively), URLs and mbox files.

        One bad input never stops the rest. A path ``-`` stands for ``stdin``,
        the bytes read from standard input. ``dry_run`` reports what would
        happen and writes nothing. ``keep_outcomes``: see :class:`AddReport`.
        """
        from clipper.pipeline import PARALLEL_THRESHOLD

        report = AddReport(dry_run=dry_run, keep_outcomes=keep_outcomes)
        sources = list(self._sources(paths, report, stdin))
        for source in sources:
            source.max_bytes = max_bytes
        if on_total:
            on_total(len(sources))
        parallel = len(sources) >= PARALLEL_THRESHOLD
        return self._ingest(sources, metadata, report, on_outcome, parallel=parallel, jobs=jobs)

    def add_bytes(
        self, data: bytes, name: str = STDIN_NAME, metadata: Metadata | None = None
    ) -> AddOutcome:
        """Add one document given as bytes (standard input, a test, another program)."""
        from clipper.pipeline import Source

        source = Source(name, kind="bytes", data=data)
        report = self._ingest([source], metadata, AddReport(), None, parallel=False)
        return report.outcomes[0]

    def import_jsonl(
        self,
        path: str | os.PathLike[str],
        metadata: Metadata | None = None,
        on_outcome: Callable[[AddOutcome], None] | None = None,
        *,
        dry_run: bool = False,
        on_total: Callable[[int], None] | None = None,
        jobs: int | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep_outcomes: bool = True,
    ) -> AddReport:
        """Add one clipping per line of a JSON Lines file (``.gz`` accepted).

        Lines already stored are skipped by content id, so an interrupted
        import resumes where it stopped when run again. ``keep_outcomes``:
        see :class:`AddReport`.
        """
        from clipper.pipeline import Source

        path = Path(path)
        with _open_lines(path) as handle:
            _refuse_other_formats(path, handle)
        if on_total:
            with _open_lines(path) as handle:
                on_total(sum(1 for _ in _numbered_lines(path, handle, [])))
        report = AddReport(dry_run=dry_run, keep_outcomes=keep_outcomes)
        unreadable: list[InputError] = []  # the lines before a damaged end still go in
        with _open_lines(path) as handle:
            sources = (
                Source(f"{path}:{number}", kind="jsonl", data=line, max_bytes=max_bytes)
                for number, line in _numbered_lines(path, handle, unreadable)
            )
            parallel = path.stat().st_size > PARALLEL_JSONL_BYTES
            self._ingest(sources, metadata, report, on_outcome, parallel=parallel, jobs=jobs)
        for error in unreadable:
            outcome = AddOutcome(str(path), "failed", error=error.message)
            if on_outcome:
                on_outcome(outcome)
            report.record(outcome)
        return report

    def _sources(
        self, paths: Iterable[str | os.PathLike[str]], report: AddReport, stdin: bytes | None
    ) -> Iterator[Source]:
        from clipper.fetch import is_url, unsupported_scheme
        from clipper.pipeline import SUPPORTED_SUFFIXES, Source

        for given in paths:
            text = str(given)
            if text == "-" and stdin is not None:
                yield Source(STDIN_NAME, kind="bytes", data=stdin)
            elif is_url(text):
                yield Source(text, kind="url")
            elif scheme := unsupported_scheme(text):
                error = f"{text}: unsupported URL scheme '{scheme}' (only http and https)"
                report.record(AddOutcome(text, "failed", error=error))
            elif Path(text).is_dir():
                root = Path(text).resolve()
                for child in sorted(_files_below(Path(text))):
                    if child.is_symlink() and not child.resolve().is_relative_to(root):
                        report.record(
                            AddOutcome(
                                str(child),
                                "failed",
                                error=f"{child}: symbolic link to a file outside {text}: refused",
                            )
                        )
                    elif child.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield from self._file_sources(child, report)
                    else:
                        report.skipped.append(str(child))
            else:
                yield from self._file_sources(Path(text), report)

    @staticmethod
    def _file_sources(path: Path, report: AddReport) -> Iterator[Source]:
        from clipper.pipeline import Source

        if path.suffix.lower() != ".mbox":
            yield Source(str(path), path=str(path))
            return
        from clipper.extract.email import split_mbox

        try:
            for name, message in split_mbox(path.read_bytes(), str(path)):
                yield Source(name, kind="bytes", data=message, format="email")
        except (ClipperError, OSError) as exc:
            error = exc.message if isinstance(exc, ClipperError) else f"{path}: {exc}"
            report.record(AddOutcome(str(path), "failed", error=error))

    def _ingest(
        self,
        sources: Iterable[Source],
        metadata: Metadata | None,
        report: AddReport,
        on_outcome: Callable[[AddOutcome], None] | None,
        *,
        parallel: bool,
        jobs: int | None = None,
    ) -> AddReport:
        from clipper.fingerprint import NearDuplicateFinder
        from clipper.ingest import Metadata
        from clipper.pipeline import Failed, prepare, prepare_all

        for outcome in report.failed:  # met while listing the sources
            if on_outcome:
                on_outcome(outcome)
        metadata = metadata or Metadata()
        items: Iterable[Prepared | Failed]
        if parallel:
            items = prepare_all(sources, metadata, parallel=True, jobs=jobs)
        else:
            # A page to fetch can take seconds: fetched before the write lock,
            # which every other add waits for (a few pages, held in memory).
            sources = list(sources)
            fetched = {i: prepare(s, metadata) for i, s in enumerate(sources) if s.kind == "url"}
            items = (fetched.get(i) or prepare(s, metadata) for i, s in enumerate(sources))
        finder = NearDuplicateFinder()
        context = self.index.reading() if report.dry_run else self.index.writing(bulk=parallel)
        with context as index:
            # Large batches store in groups (two syncs a group); small ones
            # make each clipping durable before reporting it.
            batch = _Batch(
                self.corpus,
                index,
                finder,
                dry_run=report.dry_run,
                grouped=parallel,
                checkpoint_every=self.index.checkpoint_every(),
            )
            try:
                for item in items:
                    if isinstance(item, Failed):
                        outcome = AddOutcome(item.name, "failed", error=item.error)
                    else:
                        try:
                            outcome = batch.store(item)
                        except ClipperError as exc:
                            outcome = AddOutcome(item.name, "failed", error=exc.message)
                        except (OSError, MemoryError):
                            raise  # a full disk or memory stops the batch
                        except Exception as exc:  # one input's failure does not stop it
                            error = unexpected_failure(item.name, exc)
                            outcome = AddOutcome(item.name, "failed", error=error)
                    if on_outcome:
                        on_outcome(outcome)
                    if parallel and report.keep_outcomes:  # keep summaries only
                        _summarise(outcome)
                    report.record(outcome)
            finally:
                batch.finish()
        self._reset_index()
        return report

    # -- reading -------------------------------------------------------

    def get(self, clipping_id: str) -> Clipping:
        """A clipping by id or unambiguous id prefix."""
        return self.corpus.read(self.corpus.resolve(clipping_id))

    def raw(self, clipping_id: str) -> bytes:
        """The original bytes, exactly as added."""
        return self.corpus.read_original(self.get(clipping_id))

    def original(self, clipping: Clipping) -> bytes:
        """The original bytes of a clipping already read (as :meth:`raw`, without the lookup)."""
        return self.corpus.read_original(clipping)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        collapse: bool = False,
        facets: Iterable[str] = (),
        progress: Callable[[int], None] | None = None,
        budget: float | None = None,
        match: MatchMode = "auto",
    ) -> SearchResult:
        """Search the archive; an empty ``query`` lists everything matching the filters.

        ``sort``: ``relevance``, ``date`` or ``-date``; an empty query sorts
        newest first. Ties are broken by date, then id, so consecutive pages
        never repeat or skip a hit. ``collapse`` shows each near-duplicate
        group once, with its copies. ``facets`` counts matches per source,
        lang, agency, tag or year. When little is found, ``suggestion``
        proposes a corrected query. ``budget``: seconds the search may take,
        else :class:`~clipper.errors.SearchTimeoutError`.

        ``match``: ``auto`` requires every word, and relaxes when that finds
        too little (words found nowhere dropped first, then the most frequent;
        stop words optional); ``all`` requires every word as typed; ``any``
        takes any word. Each hit's ``matched`` and the result's ``words``,
        ``dropped`` and ``relaxed`` say how the query matched.
        """
        if limit < 0 or offset < 0:
            raise ClipperError("limit and offset must not be negative")
        found = self.index.search(
            query,
            filters,
            limit=limit,
            offset=offset,
            sort=sort,
            collapse=collapse,
            facets=facets,
            match=match,
            text_of=self._text_of,
            progress=progress,
            budget=budget,
        )
        hits = []
        unreadable = []
        terms = found.terms
        for raw_hit in found.hits:
            try:
                clipping = self.corpus.read(raw_hit.id)
            except ClipperError:  # damaged, or gone from the corpus: `clipper check` says
                unreadable.append(raw_hit.id)
                continue
            spans = self.index.highlight(clipping.text, clipping.lang, terms) if terms else []
            copies = [c for c in map(self._read_or_none, raw_hit.copies) if c is not None]
            snippet = make_snippet(clipping.text, spans)
            hits.append(Hit(clipping, raw_hit.score, snippet, copies, raw_hit.matched))
        return SearchResult(
            query,
            found.total,
            hits,
            offset,
            found.facets,
            found.suggestion,
            match=match,
            words=found.words,
            relaxed=found.relaxed,
            dropped=found.dropped,
            unreadable=unreadable,
        )

    def _text_of(self, clipping_id: str) -> str:
        clipping = self._read_or_none(clipping_id)
        return f"{clipping.title}\n{clipping.text}" if clipping else ""

    def _read_or_none(self, clipping_id: str) -> Clipping | None:
        try:
            return self.corpus.read(clipping_id)
        except ClipperError:
            return None

    def copies(self, clipping: Clipping) -> list[Clipping]:
        """The other clippings of its near-duplicate group, oldest first."""
        members = self.index.group_members(clipping.group)
        others = [c for c in map(self._read_or_none, members) if c and c.id != clipping.id]
        return sorted(others, key=lambda c: c.added)

    def timeline(
        self,
        query: str = "",
        filters: Filters | None = None,
        *,
        by: str | None = None,
        match: MatchMode = "auto",
    ) -> Timeline:
        """The clippings :meth:`search` finds (``match`` as there), per period;
        undated ones are counted apart."""
        return self.index.timeline(query, filters, by, match=match)

    def similar(
        self, clipping_id: str, *, limit: int = 10, include_copies: bool = False
    ) -> list[Hit]:
        """The clippings closest to one clipping by its key terms (not its copies)."""
        clipping = self.get(clipping_id)
        raw_hits = self.index.similar(
            clipping.id,
            f"{clipping.title}\n{clipping.text}",
            clipping.lang,
            clipping.group,
            limit=limit,
            include_copies=include_copies,
        )
        hits = []
        for raw_hit in raw_hits:
            other = self._read_or_none(raw_hit.id)
            if other is not None:
                hits.append(Hit(other, raw_hit.score, make_snippet(other.text, [])))
        return hits

    def matching(
        self,
        query: str = "",
        filters: Filters | None = None,
        *,
        sort: str = "-date",
        match: MatchMode = "auto",
    ) -> list[Clipping]:
        """Every clipping :meth:`search` finds (``match`` as there), for exports."""
        ids = self.index.matching_ids(
            query, filters, sort=sort, match=match, text_of=self._text_of
        )
        return [c for c in map(self._read_or_none, ids) if c is not None]

    def export(
        self,
        fmt: str,
        query: str = "",
        filters: Filters | None = None,
        *,
        sort: str = "-date",
        title: str = REVIEW_TITLE,
        group_by: str = "day",
        with_originals: bool = False,
        match: MatchMode = "auto",
    ) -> Export:
        """Every clipping :meth:`search` finds (``match`` as there), written as ``fmt``.

        ``fmt``: ``jsonl`` (re-importable; ``with_originals`` adds the original
        files), ``csv``, ``md`` (a press review titled ``title``, in sections
        by ``group_by``) or ``opensearch`` (bulk NDJSON, with its mapping).
        """
        from clipper.export import export_as

        return export_as(
            fmt,
            self.matching(query, filters, sort=sort, match=match),
            query=query,
            filters=filters.to_mapping() if filters else {},
            title=title,
            group_by=group_by,
            original=self.original if with_originals else None,
        )

    # -- saved searches --------------------------------------------------

    def watches(self) -> list[Watch]:
        from clipper import watches

        return watches.load(self.corpus)

    def add_watch(
        self,
        name: str,
        query: str,
        filters: dict[str, str] | None = None,
        match: MatchMode = "all",
    ) -> Watch:
        """Save a search; it first reports what is added from now on.

        ``match`` as for :meth:`search`; saved searches are strict by default.
        """
        from clipper import watches

        watches.check_name(name)
        if match not in MATCH_MODES:
            raise UsageError(f"unknown match mode {match!r}", hint="use all, auto or any")
        with corpus_lock(self.root):
            return self._add_watch(name, query, filters, match)

    def _add_watch(
        self, name: str, query: str, filters: dict[str, str] | None, match: MatchMode
    ) -> Watch:
        from clipper import watches

        saved = watches.load(self.corpus)
        if any(w.name == name for w in saved):
            raise UsageError(
                f"a saved search named {name!r} exists already",
                hint=f"remove it first with 'clipper watch rm {shlex.quote(name)}'",
            )
        self.search(query or "", _filters_from(filters or {}), limit=1, match=match)  # validates
        watch = watches.Watch(
            name, query, dict(filters or {}), created=watches.now_iso(), match=match
        )
        watches.save(self.corpus, [*saved, watch])
        return watch

    def remove_watch(self, name: str) -> Watch:
        from clipper import watches

        with corpus_lock(self.root):
            saved = watches.load(self.corpus)
            watch = watches.find(saved, name)
            watches.save(self.corpus, [w for w in saved if w.name != name])
        return watch

    def run_watches(self, name: str | None = None) -> list[tuple[Watch, SearchResult]]:
        """New matches of one or every saved search since its last run; marks them run."""
        from clipper import watches

        with corpus_lock(self.root):
            saved = watches.load(self.corpus)
            chosen = [watches.find(saved, name)] if name else saved
            results = []
            started = watches.now_iso()
            for watch in chosen:
                result = self.search(
                    watch.query, _new_to(watch), limit=1000, sort="-date", match=watch.match
                )
                results.append((watch, result))
                watch.last_run = started
            watches.save(self.corpus, saved)
        return results

    def new_for_watch(self, watch: Watch) -> int:
        """How many clippings its next run would report as new to a saved search."""
        return self.search(watch.query, _new_to(watch), limit=1, match=watch.match).total

    def watches_matching(self, clipping_ids: list[str]) -> dict[str, list[str]]:
        """For new clippings: which saved searches each matches (name -> ids)."""
        from clipper import watches

        saved = watches.load(self.corpus)
        if not saved or not clipping_ids:
            return {}
        matches: dict[str, list[str]] = {}
        wanted = set(clipping_ids)
        for watch in saved:
            if watch.match == "all":
                found = self.index.matching_among(
                    watch.query, _filters_from(watch.filters), wanted
                )
            else:  # what its next run reports
                result = self.search(
                    watch.query, _new_to(watch), limit=1000, sort="-date", match=watch.match
                )
                found = [hit.clipping.id for hit in result.hits if hit.clipping.id in wanted]
            if found:
                matches[watch.name] = sorted(found, key=clipping_ids.index)
        return matches

    def list_clippings(
        self, filters: Filters | None = None, *, limit: int = 20, offset: int = 0
    ) -> SearchResult:
        """Clippings newest first (by date, or when added if undated)."""
        return self.search("", filters, limit=limit, offset=offset)

    # -- changing ------------------------------------------------------

    def remove(self, clipping_ids: Iterable[str]) -> list[Removed]:
        """Delete clippings from the corpus and the index; all ids are checked first.

        A clipping whose metadata file cannot be read or names another
        clipping (edited by hand and broken) is removed too, by its file's id:
        nothing else can clear it.
        """
        found: dict[str, Clipping | None] = {}  # an id given twice is removed once
        for given in clipping_ids:
            clipping_id = self.corpus.resolve(given)
            try:
                clipping: Clipping | None = self.corpus.read(clipping_id)
            except CorpusError:
                clipping = None
            # Metadata naming another clipping is damaged too: removing by the
            # id it names would delete that other clipping.
            found[clipping_id] = clipping if clipping and clipping.id == clipping_id else None
        with self.index.writing() as writer:
            for clipping_id, clipping in found.items():
                if clipping is None:
                    self.corpus.remove_unreadable(clipping_id)
                else:
                    self.corpus.remove(clipping)
                writer.delete(clipping_id)
            for member in self._regrouped(found, writer):
                self.corpus.update(member)
                writer.add(member)
        self._reset_index()
        return [Removed(i, c.title if c else None) for i, c in found.items()]

    def _regrouped(
        self, removed: Mapping[str, Clipping | None], lookup: IndexLookup
    ) -> list[Clipping]:
        """The copies of removed group heads, each group under its earliest
        remaining copy: a copy never names a clipping that is gone."""
        changed: list[Clipping] = []
        for head in removed.values():
            if head is None or head.group != head.id:
                continue
            members = [
                c
                for c in map(self._read_or_none, lookup.group_members(head.id))
                if c is not None and c.id not in removed
            ]
            if not members:
                continue
            members.sort(key=lambda c: (c.added, c.id))
            first, rest = members[0], members[1:]
            first.duplicate_of, first.similarity = None, None
            for member in rest:
                member.duplicate_of = first.id
            changed.extend(members)
        return changed

    def tag(
        self, clipping_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> Clipping:
        """Add and remove tags (case-insensitive); returns the updated clipping."""
        clipping = self.get(clipping_id)
        dropped = {t.casefold() for t in remove}
        tags = [t for t in clipping.tags if t.casefold() not in dropped]
        clipping.tags = normalise_tags(tags + list(add))
        with self.index.writing() as writer:
            self.corpus.update(clipping)
            writer.add(clipping)
        self._reset_index()
        return clipping

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from the corpus files; returns how many were indexed."""
        return self.index.rebuild(progress)

    def count(self) -> int:
        """How many clippings the corpus holds (every file listed: see :meth:`is_empty`)."""
        return self.corpus.count()

    def is_empty(self) -> bool:
        """Whether the corpus holds no clipping, told from the first one found."""
        return self.corpus.is_empty()

    def clipping_ids(self) -> list[str]:
        """The ids of every stored clipping, sorted."""
        return sorted(self.corpus.iter_ids())

    def segment_count(self) -> int:
        """How many segments the index has: each search reads every one."""
        return self.index.segment_count()

    def optimize(self) -> tuple[int, int]:
        """Merge the index segments into one; returns the counts before and after."""
        return self.index.optimize()

    def _reset_index(self) -> None:
        self.close()

    def check(
        self, *, repair: bool = False, progress: Callable[[int], None] | None = None
    ) -> CheckReport:
        """Verify every clipping and the index; with ``repair``, fix the index and debris."""
        from clipper.check import check_corpus

        self._reset_index()
        return check_corpus(self.corpus, repair=repair, progress=progress)

    # -- describing ----------------------------------------------------

    def index_state(self) -> str:
        """``"ok"``, ``"missing"`` (built on first use) or ``"stale"`` (made by
        another version of clipper, or unreadable: rebuilt on first use)."""
        return self.index.state()

    def info(self) -> dict[str, Any]:
        """Location, counts, index state, and the facets of the whole corpus."""
        count = self.corpus.count()
        index: dict[str, Any] = {"state": self.index.state(), "path": str(self.corpus.index_dir)}
        facets: dict[str, Any] = {}
        if count:
            documents = self.index.document_count()  # builds a missing or stale index
            index.update(
                state=self.index.state(),
                documents=documents,
                segments=self.segment_count(),
                bytes=_tree_size(self.corpus.index_dir),
            )
            if documents != count:
                index["state"] = "out of date (run 'clipper reindex')"
            result = self.search("", facets=("source", "agency", "lang", "tag", "year"), limit=1)
            facets = result.to_dict()["facets"]
        return {
            "corpus": str(self.corpus.root),
            "clippings": count,
            "bytes": _tree_size(self.corpus.clippings_dir),
            "index": index,
            "facets": facets,
        }


def _filters_from(values: dict[str, str]) -> Filters:
    from clipper.options import Filters

    unknown = set(values) - set(Filters.NAMES)
    if unknown:
        raise UsageError(f"unknown filter {sorted(unknown)[0]!r} in a saved search")
    return Filters.from_mapping(values)


def _new_to(watch: Watch) -> Filters:
    """A saved search's filters, restricted to what was added since it last ran."""
    filters = _filters_from(watch.filters)
    filters.added_after = watch.since
    return filters


def _summarise(outcome: AddOutcome) -> None:
    """Keep what a report shows of an outcome's clippings: ids, titles, source, date.

    A bulk import keeps one outcome per input, so a summary holds only what a
    report prints. It is read, never changed: empty parts are shared.
    """
    if outcome.clipping is not None:
        outcome.clipping = _summary(outcome.clipping, outcome.clipping.tags)
    if outcome.near is not None:  # shown by its id
        outcome.near = _summary(outcome.near, _NOTHING, title="")
    if not outcome.new_tags:
        outcome.new_tags = _NOTHING


_NOTHING: list[str] = []
_NO_EXTRA: dict[str, Any] = {}


def _summary(clipping: Clipping, tags: list[str], title: str | None = None) -> Clipping:
    return Clipping(
        id=clipping.id,
        title=clipping.title if title is None else title,
        text="",
        added="",
        original="",
        source=clipping.source,
        date=clipping.date,
        lang=clipping.lang,
        tags=tags,
        captions=_NOTHING,
        credits=_NOTHING,
        subheadings=_NOTHING,
        sidebar=_NOTHING,
        duplicate_of=clipping.duplicate_of,
        similarity=clipping.similarity,
        extra=_NO_EXTRA,
    )


class _Batch:
    """Stores prepared clippings of one batch: exact and near-duplicate checks, writes."""

    def __init__(
        self,
        corpus: Corpus,
        index: IndexLookup,
        finder: NearDuplicateFinder,
        *,
        dry_run: bool,
        grouped: bool = False,
        checkpoint_every: int | None = None,
    ) -> None:
        """``checkpoint_every``: commit the index every so many clippings (grouped only)."""
        self.corpus = corpus
        self.index = index
        self.finder = finder
        self.dry_run = dry_run
        self._planned: dict[str, Clipping] = {}  # dry run: what would have been stored
        self.group = GroupWriter(corpus) if grouped else None
        self.checkpoint_every = checkpoint_every
        self._written = 0  # clippings added to the index by this batch
        # Ids in the index writer since its last commit: Whoosh's update cannot
        # replace those (it deletes from committed segments only).
        self._uncommitted: set[str] = set()

    def _stored(self, clipping_id: str) -> Clipping | None:
        if clipping_id in self._planned:
            return self._planned[clipping_id]
        staged = self.group.staged(clipping_id) if self.group else None
        if staged is not None:
            return staged
        if self.corpus.exists(clipping_id):
            return self.corpus.read(clipping_id)
        return None

    def finish(self) -> None:
        """Make the staged clippings durable and visible (before the index commit)."""
        if self.group:
            self.group.flush()

    def store(self, item: Prepared) -> AddOutcome:
        existing = self._stored(item.clipping_id)
        if existing is not None:
            return self._merge(item, existing)
        if item.restored is not None:  # its group as exported, whatever the import order
            clipping = item.restored
            head = self._stored(clipping.duplicate_of) if clipping.duplicate_of else None
            near = (head, clipping.similarity or 0.0) if head is not None else None
        else:
            near = self._near_duplicate(item)
            clipping = _new_clipping(item, near)
        if self.dry_run:
            self._planned[clipping.id] = clipping
        else:
            # Not in the corpus, so only in the index if it was stale before this
            # batch (a file deleted by hand): the lookup's searcher knows that.
            new = not self.index.contains(clipping.id)
            if self.group:
                self.group.write(clipping, item.data)
            else:
                self.corpus.write(clipping, item.data)
            self._index(clipping, item.signature, new=new)
            self._written += 1
            if self.group and self.checkpoint_every and self._written % self.checkpoint_every == 0:
                self._commit_so_far()
        self.finder.remember(clipping.id, item.signature)
        return AddOutcome(item.name, "added", clipping, near=near[0] if near else None)

    def _index(
        self, clipping: Clipping, sig: Signature | None = None, *, new: bool = False
    ) -> None:
        if new:
            self._writer.add_new(clipping, sig)
        else:
            self._writer.add(clipping, sig)
        self._uncommitted.add(clipping.id)

    def _commit_so_far(self) -> None:
        if self.group:
            self.group.flush()  # the files are durable before the index names them
        self._writer.checkpoint()
        self._uncommitted.clear()

    @property
    def _writer(self) -> IndexWriter:
        assert not self.dry_run  # a dry run only reads: its index is a lookup
        return cast("IndexWriter", self.index)

    def _merge(self, item: Prepared, existing: Clipping) -> AddOutcome:
        """The same text again: merge new tags; index it if an interrupted run did not."""
        known = {t.casefold() for t in existing.tags}
        new_tags = [t for t in item.extracted.tags if t.casefold() not in known]
        if not self.dry_run:
            if new_tags:
                existing.tags = normalise_tags(existing.tags + new_tags)
                if not (self.group and self.group.staged(existing.id)):
                    self.corpus.update(existing)  # a staged one is written with its tags
            if existing.id in self._uncommitted:  # added earlier in this batch
                if new_tags:  # replaced once committed, or it would be indexed twice
                    self._commit_so_far()
                    self._index(existing)
            elif new_tags or not self.index.contains(existing.id):
                self._index(existing)
        return AddOutcome(item.name, "duplicate", existing, new_tags=new_tags)

    def _near_duplicate(self, item: Prepared) -> tuple[Clipping, float] | None:
        from clipper.fingerprint import NEAR_CANDIDATES, best_match, fingerprint_text, signature

        candidates = self.index.near_candidates(item.signature, self.corpus)
        for clipping_id in self.finder.candidates(item.signature, NEAR_CANDIDATES):
            earlier = self._stored(clipping_id)  # this batch's: staged, planned or stored
            if earlier is not None:
                candidates.append((clipping_id, signature(fingerprint_text(earlier))))
        match = best_match(item.signature, candidates)
        if match is None:
            return None
        clipping_id, similarity = match
        other = self._stored(clipping_id)
        return (other, similarity) if other is not None else None


def _new_clipping(item: Prepared, near: tuple[Clipping, float] | None) -> Clipping:
    extracted = item.extracted
    return Clipping(
        id=item.clipping_id,
        # Microseconds: saved searches compare it with when they last ran.
        added=extracted.added or datetime.now(UTC).isoformat(timespec="microseconds"),
        original=f"{item.clipping_id}.orig{item.extension}",
        origin=item.origin,
        duplicate_of=near[0].group if near else None,
        similarity=round(near[1], 3) if near else None,
        tags=normalise_tags(extracted.tags),
        keywords=normalise_tags(extracted.keywords),
        **{name: getattr(extracted, name) for name in _EXTRACTED_AS_IS},
    )


# What a new clipping takes from extraction unchanged.
_EXTRACTED_AS_IS = (
    *(name for name in GIVEN_FIELDS if name not in ("tags", "keywords")),
    *LAYOUT_FIELDS,
    "text",
    "content_type",
    "encoding",
    "extra",
)


@contextmanager
def _open_lines(path: Path) -> Iterator[Any]:
    try:
        handle = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    with handle:
        yield handle


def _numbered_lines(
    path: Path, handle: Any, errors: list[InputError]
) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines; a read error ends them and is added to ``errors``."""
    number = 0
    while True:
        try:
            line = handle.readline()
        except EOFError:
            reason = f"truncated: the compressed data ends after line {number}"
            errors.append(InputError(str(path), reason))
            return
        except (OSError, zlib.error) as exc:
            errors.append(InputError(str(path), f"cannot read after line {number}: {exc}"))
            return
        if not line:
            return
        number += 1
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
        if line.strip():
            yield number, line


# Lines read to tell JSON Lines from another format before importing anything.
SNIFFED_LINES = 5


def _refuse_other_formats(path: Path, handle: Any) -> None:
    """Stop at once when the first lines are not JSON objects: one error, not one a line."""
    lines = []
    for _number, line in _numbered_lines(path, handle, []):
        lines.append(line.strip())
        if line.lstrip().startswith(b"{") or len(lines) == SNIFFED_LINES:
            break
    if not lines or lines[-1].startswith(b"{"):
        return
    first = lines[0]
    if first.startswith(b"["):
        kind = "a JSON array"
    elif first.startswith(b"<"):
        kind = "HTML or XML"
    elif any(_same_columns(lines, separator) for separator in (b",", b";", b"\t")):
        kind = "CSV"
    else:
        kind = "text"
    raise InputError(
        str(path),
        f"this looks like {kind}, not JSON Lines (its first lines are not JSON objects)",
        hint="import takes one JSON object per line; add other files with 'clipper add'",
    )


def _same_columns(lines: list[bytes], separator: bytes) -> bool:
    """Every line has as many separators as the first, and there is one at least."""
    count = lines[0].count(separator)
    return count > 0 and all(line.count(separator) == count for line in lines)


def _files_below(directory: Path) -> Iterator[Path]:
    """Regular files below ``directory``, skipping hidden names."""
    for root, dirs, files in os.walk(directory, onerror=None):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                yield Path(root) / name


def _tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                pass
    return total


def __getattr__(name: str) -> Any:
    # Metadata is re-exported for the library's users, on first use only: its
    # module loads the ingest chain (decoding, extraction), which a search
    # never needs.
    if name == "Metadata":
        from clipper.ingest import Metadata

        return Metadata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AddOutcome",
    "AddReport",
    "Archive",
    "CorpusError",
    "Hit",
    "Metadata",
    "Removed",
    "SearchResult",
    "locate_corpus",
]
