from __future__ import annotations

import pytest

from clipper.errors import LanguageError, UsageError
from clipper.language_names import language_code


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("fr", "fr"),
        (" EN ", "en"),
        ("fr-FR", "fr"),
        ("en_US", "en"),
        ("pt-BR", "pt"),
        ("de", "de"),
        ("French", "fr"),
        ("english", "en"),
        ("français", "fr"),
        ("Francais", "fr"),
        ("anglais", "en"),
        ("German", "de"),
        ("allemand", "de"),
        # ISO 639-2 codes, both forms.
        ("fra", "fr"),
        ("fre", "fr"),
        ("ENG", "en"),
        ("deu", "de"),
        # A language without a two-letter code keeps its three letters, as the
        # language identifier stores it.
        ("yue", "yue"),
        ("Cantonese", "yue"),
        ("KAB", "kab"),
    ],
)
def test_codes_tags_and_names_give_the_iso_code(given, code):
    assert language_code(given) == code


@pytest.mark.parametrize("given", ["zz", "zzz", "elvish", "", "e", "fra ncais", "12"])
def test_anything_else_is_a_usage_error_naming_it(given):
    with pytest.raises(LanguageError, match=f"^unknown language {given!r}$") as raised:
        language_code(given)
    assert isinstance(raised.value, UsageError)
    assert "ISO 639-1" in (raised.value.hint or "")
