"""Markdown clippings, with optional YAML front matter supplying metadata."""

from __future__ import annotations

import re
from typing import Any

from clipper.errors import InputError
from clipper.extract import Extracted
from clipper.extract.plaintext import extract_plain_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(?P<text>\S(?:.*?\S)?)\1")
# *emphasis* and _emphasis_, but not "* bullet", "2 * 3", "2*3*4" nor snake_case.
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(?P<text>[^\n]*?[^\s*_])\1(?![\w*])")


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    """``(metadata, body)``; metadata is empty when there is no front matter."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml  # lazy: only front matter needs it

    try:
        data = yaml.safe_load(match["yaml"] or "") or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise InputError(name, f"invalid YAML front matter{where}") from exc
    if not isinstance(data, dict):
        raise InputError(name, "front matter must be a mapping of keys to values")
    return {str(k): v for k, v in data.items()}, text[match.end() :]


def markdown_to_text(body: str) -> str:
    """Strip the Markdown syntax that would pollute titles and snippets."""
    body = _HEADING.sub(lambda m: m["text"], body)
    body = _IMAGE.sub("", body)
    body = _LINK.sub(lambda m: m["text"], body)
    body = _EMPHASIS.sub(lambda m: m["text"], body)
    return _ITALIC.sub(lambda m: m["text"], body)


def extract_markdown(text: str, name: str) -> tuple[Extracted, dict[str, Any]]:
    """Extract a Markdown clipping; also return its front matter."""
    front, body = split_front_matter(text, name)
    extracted = extract_plain_text(markdown_to_text(body))
    extracted.content = body
    extracted.content_type = "text/markdown"
    return extracted, front
