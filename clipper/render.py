"""Rendering results for people (terminal) and machines (JSON, JSON Lines, CSV, ids).

Used by the CLI only. Every piece of clipping text goes through
:func:`clipper.textutil.one_line` or :func:`strip_controls` before it is
printed: clipped pages may carry terminal escape sequences.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from clipper.archive import AddOutcome, AddReport, SearchResult, copy_summary
from clipper.model import Clipping
from clipper.textutil import human_size, one_line, shorten, strip_controls

if TYPE_CHECKING:  # annotations only: show and list need neither Whoosh nor the checks
    from clipper.check import CheckReport
    from clipper.options import Timeline

HIT_CSV_COLUMNS = (
    "id",
    "score",
    "title",
    "source",
    "agency",
    "date",
    "lang",
    "url",
    "tags",
    "snippet",
)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def hits_as(result: SearchResult, fmt: str) -> str:
    """Machine formats for a search or list result, each line ending in a newline.

    An empty page is empty output in ``ids`` and ``jsonl`` (no blank line for a
    script to read as an id), and the header row alone in ``csv``.
    """
    if fmt == "json":
        return to_json(result.to_dict()) + "\n"
    rows = [hit.to_dict() for hit in result.hits]
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if fmt == "ids":
        return "".join(row["id"] + "\n" for row in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HIT_CSV_COLUMNS)
        for row in rows:
            row = {**row, "tags": ";".join(row["tags"])}
            writer.writerow([row[c] if row[c] is not None else "" for c in HIT_CSV_COLUMNS])
        return buffer.getvalue()
    raise ValueError(fmt)


def _listed_date(date: str) -> str:
    """A date as a result line shows it: ``2024-03-12T07:00:00+01:00`` -> ``2024-03-12 07:00``
    (the publisher's own clock; ``show`` and the data formats keep the whole value)."""
    return f"{date[:10]} {date[11:16]}" if len(date) > 10 and date[10] == "T" else date


def hits_as_text(result: SearchResult, *, show_snippets: bool = True) -> str:
    """Human output: rank, title, source, date, short id, snippet, then the total."""
    lines = []
    for rank, hit in enumerate(result.hits, start=result.offset + 1):
        c = hit.clipping
        lines.append(f"{rank:>2}. " + click.style(shorten(c.title, 100), bold=True))
        when = _listed_date(c.date) if c.date else c.added[:10] + " (added)"
        details = [one_line(x) for x in (c.source, when, c.lang) if x]
        if hit.matched is not None and hit.matched < result.words:
            details.append(f"matched {hit.matched} of {result.words} words")
        lines.append("    " + " · ".join(details + [click.style(c.short_id, fg="yellow")]))
        if show_snippets and hit.snippet.text:
            marked = hit.snippet.marked("\x00", "\x01")
            styled = "".join(
                click.style(part[1:], bold=True) if part.startswith("\x00") else part
                for part in _split_marks(marked)
            )
            lines.append("    " + styled)
        if hit.copies:
            outlets = sorted({one_line(c.source) for c in hit.copies if c.source})
            count = len(hit.copies)
            listed = f": {', '.join(outlets)}" if outlets else ""
            lines.append(f"    +{count} {_plural(count, 'copy', 'copies')}{listed}")
        lines.append("")
    if result.facets:
        lines.extend(facets_as_text(result.facets))
        lines.append("")
    shown = len(result.hits)
    first = result.offset + 1
    if shown:
        last = result.offset + shown
        lines.append(f"{result.total} {_plural(result.total, 'clipping')}, showing {first}–{last}")
    else:
        lines.append(f"{result.total} {_plural(result.total, 'clipping')}, none on this page")
    if result.relaxed:
        if result.match == "any":
            note = "Any word matches (--match any); most words matched first"
        else:
            note = "Relaxed: too few clippings hold every word; most words matched first"
        if result.dropped:
            note += f"; not required: {', '.join(result.dropped)}"
        lines.append(note + ".")
    return "\n".join(lines)


def facets_as_text(facets: dict[str, list[tuple[str, int]]], top: int = 10) -> list[str]:
    """One line per facet: ``source: Reuters 12 · AFP 7 · …``."""
    width = max(len(name) for name in facets) + 1
    lines = []
    for name, counts in facets.items():
        shown = " · ".join(f"{one_line(value)} {count}" for value, count in counts[:top])
        more = f" · (+{len(counts) - top} more)" if len(counts) > top else ""
        lines.append(f"{name + ':':<{width}} {shown or '-'}{more}")
    return lines


BAR_WIDTH = 40


def timeline_as(chart: Timeline, fmt: str) -> str:
    """A bar chart for the terminal, or CSV / JSON for plotting elsewhere."""
    if fmt == "json":
        return to_json(
            {
                "by": chart.by,
                "total": chart.total,
                "undated": chart.undated,
                "counts": [{"period": p, "count": c} for p, c in chart.counts],
            }
        )
    if fmt == "csv":
        return "\n".join(["period,count"] + [f"{p},{c}" for p, c in chart.counts])
    peak = max((count for _, count in chart.counts), default=0) or 1
    label_width = max((len(p) for p, _ in chart.counts), default=4)
    lines = []
    for period, count in chart.counts:
        bar = "█" * round(count / peak * BAR_WIDTH) if count else ""
        lines.append(f"{period:<{label_width}}  {click.style(bar, fg='cyan')} {count}")
    note = f"{chart.total} {_plural(chart.total, 'clipping')} by {chart.by}"
    if chart.undated:
        note += f"; {chart.undated} without a date, not charted"
    lines += ["", note]
    return "\n".join(lines)


def _split_marks(marked: str) -> Iterable[str]:
    """Split on the private markers: pieces starting with \\x00 are highlighted."""
    out = []
    for chunk in marked.split("\x01"):
        plain, _, bold = chunk.partition("\x00")
        out.append(plain)
        if bold:
            out.append("\x00" + bold)
    return out


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return word if count == 1 else plural or word + "s"


def counted(count: int, word: str, plural: str | None = None) -> str:
    """``1 clipping``, ``2 clippings``."""
    return f"{count} {_plural(count, word, plural)}"


def clipping_as_dict(clipping: Clipping, copies: list[Clipping]) -> dict[str, Any]:
    return {**clipping.to_dict(), "copies": [copy_summary(c) for c in copies]}


def _original_kind(c: Clipping) -> str:
    """``text/html, utf-8``; a binary original (a PDF) has no text encoding to show."""
    textual = c.content_type.startswith(("text/", "message/")) or c.content_type.endswith(
        ("/json", "+xml")
    )
    return f"{c.content_type}, {c.encoding}" if textual else c.content_type


def clipping_as_text(clipping: Clipping, copies: list[Clipping]) -> str:
    c = clipping
    lines = [click.style(one_line(c.title), bold=True), ""]
    fields = [
        ("id", c.id),
        ("source", c.source),
        ("agency", c.agency),
        ("author", c.author),
        ("date", c.date),
        ("added", c.added),
        ("lang", c.lang),
        ("url", c.url),
        ("tags", ", ".join(c.tags)),
        ("keywords", ", ".join(c.keywords)),
        ("note", c.note),
        ("captions", " | ".join(c.captions)),
        ("credits", " | ".join(c.credits)),
        ("original", f"{c.original} ({_original_kind(c)})"),
        ("near-dup of", f"{c.duplicate_of} (similarity {c.similarity})" if c.duplicate_of else ""),
    ]
    shown = [(name, value) for name, value in fields if value]
    width = max(len(name) for name, _ in shown + [("copies", "")])
    for name, value in shown:
        if value:
            lines.append(f"{name + ':':<{width + 1}} {one_line(str(value))}")
    if copies:
        lines.append(f"{'copies:':<{width + 1}} {len(copies)}")
        for copy in copies:
            source = one_line(copy.source or "?")
            lines.append(f"  {copy.short_id}  {source} · {shorten(copy.title, 70)}")
    lines.append("")
    lines.append(strip_controls(c.text))
    return "\n".join(lines)


def outcome_line(outcome: AddOutcome, *, dry_run: bool = False) -> str:
    c = outcome.clipping
    assert c is not None
    title = shorten(c.title, 80)
    if outcome.status == "added":
        verb = "would add" if dry_run else "added"
        line = f"{verb} {click.style(c.short_id, fg='yellow')}  {title}"
        if outcome.near is not None:
            line += f" (near-duplicate of {outcome.near.short_id}, similarity {c.similarity:.2f})"
        return line
    extra = f" (new tags: {', '.join(outcome.new_tags)})" if outcome.new_tags else ""
    return f"already stored as {click.style(c.short_id, fg='yellow')}  {title}{extra}"


def report_summary(report: AddReport) -> str:
    counts = report.counts
    added = f"{counts['added']} {'would be added' if report.dry_run else 'added'}"
    if counts["near_duplicate"]:
        count = counts["near_duplicate"]
        added += f" ({count} {_plural(count, 'near-duplicate')})"
    parts = [added]
    if counts["duplicate"]:
        parts.append(f"{counts['duplicate']} already stored")
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped (unsupported file type)")
    return ", ".join(parts)


def report_as_dict(report: AddReport) -> dict[str, Any]:
    def brief(outcome: AddOutcome) -> dict[str, Any]:
        c = outcome.clipping
        assert c is not None
        brief: dict[str, Any] = {
            "input": outcome.name,
            "id": c.id,
            "title": c.title,
            "new_tags": outcome.new_tags,
        }
        if outcome.near is not None:
            brief["near_duplicate_of"] = outcome.near.id
            brief["similarity"] = c.similarity
        return brief

    return {
        "dry_run": report.dry_run,
        "added": [brief(o) for o in report.added],
        "duplicates": [brief(o) for o in report.duplicates],
        "failed": [{"input": o.name, "error": o.error} for o in report.failed],
        "skipped": report.skipped,
    }


def info_as_text(info: dict[str, Any]) -> str:
    index = info["index"]
    lines = [
        f"corpus:     {info['corpus']}",
        f"clippings:  {info['clippings']} ({human_size(info['bytes'])})",
        f"index:      {index['state']} ({index['path']})",
    ]
    if "documents" in index:
        lines.append(
            f"            {index['documents']} {_plural(index['documents'], 'document')}, "
            f"{index['segments']} {_plural(index['segments'], 'segment')}, "
            f"{human_size(index['bytes'])}"
        )
    if info.get("facets"):
        lines.append("")
        facets = {k: [(v["value"], v["count"]) for v in vs] for k, vs in info["facets"].items()}
        lines.extend(facets_as_text(facets))
    return "\n".join(lines)


def check_as_text(report: CheckReport, *, repair: bool) -> str:
    lines = [f"checked {report.clippings} {_plural(report.clippings, 'clipping')}"]
    if not report.problems:
        return lines[0] + ": everything is in order"
    shown = 20
    for problem in report.problems[:shown]:
        state = "repaired" if problem.repaired else "problem"
        lines.append(f"{state}: {problem.kind} {one_line(problem.target)}: {problem.detail}")
    if len(report.problems) > shown:
        lines.append(f"… and {len(report.problems) - shown} more (see --json)")
    left = len(report.left)
    fixed = len(report.repaired)
    summary = f"{fixed} repaired, {left} left" if repair else f"{left} {_plural(left, 'problem')}"
    if left and not repair:
        summary += " (clipper check --repair fixes the index and languages, removes debris)"
    lines.append(summary)
    damaged = sorted({p.target[:8] for p in report.left if p.kind in _DAMAGED_CLIPPING})
    if damaged:
        lines.append(
            "a damaged clipping needs its files fixed by hand, or removing: "
            f"clipper rm {' '.join(damaged)}"
        )
    return "\n".join(lines)


# Problems --repair cannot fix: the clipping's own files are damaged.
_DAMAGED_CLIPPING = frozenset({"metadata", "original", "id"})
