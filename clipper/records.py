"""Clipper's own JSON Lines records: written by ``export --format jsonl``, restored by ``import``.

A record is a stored clipping's metadata (``Clipping.to_dict``, with its
``"format"`` marker), plus ``original_base64`` when the original bytes are
exported too. Importing such a record restores the clipping as it was stored:
nothing is extracted, detected or matched again, so an empty text, a missing
language or a near-duplicate link written by the export all come back as they
were, in any import order.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import types
import typing
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import Any

from clipper.errors import ClipperError, InputError
from clipper.extract import Extracted
from clipper.model import METADATA_FORMAT, Clipping

ORIGINAL_KEY = "original_base64"
FORMAT_KEY = "format"
# Without its original bytes, a restored clipping keeps its JSON line as original.
LINE_EXTENSION = ".jsonl"
CLIPPING_ID = re.compile(r"^[0-9a-f]{16}$")
# Stored originals are named ID.orig.EXT; only EXT is taken from a record.
_ORIGINAL_NAME = re.compile(r"^[0-9a-f]{16}\.orig(\.[A-Za-z0-9]{1,10})$")
_HINTS = typing.get_type_hints(Clipping)
_FIELDS = {f.name: f for f in fields(Clipping)}
# "original" is rebuilt from the id, so a record need not name it.
_REQUIRED = [
    name
    for name, f in _FIELDS.items()
    if f.default is MISSING and f.default_factory is MISSING and name != "original"
]


@dataclass
class Restored:
    """A clipping as exported, and the bytes to store as its original.

    Those are the exported original when the record carries it, else the
    record's own line (as for any imported JSON line).
    """

    clipping: Clipping
    original: bytes

    @property
    def extension(self) -> str:
        return self.clipping.original.removeprefix(f"{self.clipping.id}.orig")

    def extracted(self) -> Extracted:
        """The clipping seen as extraction output (for id checks and tag merges)."""
        shared = {f.name for f in fields(Extracted)} & _FIELDS.keys()
        values = {name: getattr(self.clipping, name) for name in shared}
        return Extracted(**values, content=f"{self.clipping.title}\n\n{self.clipping.text}")


def export_record(clipping: Clipping, original: bytes | None = None) -> dict[str, Any]:
    """Every stored field, the format marker, and the original bytes when given.

    The original's file name goes only with its bytes: without them, the
    importing corpus keeps the record's line as original, under its own name.
    """
    record = clipping.to_dict()
    if original is None:
        del record["original"]
    else:
        record[ORIGINAL_KEY] = base64.b64encode(original).decode("ascii")
    return record


def is_clipper_record(record: dict[str, Any]) -> bool:
    """Written by clipper's export: the format marker, and an id and time in clipper's forms.

    Other JSON Lines data may well have an ``id`` or ``added``; it is
    extracted like any record.
    """
    marker = record.get(FORMAT_KEY)
    clipping_id = record.get("id")
    added = record.get("added")
    return (
        type(marker) is int
        and marker == METADATA_FORMAT
        and isinstance(clipping_id, str)
        and bool(CLIPPING_ID.match(clipping_id))
        and isinstance(added, str)
        and is_iso_datetime(added)
    )


def restore_line(data: bytes, name: str) -> Restored | None:
    """The clipping a line of clipper's export stands for; ``None`` for any other line."""
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None  # reported by the ordinary extraction
    if not isinstance(record, dict) or not is_clipper_record(record):
        return None
    return restore(record, data, name)


def restore(record: dict[str, Any], line: bytes, name: str) -> Restored:
    """Check every field's type as the clipping declares it; wrong ones are input errors."""
    missing = [key for key in _REQUIRED if key not in record]
    if missing:
        raise InputError(name, f"clipper record without {', '.join(map(repr, missing))}")
    values: dict[str, Any] = {}
    later: dict[str, Any] = {}  # fields of a later format: kept as extra, not dropped
    for key, value in record.items():
        if key in (FORMAT_KEY, ORIGINAL_KEY, "original"):
            continue
        if key not in _FIELDS:
            later[key] = value
            continue
        hint = _HINTS[key]
        if not _matches(value, hint):
            raise InputError(
                name, f"'{key}' must be {_describe(hint)}, not {json_type_name(value)}"
            )
        values[key] = float(value) if key == "similarity" and value is not None else value
    group = values.get("duplicate_of")
    if group is not None and not CLIPPING_ID.match(group):
        raise InputError(name, "'duplicate_of' must be a clipping id (16 hex digits)")
    if later:
        values["extra"] = {**values.get("extra", {}), **later}
    _check_date(values.get("date"), name)
    original = _original(record, name)
    extension = _extension(record, name) if original is not None else LINE_EXTENSION
    clipping = Clipping(**values, original=f"{values['id']}.orig{extension}")
    return Restored(clipping, original if original is not None else line)


def json_type_name(value: Any) -> str:
    """What a JSON value is, for error messages: "a list", "an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is Any:
        return True
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)  # JSON object keys are always strings
    if isinstance(value, bool):
        return hint is bool
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return "null"
    if origin is list:
        (item,) = typing.get_args(hint)
        return f"a list of {_describe(item).removeprefix('a ')}s"
    if origin is dict:
        return "an object"
    return {str: "a string", float: "a number", int: "a number"}.get(hint, str(hint))


def _check_date(value: str | None, name: str) -> None:
    """A date the index cannot read would fail the whole batch's commit, not one line."""
    from clipper.dates import document_datetime

    try:
        document_datetime(value)
    except (ClipperError, ValueError, OverflowError) as exc:
        raise InputError(name, f"'date' {value!r} is not a date") from exc


def _original(record: dict[str, Any], name: str) -> bytes | None:
    encoded = record.get(ORIGINAL_KEY)
    if encoded is None:
        return None
    if not isinstance(encoded, str):
        raise InputError(name, f"'{ORIGINAL_KEY}' must be a string, not {json_type_name(encoded)}")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(name, f"'{ORIGINAL_KEY}' is not valid base64 ({exc})") from exc


def _extension(record: dict[str, Any], name: str) -> str:
    stored = record.get("original")
    match = _ORIGINAL_NAME.match(stored) if isinstance(stored, str) else None
    if match is None:
        # Never a path from the record: only a short extension is kept.
        raise InputError(name, "'original' must be a stored file name such as ID.orig.html")
    return match[1]


def is_iso_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
