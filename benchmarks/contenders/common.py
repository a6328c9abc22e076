"""What the contenders share: reading the benchmark's JSON Lines articles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def read_articles(path: Path) -> Iterator[tuple[str, str, str]]:
    """``(id, title, text)`` of each line of an uncompressed JSON Lines file."""
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            yield str(record["id"]), record.get("title") or "", record["text"]
