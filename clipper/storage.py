"""The corpus on disk: the source of truth.

Layout::

    CORPUS/
      clipper-corpus.json          marker: format version
      clippings/5a7/5a7318d00b5e4df0.json       metadata + clean text (UTF-8 JSON)
      clippings/5a7/5a7318d00b5e4df0.orig.txt   the original bytes, untouched
      .index/                      the Whoosh index, derived, rebuildable

Shards are the first three hex digits of the id: 4,096 folders, so a million
clippings put about 250 in each. Every file is written atomically (temporary
file in the same folder, fsync, rename, fsync of the folder). The metadata file
is written last and removed first: a clipping exists exactly when its metadata
file does, so a crash never leaves a half clipping visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Generator, Iterator
from pathlib import Path

from clipper.errors import AmbiguousIdError, CorpusError, NotFoundError, UsageError
from clipper.model import ID_LENGTH, MIN_PREFIX, Clipping

MARKER = "clipper-corpus.json"
CORPUS_FORMAT = 1
CLIPPINGS = "clippings"
INDEX_DIR = ".index"
TMP_PREFIX = ".tmp-"
_SHARD = 3
_HEX = re.compile(r"^[0-9a-f]+$")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def metadata_bytes(clipping: Clipping) -> bytes:
    """The metadata file's exact content (readable, stable JSON)."""
    return (json.dumps(clipping.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def metadata_stamp(clipping: Clipping) -> str:
    """A short hash of the metadata file: the index keeps it to notice stale documents."""
    return hashlib.sha1(metadata_bytes(clipping), usedforsecurity=False).hexdigest()[:16]


def _is_metadata_name(name: str) -> bool:
    """``<16 hex digits>.json``: originals, temporary files and debris never match."""
    return len(name) == ID_LENGTH + 5 and name.endswith(".json") and bool(_HEX.match(name[:-5]))


class Corpus:
    """A directory of clippings. Use :meth:`open` or :meth:`create`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clippings_dir = root / CLIPPINGS
        self.index_dir = root / INDEX_DIR

    # -- opening -----------------------------------------------------------

    @staticmethod
    def is_corpus(root: Path) -> bool:
        return (root / MARKER).is_file()

    @classmethod
    def open(cls, root: Path) -> Corpus:
        if not root.exists():
            raise CorpusError(
                f"no corpus at {root}",
                hint="add a clipping with 'clipper add FILE', or point --corpus or "
                "CLIPPER_CORPUS at an existing corpus",
            )
        if not cls.is_corpus(root):
            raise CorpusError(
                f"{root} is not a clipper corpus (no {MARKER})",
                hint="use --corpus to choose another directory",
            )
        return cls(root)

    @classmethod
    def create(cls, root: Path) -> Corpus:
        """Open the corpus at ``root``, making it if the directory is missing or empty."""
        if cls.is_corpus(root):
            return cls(root)
        if root.exists() and not root.is_dir():
            raise CorpusError(f"{root} is a file, not a corpus directory")
        if root.exists() and any(p.name != ".index" for p in root.iterdir()):
            raise CorpusError(
                f"{root} is not empty and not a clipper corpus",
                hint="choose an empty or new directory with --corpus",
            )
        try:
            (root / CLIPPINGS).mkdir(parents=True, exist_ok=True)
            marker = {"format": CORPUS_FORMAT, "kind": "clipper corpus"}
            write_atomic(root / MARKER, (json.dumps(marker, indent=2) + "\n").encode())
        except OSError as exc:
            raise CorpusError(f"cannot create corpus at {root}: {exc.strerror}") from exc
        return cls(root)

    # -- paths -------------------------------------------------------------

    def _shard(self, clipping_id: str) -> Path:
        return self.clippings_dir / clipping_id[:_SHARD]

    def metadata_path(self, clipping_id: str) -> Path:
        return self._shard(clipping_id) / f"{clipping_id}.json"

    def original_path(self, clipping: Clipping) -> Path:
        return self._shard(clipping.id) / clipping.original

    # -- reading -----------------------------------------------------------

    def exists(self, clipping_id: str) -> bool:
        return self.metadata_path(clipping_id).is_file()

    def read(self, clipping_id: str) -> Clipping:
        path = self.metadata_path(clipping_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"a JSON object was expected, not {type(data).__name__}")
            return Clipping.from_dict(data)
        except FileNotFoundError:
            raise NotFoundError(f"no clipping with id {clipping_id}") from None
        except (ValueError, TypeError) as exc:
            raise CorpusError(f"{path}: unreadable metadata ({exc})") from exc

    def read_original(self, clipping: Clipping) -> bytes:
        path = self.original_path(clipping)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise CorpusError(f"{path}: original file is missing") from None

    def iter_ids(self) -> Generator[str, None, None]:
        """Every stored id, in no particular order."""
        try:
            shards = list(os.scandir(self.clippings_dir))
        except FileNotFoundError:
            return
        for shard in shards:
            if not shard.is_dir():
                continue
            with os.scandir(shard.path) as entries:  # closed if the caller stops early
                for entry in entries:
                    if _is_metadata_name(entry.name):
                        yield entry.name[:-5]

    def iter_clippings(self) -> Iterator[Clipping]:
        for clipping_id in self.iter_ids():
            yield self.read(clipping_id)

    def count(self) -> int:
        return sum(1 for _ in self.iter_ids())

    def is_empty(self) -> bool:
        ids = self.iter_ids()
        try:
            return next(ids, None) is None
        finally:
            ids.close()

    def resolve(self, prefix: str) -> str:
        """The full id that ``prefix`` stands for, like a git short hash."""
        wanted = prefix.strip().lower()
        if not _HEX.match(wanted) or len(wanted) > ID_LENGTH:
            raise UsageError(f"invalid id {prefix!r}: ids are up to {ID_LENGTH} hex digits")
        if len(wanted) < MIN_PREFIX:
            raise UsageError(
                f"id prefix {prefix!r} is too short: give at least {MIN_PREFIX} digits"
            )
        shard = self._shard(wanted)
        try:
            names = [e.name[:-5] for e in os.scandir(shard) if _is_metadata_name(e.name)]
        except FileNotFoundError:
            names = []
        matches = sorted(n for n in names if n.startswith(wanted))
        if not matches:
            raise NotFoundError(f"no clipping with id {prefix}")
        if len(matches) > 1:
            shown = ", ".join(m[:10] for m in matches[:5])
            raise AmbiguousIdError(
                f"id prefix {prefix} is ambiguous: {shown}", hint="give more digits"
            )
        return matches[0]

    # -- writing -----------------------------------------------------------

    def write(self, clipping: Clipping, original: bytes) -> None:
        """Store a new clipping: the original first, the metadata (the commit) last."""
        metadata = metadata_bytes(clipping)  # before any file: a failure leaves nothing
        shard = self._shard(clipping.id)
        try:
            shard.mkdir(parents=True, exist_ok=True)
            write_atomic(shard / clipping.original, original)
            write_atomic(self.metadata_path(clipping.id), metadata)
        except BaseException as exc:  # whatever stops it, no original without metadata
            (shard / clipping.original).unlink(missing_ok=True)
            if not isinstance(exc, OSError):
                raise
            raise CorpusError(
                f"cannot write clipping {clipping.id}: {exc.strerror or exc}"
            ) from exc

    def update(self, clipping: Clipping) -> None:
        """Replace the metadata of an existing clipping."""
        try:
            self._write_metadata(clipping)
        except OSError as exc:
            raise CorpusError(
                f"cannot update clipping {clipping.id}: {exc.strerror or exc}"
            ) from exc

    def _write_metadata(self, clipping: Clipping) -> None:
        write_atomic(self.metadata_path(clipping.id), metadata_bytes(clipping))

    def remove(self, clipping: Clipping) -> None:
        """Delete a clipping: metadata first, so that it disappears in one step."""
        try:
            self.metadata_path(clipping.id).unlink()
            self.original_path(clipping).unlink(missing_ok=True)
        except FileNotFoundError:
            raise NotFoundError(f"no clipping with id {clipping.id}") from None
        except OSError as exc:
            raise CorpusError(f"cannot remove clipping {clipping.id}: {exc.strerror}") from exc

    def remove_unreadable(self, clipping_id: str) -> None:
        """Delete a clipping by its file's id, its metadata unreadable or naming
        another clipping: that file and its originals.

        Without trustworthy metadata the original's name is unknown; every
        ``ID.orig…`` file of the shard is the clipping's.
        """
        try:
            self.metadata_path(clipping_id).unlink()
            for path in self._shard(clipping_id).glob(f"{clipping_id}.orig*"):
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            raise NotFoundError(f"no clipping with id {clipping_id}") from None
        except OSError as exc:
            raise CorpusError(f"cannot remove clipping {clipping_id}: {exc.strerror}") from exc


class GroupWriter:
    """Stores many new clippings with two file-system syncs per group, not four per clipping.

    A sync per file is most of a bulk import's time. Here a group's files are
    written to temporary names, made durable by one ``os.sync()``, renamed
    into place (originals first, then
    metadata), and the renames made durable by a second sync. A crash at any
    point leaves whole clippings or temporary debris (``clipper check
    --repair`` removes it), never a visible half clipping.
    """

    def __init__(self, corpus: Corpus, group_size: int = 500) -> None:
        self.corpus = corpus
        self.group_size = group_size
        self._staged: dict[str, tuple[Clipping, bytes, bytes]] = {}

    def staged(self, clipping_id: str) -> Clipping | None:
        entry = self._staged.get(clipping_id)
        return entry[0] if entry else None

    def write(self, clipping: Clipping, original: bytes) -> None:
        # Serialised now: a clipping that cannot be fails alone, not its group.
        self._staged[clipping.id] = (clipping, original, metadata_bytes(clipping))
        if len(self._staged) >= self.group_size:
            self.flush()

    def flush(self) -> None:
        if not self._staged:
            return
        renames: list[tuple[Path, Path]] = []
        metadata: list[tuple[Path, Path]] = []
        try:
            for clipping, original, _ in self._staged.values():
                shard = self.corpus._shard(clipping.id)
                shard.mkdir(parents=True, exist_ok=True)
                renames.append(_write_temporary(shard / clipping.original, original))
            for clipping, _, data in self._staged.values():
                metadata.append(_write_temporary(self.corpus.metadata_path(clipping.id), data))
            os.sync()
            for tmp, target in renames + metadata:  # every original before any metadata
                os.replace(tmp, target)
            os.sync()
        except BaseException as exc:
            for tmp, _ in renames + metadata:
                tmp.unlink(missing_ok=True)
            for clipping, _, _ in self._staged.values():  # renamed, but not committed
                if not self.corpus.exists(clipping.id):
                    self.corpus.original_path(clipping).unlink(missing_ok=True)
            if not isinstance(exc, OSError):
                raise
            raise CorpusError(f"cannot write clippings: {exc.strerror or exc}") from exc
        finally:
            self._staged.clear()


def _write_temporary(path: Path, data: bytes) -> tuple[Path, Path]:
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{secrets.token_hex(4)}")
    with open(tmp, "xb") as handle:
        handle.write(data)
    return tmp, path
