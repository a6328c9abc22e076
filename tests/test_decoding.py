"""Encodings: UTF-8, BOMs, CRLF and legacy 8-bit files; refusals name the file."""

from __future__ import annotations

import bz2
import codecs
import contextlib
import gzip
import io
import lzma
import random
import re
import sqlite3
import string
import tarfile
import wave
import zipfile

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clipper.decoding import DecodedText, decode
from clipper.errors import InputError

FRENCH = "Les modèles « génératifs » d’une œuvre déjà prisée — été 2024.\nSuite.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8-sig"),
        (FRENCH.encode("utf-16"), "utf-16"),
        (FRENCH.encode("cp1252"), "cp1252"),
        (FRENCH.replace("’", "'").replace("—", "-").replace("œ", "oe").encode("latin-1"), "cp1252"),
    ],
)
def test_encodings_decode_to_the_same_text(data, encoding):
    decoded = decode(data, "f.txt")
    assert decoded.encoding == encoding
    expected = (
        FRENCH
        if b"oe" not in data
        else (FRENCH.replace("’", "'").replace("—", "-").replace("œ", "oe"))
    )
    assert decoded.text == expected


def test_crlf_and_cr_become_lf():
    decoded = decode(b"Ligne un\r\nLigne deux\rLigne trois\n", "f.txt")
    assert decoded.text == "Ligne un\nLigne deux\nLigne trois\n"


def test_short_latin1_text_is_read_as_western_not_central_european():
    # charset-normalizer alone calls this cp1250; è would then become č.
    decoded = decode("Les départs très matinaux sont annulés".encode("latin-1"), "f.txt")
    assert decoded.text == "Les départs très matinaux sont annulés"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\r\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "looks like a PNG image, not text"),
        ("Déjà vu ".encode() + b"\xff\xfe broken", "invalid UTF-8 at byte 10"),
        (b"text\x01\x02\x03\x04\x05\x06\x07\x08" * 3, "binary data"),
    ],
)
def test_bad_bytes_are_refused_with_the_file_name(data, reason):
    with pytest.raises(InputError) as excinfo:
        decode(data, "clip.txt")
    assert str(excinfo.value).startswith("clip.txt: ")
    assert reason in str(excinfo.value)


def test_cp1252_text_holding_one_valid_utf8_pair_is_still_cp1252():
    # "Â" then a non-breaking space is C2 A0 in CP1252, also valid UTF-8 for U+00A0.
    decoded = decode("AÀÂ\xa0 suite".encode("cp1252"), "f.txt")
    assert (decoded.text, decoded.encoding) == ("AÀÂ\xa0 suite", "cp1252")


def test_utf16_text_opening_with_nul_is_not_taken_for_utf32():
    # FF FE 00 00 is also the UTF-32 LE mark (hypothesis found this one).
    data = "\x00Dépêche".encode("utf-16-le")
    assert decode(codecs.BOM_UTF16_LE + data, "clip.txt").text == "\x00Dépêche"
    assert decode("Dépêche".encode("utf-32"), "clip.txt").text == "Dépêche"


# --- text or binary ------------------------------------------------------------

# Every byte CP1252 prints (and tab, newline): random bytes drawn from them
# decode without error, so only a judgement of the text can refuse them.
_PRINTABLE_CP1252 = [
    9,
    10,
    13,
    *(b for b in range(0x20, 0x100) if b not in b"\x81\x8d\x8f\x90\x9d"),
]
_ALPHABETS = {
    "any byte": list(range(256)),
    "no NUL": list(range(1, 256)),
    "printable CP1252": _PRINTABLE_CP1252,
    "high half": list(range(0x80, 0x100)),
}


def _random_bytes(seed: int, size: int, alphabet: str) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choices(_ALPHABETS[alphabet], k=size))


def test_random_bytes_named_photo_txt_are_refused():
    # Before: stored as a clipping of CP1252 gibberish.
    data = _random_bytes(2024, 4096, "printable CP1252")
    with pytest.raises(InputError) as excinfo:
        decode(data, "photo.txt")
    assert str(excinfo.value) == (
        "photo.txt: looks like binary data, not text (no text encoding fits)"
    )


def test_one_byte_repeated_is_refused_not_read_as_a_far_encoding():
    # Before: charset-normalizer read it as Korean, "컴컴컴…" (as EBCDIC it is "DDDD…").
    with pytest.raises(InputError) as excinfo:
        decode(b"\xc4" * 4096, "photo.txt")
    assert str(excinfo.value) == (
        "photo.txt: looks like binary data, not text (one character repeated)"
    )
    with pytest.raises(InputError, match=r"\(the same few characters repeated\)$"):
        decode(("ÉÀ" * 40).encode("cp1252"), "photo.txt")


