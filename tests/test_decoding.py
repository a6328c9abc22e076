"""Encodings: UTF-8, BOMs, CRLF and legacy 8-bit files; refusals name the file."""

from __future__ import annotations

import codecs

import pytest

from clipper.decoding import decode
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
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data"),
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
