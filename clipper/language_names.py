"""Languages as people name them: ISO 639-1 codes from codes, tags and names.

Babel's tables give the codes and their English and French names; they are
read only for a language other than the two clipper stems.
"""

from __future__ import annotations

from functools import lru_cache

from clipper.errors import LanguageError
from clipper.model import STEMMED_LANGUAGES
from clipper.textutil import fold

LANGUAGE_HINT = "give a two-letter ISO 639-1 code such as fr or en, or a language's name"


def language_code(value: str) -> str:
    """The ISO 639-1 code of a language given as a code, a tag or a name.

    ``fr``, ``FR``, ``fr-FR``, ``fr_CA``, ``fra``, ``French``, ``français`` ->
    ``fr``; names are read in English and French. A language without a
    two-letter code keeps its three-letter one (``yue``, ``Cantonese``), as
    the language identifier stores it. The languages clipper stems
    are named without loading Babel's tables. Anything else (``zz``, ``klingon``)
    raises :class:`LanguageError`: a clipping stored under a made-up code
    would be stemmed in no language and found by no ``--lang`` filter.
    """
    text = value.strip()
    primary = text.replace("_", "-").split("-", 1)[0].lower()
    if primary in STEMMED_LANGUAGES:
        return primary
    codes, aliases, names = _language_names()
    if primary in codes:
        return primary
    if code := aliases.get(primary) or names.get(fold(text.lower())):
        return code
    raise LanguageError(f"unknown language {value!r}", hint=LANGUAGE_HINT)


@lru_cache(maxsize=1)
def _language_names() -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """The ISO 639 codes Babel names, the three-letter aliases of the
    two-letter ones (``fra``, ``fre``), and each code's English and French
    name (folded)."""
    from babel import Locale
    from babel.core import get_global

    # Two letters, or three for a language that has no two-letter code
    # (yue, kab): the language identifier answers those too.
    codes = frozenset(
        c for c in Locale("en").languages if isinstance(c, str) and len(c) in (2, 3) and c.isalpha()
    )
    names: dict[str, str] = {}
    for locale in ("en", "fr"):
        for code, name in Locale(locale).languages.items():
            if isinstance(code, str) and code in codes and isinstance(name, str):
                names.setdefault(fold(name.lower()), code)
    aliases = {
        alias: code
        for alias, code in get_global("language_aliases").items()
        if len(alias) == 3 and code in codes
    }
    return codes, aliases, names
