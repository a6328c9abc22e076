"""Saved searches ("watches"): a query and filters, and when they last ran.

Kept in ``CORPUS/watches.json``, readable and written atomically. Running a
watch reports what was added since its previous run, which makes
``clipper watch run`` usable from cron.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from clipper.decoding import without_surrogates
from clipper.errors import ClipperError, CorpusError, NotFoundError, UsageError
from clipper.options import MATCH_MODES, MatchMode
from clipper.storage import Corpus, write_atomic

WATCHES_FILE = "watches.json"
_NAME = re.compile(r"^[\w][\w .-]{0,62}$")


@dataclass
class Watch:
    name: str
    query: str
    filters: dict[str, str] = field(default_factory=dict)  # source, lang, tag, agency, since...
    created: str = ""
    last_run: str | None = None
    # Strict unless saved otherwise: a standing query must not widen by itself.
    match: MatchMode = "all"

    @property
    def since(self) -> datetime:
        """Clippings added after this moment are new to the watch."""
        moment = datetime.fromisoformat(self.last_run or self.created)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def load(corpus: Corpus) -> list[Watch]:
    path = corpus.root / WATCHES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except ValueError as exc:
        raise CorpusError(f"{path}: unreadable saved searches ({exc})") from exc
    try:
        saved = [Watch(**item) for item in data["watches"]]
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: unexpected content ({exc})") from exc
    for watch in saved:
        if watch.match not in MATCH_MODES:
            raise CorpusError(
                f"{path}: saved search {watch.name!r} has an unknown match mode {watch.match!r}"
            )
    return saved


def save(corpus: Corpus, watches: list[Watch]) -> None:
    # A query typed with bytes that are not UTF-8 arrives with surrogate escapes.
    data: dict[str, Any] = without_surrogates({"watches": [asdict(w) for w in watches]})
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        write_atomic(corpus.root / WATCHES_FILE, text.encode("utf-8"))
    except OSError as exc:
        raise CorpusError(f"cannot save searches in {corpus.root}: {exc.strerror}") from exc


def find(watches: list[Watch], name: str) -> Watch:
    for watch in watches:
        if watch.name == name:
            return watch
    known = ", ".join(w.name for w in watches) or "none saved yet"
    raise NotFoundError(f"no saved search named {name!r}", hint=f"saved searches: {known}")


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise UsageError(
            f"invalid saved search name {name!r}",
            hint="use letters, digits, spaces, dots, dashes or underscores (up to 63)",
        )


__all__ = ["ClipperError", "Watch", "check_name", "find", "load", "now_iso", "save"]
