"""Extraction rules, kept as data, shared by every format.

Each rule is a compiled pattern or a limit with a name, plus the few small
readers built on them (a closing credit line, a title from a sentence).
Plain text, Markdown, HTML, e-mail and PDF extraction all apply these: adding
an agency or a credit form means editing this file only.
"""

from __future__ import annotations

import re
import unicodedata

from clipper.textutil import shorten

# Wire agencies: canonical name -> spellings met in French and English copy.
AGENCIES: dict[str, tuple[str, ...]] = {
    # AFP-Services writes AFP's copy for its clients' sites ("Orange avec AFP-Services").
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse", "AFP-Services"),
    "Reuters": ("Reuters", "Thomson Reuters"),
    "AP": ("AP", "Associated Press"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "Belga": ("Belga",),
    "ANSA": ("ANSA",),
    "EFE": ("EFE",),
    "Bloomberg": ("Bloomberg",),
    "Xinhua": ("Xinhua",),
    "Kyodo": ("Kyodo",),
    "ATS": ("ATS", "Keystone-ATS"),
    "APA": ("APA",),
    "PA": ("PA Media",),
    "Anadolu": ("Anadolu", "AA"),
    "UPI": ("UPI",),
}

_AGENCY_ALTERNATION = "|".join(
    sorted((re.escape(s) for names in AGENCIES.values() for s in names), key=len, reverse=True)
)

# "Source : Reuters", "Source: AFP", "Sources : AFP, Reuters"
SOURCE_LINE = re.compile(r"^\s*sources?\s*:\s*(?P<value>.{1,80}?)\s*\.?\s*$", re.IGNORECASE)
# "Le Monde avec AFP", "avec AFP", "With AFP", "Le Figaro (avec AFP)"
WITH_AGENCY_LINE = re.compile(
    rf"^\s*(?P<outlet>[^()]{{0,60}}?)\s*\(?\s*(?:avec|with)\s+(?P<agency>{_AGENCY_ALTERNATION})"
    r"\s*\)?\s*\.?\s*$",
    re.IGNORECASE,
)
# "(AFP)" or "(Reuters)" closing a paragraph or standing alone.
TRAILING_AGENCY = re.compile(rf"\(\s*(?P<agency>{_AGENCY_ALTERNATION})\s*\)\s*\.?\s*$")
# Datelines: "PARIS (AFP) -", "LONDON (Reuters) -"
DATELINE = re.compile(
    rf"^[A-ZÀ-Ý][A-ZÀ-Ý' .-]{{1,40}}\s*\((?P<agency>{_AGENCY_ALTERNATION})\)\s*[-–—]"
)
# Photo credits: "Caption text. © Jane Doe / AFP", "© Studio"
CAPTION_CREDIT = re.compile(
    r"^(?P<caption>.*?)\s*(?:©|\(c\)|Crédit\s*:|Credit\s*:)\s*(?P<credit>[^©]{1,120})$",
    re.IGNORECASE,
)
PHOTO_CREDIT = re.compile(
    r"^(?P<caption>.*?)\s*[(\[]?\s*(?:photo|crédit photo|photo credit)\s*:\s*"
    r"(?P<credit>[^)\]]{1,120})[)\]]?\s*$",
    re.IGNORECASE,
)
# A credit named by a word ("Photo :", "Crédit :") starts its own sentence:
# "…à Genève.Photo : le coupé", not "il a publié une photo : on y voit…".
WORD_CREDIT_LABEL = re.compile(r"^\s*[(\[]?\s*(?:photo|crédit|credit)", re.IGNORECASE)
BEFORE_OWN_SENTENCE = re.compile(r"(?:^|[.!?…»\"”)])\s*$")
# A line under the headline giving the publication date, alone or after a
# byline: "Publié le 15 novembre 2023 à 10h30", "Le 3 mars 2024", "15/11/2023",
# "Updated March 15, 2024", "Par Jeanne Martin, le 15 novembre 2023".
_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre"
    "|novembre|décembre|decembre|january|february|march|april|may|june|july|august"
    "|september|october|november|december|janv?|févr?|fevr?|avr|juil|sept?|oct|nov|déc|dec"
    "|jan|feb|mar|apr|jun|jul|aug"
)
_WEEKDAYS = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
HEADER_DATE = re.compile(
    r"^\s*(?:(?:publié|mis\s+à\s+jour|modifié|actualisé|published|updated|posted)\s*(?:le|on)?"
    r"\s*:?\s*|le\s+|on\s+)?"
    rf"(?:(?:{_WEEKDAYS}),?\s+)?"
    r"(?P<date>"
    rf"\d{{1,2}}(?:er)?\.?\s+(?:{_MONTHS})\.?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
    r")"
    r"(?:\s*(?:à|at|,|-)?\s*(?P<time>\d{1,2}\s*[h:]\s*\d{2})(?:\s*(?:am|pm))?)?"
    r"\s*\.?\s*$",
    re.IGNORECASE,
)
# Between a byline and a date sharing a line: "Par A | Publié le …", "Par A, le …".
HEADER_SEPARATOR = re.compile(
    r"\s+[|–—-]\s+|\s*[|•]\s*|,\s+(?=(?:le|publié|mis|updated|published|on)\b)",
    re.IGNORECASE,
)
# How many paragraphs under the headline may hold the byline and the date line.
HEADER_LINES = 3

