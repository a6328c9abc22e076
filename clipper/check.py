"""`clipper check`: verify the corpus files and the index, and repair what can be.

Every clipping: metadata parses, the original is present, the id still
matches the content (the original is extracted again), and the language is
not a name or a tag (clippings stored before languages were read as codes may
say "english"). The index: its schema version, and documents missing, extra or
stale against the files. Debris: temporary files of interrupted writes,
abandoned index builds, a crashed writer's marker, and originals without
metadata (moved to ``lost-found/``, not deleted).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from clipper.errors import ClipperError, LanguageError
from clipper.language_names import language_code
from clipper.locking import corpus_lock, pending
from clipper.model import Clipping, content_id
from clipper.storage import TMP_PREFIX, Corpus

ProblemKind = Literal["metadata", "original", "id", "language", "index", "debris"]


@dataclass
class Problem:
    kind: ProblemKind
    target: str  # an id or a path
    detail: str
    repaired: bool = False


@dataclass
class CheckReport:
    clippings: int = 0
    problems: list[Problem] = field(default_factory=list)
    index_missing: int = 0
    index_extra: int = 0
    index_stale: int = 0
    index_rebuilt: bool = False

    @property
    def left(self) -> list[Problem]:
        return [p for p in self.problems if not p.repaired]

    @property
    def repaired(self) -> list[Problem]:
        return [p for p in self.problems if p.repaired]

    def to_dict(self) -> dict[str, Any]:
        return {
            "clippings": self.clippings,
            "index": {
                "missing": self.index_missing,
                "extra": self.index_extra,
                "stale": self.index_stale,
                "rebuilt": self.index_rebuilt,
            },
            "problems": [p.__dict__ for p in self.problems],
            "clean": not self.problems,
        }


def check_corpus(
    corpus: Corpus, *, repair: bool = False, progress: Callable[[int], None] | None = None
) -> CheckReport:
    with corpus_lock(corpus.root):
        report = CheckReport()
        _check_clippings(corpus, report, progress, repair)
        _check_debris(corpus, report, repair)
        _check_index(corpus, report, repair)
        return report


def _check_clippings(
    corpus: Corpus,
    report: CheckReport,
    progress: Callable[[int], None] | None,
    repair: bool,
) -> None:
    for clipping_id in corpus.iter_ids():
        report.clippings += 1
        if progress:
            progress(1)
        try:
            clipping = corpus.read(clipping_id)
        except ClipperError as exc:
            report.problems.append(Problem("metadata", clipping_id, exc.message))
            continue
        if clipping.id != clipping_id:
            report.problems.append(
                Problem("metadata", clipping_id, f"metadata names another id ({clipping.id})")
            )
            continue
        _check_language(corpus, clipping, report, repair)
        try:
            data = corpus.read_original(clipping)
        except ClipperError as exc:
            report.problems.append(Problem("original", clipping_id, exc.message))
            continue
        derived = _derived_id(clipping, data)
        if derived != clipping_id:
            report.problems.append(
                Problem("id", clipping_id, f"the original's content gives id {derived}")
            )


def _check_language(corpus: Corpus, clipping: Clipping, report: CheckReport, repair: bool) -> None:
    """A language stored as a name or a tag (``english``, ``fr-FR``) is set to
    its code; the index step that follows reindexes the clipping. A bare code
    is left as it is, known to Babel or not: the language identifier stores
    some that are not ISO 639-1 (``yue``, ``kab``)."""
    if clipping.lang is None or _BARE_CODE.fullmatch(clipping.lang):
        return
    try:
        code = language_code(clipping.lang)
    except LanguageError:
        return  # a name no table knows: nothing better to store
    action = "set to" if repair else "--repair sets it to"
    detail = f"language {clipping.lang!r} is not a code ({action} {code!r})"
    if repair:
        clipping.lang = code
        corpus.update(clipping)
    report.problems.append(Problem("language", clipping.id, detail, repaired=repair))


_BARE_CODE = re.compile(r"[a-z]{2,3}")


def _derived_id(clipping: Clipping, data: bytes) -> str:
    from clipper.pipeline import Source, detect_format, extract_source, format_of_original

    kind, fmt = format_of_original(clipping.original)
    name = clipping.origin or clipping.original
    source = Source(name, kind=kind, data=data)
    try:
        extracted = extract_source(source, data, fmt or detect_format(name, data))
    except ClipperError as exc:
        return f"none ({exc.message})"
    return extracted.id or content_id(extracted.content)


# Where --repair puts an original without metadata: its bytes may be all that
# is left of a clipping (metadata deleted by hand, or not yet synced from
# another machine), so it is moved aside, never deleted.
LOST_FOUND = "lost-found"


def _check_debris(corpus: Corpus, report: CheckReport, repair: bool) -> None:
    shards = corpus.clippings_dir
    debris = []
    orphans = []
    if shards.is_dir():
        for path in shards.rglob("*"):
            if not path.is_file():
                continue
            name = path.name
            if name.startswith(TMP_PREFIX):
                debris.append((path, "temporary file of an interrupted write"))
            elif ".orig" in name and not (path.parent / f"{name.split('.orig')[0]}.json").exists():
                orphans.append(path)
    for path in corpus.root.glob(".index-*"):
        debris.append((path, "abandoned index build"))
    for path, detail in debris:
        if repair:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        report.problems.append(Problem("debris", str(path), detail, repaired=repair))
    for path in orphans:
        detail = "original without metadata (an interrupted add, or metadata deleted)"
        kept = _keep_aside(corpus, path) if repair else None
        if kept is not None:
            detail += f"; moved to {kept} (clipper {_command_for(kept)} it to keep it)"
        elif repair:
            detail += f"; {corpus.root / LOST_FOUND} is not a folder: left where it is"
        else:
            detail += f"; --repair moves it to {LOST_FOUND}/"
        report.problems.append(Problem("debris", str(path), detail, repaired=kept is not None))


def _keep_aside(corpus: Corpus, path: Path) -> Path | None:
    """Move ``path`` into lost-found/ under a name no other file there has (a
    file of the same bytes already there makes it redundant); ``None`` if
    lost-found/ cannot be made."""
    folder = corpus.root / LOST_FOUND
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError:  # a file of that name
        return None
    stem, dot, rest = path.name.partition(".")
    target = folder / path.name
    copy = 0
    data = path.read_bytes() if target.exists() else b""
    while target.exists():
        if target.read_bytes() == data:
            path.unlink()
            return target
        copy += 1
        target = folder / f"{stem}-{copy}{dot}{rest}"
    path.replace(target)
    return target


def _command_for(original: Path) -> str:
    """The command that stores an original again: a JSON line is an imported record."""
    from clipper.pipeline import format_of_original

    return "import" if format_of_original(original.name)[0] == "jsonl" else "add"


def _check_index(corpus: Corpus, report: CheckReport, repair: bool) -> None:
    from clipper.index import SearchIndex

    index = SearchIndex(corpus)
    state = index.state()
    if state != "ok":
        detail = "no index" if state == "missing" else "built by another schema version"
        if repair:
            index.rebuild()
            report.index_rebuilt = True
        report.problems.append(Problem("index", str(corpus.index_dir), detail, repaired=repair))
        return
    try:
        found = index.diff()
    except Exception as exc:  # an unreadable index is rebuilt, never trusted
        if repair:
            index.rebuild()
            report.index_rebuilt = True
        detail = f"unreadable index ({type(exc).__name__})"
        report.problems.append(Problem("index", str(corpus.index_dir), detail, repaired=repair))
        return
    report.index_missing = len(found.missing)
    report.index_extra = len(found.extra)
    report.index_stale = len(found.stale)
    for kind, ids in (("missing", found.missing), ("extra", found.extra), ("stale", found.stale)):
        for clipping_id in ids:
            detail = {
                "missing": "stored but not indexed",
                "extra": "indexed but not stored",
                "stale": "indexed from older metadata",
            }[kind]
            report.problems.append(Problem("index", clipping_id, detail, repaired=repair))
    if repair and (not found.clean or pending(corpus.root)):
        index.sync(found)
