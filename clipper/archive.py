"""The library API: a clipping archive on one corpus directory.

    >>> from clipper.archive import Archive
    >>> archive = Archive.open_or_create("corpus")
    >>> archive.add_paths(["article.txt"]).added
    >>> archive.search("modèles Phi").hits[0].title

Every command of the CLI is one call here. Whoosh is imported lazily, by the
indexing and searching modules only.
"""

from __future__ import annotations

import gzip
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clipper.errors import ClipperError, CorpusError, InputError
from clipper.extract import Extracted
from clipper.ingest import (
    STDIN_NAME,
    SUPPORTED_SUFFIXES,
    Metadata,
    apply_metadata,
    extract_document,
    extract_json_record,
)
from clipper.model import Clipping, content_id, normalise_tags
from clipper.snippets import Snippet, make_snippet
from clipper.storage import Corpus, original_extension

if TYPE_CHECKING:
    from clipper.indexing import IndexWriter
    from clipper.searching import Filters

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


@dataclass
class AddOutcome:
    """What happened to one input of an ``add`` or ``import``."""

    name: str
    status: str  # "added", "duplicate", "failed"
    clipping: Clipping | None = None
    error: str | None = None
    new_tags: list[str] = field(default_factory=list)


@dataclass
class AddReport:
    outcomes: list[AddOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unsupported files met in directories

    def _with(self, status: str) -> list[AddOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def added(self) -> list[AddOutcome]:
        return self._with("added")

    @property
    def duplicates(self) -> list[AddOutcome]:
        return self._with("duplicate")

    @property
    def failed(self) -> list[AddOutcome]:
        return self._with("failed")


@dataclass
class Hit:
    clipping: Clipping
    score: float
    snippet: Snippet

    def to_dict(self) -> dict[str, Any]:
        c = self.clipping
        return {
            "id": c.id,
            "score": round(self.score, 4),
            "title": c.title,
            "source": c.source,
            "agency": c.agency,
            "author": c.author,
            "date": c.date,
            "added": c.added,
            "lang": c.lang,
            "url": c.url,
            "tags": c.tags,
            "snippet": self.snippet.text,
            "highlights": [list(h) for h in self.snippet.highlights],
        }


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "offset": self.offset,
            "hits": [h.to_dict() for h in self.hits],
        }


# -- the archive -----------------------------------------------------------


class Archive:
    """A corpus plus its derived index."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._index: Any = None

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
        if self._index is not None:
            self._index.close()
            self._index = None

    # -- adding --------------------------------------------------------

    def add_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        metadata: Metadata | None = None,
        on_outcome: Callable[[AddOutcome], None] | None = None,
        *,
        stdin: bytes | None = None,
    ) -> AddReport:
        """Add files and directories (recursively); one bad input never stops the rest.

        A path ``-`` stands for ``stdin``, the bytes read from standard input.
        """
        report = AddReport()
        inputs = self._walk(paths, report, stdin)
        return self._add_all(inputs, metadata or Metadata(), report, on_outcome)

    def add_bytes(
        self, data: bytes, name: str = STDIN_NAME, metadata: Metadata | None = None
    ) -> AddOutcome:
        """Add one document given as bytes (standard input, a test, another program)."""
        report = self._add_all(
            iter([(name, _constant(data))]), metadata or Metadata(), AddReport(), None
        )
        return report.outcomes[0]

    def import_jsonl(
        self,
        path: str | os.PathLike[str],
        metadata: Metadata | None = None,
        on_outcome: Callable[[AddOutcome], None] | None = None,
    ) -> AddReport:
        """Add one clipping per line of a JSON Lines file (``.gz`` accepted)."""
        path = Path(path)
        try:
            handle = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise InputError(str(path), exc.strerror or str(exc)) from exc
        report = AddReport()
        with handle:
            records = self._json_records(path, handle)
            return self._add_all(records, metadata or Metadata(), report, on_outcome, jsonl=True)

    @staticmethod
    def _json_records(path: Path, handle: Any) -> Iterator[tuple[str, Callable[[], bytes]]]:
        number = 0
        while True:
            try:
                line = handle.readline()
            except (OSError, EOFError) as exc:
                raise InputError(str(path), f"cannot read after line {number}: {exc}") from exc
            if not line:
                return
            number += 1
            if line.strip():
                yield f"{path}:{number}", _constant(line)

    def _walk(
        self, paths: Iterable[str | os.PathLike[str]], report: AddReport, stdin: bytes | None
    ) -> Iterator[tuple[str, Callable[[], bytes]]]:
        for given in paths:
            if str(given) == "-" and stdin is not None:
                yield STDIN_NAME, _constant(stdin)
                continue
            path = Path(given)
            if path.is_dir():
                for child in sorted(_files_below(path)):
                    if child.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield str(child), _reader(child)
                    else:
                        report.skipped.append(str(child))
            else:
                yield str(path), _reader(path)

    def _add_all(
        self,
        inputs: Iterable[tuple[str, Callable[[], bytes]]],
        metadata: Metadata,
        report: AddReport,
        on_outcome: Callable[[AddOutcome], None] | None,
        *,
        jsonl: bool = False,
    ) -> AddReport:
        from clipper.indexing import writing

        with writing(self.corpus) as writer:
            for name, read in inputs:
                try:
                    data = read()
                    outcome = self._add_one(data, name, metadata, writer, jsonl=jsonl)
                except ClipperError as exc:
                    outcome = AddOutcome(name, "failed", error=exc.message)
                report.outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
        return report

    def _add_one(
        self, data: bytes, name: str, metadata: Metadata, writer: IndexWriter, *, jsonl: bool
    ) -> AddOutcome:
        if jsonl:
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(name, f"invalid UTF-8 at byte {exc.start}") from exc
            extracted = extract_json_record(line, name)
        else:
            extracted = extract_document(data, name)
        extracted = apply_metadata(extracted, metadata, name)
        clipping_id = content_id(extracted.content)
        if self.corpus.exists(clipping_id):
            existing = self.corpus.read(clipping_id)
            new_tags = [
                t
                for t in extracted.tags
                if t.casefold() not in {e.casefold() for e in existing.tags}
            ]
            if new_tags:
                existing.tags = normalise_tags(existing.tags + new_tags)
                self.corpus.update(existing)
                writer.add(existing)
            return AddOutcome(name, "duplicate", existing, new_tags=new_tags)
        clipping = self._clipping_from(extracted, clipping_id, name, jsonl=jsonl)
        self.corpus.write(clipping, data)
        writer.add(clipping)
        return AddOutcome(name, "added", clipping)

    @staticmethod
    def _clipping_from(
        extracted: Extracted, clipping_id: str, name: str, *, jsonl: bool
    ) -> Clipping:
        lang = extracted.lang
        if lang is None:
            from clipper.language import detect_language

            lang = detect_language(f"{extracted.title}\n{extracted.text}")
        if jsonl:
            extension = ".jsonl"
        elif name == STDIN_NAME:
            extension = ".md" if extracted.content_type == "text/markdown" else ".txt"
        else:
            extension = original_extension(name)
        return Clipping(
            id=clipping_id,
            title=extracted.title,
            text=extracted.text,
            added=datetime.now(UTC).isoformat(timespec="seconds"),
            original=f"{clipping_id}.orig{extension}",
            content_type=extracted.content_type,
            encoding=extracted.encoding,
            source=extracted.source,
            agency=extracted.agency,
            author=extracted.author,
            date=extracted.date,
            lang=lang,
            url=extracted.url,
            note=extracted.note,
            tags=normalise_tags(extracted.tags),
            captions=extracted.captions,
            credits=extracted.credits,
            subheadings=extracted.subheadings,
            sidebar=extracted.sidebar,
            origin=name if not jsonl else name.rsplit(":", 1)[0],
            extra=extracted.extra,
        )

    # -- reading -------------------------------------------------------

    def get(self, clipping_id: str) -> Clipping:
        """A clipping by id or unambiguous id prefix."""
        return self.corpus.read(self.corpus.resolve(clipping_id))

    def raw(self, clipping_id: str) -> bytes:
        """The original bytes, exactly as added."""
        return self.corpus.read_original(self.get(clipping_id))

    def _open_index(self, progress: Callable[[int], None] | None = None) -> Any:
        if self._index is None:
            from clipper.indexing import open_index

            self._index = open_index(self.corpus, progress)
        return self._index

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        limit: int = 10,
        offset: int = 0,
        newest_first: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> SearchResult:
        """Search the archive; an empty ``query`` lists everything matching the filters."""
        from whoosh import query as wq

        from clipper.searching import (
            Filters,
            filter_query,
            highlight_spans,
            make_parser,
            matched_terms,
            parse_query,
            run_search,
        )

        if limit < 0 or offset < 0:
            raise ClipperError("limit and offset must not be negative")
        ix = self._open_index(progress)
        q = parse_query(make_parser(ix.schema), query) if query.strip() else wq.Every()
        fq = filter_query(ix.schema, filters or Filters())
        with ix.searcher() as searcher:
            total, raw_hits = run_search(
                searcher, q, fq, limit, offset, newest_first=newest_first or not query.strip()
            )
            terms = matched_terms(q, searcher.reader()) if query.strip() else {}
        hits = []
        for raw_hit in raw_hits:
            try:
                clipping = self.corpus.read(raw_hit.id)
            except ClipperError:
                continue  # indexed but gone from the corpus: `clipper reindex` repairs
            spans = highlight_spans(clipping.text, clipping.lang, terms) if terms else []
            hits.append(Hit(clipping, raw_hit.score, make_snippet(clipping.text, spans)))
        return SearchResult(query, total, hits, offset)

    def list_clippings(
        self, filters: Filters | None = None, *, limit: int = 20, offset: int = 0
    ) -> SearchResult:
        """Clippings newest first (by date, or when added if undated)."""
        return self.search("", filters, limit=limit, offset=offset)

    # -- changing ------------------------------------------------------

    def remove(self, clipping_ids: Iterable[str]) -> list[Clipping]:
        """Delete clippings from the corpus and the index; all ids are checked first."""
        from clipper.indexing import writing

        clippings = [self.get(i) for i in clipping_ids]
        with writing(self.corpus) as writer:
            for clipping in clippings:
                self.corpus.remove(clipping)
                writer.delete(clipping.id)
        self._reset_index()
        return clippings

    def tag(
        self, clipping_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> Clipping:
        """Add and remove tags (case-insensitive); returns the updated clipping."""
        from clipper.indexing import writing

        clipping = self.get(clipping_id)
        dropped = {t.casefold() for t in remove}
        tags = [t for t in clipping.tags if t.casefold() not in dropped]
        clipping.tags = normalise_tags(tags + list(add))
        with writing(self.corpus) as writer:
            self.corpus.update(clipping)
            writer.add(clipping)
        self._reset_index()
        return clipping

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from the corpus files; returns how many were indexed."""
        from clipper.indexing import rebuild

        self._reset_index()
        return rebuild(self.corpus, progress)

    def _reset_index(self) -> None:
        self.close()

    # -- describing ----------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Location, counts and index state."""
        from clipper.indexing import index_state

        languages: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        count = 0
        for clipping in self.corpus.iter_clippings():
            count += 1
            languages[clipping.lang or "unknown"] += 1
            sources[clipping.source or "unknown"] += 1
        state = index_state(self.corpus)
        index: dict[str, Any] = {"state": state, "path": str(self.corpus.index_dir)}
        if state == "ok":
            ix = self._open_index()
            index.update(
                documents=ix.doc_count(),
                segments=len(ix._segments()),
                bytes=_tree_size(self.corpus.index_dir),
            )
            if ix.doc_count() != count:
                index["state"] = "out of date"
        return {
            "corpus": str(self.corpus.root),
            "clippings": count,
            "bytes": _tree_size(self.corpus.clippings_dir),
            "languages": dict(languages.most_common()),
            "sources": dict(sources.most_common(10)),
            "index": index,
        }


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise InputError(str(path), "no such file") from None
        except IsADirectoryError:
            raise InputError(str(path), "is a directory") from None
        except PermissionError:
            raise InputError(str(path), "permission denied") from None
        except OSError as exc:
            raise InputError(str(path), exc.strerror or str(exc)) from exc

    return read


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


__all__ = [
    "AddOutcome",
    "AddReport",
    "Archive",
    "CorpusError",
    "Hit",
    "Metadata",
    "SearchResult",
    "locate_corpus",
]
