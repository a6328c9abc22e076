"""Extraction from e-mail: one RFC 822 message (.eml), or the messages of an mbox file.

Newsletters are HTML: the text/html body goes through :mod:`clipper.extract.html`
(main text of the page); the text/plain body is the fallback. The subject is
the title, the sender the source, the Date header the date.
"""

from __future__ import annotations

import email.policy
import email.utils
import mailbox
import re
import tempfile
import unicodedata
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from clipper.dates import parse_document_date
from clipper.decoding import repair_surrogates
from clipper.errors import ClipperError, InputError
from clipper.extract import Extracted, rules
from clipper.extract.plaintext import extract_plain_text
from clipper.textutil import normalise_newlines, strip_controls

CONTENT_TYPE = "message/rfc822"
NO_BODY = "e-mail without a text or HTML body"
NOT_EMAIL = "not an e-mail message (no headers)"
NO_MESSAGES = "no messages in the mbox file"

# At least one of these must be present for bytes to count as an e-mail:
# a text file whose first line happens to look like "Note: ..." is not one.
_MAIL_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "received",
        "return-path",
        "reply-to",
        "delivered-to",
        "list-id",
        "in-reply-to",
        "references",
        "newsgroups",
    }
)
_WHITESPACE = re.compile(r"\s+")
# <meta charset="..."> and <meta http-equiv="Content-Type" content="...; charset=...">:
# the HTML is handed on re-encoded as UTF-8, so its declaration must say so.
_META_CHARSET = re.compile(rb"(<meta\b[^>]*?\bcharset\s*=\s*[\"']?)([\w.:-]+)", re.IGNORECASE)
# mboxrd quoting: a body line "From ..." is stored as ">From ...", ">From" as ">>From".
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def extract_email(data: bytes, name: str) -> Extracted:
    """Extract one e-mail message: subject, sender, date and the body's main text."""
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    if not any(key.lower() in _MAIL_HEADERS for key in message.keys()):
        raise InputError(name, NOT_EMAIL)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage

    title = _single_line(_header(message, "subject"))
    found = _extract_body(message, name, has_title=bool(title))
    if found is None or not found[0].text.strip():
        raise InputError(name, NO_BODY)
    body, charset = found

    title = title or body.title
    body.title = title
    _drop_repeated_title(body)
    body.agency = body.agency or _agency_in_text(body.text)
    body.content = f"{title}\n\n{body.text}"
    body.content_type = CONTENT_TYPE
    body.encoding = charset
    body.source = _sender(message) or body.source
    body.date = _date(message) or body.date
    body.lang = None  # the caller detects the language of the text
    for header, key in (("list-id", "list_id"), ("message-id", "message_id")):
        if value := _single_line(_header(message, header)):
            body.extra[key] = value
    return body


def _drop_repeated_title(body: Extracted) -> None:
    """Take the headline out of the body when it repeats the subject (newsletters do)."""
    first, _, rest = body.text.partition("\n\n")
    if not rest.strip() or rules.comparable(first) != rules.comparable(body.title):
        return
    body.text = rest.strip()
    title = rules.comparable(body.title)
    body.subheadings = [s for s in body.subheadings if rules.comparable(s) != title]


def _agency_in_text(text: str) -> str | None:
    """The agency of a dateline ("SÈTE (AFP) –") or a closing "(AFP)" in the final text.

    The body extraction may have missed it: a headline stood before the dateline.
    """
    paragraphs = text.split("\n\n")
    match = rules.DATELINE.match(paragraphs[0]) or rules.TRAILING_AGENCY.search(paragraphs[-1])
    return rules.canonical_agency(match["agency"]) if match else None


