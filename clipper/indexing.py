"""Writing the Whoosh index: documents from clippings, batches, full rebuilds.

The index lives in ``CORPUS/.index`` and is derived from the corpus files: it
can be deleted at any time and :func:`rebuild` makes it again. A rebuild
writes into a fresh folder and swaps it in, so a crash mid-way leaves the old
index (or none) but never a half-built one in use.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh import query
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import LockError

from clipper.analysis import STEMMED_LANGUAGES
from clipper.dates import document_datetime
from clipper.errors import ClipperError, CorpusError, IndexBusyError
from clipper.fields import BAND_BYTES, SCHEMA_VERSION, build_schema, url_key
from clipper.locking import (
    clear_pending,
    corpus_lock,
    holds_lock,
    lock_is_free,
    mark_pending,
    pending,
)
from clipper.model import UNDATED, Clipping
from clipper.storage import Corpus, metadata_stamp, write_atomic
from clipper.textutil import one_line

if TYPE_CHECKING:
    from clipper.fingerprint import Signature

VERSION_FILE = "clipper-index.json"
LOCK_TIMEOUT_SECONDS = 30.0
# Buffer per analysing process (several run at once in bulk): 64 took more
# memory and no less time (docs/performance.md).
WRITER_LIMIT_MB = 32
# Clippings per commit in bulk imports and rebuilds: bounds the writers' memory.
CHECKPOINT_EVERY = 30_000
# Segments smaller than this are what single adds leave; those of one size
# tier are merged once there are SMALL_SEGMENTS_TO_MERGE of them (see
# merge_small_segments).
SMALL_SEGMENT_DOCS = 1_000
# Two a tier: larger tiers leave more segments, and search is slower for it
# (docs/performance.md, round four).
SMALL_SEGMENTS_TO_MERGE = 2

ProgressCallback = Callable[[int], None]


def index_state(corpus: Corpus) -> str:
    """``"ok"``, ``"missing"`` or ``"stale"`` (another schema version, or unreadable).

    The version file is read first: an index built by another version may
    pickle analysis classes this version no longer has, so Whoosh must not
    open it just to be told it is outdated.
    """
    version_path = corpus.index_dir / VERSION_FILE
    if not version_path.is_file():
        return "missing"
    try:
        version = json.loads(version_path.read_text()).get("schema")
    except (ValueError, AttributeError):
        return "stale"
    if version != SCHEMA_VERSION:
        return "stale"
    try:
        exists = whoosh_index.exists_in(str(corpus.index_dir))
    except Exception:  # an unreadable table of contents: rebuilt, never trusted
        return "stale"
    return "ok" if exists else "missing"


def open_index(
    corpus: Corpus, progress: ProgressCallback | None = None, *, mapped: bool = False
) -> Any:
    """Open the index, bringing it up to date with the corpus first if needed.

    A missing index or one of another schema version is rebuilt; one that a
    crashed writer left behind the corpus is synchronised. ``mapped``: read
    its files through memory maps (see :class:`MappedStorage`), for searching;
    writers read plain files, so that a merge does not count the segments it
    reads as its own memory.
    """
    if index_state(corpus) != "ok":
        with corpus_lock(corpus.root):
            if index_state(corpus) != "ok":  # another process may have built it meanwhile
                rebuild(corpus, progress)
    if pending(corpus.root) and (holds_lock(corpus.root) or lock_is_free(corpus.root)):
        # A writer left its marker and is gone (this process has not marked
        # yet): the index may lack what it stored.
        with corpus_lock(corpus.root):
            if pending(corpus.root):
                sync(corpus)
    try:
        return _open_dir(corpus.index_dir, mapped=mapped)
    except Exception as exc:  # an unreadable index is rebuilt, never trusted
        rebuild(corpus, progress)
        try:
            return _open_dir(corpus.index_dir, mapped=mapped)
        except Exception:
            raise CorpusError(f"cannot open the index in {corpus.index_dir}: {exc}") from exc


def _open_dir(path: Path, *, mapped: bool = False) -> Any:
    storage = MappedStorage(str(path)) if mapped else FileStorage(str(path))
    return storage.open_index()


class MappedStorage(FileStorage):
    """An index folder whose files are read through read-only memory maps.

    Whoosh reads its files with a seek and a read for every lookup, and
    looking a term up takes several (hash slot, key, value, then the
    postings' blocks); from a map each is a slice of the pages the operating
    system already caches (docs/performance.md). A segment's files never
    change once written (a commit writes new ones), so a map stays valid for
    as long as a reader has it.
    """

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as file:
            try:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # an empty file, or one the system will not map
                return super().open_file(name, **kwargs)
        # A map reads, seeks and tells like a file, without a system call.
        return StructFile(mapped, name=name, **kwargs)


def document_for(clipping: Clipping, sig: Signature | None = None) -> dict[str, Any]:
    """The Whoosh document for one clipping (``sig``: its fingerprint, if known)."""
    # Imported here: numpy costs a fresh `clipper search` 90 ms it does not need.
    from clipper.fingerprint import band_bytes, fingerprint_text, signature

    if sig is None:
        sig = signature(fingerprint_text(clipping))
    doc: dict[str, Any] = {
        "id": clipping.id,
        "title": clipping.title,
        "body": clipping.text,
        "group": clipping.group,
        "bands": band_bytes(sig),
        "stamp": metadata_stamp(clipping),
    }
    captions = "\n".join(clipping.captions + clipping.credits)
    optional = {
        "captions": captions,
        "source": clipping.source,
        "agency": clipping.agency,
        "author": clipping.author,
        "keywords": "\n".join(clipping.keywords),
        "url": _url_words(clipping.url),
        "url_key": url_key(clipping.url) if clipping.url else None,
        "lang": clipping.lang,
        "tag": ",".join(clipping.tags),
        "tag_label": ",".join(t.replace(",", " ") for t in clipping.tags),
    }
    doc.update({k: v for k, v in optional.items() if v})
    # Each clipping is stemmed in its own language; an unknown one in all.
    if clipping.lang in STEMMED_LANGUAGES:
        languages: Iterable[str] = (clipping.lang,)
    elif clipping.lang is None:
        languages = STEMMED_LANGUAGES
    else:
        languages = ()
    for lang in languages:
        doc[f"title_{lang}"] = clipping.title
        doc[f"body_{lang}"] = clipping.text
    date = document_datetime(clipping.date)
    added = document_datetime(clipping.added)
    if date:
        doc["date"] = date
    if added:
        doc["added"] = added
    sort_value = date or added
    if sort_value:
        doc["sortdate"] = sort_value
    # An undated clipping has its own bucket, never the year it was added.
    doc["year"] = str(date.year) if date else UNDATED
    if clipping.source:
        doc["source_key"] = one_line(clipping.source)
    if clipping.agency:
        doc["agency_key"] = clipping.agency
    return doc


def _url_words(url: str | None) -> str | None:
    """The site of a URL, for ``url:lemonde``: its path would add a term per article."""
    if not url:
        return None
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


class IndexLookup:
    """Read-only questions to the committed index during a batch."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        # Band tables of the committed segments, read on the first near-duplicate
        # question: the committed index does not change during a batch.
        self._band_tables: list[tuple[Any, int, Any]] | None = None

    def contains(self, clipping_id: str) -> bool:
        return self._searcher.document_number(id=clipping_id) is not None

    def near_candidates(self, sig: Signature, corpus: Corpus) -> list[tuple[str, Signature]]:
        """Indexed clippings sharing the most MinHash bands with ``sig``, with their signatures.

        Signatures are recomputed from the corpus (about 1 ms each) rather than
        stored: candidates are rare, and the index stays small.
        """
        from clipper.fingerprint import (
            NEAR_CANDIDATES,
            band_values,
            best_candidates,
            fingerprint_text,
            signature,
        )

        values = band_values(sig)  # once, for every segment's table
        ranked: list[tuple[int, int]] = []  # (shared bands, document number)
        for reader, offset, table in self._bands():
            # A few more than needed: some may be deleted documents.
            for shared, row in best_candidates(table, values, 2 * NEAR_CANDIDATES):
                if not reader.is_deleted(row):
                    ranked.append((shared, offset + row))
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        found = []
        for _shared, docnum in ranked[:NEAR_CANDIDATES]:
            try:
                clipping = corpus.read(self._searcher.stored_fields(docnum)["id"])
            except ClipperError:
                continue
            found.append((clipping.id, signature(fingerprint_text(clipping))))
        return found

    def _bands(self) -> list[tuple[Any, int, Any]]:
        if self._band_tables is None:
            self._band_tables = [
                (reader, offset, _band_table(reader))
                for reader, offset in self._searcher.reader().leaf_readers()
            ]
        return self._band_tables

    def group_members(self, group: str) -> list[str]:
        hits = self._searcher.search(query.Term("group", group), limit=None)
        return [hit["id"] for hit in hits]


def _band_table(reader: Any) -> Any:
    """The band values of one segment, one row per document (zeros: no value)."""
    from clipper.fingerprint import bands_from_bytes

    if not reader.has_column("bands"):
        return bands_from_bytes(b"")
    column = reader.column_reader("bands", translate=False)
    # The column is fixed-width and contiguous: read it in one slice rather
    # than one call per document (Whoosh 2.7.4's FixedBytesColumn.Reader).
    stored = column._dbfile.get(column._basepos, column._count * BAND_BYTES)
    missing = reader.doc_count_all() - column._count  # trailing documents without a value
    return bands_from_bytes(bytes(stored) + bytes(missing * BAND_BYTES))


class IndexWriter(IndexLookup):
    """Adds and deletes documents in one Whoosh transaction (or a few, in bulk)."""

    def __init__(self, writer: Any, searcher: Any, reopen: Callable[[], Any]) -> None:
        super().__init__(searcher)
        self._writer = writer
        self._reopen = reopen

    def add(self, clipping: Clipping, sig: Signature | None = None) -> None:
        """Index a clipping, replacing a committed document of the same id."""
        self._writer.update_document(**document_for(clipping, sig))

    def add_new(self, clipping: Clipping, sig: Signature | None = None) -> None:
        """Index a clipping no committed document has the id of (see :meth:`add`).

        Whoosh's update opens a reader over every segment to look for the
        document to replace, on each call: 20 segments at 287k clippings.
        """
        self._writer.add_document(**document_for(clipping, sig))

    def delete(self, clipping_id: str) -> None:
        self._writer.delete_by_term("id", clipping_id)

    def checkpoint(self) -> None:
        """Commit what was written so far and go on with a new writer.

        Whoosh keeps every term of the segment it is writing in memory, so a
        bulk import commits every :data:`CHECKPOINT_EVERY` clippings to bound
        it (leaving a few more segments; ``clipper optimize`` merges them).
        The corpus files of those clippings must be durable first.
        """
        self._writer.commit(merge=False)
        self._writer = self._reopen()

    def commit(self) -> None:
        self._writer.commit(mergetype=merge_small_segments)

    def cancel(self) -> None:
        self._writer.cancel()


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: merge small segments of about the same size, never large ones.

    Whoosh's default policy merges every segment into one as soon as their
    count makes its Fibonacci bound exceed the number of documents, so a
    single add after a bulk import could rewrite the whole index. Large
    segments (bulk checkpoints) stay until ``clipper optimize``.

    Small segments go by tiers of size (powers of
    :data:`SMALL_SEGMENTS_TO_MERGE`: with 2, 1 document, 2-3, 4-7...), and a
    tier is merged once it holds that many segments, if the result stays
    small: a document is rewritten once a tier, and a long merge is rare
    (the pauses of single adds before and after: docs/performance.md).
    """
    from whoosh.reading import SegmentReader

    tiers: dict[int, list[Any]] = {}
    for seg in segments:
        count = seg.doc_count_all()
        if count < SMALL_SEGMENT_DOCS:
            tiers.setdefault(_tier(count), []).append(seg)
    merged: list[Any] = []
    total = 0
    for tier in sorted(tiers):
        group = tiers[tier]
        size = sum(seg.doc_count_all() for seg in group)
        if len(group) >= SMALL_SEGMENTS_TO_MERGE and total + size < SMALL_SEGMENT_DOCS:
            merged.extend(group)
            total += size
    for seg in merged:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [seg for seg in segments if not any(seg is m for m in merged)]


def _tier(count: int) -> int:
    tier = 0
    while count >= SMALL_SEGMENTS_TO_MERGE:
        count //= SMALL_SEGMENTS_TO_MERGE
        tier += 1
    return tier


def _open_writer(ix: Any, corpus: Corpus, *, bulk: bool = False) -> Any:
    """A Whoosh writer writing non-compound segments.

    A compound segment is copied whole into memory by every process that opens
    it; separate files are opened one by one, which a fresh search does faster
    and in far less memory. ``bulk`` analyses in one process per
    core (Whoosh's MpWriter), each leaving its own segment.
    """
    options: dict[str, Any] = {
        "timeout": LOCK_TIMEOUT_SECONDS,
        "limitmb": WRITER_LIMIT_MB,
        "compound": False,
    }
    cores = os.cpu_count() or 1
    try:
        if bulk and cores > 1:
            # Imported here: multiprocessing is a fifth of a fresh search's imports.
            from clipper.parallel_writing import AnalysingWriter

            return AnalysingWriter(ix, procs=cores, multisegment=True, **options)
        return ix.writer(**options)
    except LockError:
        raise IndexBusyError(
            f"the index of {corpus.root} is locked by another clipper process",
            hint="wait for the other 'clipper add' or 'clipper reindex' to finish, then retry",
        ) from None


@contextmanager
def writing(corpus: Corpus, *, bulk: bool = False) -> Iterator[IndexWriter]:
    """Change corpus and index under the corpus lock; commit on success, cancel on error.

    The pending marker stays if this process dies before the commit, so that
    the next process indexes what this one stored.
    """
    with corpus_lock(corpus.root):
        ix = open_index(corpus)
        mark_pending(corpus.root)
        searcher = ix.searcher()
        writer = IndexWriter(
            _open_writer(ix, corpus, bulk=bulk),
            searcher,
            lambda: _open_writer(ix, corpus, bulk=bulk),
        )
        try:
            yield writer
        except BaseException:
            writer.cancel()
            searcher.close()
            ix.close()
            sync(corpus)  # files already stored by this batch must be indexed
            raise
        else:
            writer.commit()
            searcher.close()
            ix.close()
        clear_pending(corpus.root)


@dataclass
class IndexDiff:
    """How the index differs from the corpus files."""

    missing: list[str]  # in the corpus, not in the index
    extra: list[str]  # in the index, no longer in the corpus
    stale: list[str]  # indexed from older metadata

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def diff(corpus: Corpus, ix: Any | None = None) -> IndexDiff:
    """Compare every clipping file with its index document."""
    own = ix is None
    if own and not whoosh_index.exists_in(str(corpus.index_dir)):
        return IndexDiff(sorted(corpus.iter_ids()), [], [])
    ix = ix if ix is not None else _open_dir(corpus.index_dir)
    try:
        with ix.searcher() as searcher:
            indexed = {f["id"]: f.get("stamp") for f in searcher.all_stored_fields()}
    finally:
        if own:
            ix.close()
    stored = set(corpus.iter_ids())
    stale = []
    for clipping_id in sorted(stored & indexed.keys()):
        try:
            clipping = corpus.read(clipping_id)
        except ClipperError:
            continue  # unreadable metadata: reported by `clipper check`, not indexable
        if metadata_stamp(clipping) != indexed[clipping_id]:
            stale.append(clipping_id)
    return IndexDiff(sorted(stored - indexed.keys()), sorted(indexed.keys() - stored), stale)


def sync(corpus: Corpus, found: IndexDiff | None = None) -> IndexDiff:
    """Index what is missing or stale and drop what is gone; returns what was fixed."""
    with corpus_lock(corpus.root):
        ix = _open_dir(corpus.index_dir)
        try:
            found = found or diff(corpus, ix)
            if not found.clean:
                writer = _open_writer(ix, corpus)
                try:
                    for clipping_id in found.extra:
                        writer.delete_by_term("id", clipping_id)
                    for clipping_id in found.missing + found.stale:
                        try:
                            writer.update_document(**document_for(corpus.read(clipping_id)))
                        except ClipperError:
                            continue
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit(mergetype=merge_small_segments)
        finally:
            ix.close()
        clear_pending(corpus.root)
    return found


@contextmanager
def reading(corpus: Corpus) -> Iterator[IndexLookup]:
    """Lookups on the committed index, without taking the write lock (dry runs)."""
    ix = open_index(corpus)
    searcher = ix.searcher()
    try:
        yield IndexLookup(searcher)
    finally:
        searcher.close()
        ix.close()


def optimize(corpus: Corpus) -> tuple[int, int]:
    """Merge the index into one segment; returns the segment counts before and after.

    Single adds leave small segments that Whoosh's merge policy only partly
    merges; each costs every search a little.
    """
    with corpus_lock(corpus.root):
        ix = open_index(corpus)
        try:
            before = len(ix._segments())
            writer = _open_writer(ix, corpus)
            writer.commit(optimize=True)
        finally:
            ix.close()
        ix = _open_dir(corpus.index_dir)
        try:
            return before, len(ix._segments())
        finally:
            ix.close()


def rebuild(corpus: Corpus, progress: ProgressCallback | None = None) -> int:
    """Rebuild the index from the corpus files alone; returns the number indexed."""
    with corpus_lock(corpus.root):
        count = _rebuild(corpus, progress)
        clear_pending(corpus.root)
    return count


def _rebuild(corpus: Corpus, progress: ProgressCallback | None) -> int:
    fresh = corpus.root / f".index-new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    count = 0
    try:
        ix = whoosh_index.create_in(str(fresh), build_schema())
        # A new index holds nothing to look up or replace: no searcher needed.
        writer = IndexWriter(
            _open_writer(ix, corpus, bulk=True),
            searcher=None,
            reopen=lambda: _open_writer(ix, corpus, bulk=True),
        )
        try:
            for clipping in corpus.iter_clippings():
                writer.add_new(clipping)
                count += 1
                if progress:
                    progress(1)
                if count % CHECKPOINT_EVERY == 0:  # bounds memory, as in bulk imports
                    writer.checkpoint()
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        write_atomic(fresh / VERSION_FILE, json.dumps({"schema": SCHEMA_VERSION}).encode())
        _swap_in(fresh, corpus.index_dir)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return count


def _swap_in(fresh: Path, target: Path) -> None:
    old = target.with_name(f".index-old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
