"""Extraction from plain text pasted or saved from a web page.

Recognises the shapes of copied news pages: a headline line (or none), photo
captions duplicated by the copy with their "© Credit / Agency" lines,
subheadings, a sidebar widget (bullets, a rating) and closing credit lines
("Source : Reuters", "(AFP)", "Le Monde avec AFP").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clipper.dates import parse_document_date
from clipper.errors import ClipperError
from clipper.extract import Extracted, rules


@dataclass
class _Lines:
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    sidebar: list[str] = field(default_factory=list)


def extract_plain_text(text: str, *, has_title: bool = False) -> Extracted:
    """Extract title, body and metadata from decoded text (LF newlines).

    ``has_title``: the title is known from elsewhere (front matter, a JSON
    field), so the first line is body text, not a headline to take out.
    """
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()

    source, agency, lines = rules.take_credit_lines(lines)
    parts = _split_lines(lines)
    fallback = not parts.paragraphs
    if fallback:
        # The rules would take every line: a text is never emptied, so they are the body.
        parts = _Lines(paragraphs=_distinct_lines(lines) or _distinct_lines(text.split("\n")))
    paragraphs = parts.paragraphs

    author = None
    title = ""
    if not (has_title or fallback) and len(paragraphs) > 1 and _reads_as_headline(paragraphs[0]):
        title = paragraphs.pop(0).strip()
    author, date = _take_header_lines(paragraphs)
    if paragraphs:
        dateline = rules.DATELINE.match(paragraphs[0])
        if dateline and not agency:
            agency = rules.canonical_agency(dateline["agency"])
        trailing = rules.TRAILING_AGENCY.search(paragraphs[-1])
        if trailing and not agency:
            agency = rules.canonical_agency(trailing["agency"])
        # A staff credit stays in the text (its names are searched as written).
        if (reporters := rules.reporting_credit(paragraphs[-1])) is not None:
            agency = agency or rules.REPORTING_AGENCY
            author = author or ", ".join(reporters)
    if not title:
        title = rules.title_from_sentence(paragraphs[0] if paragraphs else text)

    subheadings = [
        p.strip()
        for i, p in enumerate(paragraphs)
        if 0 < i < len(paragraphs) - 1 and _reads_as_subheading(p)
    ]
    if source is None and agency is not None:
        source = agency
    return Extracted(
        title=title,
        text="\n\n".join(p.strip() for p in paragraphs),
        content=text,
        source=source,
        agency=agency,
        author=author,
        date=date,
        captions=parts.captions,
        credits=parts.credits,
        subheadings=subheadings,
        sidebar=parts.sidebar,
    )


def _take_header_lines(paragraphs: list[str]) -> tuple[str | None, str | None]:
    """Remove the byline and the date line under the headline; return (author, date).

    Either may come first, or both share a line ("Par Jeanne Martin | Publié
    le 15 novembre 2023"). A body paragraph is never taken: only whole lines
    that read as a byline or a date, and never the last paragraph.
    """
    author: str | None = None
    date: str | None = None
    for _ in range(rules.HEADER_LINES):
        if len(paragraphs) < 2:
            break
        found_author, found_date = None, None
        for part in filter(None, rules.HEADER_SEPARATOR.split(paragraphs[0].strip())):
            if not found_author and (match := rules.BYLINE.match(part)):
                found_author = ", ".join(re.split(rules.BYLINE_NAME_SEPARATOR, match["author"]))
                continue
            if not found_date and (found_date := _header_date(part)):
                continue
            return author, date  # a part that is neither: a body paragraph
        author, date = author or found_author, date or found_date
        paragraphs.pop(0)
    return author, date


def _header_date(line: str) -> str | None:
    match = rules.HEADER_DATE.match(line)
    if not match:
        return None
    written = match["date"] + (f" {match['time'].replace(' ', '')}" if match["time"] else "")
    try:
        return parse_document_date(written)
    except ClipperError:
        return None


def _split_lines(lines: list[str]) -> _Lines:
    """Sort lines into body paragraphs, captions, credits and sidebar lines."""
    out = _Lines()
    previous: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            previous = None
            continue
        if line == previous:
            # Web copies repeat a caption: a short line said twice in a row is a
            # caption; a long one is a paragraph pasted twice, kept once.
            if out.paragraphs and out.paragraphs[-1] == line and _is_short(line):
                out.paragraphs.pop()
                rules.add_unique(out.captions, line)
            continue
        previous = line
        if (match := _credit_match(line)) is not None:
            caption = match["caption"].strip()
            if _is_short(caption):
                if caption:
                    rules.add_unique(out.captions, caption)
            else:
                out.paragraphs.append(caption)  # a credit glued to a paragraph's end
            rules.add_unique(out.credits, match["credit"].strip().rstrip(".)"))
            continue
        if (
            rules.WIDGET_BULLET.match(raw)
            and raw[:1].isspace()
            and len(line.split()) <= rules.SIDEBAR_MAX_WORDS
        ) or rules.RATING.match(line):
            out.sidebar.append(line)
            continue
        out.paragraphs.append(line)
    return out


def _credit_match(line: str) -> re.Match[str] | None:
    """A caption-and-credit match whose credit starts its own sentence, if any."""
    match = rules.CAPTION_CREDIT.match(line) or rules.PHOTO_CREDIT.match(line)
    if match is None:
        return None
    before, label = line[: match.end("caption")], line[match.end("caption") :]
    if rules.WORD_CREDIT_LABEL.match(label) and not rules.BEFORE_OWN_SENTENCE.search(before):
        return None
    return match


def _is_short(line: str) -> bool:
    return len(line.split()) <= rules.CAPTION_MAX_WORDS


def _distinct_lines(lines: list[str]) -> list[str]:
    """Non-blank lines, stripped, without a line repeated right after itself."""
    kept: list[str] = []
    for line in (raw.strip() for raw in lines):
        if line and (not kept or kept[-1] != line):
            kept.append(line)
    return kept



def _reads_as_headline(line: str) -> bool:
    line = line.strip()
    return (
        0 < len(line) <= rules.HEADLINE_MAX_CHARS
        and len(line.split()) <= rules.HEADLINE_MAX_WORDS
        and not rules.SENTENCE_END.search(line)
    )


def _reads_as_subheading(line: str) -> bool:
    line = line.strip()
    words = line.split()
    return (
        0 < len(line) <= rules.SUBHEADING_MAX_CHARS
        and 1 < len(words) <= rules.SUBHEADING_MAX_WORDS
        and (line[0].isupper() or line[0].isdigit())
        and not rules.SENTENCE_END.search(line)
    )


