"""From an input (file, stdin, JSON line) to an :class:`Extracted` document.

Pure functions of bytes and names: no corpus, no index. The archive decides
what to store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clipper.dates import parse_document_date
from clipper.decoding import decode
from clipper.errors import ClipperError, InputError
from clipper.extract import Extracted, rules
from clipper.extract.markdown import extract_markdown
from clipper.extract.plaintext import extract_plain_text
from clipper.language_names import language_code
from clipper.model import (
    GIVEN_FIELDS,
    IDENTITY_FIELDS,
    LAYOUT_FIELDS,
    STDIN_NAME,
    Described,
    normalise_tags,
)
from clipper.records import CLIPPING_ID, is_iso_datetime, json_type_name
from clipper.textutil import normalise_newlines, strip_controls

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
# The keys a JSON record may give; any other key is kept in its ``extra``.
JSONL_FIELDS = ("text", *GIVEN_FIELDS)
# Written by `clipper export --format jsonl`, read back so that a round trip loses nothing.
EXPORT_FIELDS = (*LAYOUT_FIELDS, *IDENTITY_FIELDS)


@dataclass
class Metadata(Described):
    """Metadata given by the user; ``None`` leaves what extraction found."""

    title: str | None = None


def extract_document(data: bytes, name: str, *, markdown: bool | None = None) -> Extracted:
    """Decode and extract one text or Markdown document.

    ``markdown=None`` decides from the name; standard input may carry front matter.
    """
    decoded = decode(data, name)
    # Escape sequences and control characters never reach the stored text.
    text = strip_controls(decoded.text)
    if markdown is None:
        suffix = Path(name).suffix.lower()
        markdown = suffix in MARKDOWN_SUFFIXES or (name == STDIN_NAME and text.startswith("---"))
    if markdown:
        extracted, front = extract_markdown(text, name)
        extracted = apply_metadata(extracted, metadata_from_mapping(front, name), name)
        extracted.extra.update({k: _plain(v) for k, v in front.items() if k not in _META_KEYS})
    else:
        extracted = extract_plain_text(text)
    extracted.encoding = decoded.encoding
    if not extracted.text.strip():
        raise InputError(name, "no article text found (only captions, credits or metadata)")
    return extracted


_META_KEYS = frozenset(GIVEN_FIELDS)


def metadata_from_mapping(data: dict[str, Any], name: str) -> Metadata:
    """Metadata from front matter or a JSON object; wrong types are input errors."""
    values: dict[str, Any] = {}
    for key in _META_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if key in ("tags", "keywords"):
            if isinstance(value, str):
                value = value.split(",")
            if not isinstance(value, list):
                raise InputError(
                    name,
                    f"'{key}' must be a list or a comma-separated string, "
                    f"not {json_type_name(value)}",
                )
            values[key] = [str(t) for t in value]
        elif key == "author" and isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise InputError(name, "'author' must be a string or a list of strings")
            values["author"] = ", ".join(v.strip() for v in value if v.strip()) or None
        elif key == "date":
            values["date"] = _date_text(value, name)
        else:
            if not isinstance(value, str | int | float):
                raise InputError(name, f"'{key}' must be a string, not {json_type_name(value)}")
            values[key] = str(value)
    return Metadata(**values)


def _date_text(value: Any, name: str) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int):
        return str(value)
    raise InputError(name, f"'date' must be a date or a string, not {json_type_name(value)}")


def _plain(value: Any) -> Any:
    """A JSON-serialisable form of a YAML value (dates become ISO strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def apply_metadata(extracted: Extracted, metadata: Metadata, name: str = "") -> Extracted:
    """Metadata given explicitly wins over what extraction found; tags are merged."""
    changes: dict[str, Any] = {}
    for key in ("title", "source", "agency", "author", "url", "note"):
        value = getattr(metadata, key)
        if value is not None and str(value).strip():
            changes[key] = str(value).strip()
    if metadata.lang:
        try:
            changes["lang"] = language_code(metadata.lang)
        except ClipperError as exc:
            raise InputError(name or "lang", exc.message, exc.hint) from exc
    if metadata.date:
        try:
            changes["date"] = parse_document_date(metadata.date)
        except ClipperError as exc:
            raise InputError(name or "date", exc.message) from exc
    if metadata.tags:
        changes["tags"] = normalise_tags(list(extracted.tags) + list(metadata.tags))
    if metadata.keywords:
        changes["keywords"] = normalise_tags(list(extracted.keywords) + list(metadata.keywords))
    return replace(extracted, **changes)


def extract_json_record(line: str, name: str) -> Extracted:
    """One JSON Lines record: ``title, text, date, source, author, url, lang, tags``."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        # json's own message may end with "at" ("Invalid control character at").
        reason = exc.msg.removesuffix(" at")
        raise InputError(name, f"invalid JSON ({reason} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InputError(name, "each line must be a JSON object")
    text = _record_text(record.get("text"), name)
    title = record.get("title")
    text = strip_controls(normalise_newlines(text))
    extracted = extract_plain_text(text, has_title=bool(title))
    extracted.content = f"{title or ''}\n\n{text}"
    extracted.content_type = "application/json"
    # The record's own credit ("source": "Reuters", "provider": "Orange avec AFP")
    # names the agency as a closing credit line does; an "agency" given still wins,
    # and an explicit null (as `clipper export` writes) means none.
    for key in ("source", "provider") if "agency" not in record else ():
        value = record.get(key)
        if isinstance(value, str) and (agency := rules.agency_in_credit(value)):
            extracted.agency = agency
            break
    extracted = apply_metadata(extracted, metadata_from_mapping(record, name), name)
    _restore_export_fields(extracted, record, name)
    extracted.extra.update(
        {
            k: v
            for k, v in record.items()
            if k not in JSONL_FIELDS and k not in EXPORT_FIELDS and v is not None
        }
    )
    return extracted


def _record_text(value: Any, name: str) -> str:
    """A record's text: a string, or a list of strings taken as its paragraphs."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n\n".join(v.strip() for v in value if v.strip())
    if value is not None and not isinstance(value, str):
        kind = "a list of strings" if isinstance(value, list) else "a string"
        raise InputError(name, f"'text' must be {kind}, not {json_type_name(value)}")
    if value is None or not value.strip():
        raise InputError(name, "no 'text' field, or it is empty")
    return value


def _restore_export_fields(extracted: Extracted, record: dict[str, Any], name: str) -> None:
    """Fields of a clipper export, kept as they were rather than extracted again.

    ``id`` and ``added`` are clipper's own only in clipper's forms (16 hex
    digits, an ISO 8601 time); other exports' ``id: "orangesum-2"`` or
    ``added: "yesterday"`` stay ordinary extra metadata.
    """
    for key in LAYOUT_FIELDS:
        if key in record:
            value = record[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(name, f"'{key}' must be a list of strings")
            setattr(extracted, key, value)
    clipping_id = record.get("id")
    if isinstance(clipping_id, str) and CLIPPING_ID.match(clipping_id):
        extracted.id = clipping_id
    elif clipping_id is not None:
        extracted.extra["id"] = clipping_id
    added = record.get("added")
    if isinstance(added, str) and is_iso_datetime(added):
        extracted.added = added
    elif added is not None:
        extracted.extra["added"] = added
    if isinstance(record.get("origin"), str):
        extracted.origin = record["origin"]
    if record.get("extra") is not None:
        if not isinstance(record["extra"], dict):
            raise InputError(name, "'extra' must be an object")
        extracted.extra.update(record["extra"])