# Sidebar widgets: bulleted lines and ratings such as "10 / 10".
WIDGET_BULLET = re.compile(r"^\s*[•●▪►◆·*–-]\s+\S")
RATING = re.compile(r"^\s*\d{1,2}(?:[.,]\d)?\s*/\s*(?:5|10|20|100)\s*$")
# A headline: no closing sentence punctuation.
SENTENCE_END = re.compile(r"[.!?…:;,»\"”]\s*$")
FIRST_SENTENCE = re.compile(r"^(?P<sentence>.+?[.!?…])(?=\s+[A-ZÀ-Ý«\"“]|\s*$)", re.DOTALL)

# Captions and sidebar lines are short lines apart from the body; a longer
# line is body text, even when a credit is glued to its end.
CAPTION_MAX_WORDS = 30
SIDEBAR_MAX_WORDS = 20
HEADLINE_MAX_CHARS = 150
HEADLINE_MAX_WORDS = 24
SUBHEADING_MAX_CHARS = 90
SUBHEADING_MAX_WORDS = 12
TITLE_FROM_SENTENCE_CHARS = 110


# "avec AFP" / "with Reuters" anywhere in a byline, case-sensitive for the agency
# ("Le Monde avec AFP", "Orange avec AFP-Services").
AGENCY_IN_BYLINE = re.compile(rf"\b(?:[Aa]vec|[Ww]ith)\s+(?P<agency>{_AGENCY_ALTERNATION})\b")


# --- bylines ---------------------------------------------------------------

# A byline line naming its authors: "Par Claire Dumas", "By A, B and C".
_NAME = r"[A-ZÀ-Ý][\w'’.-]+(?:\s+(?:de\s+|van\s+|von\s+)?[A-ZÀ-Ý][\w'’.-]+){0,3}"
# Between names of a byline: "Par A, B et C", "By A and B", "By A & B".
BYLINE_NAME_SEPARATOR = r"\s*,\s*|\s+(?:et|and|&)\s+"
BYLINE = re.compile(
    rf"^\s*(?:[Pp]ar|[Bb]y)\s+(?P<author>{_NAME}(?:(?:{BYLINE_NAME_SEPARATOR}){_NAME}){{0,5}})\s*$"
)
# Reuters' closing staff credit (its house style): "(Reporting by Anna Schmidt
# in Berlin and Tom Li; Editing by Tom Hogue)". Brackets or an editing clause
# are required, so that a sentence starting "Reporting by the BBC…" is not one.
REPORTING_AGENCY = "Reuters"
REPORTING_CREDIT_MAX_CHARS = 300
_REPORTERS_CLAUSE = re.compile(r"^(?:reporting|writing)\s+by\s+(?P<names>\S.*)$", re.IGNORECASE)
_OTHER_STAFF_CLAUSE = re.compile(
    r"^(?:additional reporting|editing|writing|compiled|graphics)\s+by\s", re.IGNORECASE
)
# Words of a reporter's name: capitalised, a particle, or "al-Omran".
_NAME_WORD = re.compile(r"[A-ZÀ-Ý][\w'’.-]*|[a-z]{1,3}-[A-ZÀ-Ý][\w'’.-]*")
_NAME_PARTICLES = frozenset(
    "de da di du des del della dos das van der den von bin ben al el le la ter ten".split()
)
# Capitalised words that make a credit a desk's, not a person's.
_NOT_PERSON_WORDS = frozenset({"Staff", "Newsroom", "Desk", "Bureau", "Team", "Reporters"})


