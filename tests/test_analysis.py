"""Analysis: a query form finds its document form, in French and English."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.analysis import analyze, exact_analyzer, stemming_analyzer
from clipper.archive import Archive
from clipper.ingest import Metadata

# (query as typed, form in the document, language of the document)
PAIRS = [
    ("modèles", "modele", "fr"),
    ("modele", "modèles", "fr"),
    ("départs", "départ", "fr"),
    ("départ", "départs", "fr"),
    ("générative", "generative", "fr"),
    ("generative", "génératives", "fr"),
    ("œuvre", "oeuvre", "fr"),
    ("oeuvre", "œuvres", "fr"),
    ("l'intelligence", "intelligence", "fr"),
    ("intelligence", "l’intelligence", "fr"),
    ("GPT-4o", "GPT-4o", "en"),
    ("COVID-19", "COVID-19", "en"),
    ("Renault-Nissan", "Renault-Nissan", "en"),
    ("Renault", "Renault-Nissan", "en"),
    ("strasse", "Straße", "de"),
    ("Encyclopaedia", "Encyclopædia", "en"),
    ("vélo", "vélos", "fr"),  # Snowball alone keeps the s of short plurals
    ("pneus", "pneu", "fr"),
    ("lois", "loi", "fr"),
    ("hospitals", "hospital", "en"),
    ("running", "runs", "en"),
    ("Microsoft", "Microsoft's", "en"),
]


def _document(form: str, lang: str) -> str:
    return f"Un texte de remplissage sans rapport.\n\nLe passage important contient {form} ici.\n"


@pytest.mark.parametrize(("query", "form", "lang"), PAIRS)
def test_query_form_finds_document_form(archive: Archive, query: str, form: str, lang: str):
    archive.add_bytes(_document(form, lang).encode(), "doc.txt", Metadata(lang=lang))
    archive.add_bytes(b"Another text entirely, about weather.\n", "other.txt", Metadata(lang=lang))
    result = archive.search(query)
    assert result.total == 1, f"{query!r} should find {form!r}"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("L'IA générative", ["ia", "generative"]),
        ("qu’il jusqu'à d'OpenAI", ["il", "a", "openai"]),
        ("aujourd'hui", ["aujourd'hui", "aujourd", "hui"]),
        ("ŒUVRE Æsop Straße", ["oeuvre", "aesop", "strasse"]),
        ("GPT-4o", ["gpt-4o", "gpt", "4o"]),
    ],
)
def test_exact_analyzer_index_tokens(text, tokens):
    assert analyze(exact_analyzer(), text) == tokens


def test_query_side_keeps_compounds_whole():
    assert analyze(exact_analyzer(), "GPT-4o Renault-Nissan", mode="query") == [
        "gpt-4o",
        "renault-nissan",
    ]


def test_folding_happens_before_stemming():
    french = stemming_analyzer("fr")
    assert analyze(french, "sécurité") == analyze(french, "securite")


def test_stop_words_are_dropped_from_stemmed_fields_only():
    assert analyze(stemming_analyzer("fr"), "les modèles de la mer") == ["model", "mer"]
    exact = analyze(exact_analyzer(), "les modèles de la mer")
    assert exact == ["les", "modeles", "de", "la", "mer"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_highlighting_stems_words_like_the_index_does(lang):
    from clipper.analysis import stem_word, word_forms

    text = (
        "Les modèles génératifs des rédactions, les vélos et les lois ; "
        "hospitals running models, l'intelligence d'OpenAI, GPT-4o, Renault-Nissan."
    )
    chain = analyze(stemming_analyzer(lang), text)
    forms = [stem_word(lang, form) for form, _, _ in word_forms(text, len(text))]
    assert set(chain) <= set(forms)


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("7500", "7500"),
        ("7 500", "7500"),
        ("7\u00a0500", "7500"),
        ("7\u202f500", "7500"),
        ("7.500", "7500"),
        ("7,500", "7500"),
        ("1.234.567", "1234567"),
        ("1,234,567.89", "1234567.89"),
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        ("3,14159", "3.14159"),
    ],
)
def test_a_number_has_one_form_however_it_is_written(written, number):
    assert analyze(exact_analyzer(), f"{written} postes", mode="query") == [number, "postes"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("le 2024-03-15", ["le", "2024-03-15"]),  # a date stays one compound
        ("COVID-19", ["covid-19"]),
        ("en 2024, 500 personnes", ["en", "2024", "500", "personnes"]),
        ("version 1.2.3", ["version", "1.2.3"]),
    ],
)
def test_dates_codes_and_listed_numbers_are_not_joined(text, tokens):
    assert analyze(exact_analyzer(), text, mode="query") == tokens


# -- the word cache: the same tokens as the chains it stands for ------------------

_PIECES = [
    "l'",
    "d'",
    "qu'",
    "jusqu'",
    "aujourd'hui",
    "'s",
    "’",
    "-",
    "‐",
    "‑",
    ".",
    ",",
    " ",
    "\u00a0",
    "\u202f",
    "\n",
    "7 500",
    "7.500",
    "2,5",
    "1,234.5",
    "2024-03-15",
    "COVID-19",
    "GPT-4o",
    "Renault-Nissan",
    "U.S.",
    "Les",
    "les",
    "the",
    "modèles",
    "vélos",
    "bus",
    "Œuvre",
    "straße",
    "État",
    "pneus",
    "cats'",
    "x",
]
_texts = st.lists(
    st.one_of(
        st.sampled_from(_PIECES),
        st.text(alphabet="aeéèçœàAÉ0123456789 '-.,’", max_size=8),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=_texts)
def test_the_digit_guard_changes_no_token(text):
    # TOKEN_PATTERN tries the number pattern only where a digit starts: the
    # tokens must be those of the pattern without that guard.
    from clipper.analysis import NUMBER_PATTERN, TOKEN_PATTERN

    unguarded = rf"(?:{NUMBER_PATTERN})|\w+(?:['’\-‐‑.]\w+)*"
    assert TOKEN_PATTERN.startswith(r"(?=\d)")
    assert [m.span() for m in re.finditer(TOKEN_PATTERN, text)] == [
        m.span() for m in re.finditer(unguarded, text)
    ]


def _all(tokens, original=False):
    return [
        (t.text, getattr(t, "pos", None), t.startchar, t.endchar, t.original if original else None)
        for t in tokens
    ]


@settings(max_examples=300, deadline=None)
@given(text=_texts, start_pos=st.integers(0, 5), start_char=st.integers(0, 50))
def test_cached_exact_tokens_are_the_chains(text, start_pos, start_char):
    from clipper.analysis import _exact_chain

    options = {"positions": True, "chars": True, "start_pos": start_pos, "mode": "index"}
    expected = _all(_exact_chain()(text, start_char=start_char, **options))
    # Twice: the first fills the word cache, the second reads it (a new string,
    # so the tokens of the last text are not simply replayed).
    for value in (text, "".join(text)):
        assert _all(exact_analyzer()(value, start_char=start_char, **options)) == expected


@settings(max_examples=300, deadline=None)
@given(
    text=_texts,
    lang=st.sampled_from(["fr", "en"]),
    positions=st.booleans(),
    start_pos=st.integers(0, 5),
)
def test_cached_stems_are_the_chains(text, lang, positions, start_pos):
    from clipper.analysis import _stemming_chain

    options = {
        "positions": positions,
        "chars": True,
        "keeporiginal": True,
        "start_pos": start_pos,
        "mode": "index",
    }
    expected = _all(_stemming_chain(lang)(text, **options), original=True)
    for value in (text, "".join(text)):
        got = _all(stemming_analyzer(lang)(value, **options), original=True)
        assert got == expected


@pytest.mark.parametrize("mode", ["query", "index"])
def test_stemming_analyzer_keeps_stop_words_when_asked(mode):
    from clipper.analysis import _stemming_chain

    text = "les modèles de la mer"
    expected = [
        (t.text, t.stopped) for t in _stemming_chain("fr")(text, removestops=False, mode=mode)
    ]
    got = [(t.text, t.stopped) for t in stemming_analyzer("fr")(text, removestops=False, mode=mode)]
    assert got == expected
    assert ("le", True) in got or ("les", True) in got


# Words of every kind the exact chain treats apart: accents, elisions,
# compounds, numbers, ligatures, possessives, initials, stray separators.
_KINDS_OF_WORDS = (
    "Modèles l'unité L’État d'OpenAI GPT-4o Renault-Nissan 7.500 2,5 1,234,567.89 "
    "ŒUVRE Straße Reuters's U.S. aujourd'hui et the 12 vélos - ' . x-"
).split()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_KINDS_OF_WORDS), max_size=12),
    st.sampled_from([" ", "  ", ", ", " ; ", "\n"]),
)
def test_highlighting_reads_the_words_the_exact_field_indexes(words, separator):
    from clipper.analysis import word_forms

    text = separator.join(words)
    forms = [form for form, _, _ in word_forms(text, len(text))]
    assert forms == analyze(exact_analyzer(), text)
