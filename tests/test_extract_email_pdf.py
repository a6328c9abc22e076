"""Extraction from e-mail (.eml, mbox) and PDF files.

The PDF fixtures in ``tests/fixtures/pdf`` are written by :func:`build_pdf`
below (a tiny hand-made PDF: Helvetica, WinAnsiEncoding, computed xref
offsets); regenerate them with ``python tests/test_extract_email_pdf.py``.
All texts are invented for these tests.
"""

from __future__ import annotations

import base64
import io
import sys
import types
import warnings
from pathlib import Path

import pytest
from conftest import FIXTURES, fixture_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.errors import InputError
from clipper.extract import Extracted
from clipper.extract.email import extract_email, split_mbox
from clipper.extract.pdf import extract_pdf

# --------------------------------------------------------------------------
# A minimal PDF writer (pypdf cannot lay out text)
# --------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding, pure ASCII (octal escapes)."""
    out = bytearray(b"(")
    for byte in text.encode("cp1252"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte > 126 or byte < 32:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b")")


def _info_string(text: str) -> bytes:
    """A document-information string: ASCII literal, else UTF-16BE with a byte-order mark."""
    if text.isascii():
        return _pdf_string(text)
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def text_stream(lines: list[str]) -> bytes:
    """A page content stream: one line of text per item; "# " marks an 18 pt headline."""
    ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"56 780 Td"]
    for line in lines:
        if line.startswith("# "):
            ops += [b"/F1 18 Tf", _pdf_string(line[2:]) + b" Tj", b"/F1 11 Tf", b"0 -22 Td"]
        elif not line:
            ops.append(b"T*")
        else:
            ops += [_pdf_string(line) + b" Tj", b"T*"]
    ops.append(b"ET")
    return b"\n".join(ops)


RECTANGLE_STREAM = b"0.8 g\n56 420 480 360 re\nf"  # a grey box, as a scan would hold an image


