"""Extraction: from a document's bytes to a title, clean body text and metadata.

One module per input format; each returns an :class:`Extracted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clipper.model import Described


@dataclass
class Extracted(Described):
    """What extraction found in a document. ``None`` means "not found"."""

    title: str
    text: str
    content: str  # what the content id is computed from
    encoding: str = "utf-8"
    content_type: str = "text/plain"
    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    sidebar: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Only from a clipper export being imported back: keep its identity.
    id: str | None = None
    added: str | None = None
    origin: str | None = None
