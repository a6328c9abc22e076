"""Extraction of each seed-like feature from plain text and Markdown."""

from __future__ import annotations

import json

import pytest
from conftest import fixture_text

from clipper.errors import InputError
from clipper.extract.markdown import extract_markdown, markdown_to_text
from clipper.extract.plaintext import extract_plain_text
from clipper.ingest import extract_document, extract_json_record


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


@pytest.mark.parametrize(
    ("credit", "author"),
    [
        (
            "(Reporting by Anna Schmidt in Berlin and Tom Li; Editing by Tom Hogue)",
            "Anna Schmidt, Tom Li",
        ),
        ("(Reporting by Anna Schmidt; Editing by Tom Hogue) Reuters", "Anna Schmidt"),
        ("Reporting by David Ortega; Editing by Leslie Adler", "David Ortega"),
        ("(Reporting by Jean Dupont in Paris)", "Jean Dupont"),
        # Places go whole, also those with "and" or a comma in them...
        ("(Reporting by Ana Lima in Trinidad and Tobago; Editing by Tom Hogue)", "Ana Lima"),
        ("(Reporting by Ana Lima in Berlin, Germany and Tom Li in Paris)", "Ana Lima, Tom Li"),
        ("(Reporting by Ana Lima in Washington, D.C.)", "Ana Lima"),
        # ...and names keep their particles.
        ("(Reporting by Luiz da Silva and Ahmed al-Omran; Editing by Tom Hogue)",
         "Luiz da Silva, Ahmed al-Omran"),
        ("(Reporting By Pieter van der Berg; editing by Tom Hogue)", "Pieter van der Berg"),
    ],
)
def test_a_wire_staff_credit_gives_the_reporters_and_reuters(credit, author):
    text = (
        "Steel output falls in Germany\n\nGerman steel output fell for a third month in "
        f"October, the industry association said on Tuesday.\n\n{credit}\n"
    )
    extracted = extract_plain_text(text)
    assert (extracted.author, extracted.agency, extracted.source) == (author, "Reuters", "Reuters")
    assert extracted.text.endswith(credit)  # the names stay searchable as written


@pytest.mark.parametrize(
    "closing",
    [
        "Reporting by the BBC found that many people were unhappy with the plan.",
        "Reporting by the regional press; editing by nobody in particular.",
        "(Reporting by our correspondents)",
        # An agency or a desk is no reporter.
        "(Reporting by AFP)",
        "(Reporting by Agence France-Presse)",
        "(Reporting by Reuters Staff)",
    ],
)
def test_a_sentence_about_reporting_is_no_staff_credit(closing):
    text = f"Un titre court\n\nUn paragraphe qui raconte une histoire assez longue.\n\n{closing}\n"
    extracted = extract_plain_text(text)
    assert (extracted.author, extracted.agency) == (None, None)


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


ONE_PARAGRAPH_BODY = (
    "Le constructeur alsacien Véloria a dévoilé mardi à Genève un coupé électrique de 600"
    " chevaux, produit à 250 exemplaires seulement.Présentée sur un stand discret, la voiture a"
    " attiré des collectionneurs venus de toute l'Europe, séduits par sa carrosserie en fibre de"
    " lin et par une autonomie annoncée de 480 kilomètres.Les premières livraisons sont"
    " attendues au printemps, pour un prix qui n'a pas été communiqué."
)


def test_a_long_paragraph_ending_with_a_photo_credit_keeps_its_body():
    extracted = extract_plain_text(fixture_text("one_paragraph_photo_fr.txt"), has_title=True)
    assert extracted.text == ONE_PARAGRAPH_BODY
    assert extracted.captions == []
    assert extracted.credits == ["le coupé Véloria Aurore au salon de Genève"]


def test_a_json_record_of_one_paragraph_ending_with_a_photo_credit_keeps_its_body():
    record = {
        "title": "Véloria dévoile son coupé",
        "text": fixture_text("one_paragraph_photo_fr.txt"),
    }
    extracted = extract_json_record(json.dumps(record), "orangesum.jsonl:1")
    assert extracted.text == ONE_PARAGRAPH_BODY
    assert extracted.title == "Véloria dévoile son coupé"


def test_web_copy_with_a_credit_glued_to_a_paragraph():
    extracted = extract_plain_text(fixture_text("webcopy_photo_fr.txt"))
    assert extracted.title == "Marée noire : les bénévoles se relaient sur les plages du Finistère"
    assert extracted.author == "Léa Fontaine"
    assert extracted.text == (
        "Depuis l'échouage du cargo Aldebaran jeudi soir, des centaines de bénévoles ramassent"
        " chaque jour des galettes de fioul sur les plages situées entre Plouguerneau et Landéda."
        "\n\nUne course contre la marée"
        "\n\nLes équipes doivent finir avant le retour de la marée haute, qui redépose du fioul"
        " sur le sable à peine nettoyé. « On ramasse, la mer rapporte, on recommence », résume une"
        " retraitée venue de Brest avec ses petits-enfants. La préfecture maritime a interdit la"
        " pêche à pied jusqu'à nouvel ordre."
        "\n\nLes associations réclament un fonds d'indemnisation pour les ostréiculteurs, qui"
        " craignent de perdre une saison entière."
    )
    assert extracted.captions == ["Des bénévoles sur la plage de Lilia, samedi matin."]
    assert extracted.credits == [
        "Yann Le Goff / AFP",
        "le cargo Aldebaran échoué au large de l'île Vierge",
    ]
    assert extracted.subheadings == ["Une course contre la marée"]
    assert extracted.sidebar == [
        "• Point d'accueil à la mairie de Landéda",
        "• Inscriptions des bénévoles en ligne",
        "• Gants et bottes fournis",
    ]
    assert (extracted.source, extracted.agency) == ("Reuters", "Reuters")