def build_pdf(streams: list[bytes], info: dict[str, str] | None = None) -> bytes:
    """A valid PDF 1.4 file with one page per content stream and a correct xref table."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for index, stream in enumerate(streams):
        page_id, content_id = 4 + 2 * index, 5 + 2 * index
        kids.append(b"%d 0 R" % page_id)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        objects[content_id] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(streams)
    info_ref = b""
    if info:
        info_id = 4 + 2 * len(streams)
        entries = b" ".join(
            b"/" + k.encode("ascii") + b" " + _info_string(v) for k, v in info.items()
        )
        objects[info_id] = b"<< " + entries + b" >>"
        info_ref = b" /Info %d 0 R" % info_id

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R" % size + info_ref + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


ARTICLE_FR_TITLE = "Le port de Sète mise sur l'hydrogène vert"
ARTICLE_FR_INFO = {
    "Title": ARTICLE_FR_TITLE,
    "Author": "Claire Fontanel",
    "CreationDate": "D:20240315103000+01'00'",
    "Producer": "clipper test suite",
}
ARTICLE_FR_PAGES = [
    [
        f"# {ARTICLE_FR_TITLE}",
        "SÈTE (AFP) - Le port de Sète a présenté mardi un projet d'usine d'électrolyse",
        "destinée à produire de l'hydrogène pour les navires de pêche et les camions de la",
        "zone portuaire. Le chantier doit débuter à l'automne.",
        "",
        "La future zone d'électrolyse, vue depuis le quai d'Alger. © Marc Oller / AFP",
        "",
        "Selon la direction du port, l'installation produira quatre tonnes par jour dès",
        "2026, soit un coût de 1,5 € le kilo. Les élus y voient un « levier de reconversion »",
        "pour un bassin d’emploi fragilisé par la fermeture de l'usine d'engrais voisine.",
        "",
        "1",
    ],
    [
        "Le financement associe des fonds publics et un consortium inter-",
        "national de trois entreprises, dont un armateur norvégien. Le coût total est",
        "estimé à 180 millions d'euros.",
        "",
        "Des pêcheurs encore sceptiques",
        "",
        "Sur le quai, les patrons pêcheurs restent prudents : « Nous attendons de voir le",
        "prix du kilo », résume l'un d'eux, qui préfère garder l'anonymat.",
        "",
        "Source : AFP",
        "2",
    ],
]

ENGLISH_PAGES = [
    [
        "# Night Ferry Trial Wins Approval",
        "By Jane Holloway",
        "",
        "PORTSMOUTH - The harbour authority on Wednesday approved a six-month trial of",
        "overnight crossings, the first regular night service on the busy cross-",
        "Channel route since the ferry terminal was rebuilt in 1994.",
        "Page 1 / 2",
    ],
    [
        "Operators say the trial could cut congestion on the approach roads by a fifth,",
        "and residents will be consulted again in September.",
        "(Reuters)",
        "Page 2 / 2",
    ],
]


def article_fr_pdf() -> bytes:
    return build_pdf([text_stream(lines) for lines in ARTICLE_FR_PAGES], ARTICLE_FR_INFO)


def english_pdf(info: dict[str, str] | None = None) -> bytes:
    return build_pdf([text_stream(lines) for lines in ENGLISH_PAGES], info)


def scan_like_pdf() -> bytes:
    return build_pdf([RECTANGLE_STREAM], {"Title": "Numérisation du 15 mars"})


def pdf_fixtures() -> dict[str, bytes]:
    """The committed PDF fixtures, as generated."""
    article = article_fr_pdf()
    return {
        "article_fr.pdf": article,
        "scan_like.pdf": scan_like_pdf(),
        "truncated.pdf": article[: len(article) // 2],
    }


def write_pdf_fixtures() -> None:
    folder = FIXTURES / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in pdf_fixtures().items():
        (folder / name).write_bytes(data)


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(article_fr_pdf()))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------
# A stand-in for clipper.extract.html, to pin down what e-mail extraction does with it
# --------------------------------------------------------------------------


class FakeHtml:
    def __init__(self, result: Extracted | None = None, error: str | None = None) -> None:
        self.calls: list[tuple[bytes, str]] = []
        self.result = result
        self.error = error

    def extract_html(self, data: bytes, name: str, *, url: str | None = None) -> Extracted:
        self.calls.append((data, name))
        if self.error:
            raise InputError(name, self.error)
        assert self.result is not None
        return self.result


@pytest.fixture
def fake_html(monkeypatch: pytest.MonkeyPatch):
    def install(result: Extracted | None = None, error: str | None = None) -> FakeHtml:
        fake = FakeHtml(result, error)
        module = types.ModuleType("clipper.extract.html")
        module.extract_html = fake.extract_html  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "clipper.extract.html", module)
        return fake

    return install


def html_result() -> Extracted:
    return Extracted(
        title="La Lettre du Littoral – 12 mars 2024",
        text="SÈTE (AFP) – Après deux saisons marquées par des épisodes de malaïgue.",
        content="<html>",
        encoding="utf-8",
        content_type="text/html",
        source="littoral-info.example",
        agency="AFP",
        author="Lucie Marty",
        date="2020-01-01",
        url="https://littoral-info.example/lettre/2024-03-12",
        lang="fr",
        captions=["Un parc à huîtres près de Bouzigues."],
        credits=["Lucie Marty / AFP"],
        subheadings=["Une saison prometteuse"],
    )


def message(headers: str, body: bytes = b"") -> bytes:
    return headers.strip().replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


# --------------------------------------------------------------------------
# E-mail: the newsletter (multipart/alternative, HTML preferred)
# --------------------------------------------------------------------------

NEWSLETTER_TITLE = "Étang de Thau : les huîtres retrouvent des couleurs"
NEWSLETTER_PARAGRAPHS = [
    "SÈTE (AFP) – Après deux saisons marquées par des épisodes de malaïgue, les "
    "conchyliculteurs de l'étang de Thau annoncent une production en nette hausse pour le "
    "printemps, portée par une eau plus fraîche et mieux oxygénée.",
    "Le comité régional de la conchyliculture estime que les ventes pourraient progresser de "
    "15 % par rapport à l'an dernier. Les producteurs restent toutefois prudents face aux "
    "fortes chaleurs annoncées pour l'été.",
    "« Nous avons installé des sondes dans chaque parc pour suivre la température heure par "
    "heure », explique Martine Roucayrol, ostréicultrice à Mèze depuis vingt ans.",
    "La région a débloqué une enveloppe de deux millions d'euros pour aider les exploitations "
    "à moderniser leurs équipements de surveillance.",
]


def test_newsletter_with_the_real_html_extractor():
    html_module = pytest.importorskip("clipper.extract.html")
    extracted = extract_email(fixture_bytes("email/newsletter_fr.eml"), "newsletter_fr.eml")

    assert extracted.title == NEWSLETTER_TITLE
    assert extracted.source == "La Lettre du Littoral"
    assert extracted.date == "2024-03-12T07:45:00+01:00"
    assert extracted.content_type == "message/rfc822"
    assert extracted.encoding == "utf-8"
    assert extracted.lang is None
    assert extracted.extra == {
        "list_id": "La Lettre du Littoral <lettre.littoral-info.example>",
        "message_id": "<20240312074500.4821@littoral-info.example>",
    }
    assert extracted.content == f"{NEWSLETTER_TITLE}\n\n{extracted.text}"
    # The <h1> repeating the subject leaves the body; the preheader and footer are not in it.
    assert extracted.text.split("\n\n") == NEWSLETTER_PARAGRAPHS
    assert extracted.subheadings == []
    assert extracted.agency == "AFP"  # from the dateline, once the headline is out of the way

    # Captions and credits are the HTML extractor's, on the decoded HTML part.
    direct = html_module.extract_html(_newsletter_html_part(), "newsletter_fr.eml")
    assert extracted.captions == direct.captions == ["Un parc à huîtres près de Bouzigues."]
    assert extracted.credits == direct.credits == ["Lucie Marty / AFP"]
    assert extracted.author == direct.author


def _newsletter_html_part() -> bytes:
    import email
    import email.policy

    parsed = email.message_from_bytes(
        fixture_bytes("email/newsletter_fr.eml"), policy=email.policy.default
    )
    part = parsed.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    return part.get_content().encode("utf-8")


def test_newsletter_hands_the_html_part_to_the_html_extractor(fake_html):
    fake = fake_html(result=html_result())
    extracted = extract_email(fixture_bytes("email/newsletter_fr.eml"), "newsletter_fr.eml")

    [(data, name)] = fake.calls
    assert name == "newsletter_fr.eml"
    html = data.decode("utf-8")  # decoded from quoted-printable, handed on as UTF-8
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>Étang de Thau : les huîtres retrouvent des couleurs</h1>" in html

    # Subject, sender and Date header win; body fields are kept; the caller detects lang.
    assert extracted.title == NEWSLETTER_TITLE
    assert extracted.source == "La Lettre du Littoral"
    assert extracted.date == "2024-03-12T07:45:00+01:00"
    assert extracted.lang is None
    assert extracted.content_type == "message/rfc822"
    assert extracted.text == html_result().text
    assert extracted.content == f"{NEWSLETTER_TITLE}\n\n{html_result().text}"
    assert extracted.captions == ["Un parc à huîtres près de Bouzigues."]
    assert extracted.credits == ["Lucie Marty / AFP"]
    assert extracted.agency == "AFP"
    assert extracted.author == "Lucie Marty"
    assert extracted.subheadings == ["Une saison prometteuse"]
    assert extracted.url == "https://littoral-info.example/lettre/2024-03-12"


def test_a_headline_repeating_the_subject_leaves_the_body(fake_html):
    result = html_result()
    result.text = f"{NEWSLETTER_TITLE}\n\n{result.text}"
    result.subheadings = [NEWSLETTER_TITLE, "Une saison prometteuse"]
    result.agency = None
    fake_html(result=result)
    extracted = extract_email(fixture_bytes("email/newsletter_fr.eml"), "newsletter_fr.eml")
    assert extracted.text == html_result().text
    assert extracted.content == f"{NEWSLETTER_TITLE}\n\n{html_result().text}"
    assert extracted.subheadings == ["Une saison prometteuse"]
    assert extracted.agency == "AFP"  # the dateline, no longer hidden behind the headline


def test_newsletter_falls_back_to_the_text_part_when_the_html_has_no_article(fake_html):
    fake_html(error="no article found in the HTML page")
    extracted = extract_email(fixture_bytes("email/newsletter_fr.eml"), "newsletter_fr.eml")

    assert extracted.title == NEWSLETTER_TITLE
    assert extracted.text.split("\n\n") == NEWSLETTER_PARAGRAPHS
    assert extracted.captions == ["Un parc à huîtres près de Bouzigues."]
    assert extracted.credits == ["Lucie Marty / AFP"]
    assert "©" not in extracted.text
    assert extracted.agency == "AFP"
    assert extracted.source == "La Lettre du Littoral"
    assert extracted.date == "2024-03-12T07:45:00+01:00"
    assert extracted.encoding == "utf-8"
    assert extracted.content == f"{NEWSLETTER_TITLE}\n\n{extracted.text}"
    assert extracted.extra["list_id"] == "La Lettre du Littoral <lettre.littoral-info.example>"


def test_html_only_message_without_article_reports_the_html_error(fake_html):
    fake_html(error="no article found in the HTML page")
    data = message(
        """
