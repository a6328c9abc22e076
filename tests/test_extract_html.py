"""HTML extraction (clipper.extract.html) on small invented pages.

The fixture pages in tests/fixtures/html/ were written for these tests: the
articles, sites and people are made up.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clipper.errors import InputError
from clipper.extract.html import extract_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def french():
    return extract_html(_page("article_fr.html"), "article_fr.html")


@pytest.fixture(scope="module")
def english():
    return extract_html(
        _page("article_en_jsonld.html"),
        "article_en_jsonld.html",
        url="https://news.example.org/science/tide-robot",
    )


# --- French article with <head> metadata -------------------------------------


def test_french_title_is_the_headline_without_site_name(french):
    assert french.title == "Grenoble : des navettes sans chauffeur à l'essai sur les quais"


def test_french_text_is_the_article_paragraphs(french):
    paragraphs = french.text.split("\n\n")
    assert paragraphs[0].startswith("Trois petites navettes électriques")
    assert "Un essai de six mois" in paragraphs
    assert paragraphs[-1].startswith("Le coût de l'expérimentation")
    assert len(paragraphs) == 6
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)


def test_french_text_has_no_boilerplate(french):
    for boilerplate in (
        "Se connecter",
        "Abonnez-vous",
        "Culture et loisirs",
        "Accueil",
        "À lire aussi",
        "Tramway : la ligne F",
        "Vélo en hiver",
        "Les plus lus",
        "Avalanche dans le massif",
        "Recevez chaque matin",
        "Mentions légales",
        "Gestion des cookies",
        "Partager",
        "Copier le lien",
        "Par Claire Dumas",
        "pont de la Citadelle",  # the caption goes to captions, not to the text
    ):
        assert boilerplate not in french.text, boilerplate


def test_french_title_is_not_repeated_in_text(french):
    assert not french.text.startswith("Grenoble :")
    assert french.content == f"{french.title}\n\n{french.text}"


def test_french_metadata(french):
    assert french.content_type == "text/html"
    assert french.encoding == "utf-8"
    assert french.source == "Le Courrier des Alpes"
    assert french.author == "Claire Dumas"
    assert french.date == "2024-03-14"
    assert french.url == "https://www.example.com/grenoble/2024/03/14/navettes-autonomes"
    assert french.lang == "fr"
    assert french.extra == {
        "description": "La métropole lance un essai de six mois avec trois navettes "
        "électriques autonomes entre la gare et le campus.",
        "sitename": "Le Courrier des Alpes",
    }


def test_french_keywords_come_from_section_article_tags_and_keywords(french):
    assert french.tags == []  # tags are the user's own
    assert set(french.keywords) == {
        "Transports",
        "Grenoble",
        "Véhicules autonomes",
        "mobilité",
        "innovation",
    }


def test_french_figcaption_is_split_into_caption_and_credit(french):
    assert french.captions == ["Une navette électrique devant le pont de la Citadelle, le 13 mars."]
    assert french.credits == ["Jean Martin / AFP"]


def test_french_closing_agency_credit(french):
    assert french.agency == "AFP"


def test_canonical_url_wins_over_the_given_url():
    extracted = extract_html(
        _page("article_fr.html"), "article_fr.html", url="https://elsewhere.example.net/copy"
    )
    assert extracted.url == "https://www.example.com/grenoble/2024/03/14/navettes-autonomes"


def test_extraction_is_repeatable():
    first = extract_html(_page("article_fr.html"), "a.html")
    second = extract_html(_page("article_fr.html"), "a.html")
    assert first == second


# --- English article with JSON-LD metadata -----------------------------------


def test_english_jsonld_metadata(english):
    assert english.title == "Tide-powered robot maps the harbour floor"
    assert english.author == "Sam Porter, Lena Ortiz"
    assert english.date == "2023-11-02"
    assert english.source == "The Harbour Times"
    assert english.lang == "en"
    assert {"Science", "ocean", "robotics"} <= set(english.keywords)
    assert english.extra["description"] == (
        "A student-built submarine drifts with the tide and charts the silt it finds."
    )


def test_english_caption_and_credit(english):
    assert english.captions == ["The submarine is lowered into the channel at low tide."]
    assert english.credits == ["Harbour Engineering Society"]
    assert "low tide" not in english.text


def test_english_url_falls_back_to_the_given_url(english):
    assert english.url == "https://news.example.org/science/tide-robot"
    without = extract_html(_page("article_en_jsonld.html"), "a.html")
    assert without.url is None


def test_english_source_line_gives_the_agency_and_leaves_the_text(english):
    assert english.agency == "Reuters"
    assert "Source: Reuters" not in english.text
    assert english.text.endswith("The team hopes to publish a full map before the end of the year.")


def test_english_text_has_no_boilerplate(english):
    assert english.text.startswith("A yellow submarine")
    for boilerplate in (
        "Subscribe for unlimited access",
        "More from Science",
        "Seal numbers recover",
        "Copyright 2023",
        "Cookie settings",
        "By Sam Porter",
    ):
        assert boilerplate not in english.text, boilerplate


# --- encodings -----------------------------------------------------------------


def test_windows_1252_page_declared_by_meta_charset():
    data = _page("article_cp1252.html")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    extracted = extract_html(data, "article_cp1252.html")
    assert extracted.encoding == "cp1252"
    assert extracted.title == "Brest : la fête maritime attend un million de visiteurs"
    for word in ("gréements", "l’événement", "15 €", "chœurs", "« Nous avons renforcé"):
        assert word in extracted.text, word
    assert "\ufffd" not in extracted.text
    assert extracted.source == "Ouest Littoral"
    assert extracted.date == "2022-07-08"
    assert extracted.lang is None  # not declared: the caller detects it


def test_valid_utf8_wins_over_a_stale_legacy_declaration():
    data = _page("article_cp1252.html").decode("cp1252").encode("utf-8")
    extracted = extract_html(data, "resaved.html")
    assert extracted.encoding == "utf-8"
    assert "chœurs" in extracted.text


# --- closing credits ---------------------------------------------------------

_PARAGRAPHS = (
    "Le conseil municipal a voté mardi soir la rénovation complète de la piscine "
    "couverte, fermée depuis deux ans à cause d'une fuite dans le bassin principal.",
    "Les travaux doivent commencer à l'automne et durer quatorze mois. La mairie "
    "promet une réouverture avant les vacances d'été de l'année suivante.",
    "Les clubs de natation, qui s'entraînent en attendant dans une commune voisine, "
    "saluent une décision attendue depuis longtemps par les familles.",
)


def _article(closing: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in _PARAGRAPHS)
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>Piscine : la rénovation votée</title></head><body>"
        f"<article><h1>Piscine : la rénovation votée</h1>{body}{closing}</article>"
        "</body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("closing", "agency", "source"),
    [
        ("<p>La Voix du Canton avec AFP</p>", "AFP", "La Voix du Canton"),
        ("<p>Source : Reuters</p>", "Reuters", "Reuters"),
        ("<p>(AFP)</p>", "AFP", None),
        ("", None, None),
    ],
)
def test_closing_credit_lines_are_metadata_not_text(
    closing: str, agency: str | None, source: str | None
):
    extracted = extract_html(_article(closing), "piscine.html")
    assert extracted.agency == agency
    assert extracted.source == source
    assert extracted.text.split("\n\n") == list(_PARAGRAPHS)


def test_agency_byline():
    page = _article("").replace(
        b"</title>", b"</title><meta name='author' content='Agence France-Presse'>"
    )
    assert extract_html(page, "piscine.html").agency == "AFP"


# --- failures ------------------------------------------------------------------


def test_navigation_only_page_has_no_article_text():
    with pytest.raises(InputError) as caught:
        extract_html(_page("nav_only.html"), "nav_only.html")
    assert caught.value.reason == "no article text found in the page"
    assert str(caught.value) == "nav_only.html: no article text found in the page"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"\x00\x01\x02\x03\xff\xfe binary",
        b"<html><body></body></html>",
        b"<p>",
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        b"\x1f\x8b\x08\x00 not really gzip",
    ],
)
def test_unusable_input_raises_input_error_only(data: bytes):
    with pytest.raises(InputError) as caught:
        extract_html(data, "bad.html")
    assert caught.value.name == "bad.html"


def test_trafilatura_failure_is_wrapped(monkeypatch: pytest.MonkeyPatch):
    import trafilatura

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    with pytest.raises(InputError) as caught:
        extract_html(_page("article_fr.html"), "a.html")
    assert caught.value.reason == "unreadable HTML: parser exploded"


def test_importing_the_module_does_not_import_trafilatura():
    code = "import sys, clipper.extract.html; print('trafilatura' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_all_authors_of_a_json_ld_block_wrapped_in_cdata():
    # Some sites wrap JSON-LD in CDATA; trafilatura then keeps only the first author.
    page = _page("article_en_jsonld.html").replace(
        b'<script type="application/ld+json">', b'<script type="application/ld+json"><![CDATA['
    )
    page = page.replace(b"}\n  </script>", b"}\n  ]]></script>", 1)
    assert b"]]></script>" in page
    extracted = extract_html(page, "article_en_jsonld.html")
    assert extracted.author == "Sam Porter, Lena Ortiz"


@pytest.mark.parametrize(
    ("closing", "agency", "source", "kept"),
    [
        # Two credit lines closing the page, both read.
        ("<p>La Voix du Canton</p><p>(AFP)</p>", "AFP", None, ["La Voix du Canton"]),
        # Read from the end: the agency of "(AFP)", the source of "Source : Reuters".
        ("<p>Source : Reuters</p><p>(AFP)</p>", "AFP", "Reuters", []),
        # A credit line above a closing line that is not one, as in pasted text.
        ("<p>Source : Reuters</p><p>Suivez-nous sur les réseaux.</p>", "Reuters", "Reuters",
         ["Suivez-nous sur les réseaux."]),
    ],
)
def test_closing_credit_lines_are_read_as_in_plain_text(closing, agency, source, kept):
    extracted = extract_html(_article(closing), "piscine.html")
    assert (extracted.agency, extracted.source) == (agency, source)
    assert extracted.text.split("\n\n") == [*_PARAGRAPHS, *kept]


def test_a_wire_staff_credit_closing_a_page_gives_reporters_and_reuters():
    paragraphs = "".join(
        f"<p>{text}</p>"
        for text in (
            "German steel output fell for a third month in October, the industry association "
            "said on Tuesday, as demand from carmakers and builders stayed weak.",
            "Crude steel production dropped 4.2% from a year earlier to 2.9 million tonnes, "
            "the association said, citing high energy costs and cheaper imports.",
            "The association expects output to recover only slowly next year, when new "
            "electric furnaces start at two of the largest plants in the country.",
            "(Reporting by Anna Schmidt in Berlin and Tom Li; Editing by Tom Hogue)",
        )
    )
    page = (
        "<html lang='en'><head><title>German steel output falls again</title></head><body>"
        f"<article><h1>German steel output falls again</h1>{paragraphs}</article></body></html>"
    ).encode()
    extracted = extract_html(page, "steel.html")
    assert (extracted.author, extracted.agency) == ("Anna Schmidt, Tom Li", "Reuters")
    assert extracted.text.endswith("Editing by Tom Hogue)")


@pytest.mark.parametrize(
    ("declared", "lang"),
    [("fr", "fr"), ("fr-CA", "fr"), ("fra", "fr"), ("zz", None), ("Français (France)", None)],
)
def test_a_declared_language_is_read_as_lang_options_are(declared: str, lang: str | None):
    page = _article("").replace(b"lang='fr'", f"lang='{declared}'".encode())
    assert extract_html(page, "piscine.html").lang == lang


_LETTER = _page("newsletter_fr.html").decode("utf-8")


def test_headings_trafilatura_drops_come_back_before_their_paragraphs():
    extracted = extract_html(_LETTER.encode(), "lettre.html")
    paragraphs = extracted.text.split("\n\n")
    assert paragraphs[0] == "Grève à la SNCF"
    assert paragraphs[1].startswith("Les cheminots ont cessé")
    assert paragraphs[2] == "Le Louvre rouvre une aile"
    assert paragraphs[4] == "Sécheresse dans le Sud"
    assert extracted.subheadings == [
        "Grève à la SNCF",
        "Le Louvre rouvre une aile",
        "Sécheresse dans le Sud",
    ]


def test_a_heading_over_text_that_was_left_out_stays_out():
    page = _LETTER.replace(
        "</body>", "<h2>Les plus lus</h2><div>Un lien</div><ul><li>Autre</li></ul></body>"
    )
    extracted = extract_html(page.encode(), "lettre.html")
    assert "Les plus lus" not in extracted.text
