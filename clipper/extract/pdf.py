"""Extraction from PDF files with a text layer (pypdf).

The text of each page is unwrapped (a PDF stores lines, not paragraphs), then
read like a plain-text clipping for captions, credits, source and agency. The
document information gives the title, author and date when it holds real
values. Scans (no text layer), damaged and encrypted files are input errors;
no pypdf exception or Python warning leaves this module.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from clipper.dates import parse_document_date
from clipper.errors import ClipperError, InputError
from clipper.extract import Extracted, rules
from clipper.extract.plaintext import extract_plain_text
from clipper.textutil import shorten, strip_controls

CONTENT_TYPE = "application/pdf"
NO_TEXT_LAYER = "PDF has no text layer (scanned image?): nothing to index"
NO_PAGES = "PDF has no pages: nothing to index"
ENCRYPTED = "encrypted PDF"
UNREADABLE = "unreadable PDF"

# Where the header may sit: the spec allows junk before it, readers look in the first KiB.
_HEADER_WINDOW = 1024
_REASON_CHARS = 80

# Document-information titles that say nothing about the document.
_JUNK_TITLE = re.compile(
    r"""^(?:
        untitled\b.* | sans\s+titre\b.* | sans\s+nom | document(?:\s+sans\s+titre)?\s*\d*
        | doc\d* | titre | title | new\s+document | nouveau\s+document
        | microsoft\s+(?:word|powerpoint|excel|publisher)\b.*
        | (?:microsoft\s+)?powerpoint\s+presentation | présentation\s+powerpoint | slide\s*\d+
        | .*\.(?:docx?|odt|rtf|txt|pdf|indd|qxd|qxp|pages|pptx?|xlsx?|html?|tex|dvi|ps|eps
                |jpe?g|png|tiff?)
        | [a-z]:\\.* | /.*
        | [\W\d_]*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_TITLE_MAX_CHARS = 300
_TITLE_MAX_LINES = 3  # a headline printed over up to this many lines
_JUNK_AUTHORS = frozenset(
    {"admin", "administrator", "administrateur", "user", "utilisateur", "owner", "unknown"}
    | {"author", "auteur"}
)
# PDF dates: "D:20240315103000+01'00'", "D:2024", "20240315103000Z".
_PDF_DATE = re.compile(
    r"^\s*(?:D\s*:)?\s*(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?"
    r"(?P<hour>\d{2})?(?P<minute>\d{2})?(?P<second>\d{2})?"
    r"\s*(?:(?P<utc>Z)|(?P<sign>[+-])(?P<tzh>\d{2})'?(?P<tzm>\d{2})?'?)?"
)
# A page number standing alone at the top or bottom of a page: "3", "- 3 -", "Page 3 / 12".
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|sur|of)\s*\d{1,4})?$", re.IGNORECASE
)
# A line ending a sentence, maybe inside a quote or brackets: the paragraph may end there.
# (A closing quote alone does not end one: « ... » is often mid-sentence in French.)
_LINE_ENDS_SENTENCE = re.compile(r"[.!?…][\s\"'»”’)\]]*$")
_HYPHEN_BREAK = re.compile(r"[^\W\d_]-$")
_SPACES = re.compile(r"[ \t]+")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# A line shorter than this share of a full line ends its paragraph (or is a title,
# a caption, a credit): it is not joined to the next one.
_SHORT_LINE_RATIO = 0.6
_FULL_LINE_PERCENTILE = 0.9


@dataclass
class _PdfText:
    pages: list[str]
    page_count: int
    failed_pages: list[int] = field(default_factory=list)
    first_error: str | None = None
    title: str | None = None
    author: str | None = None
    creation_date: str | None = None