def split_mbox(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The messages of an mbox file as ``(f"{name}#{n}", raw bytes)``, ``n`` from 1.

    Separators are the "From " lines (``mailbox.mbox``); body lines quoted as
    ">From " (mboxo/mboxrd) lose one ">" (mboxrd unquoting).
    """
    messages: list[tuple[str, bytes]] = []
    with tempfile.TemporaryDirectory(prefix="clipper-mbox-") as directory:
        path = Path(directory) / "input.mbox"
        path.write_bytes(data)
        box = mailbox.mbox(path, create=False)
        try:
            for number, key in enumerate(box.keys(), start=1):
                raw = _QUOTED_FROM.sub(rb"\1", box.get_bytes(key))
                messages.append((f"{name}#{number}", raw))
        finally:
            box.close()
    if not messages:
        raise InputError(name, NO_MESSAGES)
    return messages


def _extract_body(
    message: EmailMessage, name: str, *, has_title: bool
) -> tuple[Extracted, str] | None:
    """The body's extraction and the charset of its part: HTML first, then plain text."""
    html_error: InputError | None = None
    html_part = message.get_body(preferencelist=("html",))
    if html_part is not None:
        html = _text_content(html_part)
        if html and html.strip():
            from clipper.extract.html import extract_html  # lazy: trafilatura is slow to load

            try:
                return extract_html(_utf8_html(html), name), _charset(html_part)
            except InputError as exc:
                html_error = exc  # no article in the HTML (a layout table?): try the text part
    plain_part = message.get_body(preferencelist=("plain",))
    plain = None if plain_part is None else _plain_text(plain_part)
    if plain_part is None or plain is None:
        if html_error is not None:
            raise html_error
        return None
    return extract_plain_text(plain, has_title=has_title), _charset(plain_part)


def _plain_text(part: MIMEPart) -> str | None:
    """A text/plain part decoded, unflowed and cleaned; ``None`` if undecodable or blank."""
    text = _text_content(part)
    if text is None:
        return None
    if str(part.get_param("format", "")).lower() == "flowed":
        text = _unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    text = unicodedata.normalize("NFC", strip_controls(normalise_newlines(text)))
    return text if text.strip() else None


def _charset(part: MIMEPart) -> str:
    """The part's declared charset (MIME's default is US-ASCII), else what its 8-bit bytes are."""
    undeclared = _undeclared_8bit(part)
    if undeclared is not None:
        return _utf8_or_cp1252(undeclared)[1]
    return part.get_content_charset() or "us-ascii"


def _text_content(part: MIMEPart) -> str | None:
    """The decoded text of a MIME part, ``None`` when it cannot be decoded at all."""
    undeclared = _undeclared_8bit(part)
    if undeclared is not None:
        return _utf8_or_cp1252(undeclared)[0]
    try:
        content = part.get_content()
    except (LookupError, ValueError, KeyError, AssertionError):
        # Unknown charset or broken transfer encoding: decode leniently.
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        content = _utf8_or_cp1252(payload)[0]
    return content if isinstance(content, str) else None


def _undeclared_8bit(part: MIMEPart) -> bytes | None:
    """The payload of a part that declares no charset, or US-ASCII, yet holds 8-bit bytes.

    Mailers that write raw UTF-8 often declare nothing; decoded as US-ASCII,
    every accented letter would be lost.
    """
    if (part.get_content_charset() or "us-ascii") != "us-ascii":
        return None
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) and not payload.isascii() else None


def _utf8_or_cp1252(payload: bytes) -> tuple[str, str]:
    try:
        return payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace"), "cp1252"


def _utf8_html(html: str) -> bytes:
    return _META_CHARSET.sub(rb"\1utf-8", html.encode("utf-8"))


def _unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: a line ending in a space continues on the next."""
    out: list[str] = []
    current = ""
    joining = False
    for line in normalise_newlines(text).split("\n"):
        if line == "-- ":  # the signature separator is never flowed
            if joining:
                out.append(current)
            out.append(line)
            current, joining = "", False
            continue
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        flowed = line.endswith(" ")
        if flowed and delsp:
            line = line[:-1]
        current = current + line if joining else line
        joining = flowed
        if not flowed:
            out.append(current)
            current = ""
    if joining:
        out.append(current)
    return "\n".join(out)


def _header(message: Message, key: str) -> str | None:
    """A header's decoded value; ``None`` if missing or beyond repair."""
    try:
        value = _parsed_header(message, key)
    except Exception:  # the header parser raises assorted errors on junk
        return None
    return None if value is None else str(value)


def _parsed_header(message: Message, key: str) -> Any:
    """The first ``key`` header, parsed after its raw 8-bit bytes are decoded.

    RFC 6532 allows UTF-8 in headers, and older mailers write CP1252: the
    parser keeps such bytes as surrogate escapes, which the address parser
    passes on ("Jos\\udcc3\\udca9") and no UTF-8 file can hold.
    """
    for name, raw in message.raw_items():
        if name.lower() == key:
            value = repair_surrogates(raw) if isinstance(raw, str) else raw
            return message.policy.header_fetch_parse(name, value)
    return None


def _single_line(value: str | None) -> str:
    return _WHITESPACE.sub(" ", strip_controls(value or "")).strip()


def _sender(message: Message) -> str | None:
    """The sender's display name, else its address."""
    for key in ("from", "sender"):
        try:
            header = _parsed_header(message, key)
            addresses = getattr(header, "addresses", ()) if header is not None else ()
        except Exception:  # see _header
            continue
        for address in addresses:
            if value := _single_line(address.display_name) or _single_line(address.addr_spec):
                return value
        # Unparsable address list: use what email.utils makes of the raw text.
        display, addr = email.utils.parseaddr(_header(message, key) or "")
        if value := _single_line(display) or _single_line(addr):
            return value
    return None


def _date(message: Message) -> str | None:
    """The Date header as an ISO string, ``None`` if missing or unreadable."""
    raw = _header(message, "date")
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
        return parse_document_date(parsed.isoformat())
    except (ValueError, TypeError, IndexError, OverflowError, ClipperError):
        return None