def reporting_credit(paragraph: str) -> list[str] | None:
    """The reporters a closing staff credit names, or ``None`` if it is not one.

    "(Reporting by Anna Schmidt in Berlin and Tom Li; Editing by Tom Hogue)"
    -> ``["Anna Schmidt", "Tom Li"]``: places go, editors are not authors.
    """
    text = paragraph.strip()
    if len(text) > REPORTING_CREDIT_MAX_CHARS:
        return None
    text = text.removesuffix(REPORTING_AGENCY).rstrip().rstrip(".").rstrip()
    bracketed = text.startswith("(") and text.endswith(")")
    if bracketed:
        text = text[1:-1]
    if "(" in text or ")" in text:
        return None
    clauses = [clause.strip() for clause in text.split(";")]
    first = _REPORTERS_CLAUSE.match(clauses[0])
    if not first or not (bracketed or any(_OTHER_STAFF_CLAUSE.match(c) for c in clauses[1:])):
        return None
    return _reporters(first["names"])


def _reporters(text: str) -> list[str] | None:
    """``Anna Schmidt in Trinidad and Tobago, Tom Li`` -> the two names.

    A part after a place ("Tobago", "Germany", "D.C.") that is not a full
    name is taken as more of the place.
    """
    names: list[str] = []
    after_place = False
    for part in re.split(BYLINE_NAME_SEPARATOR, text.strip()):
        name, has_place, _ = part.partition(" in ")
        if _is_person_name(name):
            names.append(name.strip())
            after_place = bool(has_place)
        elif not after_place or has_place:
            return None
    return names or None


def _is_person_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 5 or words[-1] in _NAME_PARTICLES:
        return False
    if not all(_NAME_WORD.fullmatch(w) or w in _NAME_PARTICLES for w in words):
        return False
    if _NOT_PERSON_WORDS & set(words) or not _NAME_WORD.fullmatch(words[0]):
        return False
    return canonical_agency(text) is None and not any(canonical_agency(w) for w in words)


# A line a page shows above its text: "Par Claire Dumas" (a byline start) or
# "AFP, publié le 3 mai 2024 à 10h12" (a dateline), among the first few.
BY_AUTHOR = re.compile(r"^(?:[Pp]ar|[Bb]y|BY|PAR)\s+[A-ZÀ-Ý]")
DATELINE_WORDS = re.compile(
    r"\b(?:publié|mis à jour|actualisé|modifié|published|updated|posted)\b(?=.*\d)",
    re.IGNORECASE,
)
BYLINE_HEAD_LINES = 3
BYLINE_MAX_WORDS = 20

# --- captions and photo credits of a page's figures --------------------------

FIGURE_CAPTION_MAX_WORDS = 80
FIGURE_CREDIT_MAX_WORDS = 6
# "Photo : X", "Image: X", "Credits: X" (whole line is a credit).
CREDIT_LABEL = re.compile(
    r"^(?P<caption>)(?:photos?|images?|cr[ée]dits?(?: photo)?|illustration)"
    r"\s*(?::|\.\.\.|…)\s*(?P<credit>.+)$",
    re.IGNORECASE,
)
CREDIT_LABEL_ONLY = re.compile(r"^(?:photos?|images?|cr[ée]dits?|illustration)\s*:?$", re.I)
# "Caption text. (AP Photo/Jane Doe)", "Caption (Jane Doe/Getty Images)"
TRAILING_PHOTO_CREDIT = re.compile(
    r"^(?P<caption>.+?)\s*\((?P<credit>[^()]*(?:\bPhoto\b|\bGetty\b|\S/\S|\s/\s)[^()]*)\)\s*\.?$"
)
# A short "Name / Agency" line.
NAME_SLASH_NAME = re.compile(r"^[\w.'’ -]+?\s?/\s?[\w.'’ -]+$")
# Photo agencies and image banks: a short line naming one is a credit.
PHOTO_AGENCIES = ("Getty Images", "Shutterstock", "iStock", "Alamy", "Sipa", "Hans Lucas")
PHOTO_AGENCY = re.compile(r"\b(?:" + "|".join(map(re.escape, PHOTO_AGENCIES)) + r")\b")