From: news@example.org
Subject: Lettre
Content-Type: text/html; charset=utf-8
""",
        b"<html><body><table><tr><td>Menu</td></tr></table></body></html>",
    )
    with pytest.raises(InputError) as info:
        extract_email(data, "lettre.eml")
    assert str(info.value) == "lettre.eml: no article found in the HTML page"


def test_html_part_in_a_legacy_charset_is_handed_on_as_utf8(fake_html):
    fake = fake_html(result=html_result())
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "</head><body><p>Le préfet a levé les restrictions.</p></body></html>"
    )
    data = message(
        """
From: prefecture@example.org
Subject: Eau
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: 8bit
""",
        html.encode("iso-8859-1"),
    )
    extracted = extract_email(data, "eau.eml")
    [(handed, _)] = fake.calls
    assert "Le préfet a levé" in handed.decode("utf-8")
    assert b"charset=utf-8" in handed
    assert b"iso-8859-1" not in handed
    assert extracted.encoding == "iso-8859-1"


# --------------------------------------------------------------------------
# E-mail: plain text only
# --------------------------------------------------------------------------


def test_plain_text_message_every_field():
    extracted = extract_email(fixture_bytes("email/plain_en.eml"), "plain_en.eml")
    title = "Harbour authority approves night ferry trial"
    text = (
        "PORTSMOUTH - The harbour authority on Wednesday approved a six-month trial of "
        "overnight ferry crossings, a move operators say could cut congestion on the "
        "approach roads by a fifth.\n\n"
        "The trial, costing an estimated £2.4m, will start in May with two sailings a night.\n\n"
        '"We have listened to residents about noise," said Renée Dufour, the authority\'s '
        'operations director. "The new vessels are quieter than the ones they replace."'
    )
    assert extracted.title == title
    assert extracted.text == text  # format=flowed lines are joined, the byline is out
    assert extracted.content == f"{title}\n\n{text}"
    assert extracted.source == "desk@harbourwire.example"  # no display name: the address
    assert extracted.author == "Jane Holloway"
    assert extracted.agency == "Reuters"
    assert extracted.date == "2024-03-20T16:05:00+00:00"
    assert extracted.encoding == "iso-8859-1"
    assert extracted.content_type == "message/rfc822"
    assert extracted.lang is None
    assert extracted.url is None
    assert extracted.extra == {"message_id": "<hw-20240320-1605@harbourwire.example>"}
    assert extracted.captions == []
    assert extracted.credits == []
    assert extracted.tags == []


def test_message_without_subject_takes_its_title_from_the_body():
    data = message(
        """
