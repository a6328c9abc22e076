from __future__ import annotations

from datetime import date, datetime

import pytest

from clipper.dates import parse_document_date, parse_period, parse_range
from clipper.errors import DateFormatError

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", datetime(2024, 1, 1), datetime(2025, 1, 1)),
        ("2024-02", datetime(2024, 2, 1), datetime(2024, 3, 1)),
        ("2024-12", datetime(2024, 12, 1), datetime(2025, 1, 1)),
        ("2024-03-15", datetime(2024, 3, 15), datetime(2024, 3, 16)),
        ("7d", datetime(2026, 11, 20), datetime(2026, 11, 27)),
        ("2w", datetime(2026, 11, 13), datetime(2026, 11, 27)),
        ("3m", datetime(2026, 8, 27), datetime(2026, 11, 27)),
        ("1y", datetime(2025, 11, 27), datetime(2026, 11, 27)),
        # Dates in words name their day, week, month or year.
        ("15 mars 2024", datetime(2024, 3, 15), datetime(2024, 3, 16)),
        ("1er janvier 2024", datetime(2024, 1, 1), datetime(2024, 1, 2)),
        ("March 15, 2024", datetime(2024, 3, 15), datetime(2024, 3, 16)),
        ("juin 2020", datetime(2020, 6, 1), datetime(2020, 7, 1)),
        ("June 2020", datetime(2020, 6, 1), datetime(2020, 7, 1)),
        ("février 2024", datetime(2024, 2, 1), datetime(2024, 3, 1)),
        ("2024/03", datetime(2024, 3, 1), datetime(2024, 4, 1)),
        ("hier", datetime(2026, 11, 25), datetime(2026, 11, 26)),
        ("yesterday", datetime(2026, 11, 25), datetime(2026, 11, 26)),
        ("aujourd'hui", datetime(2026, 11, 26), datetime(2026, 11, 27)),
        ("il y a 3 jours", datetime(2026, 11, 23), datetime(2026, 11, 24)),
        ("le mois dernier", datetime(2026, 10, 1), datetime(2026, 11, 1)),
        ("last month", datetime(2026, 10, 1), datetime(2026, 11, 1)),
        ("last year", datetime(2025, 1, 1), datetime(2026, 1, 1)),
        # Numbers are read day first, as written in France and Britain...
        ("12/03/2024", datetime(2024, 3, 12), datetime(2024, 3, 13)),
        ("12.03.2024", datetime(2024, 3, 12), datetime(2024, 3, 13)),
        ("12-03-2024", datetime(2024, 3, 12), datetime(2024, 3, 13)),
        # ...unless that cannot be a date.
        ("03/13/2024", datetime(2024, 3, 13), datetime(2024, 3, 14)),
    ],
)
def test_periods(text, start, end):
    period = parse_period(text, today=TODAY)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2024-13", "2024-02-30", "yesterday-ish", "24", "", "12345"])
def test_unreadable_dates_raise(text):
    with pytest.raises(DateFormatError):
        parse_period(text)


def test_range_runs_from_start_of_first_to_end_of_last():
    period = parse_range("2024-03-01", "2024-03-15")
    assert (period.start, period.end) == (datetime(2024, 3, 1), datetime(2024, 3, 16))


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-05", "2024-03"), ("juin 2020", "mai 2020"), ("2024-03-02", "2024-03-01")],
)
def test_reversed_range_is_an_error(start, end):
    with pytest.raises(DateFormatError, match=f"^empty date range: {start} to {end}$"):
        parse_range(start, end)


def test_range_in_words():
    period = parse_range("juin 2020", "15 mars 2024")
    assert (period.start, period.end) == (datetime(2020, 6, 1), datetime(2024, 3, 16))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-15", "2024-03-15"),
        ("2024-3", "2024-03"),
        ("2024", "2024"),
        ("2024-03-15T10:30:00+01:00", "2024-03-15T10:30:00+01:00"),
        ("2024-01-01T00:30:00+01:00", "2024-01-01T00:30:00+01:00"),
        ("2023-12-31T23:30:00Z", "2023-12-31T23:30:00+00:00"),
        ("2024-03-15T00:00:00-05:00", "2024-03-15"),
        ("15 mars 2024", "2024-03-15"),
        ("March 15, 2024", "2024-03-15"),
        ("juin 2020", "2020-06"),
        ("le 3 mars 2024 à 14h30", "2024-03-03T14:30:00"),
        ("12/03/2024", "2024-03-12"),
        ("05.06.2024", "2024-06-05"),
        ("03/13/2024", "2024-03-13"),
    ],
)
def test_document_dates_are_normalised_to_iso(text, iso):
    assert parse_document_date(text) == iso


def test_document_date_nonsense_raises():
    with pytest.raises(DateFormatError):
        parse_document_date("le jour d'après")


@pytest.mark.parametrize(
    ("since", "until", "period", "narrowed"),
    [
        (None, None, "2024", ("2024", "2024")),
        ("2024-03-05", None, "2024", ("2024-03-05", "2024")),
        (None, "2024-03", "2024", ("2024", "2024-03-31")),
        ("2023-06", "2024-02-10", "2024", ("2024", "2024-02-10")),
        ("2023-06", "2024-02-10", "2023", ("2023-06-01", "2023")),
        ("2025", None, "2024", ("2024", "2024")),  # no overlap: the period alone
    ],
)
def test_a_period_link_stays_within_the_dates_of_its_search(since, until, period, narrowed):
    from clipper.dates import within

    assert within(since, until, period, period) == narrowed
