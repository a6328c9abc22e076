"""What a search may ask for, named once for the library, the command line and the web page.

Filters, facets, sort orders, match modes, timeline periods and export
formats: the command line's choices, the web page's forms and the core's
checks all read these lists. Nothing slow is imported here (no Whoosh): the
command line builds its ``--help`` from them before loading the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

MatchMode = Literal["all", "auto", "any"]
MATCH_MODES: tuple[MatchMode, ...] = ("all", "auto", "any")
# ``relevance`` (ties newest first), ``date`` (oldest first), ``-date`` (newest first).
SORTS = ("relevance", "date", "-date")
# Periods of a timeline.
PERIODS = ("day", "week", "month", "year")
# Facet names, in the order the web page shows them.
FACETS = ("source", "lang", "agency", "tag", "year")
# Filters a person sets (by option, saved search or web form), in the web form's order.
FILTER_NAMES = ("source", "lang", "agency", "tag", "since", "until")
# Export formats; the first three are also offered by the web page.
EXPORT_FORMATS = ("jsonl", "csv", "md", "opensearch")
WEB_EXPORT_FORMATS = ("md", "jsonl", "csv")
# Sections of a Markdown press review.
GROUPINGS = ("day", "source")
REVIEW_TITLE = "Revue de presse"


@dataclass
class Filters:
    """Restrictions applied besides the query text."""

    source: str | None = None
    lang: str | None = None
    tag: str | None = None
    since: str | None = None
    until: str | None = None
    agency: str | None = None
    added_after: datetime | None = None  # for saved searches: only what is new

    NAMES: ClassVar[tuple[str, ...]] = FILTER_NAMES

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | None]) -> Filters:
        """Filters from ``{"source": ..., "since": ...}``; other keys are ignored."""
        return cls(
            source=values.get("source") or None,
            lang=values.get("lang") or None,
            tag=values.get("tag") or None,
            agency=values.get("agency") or None,
            since=values.get("since") or None,
            until=values.get("until") or None,
        )

    def to_mapping(self) -> dict[str, str]:
        """The filters that are set, as ``{name: value}``."""
        return {name: value for name in self.NAMES if (value := getattr(self, name))}


@dataclass
class Timeline:
    by: str
    counts: list[tuple[str, int]]  # every period from the first to the last match
    total: int
    undated: int  # matches without a date: counted apart, not charted