From: Fil Sud <agence@fil-sud.example>
Date: Mon, 18 Mar 2024 00:00:00 +0000
Content-Type: text/plain; charset=utf-8
""",
        "Les vendanges avancent\n\nLes viticulteurs de l'Aude ont commencé la récolte.\n".encode(),
    )
    extracted = extract_email(data, "sans_objet.eml")
    assert extracted.title == "Les vendanges avancent"
    assert extracted.text == "Les viticulteurs de l'Aude ont commencé la récolte."
    assert extracted.content == f"{extracted.title}\n\n{extracted.text}"
    assert extracted.date == "2024-03-18"
    assert extracted.extra == {}


def test_plain_body_repeating_the_subject_drops_it():
    data = message(
        """
From: Fil Sud <agence@fil-sud.example>
Subject: Les vendanges avancent
""",
        b"Les vendanges avancent\n\nLes viticulteurs de l'Aude ont commence la recolte.\n",
    )
    extracted = extract_email(data, "vendanges.eml")
    assert extracted.text == "Les viticulteurs de l'Aude ont commence la recolte."
    assert extracted.content == "Les vendanges avancent\n\n" + extracted.text


@pytest.mark.parametrize("date", [None, "sometime next week", "Mon, 45 Foo 2024 99:00:00 +0100"])
def test_missing_or_unreadable_date_header_gives_no_date(date):
    headers = "From: a@example.org\nSubject: Essai\n" + (f"Date: {date}\n" if date else "")
    extracted = extract_email(message(headers, b"Un texte court.\n"), "d.eml")
    assert extracted.date is None


def test_flowed_text_with_delsp_and_space_stuffing():
    data = message(
        """
From: a@example.org
Subject: Pont
Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes
""",
        b"Les travaux du pont com \r\nmenceront lundi.\r\n\r\n  Un avis aux riverains.\r\n",
    )
    assert extract_email(data, "pont.eml").text == (
        "Les travaux du pont commenceront lundi.\n\nUn avis aux riverains."
    )


def test_unknown_charset_is_decoded_leniently():
    data = message(
        """
