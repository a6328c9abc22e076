"""Text normalisation shared by extraction, ids, analysis and display."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode decomposition does not split into base + accent.
_FOLD_SPECIAL = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "’": "'",
        "ʼ": "'",
        "‘": "'",
    }
)


def fold(text: str) -> str:
    """Remove accents and expand ligatures: ``Œuvre générée`` -> ``OEuvre generee``."""
    if len(text) <= _CACHED_LENGTH:
        return _fold_word(text)
    return _fold(text)


# Words are folded through a cache (analysis folds every token; vocabularies
# are small); whole texts are not, or the cache would keep every article.
_CACHED_LENGTH = 64


@lru_cache(maxsize=200_000)
def _fold_word(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    text = text.translate(_FOLD_SPECIAL)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WHITESPACE = re.compile(r"\s+")


def normalise_for_id(text: str) -> str:
    """The form of a text its content id is computed from.

    NFC, whitespace runs collapsed and ends stripped, so that the same article
    saved with CRLF, a BOM, another encoding or re-wrapped lines gets one id.
    """
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    return _WHITESPACE.sub(" ", text).strip()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# CSI/OSC and other escape sequences, then any remaining C0/C1 control except
# tab and newline. Clipped web text is untrusted: it must never drive a terminal.
_ANSI_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_escape_sequences(text: str) -> str:
    return _ANSI_ESCAPE.sub("", text)


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and control characters (keeps \\t, \\n)."""
    return _CONTROL.sub("", _ANSI_ESCAPE.sub("", text))


def one_line(text: str) -> str:
    """Collapse a text to a single safe line for display."""
    return _WHITESPACE.sub(" ", strip_controls(text)).strip()


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` characters at a word boundary, with an ellipsis."""
    text = one_line(text)
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"


def human_size(count: int) -> str:
    """``512 B``, ``1.5 KB``, ``62.3 MB``: a byte count as people read it."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable: GB ends the loop")
