"""Extraction of each seed-like feature from plain text and Markdown."""

from __future__ import annotations

import pytest
from conftest import fixture_text

from clipper.errors import InputError
from clipper.extract.markdown import extract_markdown
from clipper.extract.plaintext import extract_plain_text
from clipper.ingest import extract_document


@pytest.fixture(scope="module")
def seedlike():
    return extract_plain_text(fixture_text("seedlike_fr.txt"))


def test_title_without_headline_is_the_first_sentence_shortened(seedlike):
    assert seedlike.title.startswith("La jeune entreprise lyonnaise Ondalia a présenté cette")
    assert seedlike.title.endswith("…")
    assert len(seedlike.title) <= 110


def test_headline_line_becomes_the_title_and_leaves_the_body():
    extracted = extract_plain_text(fixture_text("headline_en.txt"))
    assert extracted.title == "Central Bank Holds Rates Steady as Inflation Cools"
    assert not extracted.text.startswith("Central Bank")
    assert extracted.text.startswith("The central bank left its benchmark")


def test_captions_are_collapsed_and_kept_out_of_the_body(seedlike):
    assert seedlike.captions == [
        "Le casque d'Ondalia présenté lors du lancement à Lyon.",
        "Le boîtier de rangement en textile recyclé.",
    ]
    assert "présenté lors du lancement" not in seedlike.text
    assert "©" not in seedlike.text


def test_credits_keep_photographer_and_agency(seedlike):
    assert seedlike.credits == ["Sarah Bellec / Reuters", "Studio"]


def test_subheadings_are_found_and_stay_in_the_text(seedlike):
    assert seedlike.subheadings == ["Une conception pensée pour durer", "Un pari industriel risqué"]
    assert "Une conception pensée pour durer" in seedlike.text


def test_sidebar_widget_and_rating_leave_the_body(seedlike):
    assert seedlike.sidebar == [
        "• Autonomie annoncée de soixante heures",
        "• Pièces remplaçables sans outil",
        "• Fabrication française",
        "10 / 10",
    ]
    assert "Fabrication française" not in seedlike.text
    assert "10 / 10" not in seedlike.text


def test_source_line_gives_source_and_agency_and_leaves_the_body(seedlike):
    assert seedlike.source == "Reuters"
    assert seedlike.agency == "Reuters"
    assert "Source" not in seedlike.text
    assert seedlike.text.endswith("Les premières livraisons sont prévues avant les fêtes.")


def test_trailing_agency_in_parentheses():
    extracted = extract_plain_text(fixture_text("headline_en.txt"))
    assert extracted.agency == "AFP"
    assert extracted.source == "AFP"


def test_outlet_avec_agency():
    extracted = extract_plain_text(fixture_text("avec_afp_fr.txt"))
    assert extracted.source == "Le Monde"
    assert extracted.agency == "AFP"
    assert "Le Monde avec AFP" not in extracted.text


def test_no_credit_means_no_source():
    extracted = extract_plain_text(fixture_text("no_credit_fr.txt"))
    assert extracted.source is None
    assert extracted.agency is None
    assert extracted.title == "Les PME françaises encore hésitantes face à l'IA générative"


@pytest.mark.parametrize(
    ("line", "source", "agency"),
    [
        ("Source : Reuters", "Reuters", "Reuters"),
        ("Source: AFP", "AFP", "AFP"),
        ("Sources : AFP, Reuters", "AFP, Reuters", "AFP"),
        ("avec AFP", "AFP", "AFP"),
        ("Le Figaro avec Reuters", "Le Figaro", "Reuters"),
        ("(AP)", "AP", "AP"),
        ("Source : Ouest-France", "Ouest-France", None),
    ],
)
def test_credit_line_forms(line, source, agency):
    text = f"Un titre court\n\nUn paragraphe qui raconte une histoire assez longue.\n\n{line}\n"
    extracted = extract_plain_text(text)
    assert (extracted.source, extracted.agency) == (source, agency)
    assert line not in extracted.text


def test_dateline_gives_the_agency():
    text = "Storm hits the coast\n\nLONDON (Reuters) - A storm hit the coast on Monday.\n"
    assert extract_plain_text(text).agency == "Reuters"


def test_byline_gives_the_author():
    text = "Un titre court\n\nPar Jeanne Dupont\n\nLe paragraphe de l'article commence ici.\n"
    extracted = extract_plain_text(text)
    assert extracted.author == "Jeanne Dupont"
    assert "Jeanne Dupont" not in extracted.text


def test_markdown_front_matter_and_headings():
    text = (
        "---\ntitle: Un titre choisi\nsource: Libération\ndate: 2024-03-15\n"
        "tags: [ia, presse]\nrubrique: tech\n---\n"
        "# Titre dans le corps\n\nUn [lien](https://example.org) et du **gras** ici.\n\n"
        "## Un intertitre utile\n\nLa suite du texte est là.\n"
    )
    extracted = extract_document(text.encode(), "note.md")
    assert extracted.title == "Un titre choisi"
    assert extracted.source == "Libération"
    assert extracted.date == "2024-03-15"
    assert extracted.tags == ["ia", "presse"]
    assert extracted.extra == {"rubrique": "tech"}
    assert "Un lien et du gras ici." in extracted.text
    assert extracted.subheadings == ["Un intertitre utile"]
    assert extracted.content_type == "text/markdown"


def test_markdown_invalid_front_matter_names_the_file():
    with pytest.raises(InputError, match=r"^bad\.md: invalid YAML front matter"):
        extract_markdown("---\ntitle: [unclosed\n---\nText\n", "bad.md")


def test_front_matter_must_be_a_mapping():
    with pytest.raises(InputError, match="front matter must be a mapping"):
        extract_markdown("---\n- a\n- b\n---\nText here\n", "list.md")


def test_a_document_of_captions_only_is_refused():
    text = "Une photo. © Jean Nom / AFP\nUne photo. © Jean Nom / AFP\n"
    with pytest.raises(InputError, match="no article text found"):
        extract_document(text.encode(), "captions.txt")
