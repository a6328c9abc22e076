"""Turn the bytes of a text clipping into text, or say clearly why not.

Order: known binary formats by their magic numbers, byte-order marks, strict
UTF-8, then legacy 8-bit encodings (CP1252 for French and English text,
charset-normalizer for the rest). Bytes that are *mostly* valid UTF-8 but
contain broken sequences are refused rather than guessed: that is a damaged
file, and a guess would silently store mojibake. Whatever the decoding, text
that is mostly control or undecodable characters, or one character repeated,
is binary data read as text and refused.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Any

from clipper.errors import InputError
from clipper.textutil import normalise_newlines, strip_escape_sequences

_UNICODE = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-32"})
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
# What French and English text holds beyond ASCII. charset-normalizer guesses
# wildly on a short line ("Noël 2024" as Big5, "L’été" as a Cyrillic code
# page); bytes whose CP1252 reading is made of these are CP1252.
_FRENCH_ENGLISH = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»‹›‘’‚“”„–—…€£°§©®™•·\xa0")
_FRENCH_ENGLISH_SHARE = 0.95
# charset-normalizer's own limit: above it, a decoding is a mess, not text.
_MAX_MESS = 0.2
_MAX_CONTROL_RATIO = 0.01
_MAX_UNDECODABLE_RATIO = 0.01
# A long text of at most this many distinct characters, decoded by a guess,
# is repeated bytes ("ÄÄÄÄ" read as EBCDIC is "DDDD"), not writing.
_FEW_CHARACTERS = 3
_FEW_CHARACTERS_MIN_LENGTH = 32

# C1 controls in decoded text are CP1252 bytes that went through a Latin-1
# conversion: U+0092 was meant as ’. The five bytes CP1252 leaves undefined
# (81, 8D, 8F, 90, 9D) stay controls.
_C1_AS_CP1252 = {
    chr(code): bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_C1 = re.compile("[\x80-\x9f]")

# Magic numbers of binary formats someone may save as .txt, as (offset,
# signature, what it is). Only signatures that no French or English text
# starts with: two-byte ones such as BMP's "BM" ("BMW annonce…") are left to
# the control-character check. PDF, HTML and e-mail are routed to their own
# extractors by the pipeline before any of this.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"8BPS\x00\x01", "a Photoshop image"),
    (0, b"\x00\x00\x01\x00", "an icon"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document (.doc, .xls, .ppt)"),
    (0, b"{\\rtf1", "an RTF document"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"\xfd7zXZ\x00", "an xz archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (0, b"MSCF\x00\x00\x00\x00", "a Windows cabinet archive"),
    (257, b"ustar", "a tar archive"),
    (0, b"\x7fELF", "an ELF executable"),
    (0, b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (0, b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (0, b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (0, b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (0, b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (0, b"\x00asm", "a WebAssembly module"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"OggS\x00", "an Ogg audio or video file"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska or WebM video"),
    (0, b"MThd\x00\x00\x00\x06", "a MIDI file"),
    (0, b"FLV\x01", "a Flash video"),
    (0, b"\x00\x00\x01\xba", "an MPEG video"),
    (0, b"\x00\x00\x01\xb3", "an MPEG video"),
    (0, b"wOFF", "a WOFF font"),
    (0, b"wOF2", "a WOFF font"),
    (0, b"OTTO\x00", "an OpenType font"),
    (0, b"\x00\x01\x00\x00\x00", "a TrueType font"),
)
# MPEG audio frame sync (Layer III, and AAC's ADTS); FF FE/FF FF are not
# among them, so a UTF-16 byte-order mark never matches. These two bytes are
# also "ÿû", "ÿù"... in CP1252 (never UTF-8, where FF cannot occur): they
# count only where the bytes after them are not text either.
_AUDIO_SYNC = {
    b"\xff\xfb": "an MP3 audio file",
    b"\xff\xfa": "an MP3 audio file",
    b"\xff\xf3": "an MP3 audio file",
    b"\xff\xf2": "an MP3 audio file",
    b"\xff\xf1": "an AAC audio file",
    b"\xff\xf9": "an AAC audio file",
}
# Bytes no CP1252 text holds: NUL, controls other than tab, newlines, form
# feed and escape, and the five bytes CP1252 leaves undefined.
_NOT_CP1252_TEXT = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x81\x8d\x8f\x90\x9d]")
_RIFF = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}
_ISO_MEDIA = {
    b"heic": "a HEIF image",
    b"heix": "a HEIF image",
    b"mif1": "a HEIF image",
    b"avif": "an AVIF image",
    b"qt  ": "a QuickTime video",
    b"M4A ": "an M4A audio file",
}
# What a ZIP archive is, from a member name anywhere in it (the central
# directory at the end lists them all).
_ZIP_MEMBERS = (
    (b"word/document.xml", "a Word document (.docx)"),
    (b"xl/workbook.xml", "an Excel workbook (.xlsx)"),
    (b"ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    (b"mimetypeapplication/vnd.oasis.opendocument", "an OpenDocument file (.odt, .ods, .odp)"),
    (b"mimetypeapplication/epub+zip", "an EPUB e-book"),
)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode(data: bytes, name: str) -> DecodedText:
    """Decode ``data`` (named ``name`` in errors) into NFC text with LF newlines."""
    if not data.strip():
        raise InputError(name, "empty file: nothing to store")
    kind = binary_format(data)
    if kind is not None:
        raise InputError(name, f"looks like {kind}, not text")
    text, encoding = _decode_bytes(data, name)
    # (re.sub, not str.translate, which is a hundred times slower on non-ASCII text.)
    text = _C1.sub(lambda c1: _C1_AS_CP1252.get(c1.group(), c1.group()), text)
    text = unicodedata.normalize("NFC", normalise_newlines(text))
    if not text.strip():
        raise InputError(name, "empty file: nothing to store")
    _refuse_binary_read_as_text(text, name, guessed=encoding not in _UNICODE)
    return DecodedText(text, encoding)


def binary_format(data: bytes) -> str | None:
    """The binary format ``data`` is in ("a PNG image"), by magic number; ``None`` if none."""
    for offset, magic, kind in _MAGIC:
        if data.startswith(magic, offset):
            return kind
    if data[:2] in _AUDIO_SYNC and _NOT_CP1252_TEXT.search(data, 2, 512):
        return _AUDIO_SYNC[data[:2]]
    if data.startswith(b"RIFF") and data[8:12] in _RIFF:
        return _RIFF[data[8:12]]
    if data[4:8] == b"ftyp":
        return _ISO_MEDIA.get(data[8:12], "an MP4 video or audio file")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return next((kind for member, kind in _ZIP_MEMBERS if member in data), "a ZIP archive")
    if data.startswith(b"BZh") and data[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "a bzip2 archive"
    if data.startswith(b"ID3") and data[3:4] in (b"\x02", b"\x03", b"\x04"):
        return "an MP3 audio file"
    if data.startswith(b"fLaC") and data[4:5] in (b"\x00", b"\x80"):
        return "a FLAC audio file"
    if data.startswith(b"FORM") and data[8:12] in (b"AIFF", b"AIFC"):
        return "an AIFF audio file"
    if data.startswith(b"MZ") and len(data) >= 64:
        # A DOS header points at the "PE" signature of a Windows program.
        (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
        if data.startswith(b"PE\x00\x00", pe_offset):
            return "a Windows executable"
    return None


def _refuse_binary_read_as_text(text: str, name: str, *, guessed: bool) -> None:
    # Escape sequences are hostile or noisy text, not binary: count what remains.
    bare = strip_escape_sequences(text)
    # Judged per distinct character, counted in C: a text may be 50 MB.
    distinct = set(bare)
    controls = sum(bare.count(c) for c in distinct if _is_control(c))
    if controls > max(2, len(text) * _MAX_CONTROL_RATIO):
        raise InputError(name, "looks like binary data, not text (control characters)")
    undecodable = sum(bare.count(c) for c in distinct if _is_undecodable(c))
    if undecodable > max(2, len(text) * _MAX_UNDECODABLE_RATIO):
        raise InputError(name, "looks like binary data, not text (undecodable characters)")
    if not guessed:  # "mot mot mot…" in UTF-8 is what the bytes say, odd as it is
        return
    visible = {c for c in distinct if not c.isspace()}
    if len(visible) <= _FEW_CHARACTERS and (
        sum(bare.count(c) for c in visible) >= _FEW_CHARACTERS_MIN_LENGTH
    ):
        what = "one character" if len(visible) == 1 else "the same few characters"
        raise InputError(name, f"looks like binary data, not text ({what} repeated)")


def _is_control(c: str) -> bool:
    return (c < " " and c not in "\t\n\f") or "\x7f" <= c <= "\x9f"


def _is_undecodable(c: str) -> bool:
    # U+FFFD stands for bytes a converter could not read; unassigned code points
    # are what binary data read as UTF-16 gives. (Only the BMP's: an emoji newer
    # than this Python's Unicode tables is unassigned too, and is text.)
    return c == "\ufffd" or ("\x80" <= c <= "\uffff" and unicodedata.category(c) in ("Cn", "Cs"))


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
    try:
        western: str | None = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes undefined in CP1252 (0x81, 0x8d, ...)
        western = None
    if western is not None and _reads_as_french_or_english(western):
        return western, "cp1252"

    import charset_normalizer  # lazy: only legacy files need it
    from charset_normalizer.md import mess_ratio

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        # No encoding reads as text to the detector. A short input may still
        # be CP1252 text; random bytes read as CP1252 are a mess.
        # (Escape sequences are judged as such by the control check.)
        if western is not None and mess_ratio(strip_escape_sequences(western)) <= _MAX_MESS:
            return western, "cp1252"
        raise InputError(name, "looks like binary data, not text (no text encoding fits)")
    encoding = best.encoding
    # UTF-16/32 text without a byte-order mark is full of NUL bytes, refused
    # earlier; a guess of it for NUL-free bytes is a short-input artefact.
    if encoding in _WESTERN_8BIT or encoding.startswith(("utf_16", "utf_32")):
        if western is not None:
            return western, "cp1252"
        if encoding.startswith(("utf_16", "utf_32")):
            return data.decode("latin-1"), "latin-1"
    return str(best), encoding


def _reads_as_french_or_english(text: str) -> bool:
    counts = {c: text.count(c) for c in set(text) if c >= "\x80"}
    usual = sum(n for c, n in counts.items() if c in _FRENCH_ENGLISH)
    return usual >= sum(counts.values()) * _FRENCH_ENGLISH_SHARE


# Bytes that were not text reach Python as surrogate escapes (U+DC80-U+DCFF):
# undecodable file names and arguments, raw 8-bit e-mail headers. JSON's
# "\\udce9" escapes give lone surrogates too. UTF-8 cannot encode any of them.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_surrogates(text: str) -> str:
    """``text`` with escaped bytes decoded (UTF-8, else CP1252), other surrogates as U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", _ESCAPED_BYTES.sub(_decode_escaped, text))


def _decode_escaped(match: re.Match[str]) -> str:
    raw = match.group().encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def without_surrogates(value: Any) -> Any:
    """``value`` (text, lists, dicts, dataclasses of them) through :func:`repair_surrogates`."""
    if isinstance(value, str):
        return repair_surrogates(value)
    if isinstance(value, list | tuple):
        return type(value)(without_surrogates(v) for v in value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: without_surrogates(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value
