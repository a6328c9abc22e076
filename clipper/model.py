"""The clipping record: what the corpus stores beside each original document."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from clipper.decoding import repair_surrogates
from clipper.textutil import normalise_for_id

METADATA_FORMAT = 1
ID_LENGTH = 16
# The year facet's value for a clipping without a date.
UNDATED = "undated"
# The languages clipper stems (clipper.analysis): a clipping of another
# language is matched by its exact words only.
STEMMED_LANGUAGES = ("fr", "en")
MIN_PREFIX = 4
# Two defaults of the library's add functions, here rather than in the ingest
# modules so that opening an archive to search does not load those.
STDIN_NAME = "<stdin>"
# Larger inputs are refused: a clipping is an article, not a data dump.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def content_id(content: str) -> str:
    """The id of a clipping: a hash of its normalised content, as 16 hex digits."""
    digest = hashlib.sha256(normalise_for_id(content).encode("utf-8")).hexdigest()
    return digest[:ID_LENGTH]


@dataclass(kw_only=True)
class Described:
    """What a text says of itself beside its title and body; ``None``: not known.

    Given by a user (:class:`clipper.ingest.Metadata`) or found by extraction
    (:class:`clipper.extract.Extracted`), stored in a :class:`Clipping`.
    """

    source: str | None = None
    agency: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    lang: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)  # the user's own
    keywords: list[str] = field(default_factory=list)  # the publisher's (page metadata)


@dataclass(slots=True)  # no per-instance dict: a bulk import reports on every clipping
class Clipping:
    """One stored clipping. ``text`` is the clean body; the original is kept beside it."""

    id: str
    title: str
    text: str
    added: str  # ISO 8601 UTC, when it entered the corpus
    original: str  # file name of the original bytes, next to the metadata file
    content_type: str = "text/plain"
    encoding: str = "utf-8"
    source: str | None = None
    agency: str | None = None
    author: str | None = None
    date: str | None = None  # ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD or a datetime
    lang: str | None = None
    url: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)  # the user's own
    keywords: list[str] = field(default_factory=list)  # the publisher's (page metadata)
    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    sidebar: list[str] = field(default_factory=list)
    origin: str | None = None  # where it was added from: a file name, "<stdin>", a URL
    duplicate_of: str | None = None  # the first clipping of its near-duplicate group
    similarity: float | None = None  # estimated similarity to that clipping
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = METADATA_FORMAT
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clipping:
        known = {f.name for f in fields(cls)}
        missing = {"id", "title", "text", "added", "original"} - data.keys()
        if missing:
            raise ValueError(f"missing keys: {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def group(self) -> str:
        """Near-duplicate group key: the id of the group's first clipping."""
        return self.duplicate_of or self.id

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def lead(self) -> str:
        """The first paragraph that is not a subheading."""
        for paragraph in self.text.split("\n\n"):
            if paragraph.strip() and paragraph.strip() not in self.subheadings:
                return paragraph.strip()
        return ""


# Groups of Clipping's fields, each declared once; the dataclasses that carry
# them (Metadata, Extracted) are pinned to these by tests/test_model.py.
# What a user may give when adding: options, front matter, a JSON record's keys.
GIVEN_FIELDS = (
    "title", "date", "source", "agency", "author", "url", "lang", "tags", "keywords", "note",
)  # fmt: skip
# What extraction reads from a document's layout, apart from its body.
LAYOUT_FIELDS = ("captions", "credits", "subheadings", "sidebar")
# Where a clipping came from and its place in the corpus: restored as they
# were from a clipper export, never given by a user.
IDENTITY_FIELDS = ("id", "added", "origin", "extra")
# What a search result shows of its clipping (a result line, ``--json``, the web page).
HIT_FIELDS = ("id", "title", "source", "agency", "author", "date", "added", "lang", "url", "tags")
# What a near-duplicate copy shows beside its group's first clipping.
COPY_FIELDS = ("id", "title", "source", "date", "similarity")


def normalise_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    """Trim, drop empties and duplicates (case-insensitively), keep order.

    A comma separates tags (``--tag "ia,tech"`` is two): the index keeps a
    clipping's tags comma-separated, so a tag holding one could not be found.
    """
    seen: set[str] = set()
    result = []
    for given in tags:
        for tag in repair_surrogates(given).split(","):  # tags come from argv
            clean = " ".join(tag.split())
            if clean and clean.casefold() not in seen:
                seen.add(clean.casefold())
                result.append(clean)
    return result