def test_c1_controls_in_utf8_text_are_what_cp1252_meant():
    # A classic leftover: CP1252 apostrophes converted as if Latin-1, then to UTF-8.
    text = (
        "L\x92Assemblée a voté jeudi le budget de l\x92État pour 2025 : 12\x80 de plus par "
        "habitant\x85 C\x92est la troisième fois \x96 en dix ans \x96 qu\x92elle le fait.\n"
    )
    decoded = decode(text.encode("utf-8"), "budget.txt")
    assert decoded.text == (
        "L’Assemblée a voté jeudi le budget de l’État pour 2025 : 12€ de plus par "
        "habitant… C’est la troisième fois – en dix ans – qu’elle le fait.\n"
    )
    assert decoded.encoding == "utf-8"


def test_bytes_cp1252_leaves_undefined_stay_controls():
    # 0x81 means nothing in CP1252: many of them are still binary, not apostrophes.
    text = "Un texte \x81\x81 avec \x81\x81 des octets \x81\x81 inconnus.\n"
    with pytest.raises(InputError, match=r"\(control characters\)$"):
        decode(text.encode("utf-8"), "clip.txt")


@pytest.mark.parametrize(
    "text",
    [
        "BMW annonce un rappel de 12 000 véhicules.",
        "ID3 : le format des étiquettes de MP3 expliqué.",
        "RIFF, WAVE et autres formats audio.",
        "GIF animé : la mode revient.",
        "MZ est le sigle de la société.",
        "PK, le surnom du joueur, a signé.",
        "7z ou zip ? Le comparatif.",
        "%PDF est l’en-tête d’un fichier PDF.",
    ],
)
def test_text_that_starts_like_a_signature_is_still_text(text):
    assert decode(text.encode("utf-8"), "clip.txt").text == text


def _zip(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("article.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"texte"))
    return buffer.getvalue()


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x01\x02" * 400)
    return buffer.getvalue()


def _sqlite(tmp_path) -> bytes:
    path = tmp_path / "db.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (x TEXT)")
        db.commit()
    return path.read_bytes()


TEXT = "Un article ordinaire, en français, sur l’été et les vacances.\n" * 20


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda _: gzip.compress(TEXT.encode()), "a gzip archive"),
        (lambda _: bz2.compress(TEXT.encode()), "a bzip2 archive"),
        (lambda _: lzma.compress(TEXT.encode()), "an xz archive"),
        (lambda _: _zip("article.txt"), "a ZIP archive"),
        (lambda _: _zip("[Content_Types].xml", "word/document.xml"), "a Word document (.docx)"),
        (lambda _: _zip("[Content_Types].xml", "xl/workbook.xml"), "an Excel workbook (.xlsx)"),
        (lambda _: _tar(), "a tar archive"),
        (lambda _: _wav(), "a WAV audio file"),
        (_sqlite, "an SQLite database"),
    ],
)
def test_files_of_binary_formats_are_refused_by_name(tmp_path, make, kind):
    with pytest.raises(InputError) as excinfo:
        decode(make(tmp_path), "photo.txt")
    assert str(excinfo.value) == f"photo.txt: looks like {kind}, not text"


