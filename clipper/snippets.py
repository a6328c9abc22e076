"""Snippets: the best one or two fragments of a text around highlighted spans.

Pure Python, no Whoosh: :mod:`clipper.searching` finds which character spans
matched; this module picks the fragments, cuts a word only when one word is
longer than the room around a match (a URL), and removes control characters
and escape sequences so that a snippet is safe to print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clipper.textutil import strip_controls

FRAGMENT_CHARS = 160
CONTEXT_BEFORE = 50
MAX_FRAGMENTS = 2
ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")
# Where a window may begin or end: not at a no-break space, which French puts
# inside numbers ("10 000 000") and guillemets.
_BREAK_CHARS = " \t\n\r\f\v"
_BREAK = re.compile(f"[{_BREAK_CHARS}]+")
# Greedy up to the last break of a range.
_UP_TO_LAST_BREAK = re.compile(f".*[{_BREAK_CHARS}]", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\s*\n\s*\n\s*")
PARAGRAPH_MARK = " — "


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    term: str  # the normalised term that matched, to count distinct matches


@dataclass
class Snippet:
    """Plain text plus the ``[start, end)`` character ranges to highlight."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def marked(self, before: str, after: str) -> str:
        """The text with each highlight wrapped, e.g. in ``**`` or ANSI bold."""
        out = []
        position = 0
        for start, end in self.highlights:
            out.append(self.text[position:start])
            out.append(before + self.text[start:end] + after)
            position = end
        out.append(self.text[position:])
        return "".join(out)


def make_snippet(text: str, spans: list[Span], width: int = FRAGMENT_CHARS) -> Snippet:
    """Choose up to two fragments of ``text`` covering the most distinct matched terms.

    ``text`` must be the string the spans were computed on.
    """
    spans = _merge_overlaps(sorted(spans, key=lambda s: (s.start, s.end)))
    if not spans:
        return _build(text, [(0, _word_end(text, min(len(text), width)))], [])
    windows: list[tuple[int, int]] = []
    covered: set[str] = set()
    for _ in range(MAX_FRAGMENTS):
        best = _best_window(text, spans, width, covered, windows)
        if best is None:
            break
        windows.append(best)
        covered |= {s.term for s in spans if best[0] <= s.start and s.end <= best[1]}
        if covered >= {s.term for s in spans}:
            break
    windows.sort()
    return _build(text, windows, spans)


def _merge_overlaps(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.term)
        else:
            merged.append(span)
    return merged


def _best_window(
    text: str,
    spans: list[Span],
    width: int,
    covered: set[str],
    taken: list[tuple[int, int]],
) -> tuple[int, int] | None:
    best: tuple[float, int, int] | None = None
    for anchor in spans:
        if anchor.term in covered and taken:
            continue
        start = _word_start(text, max(0, anchor.start - CONTEXT_BEFORE), anchor.start)
        end = _word_end(text, max(anchor.end, min(len(text), start + width)), anchor.end)
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        inside = [s for s in spans if start <= s.start and s.end <= end]
        new_terms = {s.term for s in inside} - covered
        score = len(new_terms) + 0.01 * len(inside)
        if best is None or score > best[0]:
            best = (score, start, end)
    return (best[1], best[2]) if best else None


def _word_start(text: str, index: int, limit: int) -> int:
    """The first word start in ``[index, limit]``, or ``limit`` if no word starts there.

    ``limit`` is where the match starts: a window never begins past it, even
    when the text before it is one long word (a URL).
    """
    if index <= 0:
        return 0
    if text[index - 1] in _BREAK_CHARS:
        return index
    space = _BREAK.search(text, index, limit)
    return space.end() if space else limit


def _word_end(text: str, index: int, floor: int = 0) -> int:
    """The last word end in ``[floor, index]``, or ``index`` if no word ends there."""
    if index >= len(text) or text[index] in _BREAK_CHARS:
        return index
    before = _UP_TO_LAST_BREAK.match(text, max(floor, 1), index + 1)
    return before.end() - 1 if before else index


def _build(text: str, windows: list[tuple[int, int]], spans: list[Span]) -> Snippet:
    """Join the windows with ellipses, cleaning text and shifting highlight offsets."""
    out: list[str] = []
    highlights: list[tuple[int, int]] = []
    length = 0

    def emit(piece: str, highlighted: bool) -> None:
        nonlocal length
        piece = _WHITESPACE.sub(" ", _PARAGRAPH_BREAK.sub(PARAGRAPH_MARK, strip_controls(piece)))
        if out and out[-1].endswith(" ") and piece.startswith(" "):
            piece = piece[1:]
        if not piece:
            return
        if highlighted:
            highlights.append((length, length + len(piece)))
        out.append(piece)
        length += len(piece)

    for number, (start, end) in enumerate(windows):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if number or text[:start].strip():
            emit(ELLIPSIS if not out else f" {ELLIPSIS} ", False)
        position = start
        for span in spans:
            if span.start < start or span.end > end:
                continue
            emit(text[position : span.start], False)
            emit(text[span.start : span.end], True)
            position = span.end
        emit(text[position:end], False)
    if windows and windows[-1][1] < len(text.rstrip()):
        emit(ELLIPSIS, False)
    joined = "".join(out)
    stripped = joined.rstrip()
    return Snippet(stripped.lstrip(), _shift(highlights, len(joined) - len(joined.lstrip())))


def _shift(highlights: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    return [(s - offset, e - offset) for s, e in highlights]
