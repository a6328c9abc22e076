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
from typing import Any, Literal, cast

from clipper.errors import DateFormatError

_ISO_PARTIAL = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")
_RELATIVE = re.compile(r"^(?P<count>\d{1,4})\s*(?P<unit>[dwmy])$", re.IGNORECASE)
_WRITTEN_TIME = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
# A bare number that is not a year ("24", "123") is ambiguous: refused, not guessed.
_BARE_NUMBER = re.compile(r"^\d{1,3}$|^\d{5,}$")

DATE_FORMS = (
    "YYYY, YYYY-MM, YYYY-MM-DD, DD/MM/YYYY, a date in words ('15 mars 2024', 'juin 2020', "
    "'March 2024', 'hier', 'last month'), or a span back from today such as 7d, 2w, 3m, 1y"
)

# What a date in words names: dateparser's "period" ("time" when it gives an hour).
Granularity = Literal["time", "day", "week", "month", "year"]


@dataclass(frozen=True)
class Period:
    """A half-open interval of time ``[start, end)``, naive, in the clippings' own clock."""

    start: datetime
    end: datetime


def parse_period(text: str, *, today: date | None = None) -> Period:
    """``"2024-03"`` -> March 2024; ``"7d"`` -> the last 7 days up to the end of today.

    Dates in words, French or English, stand for the day, week, month or year
    they name: ``"15 mars 2024"`` is that day, ``"juin 2020"`` that month,
    ``"hier"`` yesterday, ``"last month"`` the whole previous month.
    """
    value = text.strip()
    if match := _ISO_PARTIAL.match(value):
        year = int(match["year"])
        month = int(match["month"]) if match["month"] else None
        day = int(match["day"]) if match["day"] else None
        try:
            if month is None:
                return Period(datetime(year, 1, 1), datetime(year + 1, 1, 1))
            if day is None:
                return _period_of(datetime(year, month, 1), "month")
            return _period_of(datetime(year, month, day), "day")
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
    moment, granularity = _read_words(value, today)
    return _period_of(moment, granularity)


def _period_of(moment: datetime, granularity: Granularity) -> Period:
    day = datetime(moment.year, moment.month, moment.day)
    if granularity in ("time", "day"):
        return Period(day, day + timedelta(days=1))
    if granularity == "week":
        return Period(day, day + timedelta(weeks=1))
    if granularity == "month":
        first = day.replace(day=1)
        return Period(first, first + timedelta(days=calendar.monthrange(day.year, day.month)[1]))
    return Period(datetime(day.year, 1, 1), datetime(day.year + 1, 1, 1))


def _read_words(value: str, today: date | None) -> tuple[datetime, Granularity]:
    """A date written in words, through dateparser: the moment and what it names."""
    if not value or _BARE_NUMBER.match(value):
        raise DateFormatError(f"cannot read date {value!r}", hint=f"use {DATE_FORMS}")
    from dateparser.date import DateDataParser  # lazy: slow to import, rarely needed

    settings: dict[str, Any] = {
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
        # 12/03/2024 is the 12th of March, as in France and Britain; a date
        # that cannot be read so (03/13/2024) is still read month first.
        "DATE_ORDER": "DMY",
    }
    if today is not None:
        settings["RELATIVE_BASE"] = datetime.combine(today, datetime.min.time())
    data = DateDataParser(languages=["fr", "en"], settings=settings).get_date_data(value)
    if data.date_obj is None:
        raise DateFormatError(f"cannot read date {value!r}", hint=f"use {DATE_FORMS}")
    period = data.period if data.period in ("time", "week", "month", "year") else "day"
    return data.date_obj, cast(Granularity, period)


def _months_back(today: date, months: int) -> datetime:
    index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(index, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return datetime(year, month + 1, day) + timedelta(days=1)


def parse_range(start: str | None, end: str | None, *, today: date | None = None) -> Period:
    """A range whose bounds are periods: from the start of ``start`` to the end of ``end``.

    Every front end (``--since/--until``, ``date:[A TO B]``, the web filters)
    comes here, so an empty or reversed range is the same error everywhere.
    """
    low = parse_period(start, today=today).start if start else datetime.min
    high = parse_period(end, today=today).end if end else datetime.max
    if low >= high:
        raise DateFormatError(f"empty date range: {start or '…'} to {end or '…'}")
    return Period(low, high)


def within(
    since: str | None, until: str | None, period_since: str, period_until: str
) -> tuple[str, str]:
    """``since``/``until`` for a period (a year, a timeline bar) inside the
    range a search already has: a link to the period narrows, never widens.

    ``within("2024-03-05", None, "2024", "2024")`` -> ``("2024-03-05", "2024")``.
    """
    current = parse_range(since, until)
    period = parse_range(period_since, period_until)
    start, end = max(current.start, period.start), min(current.end, period.end)
    if start >= end:  # no overlap: the period alone
        return period_since, period_until
    low = period_since if start == period.start else start.date().isoformat()
    high = period_until if end == period.end else (end - timedelta(days=1)).date().isoformat()
    return low, high


def parse_document_date(text: str) -> str:
    """Normalise a clipping's date as given by a user or a file to ISO 8601.

    Accepts ISO dates and datetimes, and dates in words in French or English:
    "15 mars 2024" gives ``2024-03-15``, "juin 2020" gives ``2020-06``.
    """
    value = text.strip()
    if _ISO_PARTIAL.match(value):
        named: Granularity = ("year", "month", "day")[value.count("-")]
        return _iso_of(parse_period(value).start, named)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment, granularity = _read_words(value, None)
        # "hier" comes back at the current hour: only a written time is kept.
        if granularity in ("year", "month") or (
            granularity != "time" and not _WRITTEN_TIME.search(value)
        ):
            return _iso_of(moment, granularity)
        parsed = moment
    # The day is the one the publisher wrote: the offset is kept as written,
    # never converted to UTC (00:30 at +01:00 is still January 1st).
    if parsed.time() == datetime.min.time():
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def _iso_of(moment: datetime, granularity: Granularity) -> str:
    """``2024``, ``2024-03`` or ``2024-03-15``: as much of a date as was written."""
    if granularity == "year":
        return f"{moment.year:04d}"
    if granularity == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    return moment.date().isoformat()


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
