"""Presentation helpers: escaped markup, safe links, the timeline chart, pagination.

Nothing here searches or extracts: it shapes what the core returned for the
templates. Every piece of clipping text that becomes markup goes through
:func:`markupsafe.escape` first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from clipper.options import Timeline
    from clipper.snippets import Snippet

_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def highlighted(snippet: Snippet) -> Markup:
    """The snippet with each highlight wrapped in ``<mark>``; every text segment escaped."""
    parts: list[Markup] = []
    position = 0
    text = snippet.text
    for start, end in sorted(snippet.highlights):
        start = max(start, position)
        end = min(end, len(text))
        if start >= end:
            continue
        parts.append(escape(text[position:start]))
        parts.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) address fit for an ``href``, else ``None``.

    ``javascript:``, ``data:``, relative and protocol-relative addresses, and
    addresses with spaces or control characters are never links.
    """
    if not url or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def paragraphs(text: str) -> list[str]:
    """The clean text's paragraphs (blank-line separated), stripped, empties dropped."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


# -- the timeline chart -----------------------------------------------------

CHART_WIDTH = 800
CHART_HEIGHT = 260
MARGIN_LEFT = 44
MARGIN_RIGHT = 8
MARGIN_TOP = 16
MARGIN_BOTTOM = 44
MAX_TICKS = 12
MAX_VALUE_LABELS = 36  # up to this many bars, each shows its count


@dataclass
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    tick: bool  # whether its label is written under the axis
    label_x: float


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    maximum: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: int
    show_values: bool


def timeline_chart(timeline: Timeline) -> Chart:
    """Coordinates of an SVG bar chart for the timeline's counts (drawn by the template)."""
    counts = timeline.counts
    plot_width = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = CHART_HEIGHT - MARGIN_BOTTOM
    maximum = max((count for _, count in counts), default=0)
    slot = plot_width / max(len(counts), 1)
    gap = min(slot * 0.2, 6.0)
    every = max(1, math.ceil(len(counts) / MAX_TICKS))
    bars = []
    for number, (period, count) in enumerate(counts):
        height = plot_height * count / maximum if maximum else 0.0
        if count and height < 1:
            height = 1.0
        x = MARGIN_LEFT + number * slot + gap / 2
        bars.append(
            Bar(
                label=period,
                count=count,
                x=round(x, 2),
                y=round(baseline - height, 2),
                width=round(max(slot - gap, 1.0), 2),
                height=round(height, 2),
                tick=number % every == 0,
                label_x=round(x + (slot - gap) / 2, 2),
            )
        )
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=bars,
        maximum=maximum,
        plot_left=MARGIN_LEFT,
        plot_right=CHART_WIDTH - MARGIN_RIGHT,
        plot_top=MARGIN_TOP,
        baseline=baseline,
        show_values=len(bars) <= MAX_VALUE_LABELS,
    )


# -- pagination ---------------------------------------------------------------


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """Pages to offer: the first, the last and those around ``current``; ``None`` is a gap."""
    wanted = {1, last, *range(current - around, current + around + 1)}
    pages = sorted(p for p in wanted if 1 <= p <= last)
    shown: list[int | None] = []
    for page in pages:
        if shown and isinstance(shown[-1], int) and page - shown[-1] > 1:
            shown.append(None)
        shown.append(page)
    return shown
