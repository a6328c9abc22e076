"""Dates as people type them, parsed by clipper itself.

Whoosh's DateParserPlugin widens ranges silently and fails on French, so
queries (``date:2024-03``, ``date:[2024-01 TO 2024-06]``, ``date:>2024``) and
``--since/--until`` all go through :func:`parse_period`. A date that cannot be
read raises :class:`DateFormatError`; it never widens to "everything".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from clipper.errors import DateFormatError

_ISO_PARTIAL = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")
_RELATIVE = re.compile(r"^(?P<count>\d{1,4})\s*(?P<unit>[dwmy])$", re.IGNORECASE)

DATE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD, or a span back from today such as 7d, 2w, 3m, 1y"


@dataclass(frozen=True)
class Period:
    """A half-open interval of time ``[start, end)`` in naive UTC."""

    start: datetime
    end: datetime


def parse_period(text: str, *, today: date | None = None) -> Period:
    """``"2024-03"`` -> March 2024; ``"7d"`` -> the last 7 days up to the end of today."""
    value = text.strip()
    if match := _ISO_PARTIAL.match(value):
        year = int(match["year"])
        month = int(match["month"]) if match["month"] else None
        day = int(match["day"]) if match["day"] else None
        try:
            if month is None:
                return Period(datetime(year, 1, 1), datetime(year + 1, 1, 1))
            if day is None:
                start = datetime(year, month, 1)
                last = calendar.monthrange(year, month)[1]
                return Period(start, start + timedelta(days=last))
            start = datetime(year, month, day)
            return Period(start, start + timedelta(days=1))
        except ValueError as exc:
            raise DateFormatError(f"invalid date {text!r}: {exc}") from exc
    if match := _RELATIVE.match(value):
        today = today or datetime.now(UTC).date()
        count = int(match["count"])
        unit = match["unit"].lower()
        end = datetime.combine(today, datetime.min.time()) + timedelta(days=1)
        if unit == "d":
            start = end - timedelta(days=count)
        elif unit == "w":
            start = end - timedelta(weeks=count)
        else:
            start = _months_back(today, count * (12 if unit == "y" else 1))
        return Period(start, end)
    raise DateFormatError(f"cannot read date {text!r}", hint=f"use {DATE_FORMS}")


def _months_back(today: date, months: int) -> datetime:
    index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(index, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return datetime(year, month + 1, day) + timedelta(days=1)


def parse_range(start: str | None, end: str | None) -> Period:
    """A range whose bounds are periods: from the start of ``start`` to the end of ``end``."""
    low = parse_period(start).start if start else datetime.min
    high = parse_period(end).end if end else datetime.max
    if low >= high:
        raise DateFormatError(f"empty date range: {start or '…'} to {end or '…'}")
    return Period(low, high)


def parse_document_date(text: str) -> str:
    """Normalise a clipping's date as given by a user or a file to ISO 8601.

    Accepts ISO dates and datetimes, and free forms in French or English
    ("15 mars 2024", "March 15, 2024") through dateparser.
    """
    value = text.strip()
    if _ISO_PARTIAL.match(value):
        period = parse_period(value)
        return _iso_day_or_partial(value, period)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_free_date(value)
    # The day is the one the publisher wrote: the offset is kept as written,
    # never converted to UTC (00:30 at +01:00 is still January 1st).
    if parsed.time() == datetime.min.time():
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def _iso_day_or_partial(value: str, period: Period) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return f"{period.start.year:04d}"
    if len(parts) == 2:
        return f"{period.start.year:04d}-{period.start.month:02d}"
    return period.start.date().isoformat()


def _parse_free_date(value: str) -> datetime:
    import dateparser  # lazy: slow to import, only needed for free-form dates

    parsed = dateparser.parse(
        value,
        languages=["fr", "en"],
        settings={"RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"},
    )
    if parsed is None:
        raise DateFormatError(f"cannot read date {value!r}", hint="use YYYY-MM-DD")
    return parsed


def document_datetime(value: str | None) -> datetime | None:
    """The moment a stored date string stands for (start of its period), for indexing.

    A datetime with an offset keeps its own wall-clock time, so that the day
    searched for (``date:2024-01-01``) is the day written in the clipping.
    """
    if not value:
        return None
    if _ISO_PARTIAL.match(value):
        return parse_period(value).start
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)