From: a@example.org
Subject: Essai
Content-Type: text/plain; charset=x-unknown-charset
Content-Transfer-Encoding: 8bit
""",
        "Le marché de Noël ouvre samedi.\n".encode(),
    )
    assert extract_email(data, "c.eml").text == "Le marché de Noël ouvre samedi."


# --------------------------------------------------------------------------
# E-mail: errors
# --------------------------------------------------------------------------


def test_message_without_body_is_an_input_error():
    with pytest.raises(InputError) as info:
        extract_email(fixture_bytes("email/no_body.eml"), "no_body.eml")
    assert str(info.value) == "no_body.eml: e-mail without a text or HTML body"


@pytest.mark.parametrize(
    "headers, body",
    [
        ("From: a@example.org\nSubject: Vide\nContent-Type: text/plain", b"  \r\n\r\n \t\r\n"),
        ("From: a@example.org\nSubject: Image\nContent-Type: image/jpeg", b"\xff\xd8\xff"),
        (
            "From: a@example.org\nSubject: Piece jointe\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b"',
            b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
            b' filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64.b64encode(b"%PDF-1.4")
            + b"\r\n--b--\r\n",
        ),
    ],
    ids=["blank", "image", "attachment-only"],
)
def test_messages_without_a_usable_body(headers, body):
    with pytest.raises(InputError) as info:
        extract_email(message(headers, body), "m.eml")
    assert info.value.reason == "e-mail without a text or HTML body"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Just a text file.\nWith two lines.\n",
        b"Note: a line that looks like a header\n\nis not an e-mail\n",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    ],
    ids=["empty", "text", "one-unknown-header", "pdf"],
)
def test_bytes_that_are_not_an_email(data):
    with pytest.raises(InputError) as info:
        extract_email(data, "x.eml")
    assert str(info.value) == "x.eml: not an e-mail message (no headers)"


# --------------------------------------------------------------------------
# mbox
# --------------------------------------------------------------------------


def test_mbox_is_split_into_its_three_messages():
    messages = split_mbox(fixture_bytes("email/digest.mbox"), "digest.mbox")
    assert [name for name, _ in messages] == ["digest.mbox#1", "digest.mbox#2", "digest.mbox#3"]
    for _, raw in messages:
        assert raw.startswith(b"From: ")  # the "From " separator line is not part of it
        assert b"\nFrom agence@" not in raw and b"\nFrom desk@" not in raw


def test_mbox_quoted_from_line_stays_in_its_message_unquoted():
    _, raw = split_mbox(fixture_bytes("email/digest.mbox"), "digest.mbox")[1]
    assert b"\nFrom the archives: the tower was first lit in 1868" in raw
    assert b">From" not in raw
    extracted = extract_email(raw, "digest.mbox#2")
    assert extracted.text == (
        "The lighthouse museum on the north pier reopened on Tuesday after a two-year "
        "restoration of its lantern room.\n\n"
        "From the archives: the tower was first lit in 1868 and automated in 1979.\n\n"
        "Visitors can climb the 142 steps on weekends."
    )


def test_mbox_messages_extract_every_field():
    messages = split_mbox(fixture_bytes("email/digest.mbox"), "digest.mbox")
    first, second, third = (extract_email(raw, name) for name, raw in messages)

    assert first.title == "Le tramway de Montpellier prolongé jusqu'à la mer"
    assert first.source == "Fil Sud"
    assert first.agency == "AFP"
    assert first.date == "2024-03-18T09:00:00+01:00"
    assert first.text == (
        "MONTPELLIER (AFP) - La métropole a voté lundi le prolongement de la ligne 3 du "
        "tramway jusqu'aux plages de Palavas, un chantier de quatre ans.\n\n"
        "Les travaux doivent commencer à l'automne 2025."
    )
    assert first.extra == {"message_id": "<fs-0318-1@fil-sud.example>"}

    assert second.title == "Lighthouse museum reopens after restoration"
    assert second.source == "Harbour Wire"
    assert second.agency is None
    assert second.date == "2024-03-19T11:30:00+00:00"
    assert second.encoding == "us-ascii"

    assert third.title == "Sécheresse : les restrictions d'eau levées dans l'Hérault"
    assert third.source == "Fil Sud"  # the sender, not the closing "Source :" line
    assert third.date == "2024-03-20T08:15:00+01:00"
    assert third.text == (
        "Le préfet de l'Hérault a levé mercredi les restrictions d'usage de l'eau en vigueur "
        "depuis l'été dernier, après un hiver plus pluvieux que la moyenne.\n\n"
        "Les nappes phréatiques restent toutefois sous surveillance jusqu'en juin."
    )
    assert "Source" not in third.text
    for extracted in (first, second, third):
        assert extracted.content_type == "message/rfc822"
        assert extracted.content == f"{extracted.title}\n\n{extracted.text}"
        assert extracted.lang is None


def test_mbox_unquotes_one_level_of_deeper_from_quoting_and_reads_crlf():
    data = (
        b"From a@example.org Mon Mar 18 09:00:00 2024\r\n"
        b"From: a@example.org\r\nSubject: Un\r\n\r\n"
        b">>From here on, a quoted quote.\r\n\r\n"
        b"From b@example.org Mon Mar 18 10:00:00 2024\r\n"
        b"From: b@example.org\r\nSubject: Deux\r\n\r\nSecond message.\r\n"
    )
    messages = split_mbox(data, "crlf.mbox")
    assert [name for name, _ in messages] == ["crlf.mbox#1", "crlf.mbox#2"]
    assert b"\n>From here on" in messages[0][1]
    assert extract_email(messages[1][1], "crlf.mbox#2").text == "Second message."


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"Just text, no From line.\n", b"From: a@example.org\nSubject: x\n\nBody.\n"],
    ids=["empty", "blank", "text", "single-eml"],
)
def test_mbox_without_messages(data):
    with pytest.raises(InputError) as info:
        split_mbox(data, "vide.mbox")
    assert str(info.value) == "vide.mbox: no messages in the mbox file"


def test_mbox_splitting_writes_nothing_in_the_working_directory(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    split_mbox(fixture_bytes("email/digest.mbox"), "digest.mbox")
    assert list(work.iterdir()) == []


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def test_committed_pdf_fixtures_are_what_the_generator_writes():
    for name, data in pdf_fixtures().items():
        assert fixture_bytes(f"pdf/{name}") == data, f"regenerate {name}"


def test_text_pdf_every_field():
    extracted = extract_pdf(fixture_bytes("pdf/article_fr.pdf"), "article_fr.pdf")
    paragraphs = [
        "SÈTE (AFP) - Le port de Sète a présenté mardi un projet d'usine d'électrolyse destinée "
        "à produire de l'hydrogène pour les navires de pêche et les camions de la zone "
        "portuaire. Le chantier doit débuter à l'automne.",
        # A closing » is no sentence end; WinAnsi's € and ’ come through.
        "Selon la direction du port, l'installation produira quatre tonnes par jour dès 2026, "
        "soit un coût de 1,5 € le kilo. Les élus y voient un « levier de reconversion » pour "
        "un bassin d’emploi fragilisé par la fermeture de l'usine d'engrais voisine.",
        # "inter-" at a line end + "national": de-hyphenated.
        "Le financement associe des fonds publics et un consortium international de trois "
        "entreprises, dont un armateur norvégien. Le coût total est estimé à 180 millions "
        "d'euros.",
        "Des pêcheurs encore sceptiques",
        "Sur le quai, les patrons pêcheurs restent prudents : « Nous attendons de voir le prix "
        "du kilo », résume l'un d'eux, qui préfère garder l'anonymat.",
    ]
    assert extracted.title == ARTICLE_FR_TITLE  # from /Title; the printed headline leaves the body
    assert extracted.text == "\n\n".join(paragraphs)
    assert extracted.author == "Claire Fontanel"
    assert extracted.date == "2024-03-15T10:30:00+01:00"  # as written, offset kept
    assert extracted.captions == ["La future zone d'électrolyse, vue depuis le quai d'Alger."]
    assert extracted.credits == ["Marc Oller / AFP"]
    assert extracted.agency == "AFP"
    assert extracted.source == "AFP"
    assert extracted.subheadings == ["Des pêcheurs encore sceptiques"]
    assert extracted.sidebar == []
    assert extracted.content_type == "application/pdf"
    assert extracted.lang is None
    assert extracted.url is None
    assert extracted.extra == {"pages": 2}
    # The content keeps everything that was read, headline and credits included;
    # pages are joined by a blank line, page numbers are dropped.
    assert extracted.content.startswith(f"{ARTICLE_FR_TITLE}\nSÈTE (AFP) - Le port")
    assert "l'usine d'engrais voisine.\n\nLe financement associe" in extracted.content
    assert extracted.content.endswith("garder l'anonymat.\nSource : AFP")
    assert "\n1\n" not in extracted.content and not extracted.content.endswith("2")


def test_english_pdf_with_junk_metadata_reads_title_and_author_from_the_text():
    info = {
        "Title": "Microsoft Word - ferry_trial_v2.docx",
        "Author": "Administrator",
        "CreationDate": "D:20240320",
    }
    extracted = extract_pdf(english_pdf(info), "ferry.pdf")
    assert extracted.title == "Night Ferry Trial Wins Approval"
    assert extracted.author == "Jane Holloway"
    assert extracted.date == "2024-03-20"
    assert extracted.agency == "Reuters"
    assert extracted.source == "Reuters"
    assert extracted.text == (
        "PORTSMOUTH - The harbour authority on Wednesday approved a six-month trial of "
        # A line-end hyphen before a capital is a real hyphen: kept, lines joined.
        "overnight crossings, the first regular night service on the busy cross-Channel route "
        "since the ferry terminal was rebuilt in 1994.\n\n"
        "Operators say the trial could cut congestion on the approach roads by a fifth, and "
        "residents will be consulted again in September."
    )
    assert "Page 1" not in extracted.content and "Page 2" not in extracted.content
    assert extracted.extra == {"pages": 2}


DATED_FR_LINES = [
    "Les cantines de Nantes passent au bio",
    "Par Jeanne Martin",
    "Publié le 15 novembre 2023 à 10h30",
    "",
    "La ville de Nantes servira à partir de janvier des repas entièrement issus de",
    "l'agriculture biologique dans ses quarante écoles, a annoncé mardi la mairie.",
    "",
    "Le surcoût, estimé à deux cent mille euros par an, sera pris en charge par la",
    "collectivité sans hausse du prix du repas pour les familles.",
]


def test_pdf_date_and_byline_come_from_the_text_before_the_file_metadata():
    # Exported a year later from a word processor that names no author.
    info = {"Author": "Utilisateur", "CreationDate": "D:20241203091500+01'00'"}
    extracted = extract_pdf(build_pdf([text_stream(DATED_FR_LINES)], info), "cantines.pdf")
    assert extracted.title == "Les cantines de Nantes passent au bio"
    assert extracted.author == "Jeanne Martin"
    assert extracted.date == "2023-11-15T10:30:00"
    assert extracted.text.startswith("La ville de Nantes servira")


def test_pdf_without_a_date_in_its_text_keeps_its_creation_date():
    lines = [line for line in DATED_FR_LINES if not line.startswith("Publié")]
    info = {"CreationDate": "D:20241203091500+01'00'"}
    extracted = extract_pdf(build_pdf([text_stream(lines)], info), "cantines.pdf")
    assert extracted.author == "Jeanne Martin"
    assert extracted.date == "2024-12-03T09:15:00+01:00"


@pytest.mark.parametrize(
    "title",
    ["Untitled", "untitled document", "Microsoft Word - x.doc", "Document1", "rapport.pdf", "  "],
)
def test_junk_document_titles_are_ignored(title):
    extracted = extract_pdf(english_pdf({"Title": title}), "f.pdf")
    assert extracted.title == "Night Ferry Trial Wins Approval"


def test_pdf_without_document_information():
    extracted = extract_pdf(english_pdf(), "f.pdf")
    assert extracted.title == "Night Ferry Trial Wins Approval"
    assert extracted.date is None
    assert extracted.author == "Jane Holloway"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("D:2024", "2024"),
        ("D:202403", "2024-03"),
        ("D:20240315", "2024-03-15"),
        ("D:20240315103000Z", "2024-03-15T10:30:00+00:00"),
        ("D:20240315103000Z00'00'", "2024-03-15T10:30:00+00:00"),
        ("D:20240315103000-05'00'", "2024-03-15T10:30:00-05:00"),
        ("20240315103000+0530", "2024-03-15T10:30:00+05:30"),
        ("D:20241345", None),
        ("hier", None),
        ("", None),
    ],
)
def test_creation_dates(raw, expected):
    extracted = extract_pdf(english_pdf({"CreationDate": raw}), "f.pdf")
    assert extracted.date == expected


def test_scanned_pdf_without_text_layer():
    with pytest.raises(InputError) as info:
        extract_pdf(fixture_bytes("pdf/scan_like.pdf"), "scan_like.pdf")
    assert str(info.value) == (
        "scan_like.pdf: PDF has no text layer (scanned image?): nothing to index"
    )


def test_empty_content_stream_is_a_scan_too():
    with pytest.raises(InputError) as info:
        extract_pdf(build_pdf([b""]), "blank.pdf")
    assert info.value.reason == "PDF has no text layer (scanned image?): nothing to index"


def test_truncated_pdf():
    with pytest.raises(InputError) as info:
        extract_pdf(fixture_bytes("pdf/truncated.pdf"), "truncated.pdf")
    assert str(info.value) == "truncated.pdf: unreadable PDF: truncated file (no %%EOF marker)"


@pytest.mark.parametrize("data", [b"", b"Hello, world", b"<html><body>PDF</body></html>"])
def test_not_a_pdf(data):
    with pytest.raises(InputError) as info:
        extract_pdf(data, "x.pdf")
    assert str(info.value) == "x.pdf: unreadable PDF: not a PDF file (no %PDF header)"


def test_corrupt_pdf_gives_pypdfs_short_reason():
    data = article_fr_pdf().replace(b"/Root 1 0 R", b"/Root 9 0 R").replace(b"/Catalog", b"/Nope")
    with pytest.raises(InputError) as info:
        extract_pdf(data, "x.pdf")
    assert info.value.reason.startswith("unreadable PDF: ")
    assert len(info.value.reason) <= len("unreadable PDF: ") + 80


def test_damaged_document_information_does_not_spoil_the_text():
    data = english_pdf({"Title": "x"}).replace(b"/Info 8 0 R", b"/Info 99 0 R")
    extracted = extract_pdf(data, "x.pdf")
    assert extracted.title == "Night Ferry Trial Wins Approval"
    assert extracted.date is None


def test_pdf_without_pages():
    with pytest.raises(InputError) as info:
        extract_pdf(build_pdf([]), "x.pdf")
    assert str(info.value) == "x.pdf: PDF has no pages: nothing to index"


def test_encrypted_pdf_with_a_password():
    with pytest.raises(InputError) as info:
        extract_pdf(encrypted_pdf("secret"), "secret.pdf")
    assert str(info.value) == "secret.pdf: encrypted PDF"


def test_encrypted_pdf_with_an_empty_password_is_read():
    extracted = extract_pdf(encrypted_pdf(""), "open.pdf")
    assert extracted.title == ARTICLE_FR_TITLE
    assert extracted.author == "Claire Fontanel"
    assert "consortium international" in extracted.text


def test_encryption_needing_a_missing_package_is_reported_as_encrypted(monkeypatch):
    import pypdf
    from pypdf.errors import DependencyError

    def reader(*args, **kwargs):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf, "PdfReader", reader)
    with pytest.raises(InputError) as info:
        extract_pdf(article_fr_pdf(), "aes.pdf")
    assert str(info.value) == "aes.pdf: encrypted PDF"
    assert "cryptography" in (info.value.hint or "")


def test_internal_pypdf_errors_become_input_errors(monkeypatch):
    import pypdf

    def reader(*args, **kwargs):
        raise TypeError("can only concatenate str (not 'int') to str")

    monkeypatch.setattr(pypdf, "PdfReader", reader)
    with pytest.raises(InputError) as info:
        extract_pdf(article_fr_pdf(), "x.pdf")
    assert str(info.value) == "x.pdf: unreadable PDF: damaged file (TypeError)"


def test_a_page_that_fails_is_skipped_and_noted(monkeypatch):
    import pypdf

    original = pypdf.PageObject.extract_text

    def extract_text(self, *args, **kwargs):
        if "Source : AFP" in original(self):
            raise KeyError("/Font")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", extract_text)
    extracted = extract_pdf(article_fr_pdf(), "x.pdf")
    assert extracted.extra == {"pages": 2, "unreadable_pages": [2]}
    assert extracted.text.endswith("l'usine d'engrais voisine.")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda self, *a, **k: 1 / 0)
    with pytest.raises(InputError) as info:
        extract_pdf(article_fr_pdf(), "x.pdf")
    assert str(info.value) == "x.pdf: unreadable PDF: damaged file (ZeroDivisionError)"


# --------------------------------------------------------------------------
# No warning and no foreign exception escapes
# --------------------------------------------------------------------------


def _run_quietly(function, data: bytes, name: str) -> None:
    try:
        function(data, name)
    except InputError:
        pass


def test_no_warnings_escape_from_any_fixture():
    pdfs = [*pdf_fixtures().values(), encrypted_pdf("secret"), english_pdf({"Title": "x"})]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for data in pdfs:
            _run_quietly(extract_pdf, data, "f.pdf")
        for data in (article_fr_pdf()[:-200], article_fr_pdf()[:300] + b"%%EOF\n"):
            _run_quietly(extract_pdf, data, "damaged.pdf")
        for name in ("plain_en.eml", "no_body.eml"):
            _run_quietly(extract_email, fixture_bytes(f"email/{name}"), name)
        for name, raw in split_mbox(fixture_bytes("email/digest.mbox"), "digest.mbox"):
            _run_quietly(extract_email, raw, name)
    assert [str(w.message) for w in caught] == []


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for position, deleted, inserted in edits:
        at = position % (len(out) + 1)
        out[at : at + deleted] = inserted
    return bytes(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.binary(max_size=12)),
        min_size=1,
        max_size=6,
    )
)
def test_damaged_pdfs_raise_only_input_errors(edits):
    try:
        extracted = extract_pdf(_mutate(article_fr_pdf(), edits), "f.pdf")
    except InputError:
        return
    # What survives damage is readable text, never an empty body or raw bytes.
    assert extracted.text.strip()
    assert "\x00" not in extracted.text


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=300), headers=st.sampled_from([b"", b"From: a@b.example\n\n"]))
def test_arbitrary_bytes_as_email_raise_only_input_errors(body, headers):
    try:
        extracted = extract_email(headers + body, "f.eml")
    except InputError:
        return
    assert extracted.text.strip()


if __name__ == "__main__":
    write_pdf_fixtures()
    print(f"wrote {', '.join(pdf_fixtures())} in {Path(FIXTURES / 'pdf')}")


def test_a_newsletter_keeps_the_titles_of_its_stories():
    letter = fixture_bytes("html/newsletter_fr.html").decode("utf-8")
    message = (
        "From: Lettre Info <lettre@example.org>\nSubject: La lettre du matin\n"
        "Date: Tue, 12 Mar 2024 07:00:00 +0100\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n\n" + letter
    ).encode()
    extracted = extract_email(message, "lettre.eml")
    assert "Grève à la SNCF" in extracted.text.split("\n\n")
    assert "Le Louvre rouvre une aile" in extracted.subheadings