def test_a_photo_word_inside_a_sentence_is_not_a_credit():
    paragraph = (
        "Le maire a longuement commenté la scène devant les caméras, puis il a publié une photo :"
        " on y voit la digue rompue et les maisons inondées du quartier"
    )
    extracted = extract_plain_text(f"{paragraph}\n", has_title=True)
    assert extracted.text == paragraph
    assert extracted.credits == []


def test_a_long_paragraph_pasted_twice_stays_in_the_body_once():
    paragraph = (
        "Les équipes doivent finir avant le retour de la marée haute, qui redépose du fioul sur le"
        " sable à peine nettoyé, et les bénévoles se relaient depuis l'aube sur toutes les plages"
        " de la côte, des plus fréquentées aux criques que seuls les pêcheurs connaissent."
    )
    text = f"Un titre court\n\n{paragraph}\n{paragraph}\n\nLa suite du texte est là.\n"
    extracted = extract_plain_text(text)
    assert extracted.text == f"{paragraph}\n\nLa suite du texte est là."
    assert extracted.captions == []


@pytest.mark.parametrize(
    ("text", "body"),
    [
        # Only a caption with its credit, said twice as web copies do.
        (
            "Une photo. © Jean Nom / AFP\nUne photo. © Jean Nom / AFP\n",
            "Une photo. © Jean Nom / AFP",
        ),
        (
            "Le tramway de Brest inauguré samedi. © Ville de Brest\n",
            "Le tramway de Brest inauguré samedi. © Ville de Brest",
        ),
        # Only indented bullets, the shape of a sidebar widget.
        ("  • Un premier point\n  • Un second point\n", "• Un premier point\n\n• Un second point"),
        # A headline and a byline-shaped line: the line is the text.
        ("Un titre court\n\nPar Jeanne Dupont\n", "Par Jeanne Dupont"),
    ],
)
def test_when_the_rules_would_leave_no_body_the_text_is_kept(text, body):
    assert extract_plain_text(text).text == body
    assert extract_document(text.encode(), "short.txt").text == body


@pytest.mark.parametrize(
    ("fields", "agency"),
    [
        ({"source": "Reuters"}, "Reuters"),
        ({"provider": "Orange avec AFP"}, "AFP"),
        ({"provider": "Orange avec AFP-Services"}, "AFP"),
        ({"source": "Le Figaro avec Reuters"}, "Reuters"),
        ({"source": "AFP, Reuters"}, "AFP"),
        ({"provider": "Orange avec Media Services"}, None),
        ({"source": "Ouest-France"}, None),
        # An agency given by the record wins.
        ({"source": "Reuters", "agency": "AP"}, "AP"),
        # An explicit null, as `clipper export` writes it, means no agency.
        ({"source": "Reuters", "agency": None}, None),
    ],
)
def test_json_record_agency_from_its_source_or_provider(fields, agency):
    record = {"title": "Un titre", "text": "Un paragraphe qui raconte une histoire.", **fields}
    assert extract_json_record(json.dumps(record), "records.jsonl:1").agency == agency


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("Par Jeanne Dupont et Paul Martin", "Jeanne Dupont, Paul Martin"),
        (
            "Par Alexandre Hervé, Julie Piet et Marc de Lattre",
            "Alexandre Hervé, Julie Piet, Marc de Lattre",
        ),
        ("By Jane Doe and John Smith", "Jane Doe, John Smith"),
        ("By Jane Doe & John Smith", "Jane Doe, John Smith"),
    ],
)
def test_a_byline_keeps_every_author(byline, author):
    text = f"Un titre court\n\n{byline}\n\nLe paragraphe de l'article commence ici.\n"
    extracted = extract_plain_text(text)
    assert extracted.author == author
    assert extracted.text == "Le paragraphe de l'article commence ici."


def test_json_record_with_a_list_of_authors_keeps_them_all():
    record = {"title": "Un titre", "text": "Un paragraphe.", "author": ["Léa Roux", "Marc Gilles"]}
    assert (
        extract_json_record(json.dumps(record), "records.jsonl:1").author == "Léa Roux, Marc Gilles"
    )