# A "Source :" line naming no agency is a sentence past this many words, not a credit.
SOURCE_LINE_MAX_WORDS = 4


def read_credit_line(line: str) -> tuple[str | None, str | None] | None:
    """``(source, agency)`` of a closing credit line, or ``None`` if it is not one.

    "Source : Reuters" -> ("Reuters", "Reuters"); "Le Monde avec AFP" ->
    ("Le Monde", "AFP"); "(AFP)" -> (None, "AFP").
    """
    if match := SOURCE_LINE.match(line):
        value = match["value"].strip()
        found = agencies_in(value)
        if not found and len(value.split()) > SOURCE_LINE_MAX_WORDS:
            return None
        return value, next(iter(found), None)
    if match := WITH_AGENCY_LINE.match(line):
        return match["outlet"].strip(" ,-–") or None, canonical_agency(match["agency"])
    if match := TRAILING_AGENCY.fullmatch(line.strip()):
        return None, canonical_agency(match["agency"])
    return None


# Closing credit lines are looked for among this many last non-blank lines.
CREDIT_TAIL_LINES = 3


def take_credit_lines(lines: list[str]) -> tuple[str | None, str | None, list[str]]:
    """Remove closing credit lines; return ``(source, agency, the other lines)``.

    Lines (of pasted text) or paragraphs (of a page) are read from the end:
    among the last :data:`CREDIT_TAIL_LINES` non-blank ones, each credit line
    goes, also above a closing line that is not one ("Suivez-nous…"). The
    first non-blank line never goes: it is the text. Blank lines stay.
    """
    first_text = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    source: str | None = None
    agency: str | None = None
    taken: set[int] = set()
    seen = 0
    for index in range(len(lines) - 1, first_text, -1):
        if seen == CREDIT_TAIL_LINES:
            break
        if not lines[index].strip():
            continue
        seen += 1
        if (credit := read_credit_line(lines[index])) is not None:
            source, agency = source or credit[0], agency or credit[1]
            taken.add(index)
    return source, agency, [line for i, line in enumerate(lines) if i not in taken]


def title_from_sentence(paragraph: str) -> str:
    """A title for a text that has none: its first sentence, shortened."""
    paragraph = paragraph.strip()
    match = FIRST_SENTENCE.match(paragraph)
    sentence = match["sentence"] if match else paragraph
    return shorten(sentence.rstrip("."), TITLE_FROM_SENTENCE_CHARS)


def comparable(text: str) -> str:
    """A line as compared with a title: NFC, case-folded, straight apostrophes, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("’", "'").split())


def add_unique(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def canonical_agency(name: str) -> str | None:
    """``"agence france-presse"`` -> ``"AFP"``; ``None`` if not a known agency."""
    wanted = name.strip().casefold()
    for canonical, spellings in AGENCIES.items():
        if any(wanted == s.casefold() for s in spellings):
            return canonical
    return None


def agency_in_credit(text: str) -> str | None:
    """The agency a credit names: ``"Reuters"``, ``"Orange avec AFP"``, ``"Source : AFP"``."""
    if match := WITH_AGENCY_LINE.match(text):
        return canonical_agency(match["agency"])
    if match := SOURCE_LINE.match(text):
        text = match["value"]
    return next(iter(agencies_in(text)), None)


def agencies_in(text: str) -> list[str]:
    """Known agencies named in a short credit text such as ``"AFP, Reuters"``."""
    found = []
    for part in re.split(r"\s*(?:,|/|&|\bet\b|\band\b)\s*", text):
        agency = canonical_agency(part)
        if agency and agency not in found:
            found.append(agency)
    return found
