"""Small text helpers shared by the core and the front ends."""

from __future__ import annotations

import pytest

from clipper.textutil import human_size


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0 B"), (10, "10 B"), (1023, "1023 B"), (1536, "1.5 KB"), (62_300_000, "59.4 MB"),
     (3 * 1024**4, "3072.0 GB")],
)
def test_sizes_are_shown_in_the_unit_people_read(count, shown):
    assert human_size(count) == shown
