"""Turn the bytes of a text clipping into text, or say clearly why not.

Order: byte-order marks, then strict UTF-8, then charset-normalizer for legacy
8-bit encodings. Bytes that are *mostly* valid UTF-8 but contain broken
sequences are refused rather than guessed: that is a damaged file, and a guess
would silently store mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from clipper.errors import InputError
from clipper.textutil import normalise_newlines, strip_escape_sequences

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# A valid multi-byte UTF-8 sequence (2 to 4 bytes).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Western European encodings charset-normalizer may pick for short French text
# whose bytes read the same or better as CP1252, the encoding Windows and most
# French legacy files actually use.
_WESTERN_8BIT = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp850"}
_MAX_CONTROL_RATIO = 0.01


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode(data: bytes, name: str) -> DecodedText:
    """Decode ``data`` (named ``name`` in errors) into NFC text with LF newlines."""
    if not data.strip():
        raise InputError(name, "empty file: nothing to store")
    text, encoding = _decode_bytes(data, name)
    text = unicodedata.normalize("NFC", normalise_newlines(text))
    if not text.strip():
        raise InputError(name, "empty file: nothing to store")
    # Escape sequences are hostile or noisy text, not binary: count what remains.
    bare = strip_escape_sequences(text)
    controls = sum(1 for c in bare if (c < " " and c not in "\t\n\f") or "\x7f" <= c <= "\x9f")
    if controls > max(2, len(text) * _MAX_CONTROL_RATIO):
        raise InputError(name, "looks like binary data, not text (control characters)")
    return DecodedText(text, encoding)


def _decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    # FF FE 00 00 opens UTF-32 LE, or UTF-16 LE text whose first character is
    # NUL: the first encoding whose mark matches and that decodes wins.
    failed: UnicodeDecodeError | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                failed = failed or exc
                continue
            return text.lstrip("\ufeff"), encoding
    if failed is not None:
        raise InputError(name, f"invalid {failed.encoding} after its byte-order mark") from failed
    if b"\x00" in data:
        raise InputError(name, "looks like binary data, not text (NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):
            raise InputError(
                name,
                f"invalid UTF-8 at byte {exc.start} (the file mixes UTF-8 with other bytes)",
            ) from exc
    return _decode_legacy(data, name)


def _mostly_utf8(data: bytes) -> bool:
    """Broken UTF-8 rather than a legacy encoding: several valid multi-byte
    sequences making up most of the non-ASCII bytes. (A CP1252 text can hold
    one by chance: "Â" before a non-breaking space is C2 A0.)"""
    sequences = _UTF8_MULTIBYTE.findall(data)
    non_ascii = sum(1 for byte in data if byte >= 0x80)
    covered = sum(len(s) for s in sequences)
    return len(sequences) >= 2 and covered * 2 >= non_ascii


def _decode_legacy(data: bytes, name: str) -> tuple[str, str]:
    import charset_normalizer  # lazy: only legacy files need it

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        # Too short or too odd for the detector: CP1252 defines all but five
        # bytes, and the control-character check in decode() catches binary.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise InputError(
                name, "unknown text encoding (not UTF-8, not a legacy 8-bit text)"
            ) from None
    encoding = best.encoding
    # UTF-16/32 text without a byte-order mark is full of NUL bytes, refused
    # earlier; a guess of it for NUL-free bytes is a short-input artefact.
    if encoding in _WESTERN_8BIT or encoding.startswith(("utf_16", "utf_32")):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:  # bytes undefined in CP1252 (0x81, 0x8d, ...)
            if encoding.startswith(("utf_16", "utf_32")):
                return data.decode("latin-1"), "latin-1"
    return str(best), encoding