def test_markdown_emphasis_loses_its_markers_but_not_bullets_or_arithmetic():
    body = (
        "Un *mot* et un _autre_, du **gras**, du __gras__ et du ***tout***.\n\n"
        "* une puce\n* deux puces\n\n"
        "Le calcul 2 * 3 * 4 vaut 2*3*4, et snake_case_name reste tel quel."
    )
    assert markdown_to_text(body) == (
        "Un mot et un autre, du gras, du gras et du tout.\n\n"
        "* une puce\n* deux puces\n\n"
        "Le calcul 2 * 3 * 4 vaut 2*3*4, et snake_case_name reste tel quel."
    )


@pytest.mark.parametrize(
    ("header", "author", "date"),
    [
        (["Par Jeanne Martin", "Publié le 15 novembre 2023 à 10h30"], "Jeanne Martin",
         "2023-11-15T10:30:00"),
        (["Le 3 mars 2024", "Par Jeanne Martin et Paul Durand"], "Jeanne Martin, Paul Durand",
         "2024-03-03"),
        (["Par Jeanne Martin | Publié le 15 novembre 2023"], "Jeanne Martin", "2023-11-15"),
        (["Par Jeanne Martin, le lundi 4 mars 2024"], "Jeanne Martin", "2024-03-04"),
        (["By John Smith - Updated March 15, 2024 at 10:30"], "John Smith",
         "2024-03-15T10:30:00"),
        (["15/11/2023"], None, "2023-11-15"),
        (["Mis à jour le 2 févr. 2024"], None, "2024-02-02"),
    ],
)
def test_byline_and_date_lines_under_the_headline(header, author, date):
    body = ["La ville a voté mardi soir un budget en hausse.", "Le vote a été serré."]
    extracted = extract_plain_text("\n\n".join(["Un budget voté de justesse", *header, *body]))
    assert (extracted.title, extracted.author, extracted.date) == (
        "Un budget voté de justesse",
        author,
        date,
    )
    assert extracted.text == "\n\n".join(body)


@pytest.mark.parametrize(
    "first",
    [
        "Le 3 mars 2024, la ville a voté un budget en hausse.",  # a sentence, not a date line
        "Par ailleurs le conseil a voté un budget en hausse.",
    ],
)
def test_a_body_paragraph_opening_like_a_header_stays_in_the_body(first):
    text = "\n\n".join(["Un budget voté de justesse", first, "Le vote a été serré."])
    extracted = extract_plain_text(text)
    assert extracted.text.startswith(first)
    assert extracted.date is None and extracted.author is None


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("Source : Reuters", ("Reuters", "Reuters")),
        ("Sources : AFP, Reuters", ("AFP, Reuters", "AFP")),
        ("Source : Ouest-France", ("Ouest-France", None)),
        ("Le Monde avec AFP", ("Le Monde", "AFP")),
        ("Le Figaro (avec Reuters)", ("Le Figaro", "Reuters")),
        ("avec AFP", (None, "AFP")),
        ("(AFP)", (None, "AFP")),
        ("Source : selon les chiffres publiés mardi par le ministère", None),
        ("La ville a voté mardi soir.", None),
    ],
)
def test_one_rule_reads_closing_credit_lines(line, credit):
    from clipper.extract import rules

    assert rules.read_credit_line(line) == credit


def test_a_long_source_sentence_stays_in_a_pasted_text():
    text = (
        "Le budget de la ville\n\nLe conseil a voté le budget mardi soir.\n\n"
        "Source : selon les chiffres publiés mardi par le ministère\n"
    )
    extracted = extract_plain_text(text)
    assert extracted.source is None
    assert extracted.text.endswith("Source : selon les chiffres publiés mardi par le ministère")


@pytest.mark.parametrize(
    ("lines", "source", "agency", "rest"),
    [
        # A credit among the last three non-blank lines, past a line that is not one.
        (["Titre", "", "Un texte.", "Source : Reuters", "", "Suivez-nous."],
         "Reuters", "Reuters", ["Titre", "", "Un texte.", "", "Suivez-nous."]),
        # Two credits; the one nearest the end names the source first.
        (["Un texte.", "Le Monde avec AFP", "(Reuters)"], "Le Monde", "Reuters", ["Un texte."]),
        # The fourth non-blank line from the end is body text, whatever it says.
        (["(AFP)", "Un.", "Deux.", "Trois."], None, None, ["(AFP)", "Un.", "Deux.", "Trois."]),
        # The first line is never a closing line: a text is not emptied.
        (["Source : Reuters"], None, None, ["Source : Reuters"]),
        (["", "(AFP)", "", "Source : Reuters"], "Reuters", "Reuters", ["", "(AFP)", ""]),
    ],
)
def test_one_rule_takes_closing_credit_lines(lines, source, agency, rest):
    from clipper.extract import rules

    assert rules.take_credit_lines(lines) == (source, agency, rest)


def test_a_credit_line_above_a_closing_line_of_pasted_text_is_read():
    text = "Le budget\n\nLe conseil a voté le budget.\n\nSource : Reuters\nSuivez-nous.\n"
    extracted = extract_plain_text(text)
    assert (extracted.source, extracted.agency) == ("Reuters", "Reuters")
    assert extracted.text.split("\n\n") == ["Le conseil a voté le budget.", "Suivez-nous."]