# Real headers, each followed by anything in the property test below.
_HEADERS = [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a JPEG image"),
    (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
    (b"RIFF\x24\x08\x00\x00WEBPVP8 ", "a WebP image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive"),
    (b"\x1f\x8b\x08\x00", "a gzip archive"),
    (b"BZh91AY&SY", "a bzip2 archive"),
    (b"\xfd7zXZ\x00\x00\x04", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", "a 7z archive"),
    (b"Rar!\x1a\x07\x01\x00", "a RAR archive"),
    (b"\x7fELF\x02\x01\x01\x00", "an ELF executable"),
    (b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01", "a Mach-O executable"),
    (b"MZ\x90\x00" + b"\x00" * 56 + b"\x40\x00\x00\x00PE\x00\x00", "a Windows executable"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x23", "an MP3 audio file"),
    (b"\xff\xfb\x90\x64", "an MP3 audio file"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "an MP4 video or audio file"),
    (b"OggS\x00\x02\x00\x00", "an Ogg audio or video file"),
    (b"fLaC\x00\x00\x00\x22", "a FLAC audio file"),
    (b"RIFF\x24\x08\x00\x00WAVEfmt ", "a WAV audio file"),
    (b"SQLite format 3\x00\x10\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a Microsoft Office document (.doc, .xls, .ppt)"),
]


@settings(max_examples=200, deadline=None)
@given(header=st.sampled_from(_HEADERS), rest=st.binary(max_size=2000))
def test_binary_headers_followed_by_anything_are_refused(header, rest):
    from clipper.decoding import _ZIP_MEMBERS

    magic, kind = header
    if kind == "a ZIP archive":
        # Hypothesis draws the module's own constants too: a ZIP holding
        # "word/document.xml" is named a Word document, rightly.
        kind = next((named for member, named in _ZIP_MEMBERS if member in rest), kind)
    with pytest.raises(InputError) as excinfo:
        decode(magic + rest, "clip.txt")
    assert str(excinfo.value) == f"clip.txt: looks like {kind}, not text"


@settings(max_examples=400, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    size=st.integers(256, 4096),
    alphabet=st.sampled_from(sorted(_ALPHABETS)),
)
def test_random_bytes_are_refused(seed, size, alphabet):
    with pytest.raises(InputError) as excinfo:
        decode(_random_bytes(seed, size, alphabet), "clip.txt")
    assert excinfo.value.reason.startswith(("looks like", "invalid")), excinfo.value.reason


_LETTERS = string.ascii_letters + string.digits + "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
_SEPARATORS = [
    " ",
    ", ",
    ". ",
    " ; ",
    " : ",
    " ! ",
    " ? ",
    "\n",
    "\n\n",
    "’",
    "-",
    " « ",
    " »",
    " — ",
    " – ",
    "… ",
    " € ",
    " (",
    ") ",
    ' "',
    '" ',
    " “",
    "” ",
    " 5 % ",
    "\t",
]
_prose = (
    st.lists(
        st.tuples(st.text(_LETTERS, min_size=1, max_size=12), st.sampled_from(_SEPARATORS)),
        min_size=1,
        max_size=60,
    )
    .map(lambda pairs: "".join(word + sep for word, sep in pairs))
    # Three characters or fewer over a long text is what repeated bytes decode to.
    .filter(lambda text: len({c for c in text if not c.isspace()}) >= 4)
)


@settings(max_examples=300, deadline=None)
@given(text=_prose, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_french_and_english_text_in_any_encoding_decodes_to_itself(text, encoding):
    data = text.encode(encoding)
    if encoding == "cp1252":
        # "Ç«" in CP1252 is C7 AB, also valid UTF-8 (U+01EB): such bytes are
        # ambiguous, and read as UTF-8 by rule (tested above).
        assume(not re.search(rb"[\xc2-\xf4][\x80-\xbf]", data))
    assert decode(data, "clip.txt").text == text


@pytest.mark.parametrize(
    "text", ["Noël 2024", "L’été", "«Oui»", "1 €", "àéèùç", "ÉTÉ", "Ça coûte 5 €, dit-il."]
)
def test_short_french_lines_in_cp1252_are_not_read_as_far_encodings(text):
    # charset-normalizer alone reads these as Big5, a Cyrillic code page, EBCDIC...
    assert decode(text.encode("cp1252"), "clip.txt") == DecodedText(text, "cp1252")


def test_text_made_of_undecodable_characters_is_refused():
    damaged = "Le pr\ufffdsident a d\ufffdclar\ufffd que l\ufffd\ufffdt\ufffd serait chaud.\n"
    with pytest.raises(InputError, match=r"\(undecodable characters\)$"):
        decode(damaged.encode("utf-8"), "clip.txt")
    # A stray one in a long text is text.
    once = "Le président a déclaré que l’été serait chaud, comme prévu.\n" * 3 + "Fin \ufffd\n"
    assert decode(once.encode("utf-8"), "clip.txt").text == once


def test_binary_behind_a_utf16_mark_is_refused():
    data = codecs.BOM_UTF16_LE + _random_bytes(7, 4000, "no NUL")
    with pytest.raises(InputError) as excinfo:
        decode(data, "clip.txt")
    assert excinfo.value.reason in (
        "invalid utf-16-le after its byte-order mark",
        "looks like binary data, not text (undecodable characters)",
    )


@pytest.mark.parametrize(
    "text",
    ["ÿù01 ", "ÿñ à L'Haÿ-les-Roses, le maire a parlé.", "ÿû à L'Haÿ-les-Roses, le maire a parlé."],
)
def test_text_starting_like_an_audio_frame_is_text(text):
    # FF F9 and FF FB open AAC and MP3 frames; in CP1252 they are letters.
    assert decode(text.encode("cp1252"), "clip.txt").text == text