def extract_pdf(data: bytes, name: str) -> Extracted:
    """Extract a PDF's text, title, author, date, captions, credits and agency."""
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise InputError(name, f"{UNREADABLE}: not a PDF file (no %PDF header)")
    if b"%%EOF" not in data:
        raise InputError(name, f"{UNREADABLE}: truncated file (no %%EOF marker)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf's deprecation and read warnings
        pdf = _read_pdf(data, name)
    if pdf.page_count == 0:
        raise InputError(name, NO_PAGES)

    pages = [_clean_page(text) for text in pdf.pages]
    text = "\n\n".join(_unwrap(pages))
    if not text.strip():
        if pdf.first_error:
            raise InputError(name, f"{UNREADABLE}: {pdf.first_error}")
        raise InputError(name, NO_TEXT_LAYER)

    title = _usable_title(pdf.title)
    body = "\n\n".join(_unwrap(_without_title_lines(pages, title))) if title else text
    extracted = extract_plain_text(body, has_title=bool(title))
    if not extracted.text.strip():
        raise InputError(name, "no article text found (only captions, credits or metadata)")
    extracted.title = title or extracted.title
    extracted.content = text
    extracted.content_type = CONTENT_TYPE
    extracted.author = _usable_author(pdf.author) or extracted.author
    # A date printed under the headline is the article's; the file's creation
    # date is only when it was exported.
    extracted.date = extracted.date or _pdf_date(pdf.creation_date)
    extracted.extra["pages"] = pdf.page_count
    if pdf.failed_pages:
        extracted.extra["unreadable_pages"] = pdf.failed_pages
    return extracted


def _read_pdf(data: bytes, name: str) -> _PdfText:
    """Open the PDF and extract each page's text; every failure becomes an InputError."""
    from pypdf import PasswordType, PdfReader  # lazy: only PDF inputs need it
    from pypdf.errors import DependencyError

    reader: Any = None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InputError(name, ENCRYPTED, hint="decrypt it first (it needs a password)")
        pages = list(reader.pages)
        info = _document_info(reader)
    except InputError:
        raise
    except DependencyError as exc:
        if reader is None or reader.is_encrypted:
            raise InputError(
                name, ENCRYPTED, hint="its encryption needs the 'cryptography' package"
            ) from exc
        raise InputError(name, f"{UNREADABLE}: {_reason(exc)}") from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise InputError(name, f"{UNREADABLE}: {_reason(exc)}") from exc

    result = _PdfText(
        pages=[],
        page_count=len(pages),
        title=info["title"],
        author=info["author"],
        creation_date=info["creation_date"],
    )
    for number, page in enumerate(pages, start=1):
        try:
            result.pages.append(page.extract_text() or "")
        except Exception as exc:  # a broken content stream spoils one page, not all
            result.pages.append("")
            result.failed_pages.append(number)
            result.first_error = result.first_error or _reason(exc)
    return result


def _document_info(reader: Any) -> dict[str, str | None]:
    """Title, author and raw creation date from the document information dictionary."""
    values: dict[str, str | None] = {"title": None, "author": None, "creation_date": None}
    try:
        info = reader.metadata
    except Exception:  # damaged metadata does not spoil the text
        return values
    if info is None:
        return values
    for key, pdf_key in (
        ("title", "/Title"),
        ("author", "/Author"),
        ("creation_date", "/CreationDate"),
    ):
        try:
            value = info.get(pdf_key)
            if hasattr(value, "get_object"):
                value = value.get_object()
        except Exception:  # a dangling reference: no value
            continue
        if isinstance(value, str):
            values[key] = value
    return values


def _reason(exc: BaseException) -> str:
    """A short reason: pypdf's own message, else the kind of internal error damage caused."""
    from pypdf.errors import PyPdfError

    lines = str(exc).strip().splitlines()
    if isinstance(exc, PyPdfError) and lines:
        return shorten(lines[0].strip(), _REASON_CHARS)
    return f"damaged file ({type(exc).__name__})"


def _clean_page(text: str) -> list[str]:
    """A page's lines: controls stripped, NFC, ligatures expanded, page numbers dropped."""
    text = unicodedata.normalize("NFC", strip_controls(text.replace("\r\n", "\n")))
    lines = [_SPACES.sub(" ", line).strip() for line in text.translate(_LIGATURES).split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    return lines


def _unwrap(pages: list[list[str]]) -> list[str]:
    """Join the lines of each page into paragraphs, one per line; pages stay apart."""
    lengths = sorted(len(line) for lines in pages for line in lines if line)
    full = lengths[int((len(lengths) - 1) * _FULL_LINE_PERCENTILE)] if lengths else 0
    short = full * _SHORT_LINE_RATIO
    out = []
    for lines in pages:
        paragraphs: list[str] = []
        previous = ""  # the last physical line, "" after a paragraph break
        for line in lines:
            if previous and line and _continues(previous, line, short):
                paragraphs[-1] = _join(paragraphs[-1], line)
            else:
                paragraphs.append(line)
            previous = line
        text = "\n".join(paragraphs).strip()
        if text:
            out.append(text)
    return out


def _continues(previous: str, line: str, short: float) -> bool:
    """Whether ``line`` goes on the paragraph that ``previous`` (a physical line) is in."""
    if previous.endswith("\xad") or (
        _HYPHEN_BREAK.search(previous) and line[0].isalpha() and line[0].islower()
    ):
        return True
    if _LINE_ENDS_SENTENCE.search(previous) or len(previous) < short:
        return False
    if rules.TRAILING_AGENCY.search(previous) or rules.WIDGET_BULLET.match(line):
        return False
    credit_lines = (rules.CAPTION_CREDIT, rules.PHOTO_CREDIT)
    return not any(rule.match(previous) or rule.match(line) for rule in credit_lines)


def _join(paragraph: str, line: str) -> str:
    if paragraph.endswith("\xad"):  # soft hyphen: always a line-end break
        return paragraph[:-1] + line
    if _HYPHEN_BREAK.search(paragraph):
        if line[0].isalpha() and line[0].islower():
            return paragraph[:-1] + line  # "inter-" + "national"
        return paragraph + line  # "anti-" + "Américain": a real hyphen
    return f"{paragraph} {line}"


def _without_title_lines(pages: list[list[str]], title: str) -> list[list[str]]:
    """Drop the first lines of the first page when they print the title (the headline)."""
    for page_index, lines in enumerate(pages):
        if not lines:
            continue
        wanted = rules.comparable(title)
        for count in range(1, min(_TITLE_MAX_LINES, len(lines)) + 1):
            if rules.comparable(" ".join(lines[:count])) == wanted:
                return pages[:page_index] + [lines[count:]] + pages[page_index + 1 :]
        break
    return pages


def _usable_title(value: str | None) -> str | None:
    title = " ".join(strip_controls(value or "").split())
    if not title or len(title) > _TITLE_MAX_CHARS or _JUNK_TITLE.match(title):
        return None
    return title


def _usable_author(value: str | None) -> str | None:
    author = " ".join(strip_controls(value or "").split())
    if not author or author.casefold() in _JUNK_AUTHORS or not any(c.isalpha() for c in author):
        return None
    return author


def _pdf_date(value: str | None) -> str | None:
    """``"D:20240315103000+01'00'"`` -> ``"2024-03-15T09:30:00"`` (UTC); ``None`` if unreadable."""
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    try:
        if not match["month"]:
            return parse_document_date(match["year"])
        if not match["day"]:
            return parse_document_date(f"{match['year']}-{match['month']}")
        year, month, day, hour, minute, second = (
            int(match[key] or 0) for key in ("year", "month", "day", "hour", "minute", "second")
        )
        tz: tzinfo | None = None
        if match["utc"]:
            tz = UTC
        elif match["sign"]:
            offset = timedelta(hours=int(match["tzh"]), minutes=int(match["tzm"] or 0))
            tz = timezone(offset if match["sign"] == "+" else -offset)
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        return parse_document_date(moment.isoformat())
    except (ValueError, OverflowError, ClipperError):
        return None
