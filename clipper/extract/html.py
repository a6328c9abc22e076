"""Extraction from a saved HTML page, with trafilatura.

trafilatura finds the main text and most metadata (title, byline, date through
htmldate, site name, categories, tags, canonical URL, JSON-LD). This module
decodes the bytes (trafilatura itself ignores ``<meta charset>``), reads what
trafilatura does not return (declared language, figure captions and photo
credits, a closing agency credit) and maps the result onto :class:`Extracted`.

trafilatura is imported inside the functions: importing it costs about a
quarter of a second and the CLI must start fast.

The settings in :data:`DEFAULT_SETTINGS` were chosen by measuring on public
ground-truth sets (``benchmarks/quality_html.py``, ``docs/quality.md``).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from clipper.dates import parse_document_date
from clipper.errors import ClipperError, DateFormatError, InputError
from clipper.extract import Extracted, rules
from clipper.language_names import language_code

if TYPE_CHECKING:
    from lxml.html import HtmlElement

Favor = Literal["precision", "balanced", "recall"]


@dataclass(frozen=True)
class HtmlSettings:
    """trafilatura options, and what this module does around them."""

    favor: Favor = "precision"
    # When the text found with ``favor`` is shorter than ``fallback_below_chars``
    # and than ``fallback_ratio`` times the text found with ``fallback_favor``,
    # keep the latter: precision mode sometimes keeps only a fragment.
    fallback_favor: Favor | None = "recall"
    fallback_below_chars: int = 1500
    fallback_ratio: float = 0.3
    include_tables: bool = True
    # Drop repeated paragraphs *within* the page (a fresh cache per call, so
    # extracting the same page twice gives the same text).
    deduplicate: bool = False
    # htmldate's extensive search also reads dates in the page text and URL.
    extensive_date_search: bool = True
    # Remove <figcaption> from the tree before text extraction (captions are
    # returned in ``captions``, not in the body).
    captions_out_of_text: bool = True
    # Remove a trailing " - Site" / " | Site" from the title when it names the site.
    strip_site_from_title: bool = True
    # Prefer the article's visible <h1> to the metadata title (og:title, <title>)
    # when it is a real headline that shares words with the metadata title.
    title_from_headline: bool = True
    # Drop a first paragraph that repeats the title.
    drop_title_from_text: bool = True
    # Drop byline and dateline lines ("Par X, publié le 3 mai 2024 à 10h") at the top.
    drop_byline_lines: bool = True
    # htmldate: the original publication date rather than the last update.
    original_date: bool = True


DEFAULT_SETTINGS = HtmlSettings()

_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# <meta charset="..."> or <meta http-equiv="Content-Type" content="text/html; charset=...">,
# and the XML declaration of XHTML pages; searched in the first bytes only.
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*(?P<meta>[\w.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["'](?P<xml>[\w.:-]+)""",
    re.IGNORECASE,
)
_CHARSET_SNIFF_BYTES = 4096
# The WHATWG encoding standard decodes these labels as windows-1252.
_AS_CP1252 = {"ascii", "latin_1", "iso8859_1", "cp819"}
_XML_NS = "http://www.w3.org/XML/1998/namespace"
# A section label before the headline in <title>: "Opinion | ...", "Local News | ...".
_SECTION_PREFIX = re.compile(r"^\w[\w'’.-]*(?: \w[\w'’.-]*){0,2} \| (?P<rest>.+)$")
_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ", " : ", " :: ", " · ", " • ")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_HEADLINE_MIN_WORDS = 3
# Article text: at least one paragraph this long that is not a link or a menu label.
_MIN_WORDS = 5
_MIN_CHARS = 25
_NAVIGATION = "//nav | //*[@role='navigation'] | //*[@role='menubar']"
_KEYWORDS_LIST_MAX_CHARS = 2000
_KEYWORD_MAX_CHARS = 60
_KEYWORD_MAX_WORDS = 8
_MAX_KEYWORDS = 40
_KEYWORD_SEPARATORS = re.compile(r"\s*[,;]\s*")
_HEADLINE_MIN_SHARED = 0.3
# JSON-LD wrapped as XHTML character data: "<![CDATA[ {...} ]]>", sometimes commented "//".
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")
# Containers whose figures belong to the page or to a widget, not to the article.
_NOT_ARTICLE = (
    "ancestor::nav or ancestor::aside"
    " or ancestor::header[not(ancestor::article)] or ancestor::footer[not(ancestor::article)]"
)
_BLOCK_TAGS = {"p", "div", "br", "li", "figcaption", "section", "footer", "small", "cite"}


def extract_html(
    data: bytes, name: str, *, url: str | None = None, settings: HtmlSettings | None = None
) -> Extracted:
    """Extract the article of an HTML page.

    ``url`` is where the page came from, used when the page names no
    canonical URL. Raises :class:`InputError` when the page cannot be read or
    holds no article text.
    """
    settings = settings or DEFAULT_SETTINGS
    try:
        text, encoding = _decode(data)
        tree = _parse(text)
        if tree is None:
            raise InputError(name, "unreadable HTML: not an HTML document")
        page = _read_page(tree)
        headed = _headings_before_paragraphs(tree)  # before trafilatura prunes the tree
        document, body_doc = _run_trafilatura(tree, url, settings)
    except InputError:
        raise
    except Exception as exc:  # trafilatura, htmldate, courlan, lxml: none may escape
        raise InputError(name, f"unreadable HTML: {_describe(exc)}") from exc
    if document is None:
        raise InputError(name, "no article text found in the page")

    paragraphs = _paragraphs(body_doc)
    paragraphs, restored = _with_headings(paragraphs, headed)
    source_line, agency, paragraphs = rules.take_credit_lines(paragraphs)
    if agency is None and paragraphs:
        match = rules.TRAILING_AGENCY.search(paragraphs[-1]) or rules.DATELINE.match(paragraphs[0])
        if match:
            agency = rules.canonical_agency(match["agency"])
    bylines: list[str] = []
    if settings.drop_byline_lines:
        bylines, paragraphs = _take_byline_lines(paragraphs)
    authors = _authors(document.author)
    # trafilatura keeps only the first author when it cannot parse the JSON-LD
    # (CDATA-wrapped, for one): all its names, when they include what it found.
    folded = {a.casefold() for a in page.ld_authors}
    if len(page.ld_authors) > len(authors) and all(a.casefold() in folded for a in authors):
        authors = page.ld_authors
    if agency is None:
        agency = _agency_from_byline(authors + page.meta_authors + bylines)
    if paragraphs and (reporters := rules.reporting_credit(paragraphs[-1])) is not None:
        agency = agency or rules.REPORTING_AGENCY
        authors = authors or reporters
    sitename = page.sitename or _clean(document.sitename)
    title = _choose_title(_clean(document.title), page.headline, sitename, settings)
    if settings.drop_title_from_text and paragraphs:
        repeated = {_loose(t) for t in (title, _clean(document.title), page.headline) if t}
        if _loose(paragraphs[0]) in repeated:
            paragraphs = paragraphs[1:]
    if not _has_article_text(paragraphs, page.link_texts):
        raise InputError(name, "no article text found in the page")
    body = "\n\n".join(paragraphs)
    if not title:
        title = rules.title_from_sentence(paragraphs[0])
    description = _clean(document.description) or page.description
    extra: dict[str, Any] = {}
    if description:
        extra["description"] = description
    if sitename:
        extra["sitename"] = sitename
    return Extracted(
        title=title,
        text=body,
        content=f"{title}\n\n{body}",
        encoding=encoding,
        content_type="text/html",
        source=sitename or source_line,
        agency=agency,
        author=", ".join(authors) or None,
        date=_iso_date(document.date),
        url=_clean(document.url) or url,
        lang=page.lang,
        # The publisher's labels are keywords; tags stay the user's own.
        keywords=_keywords([*(document.categories or []), *(document.tags or []), *page.keywords]),
        captions=page.captions,
        credits=page.credits,
        subheadings=[h for h in [*_subheadings(body_doc), *restored] if h in paragraphs],
        extra=extra,
    )


# --- decoding and parsing -------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: byte-order mark, then UTF-8, then the declared charset, then a guess.

    Valid UTF-8 wins over a declared legacy charset: pages re-saved as UTF-8
    often keep their old ``<meta charset>``, while legacy text is almost never
    valid UTF-8 by accident.
    """
    for bom, codec, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), encoding
            except UnicodeDecodeError:
                break
    declared = _declared_charset(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared and data.isascii() and not declared.startswith("utf"):
            return text, declared
        return text, "utf-8"
    if declared and declared not in ("utf-8", "utf-16"):
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    return _guess_decode(data)


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(data[:_CHARSET_SNIFF_BYTES])
    if not match:
        return None
    label = (match["meta"] or match["xml"]).decode("ascii", "replace")
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        return None
    normalised = encoding.replace("-", "_")
    if normalised in _AS_CP1252:
        return "cp1252"
    return encoding


def _guess_decode(data: bytes) -> tuple[str, str]:
    import charset_normalizer  # lazy: only undeclared legacy pages need it

    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def _parse(text: str) -> HtmlElement | None:
    from trafilatura.utils import load_html  # lazy: see the module docstring

    if not text.strip():
        return None
    tree: HtmlElement | None = load_html(text)
    return tree


def _describe(exc: Exception) -> str:
    message = str(exc).strip() or type(exc).__name__
    return _SPACES.sub(" ", message)[:200]


# --- what trafilatura does not return --------------------------------------


@dataclass
class _Page:
    lang: str | None
    captions: list[str]
    credits: list[str]
    meta_authors: list[str]
    ld_authors: list[str]
    sitename: str | None
    headline: str | None
    link_texts: set[str]
    description: str | None
    keywords: list[str]


def _read_page(tree: HtmlElement) -> _Page:
    captions: list[str] = []
    credits: list[str] = []
    for element in _figures(tree):
        lines = _lines(element)
        if len(_WORD.findall(" ".join(lines))) > rules.FIGURE_CAPTION_MAX_WORDS:
            continue
        label = ""
        for line in lines:
            if rules.CREDIT_LABEL_ONLY.match(line):
                label = line.rstrip(" :") + ": "
                continue
            _sort_caption_line(label + line, captions, credits)
            label = ""
    meta_authors = [
        value
        for value in tree.xpath(
            "//head/meta[@name='author' or @property='article:author']/@content"
        )
        if isinstance(value, str) and not value.startswith("http")
    ]
    sitename = next(
        (
            cleaned
            for value in tree.xpath("//head/meta[@property='og:site_name']/@content")
            if (cleaned := _clean(str(value)))
        ),
        None,
    )
    article = _json_ld_article(tree)
    link_texts = {
        _loose(" ".join(element.itertext())) for element in tree.xpath(f"//a | {_NAVIGATION}//*")
    }
    keywords = article.get("keywords")
    if isinstance(keywords, str):
        keywords = [keywords]
    in_language = article.get("inLanguage")
    description = article.get("description")
    return _Page(
        lang=_declared_lang(tree) or _lang_code(in_language),
        link_texts=link_texts,
        description=_clean(description) if isinstance(description, str) else None,
        keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        captions=captions,
        credits=credits,
        meta_authors=[a for a in (_clean(str(v)) for v in meta_authors) if a],
        ld_authors=_json_ld_people(article.get("author")),
        sitename=sitename,
        headline=_headline(tree),
    )


def _json_ld_article(tree: HtmlElement) -> dict[str, Any]:
    """The first schema.org ``*Article`` object of the page's JSON-LD, or ``{}``."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(_CDATA.sub("", script.text or ""), strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                    return item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return {}


def _json_ld_people(value: Any) -> list[str]:
    """Names of the ``Person`` objects (or plain names) of a JSON-LD ``author`` value."""
    names = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            kinds = item.get("@type")
            if kinds is None or "Person" in (kinds if isinstance(kinds, list) else [kinds]):
                names.append(item["name"])
    return _unique([n for n in names if not n.startswith("http")])


def _has_article_text(paragraphs: list[str], link_texts: set[str]) -> bool:
    """Some paragraph is more than a link or a navigation label, and is not tiny."""
    return any(
        (len(_WORD.findall(p)) >= _MIN_WORDS or len(p) >= _MIN_CHARS)
        and _loose(p) not in link_texts
        for p in paragraphs
    )


def _headline(tree: HtmlElement) -> str | None:
    """The first <h1> of the article (or main) element, else the page's only <h1>."""
    for path in ("//article//h1 | //main//h1", "//h1"):
        found = [t for t in (_clean(_text_of(h)) for h in tree.xpath(path)) if t]
        if path == "//h1" and len(found) != 1:
            return None
        if found:
            return found[0]
    return None


def _text_of(element: HtmlElement) -> str:
    return " ".join(_lines(element))


def _lines(element: HtmlElement) -> list[str]:
    """The text of ``element`` split at line breaks and block children."""
    pieces: list[str] = []

    def walk(node: HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript"):
            return
        if node.tag in _BLOCK_TAGS:
            pieces.append("\n")
        if node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if node.tag in _BLOCK_TAGS:
            pieces.append("\n")

    walk(element)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(pieces).split("\n"))
    return [line for line in lines if line]


def _figures(tree: HtmlElement) -> list[HtmlElement]:
    """Figure captions (or captionless figures) of the article, not of menus or widgets."""
    found = tree.xpath(
        f"//figcaption[not({_NOT_ARTICLE})] | //figure[not(.//figcaption)][not({_NOT_ARTICLE})]"
    )
    in_article = [e for e in found if e.xpath("ancestor::article or ancestor::main")]
    return in_article or found


def _sort_caption_line(line: str, captions: list[str], credits: list[str]) -> None:
    """``"Caption. © Name / AFP"`` -> caption and credit; credit-only lines -> credits."""
    caption, credit = line, ""
    if match := (
        rules.CAPTION_CREDIT.match(line)
        or rules.PHOTO_CREDIT.match(line)
        or rules.CREDIT_LABEL.match(line)
        or rules.TRAILING_PHOTO_CREDIT.match(line)
    ):
        caption, credit = match["caption"], match["credit"]
    elif len(_WORD.findall(line)) <= rules.FIGURE_CREDIT_MAX_WORDS and (
        rules.PHOTO_AGENCY.search(line)
        or rules.NAME_SLASH_NAME.match(line)
        or rules.agencies_in(line)
    ):
        caption, credit = "", line
    caption = caption.strip()
    credit = credit.strip().rstrip(".)").strip()
    if caption:
        rules.add_unique(captions, caption)
    if credit:
        rules.add_unique(credits, credit)


def _declared_lang(tree: HtmlElement) -> str | None:
    candidates = [
        *tree.xpath("/html/@lang | /html/@xml:lang", namespaces={"xml": _XML_NS}),
        *tree.xpath(
            "//head/meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
            "='content-language' or @name='language' or @name='dc.language' "
            "or @name='DC.language' or @property='og:locale']/@content"
        ),
    ]
    for value in candidates:
        if code := _lang_code(value):
            return code
    return None


def _lang_code(value: object) -> str | None:
    """``"fr-FR"`` -> ``"fr"``; ``None`` for anything that is not a language
    (``"zz"``, free text): the language is then identified from the text."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return language_code(value)
    except ClipperError:
        return None


# --- trafilatura -----------------------------------------------------------


def _run_trafilatura(tree: HtmlElement, url: str | None, settings: HtmlSettings) -> tuple[Any, Any]:
    """``(metadata document, body document)``, or ``(None, None)`` when no text is found."""
    document = _bare_extraction(tree, url, settings, settings.favor, with_metadata=True)
    fallback = settings.fallback_favor
    if fallback is None or fallback == settings.favor:
        return document, document
    found = len(document.text or "") if document is not None else 0
    if found >= settings.fallback_below_chars:
        return document, document
    other = _bare_extraction(tree, url, settings, fallback, with_metadata=document is None)
    if other is None:
        return document, document
    if document is None:
        return other, other
    if found < settings.fallback_ratio * len(other.text or ""):
        return document, other
    return document, document


def _bare_extraction(
    tree: HtmlElement, url: str | None, settings: HtmlSettings, favor: Favor, *, with_metadata: bool
) -> Any:
    from trafilatura import bare_extraction  # lazy: see the module docstring
    from trafilatura.deduplication import LRUCache
    from trafilatura.settings import set_date_params

    prune = ["//figcaption"] if settings.captions_out_of_text else None
    return bare_extraction(
        tree,
        url=url,
        favor_precision=favor == "precision",
        favor_recall=favor == "recall",
        include_comments=False,
        include_tables=settings.include_tables,
        include_images=False,
        include_links=False,
        deduplicate=LRUCache(maxsize=1024) if settings.deduplicate else False,
        date_extraction_params={
            **set_date_params(settings.extensive_date_search),
            "original_date": settings.original_date,
        },
        with_metadata=with_metadata,
        prune_xpath=prune,
    )


def _paragraphs(document: Any) -> list[str]:
    from trafilatura.xml import xmltotxt

    body = document.body
    rendered = xmltotxt(body, False) if body is not None else (document.text or "")
    lines = (_SPACES.sub(" ", line).strip() for line in rendered.split("\n"))
    return [line for line in lines if line]


# A heading longer than this is a paragraph set in large type, not a heading.
HEADING_MAX_WORDS = 20


def _headings_before_paragraphs(tree: HtmlElement) -> list[tuple[str, str]]:
    """``(heading, the paragraph right after it)`` for each <h2>-<h4> of a page."""
    pairs = []
    for heading in tree.iter("h2", "h3", "h4"):
        text = _clean(heading.text_content())
        if not text or len(text.split()) > HEADING_MAX_WORDS:
            continue
        # The first sibling holding text: the paragraph the heading introduces.
        texts = ((s.tag, _clean(s.text_content())) for s in heading.itersiblings())
        tag, paragraph = next(((t, p) for t, p in texts if p), (None, None))
        if tag in ("p", "div") and paragraph:
            pairs.append((text, paragraph))
    return pairs


def _with_headings(
    paragraphs: list[str], headed: list[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """``paragraphs`` with the headings trafilatura dropped put back before the
    paragraph each one introduces (a newsletter's story titles, an article's
    subheadings: favouring precision, it keeps the text and loses them), and
    the headings put back."""
    kept = set(paragraphs)
    before = {
        paragraph: heading
        for heading, paragraph in headed
        if heading not in kept and paragraph in kept
    }
    if not before:
        return paragraphs, []
    result: list[str] = []
    for paragraph in paragraphs:
        if (heading := before.pop(paragraph, None)) is not None:
            result.append(heading)
        result.append(paragraph)
    return result, [h for h in result if h not in kept]


def _subheadings(document: Any) -> list[str]:
    body = document.body
    if body is None:
        return []
    found = []
    for head in body.iter("head"):
        text = _SPACES.sub(" ", "".join(head.itertext())).strip()
        if text:
            found.append(text)
    return found


# --- metadata clean-up -----------------------------------------------------


def _take_byline_lines(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Remove byline and dateline lines among the first paragraphs; return (bylines, rest)."""
    bylines: list[str] = []
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if index < rules.BYLINE_HEAD_LINES and _is_byline(paragraph):
            bylines.append(paragraph)
        else:
            kept.append(paragraph)
    return bylines, kept


def _is_byline(line: str) -> bool:
    if rules.SENTENCE_END.search(line) and not line.endswith(")"):
        return False
    words = len(_WORD.findall(line))
    if rules.BY_AUTHOR.match(line):
        return words <= rules.BYLINE_MAX_WORDS // 2
    return words <= rules.BYLINE_MAX_WORDS and bool(rules.DATELINE_WORDS.search(line))


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return _unique([a for a in (_clean(part) for part in value.split(";")) if a])


def _agency_from_byline(names: list[str]) -> str | None:
    """``"AFP"``, ``"Le Monde avec AFP"``, ``"Orange avec AFP-Services"`` -> ``"AFP"``."""
    for name in names:
        if found := rules.agencies_in(name):
            return found[0]
        if match := rules.AGENCY_IN_BYLINE.search(name):
            return rules.canonical_agency(match["agency"])
    return None


def _choose_title(
    meta_title: str | None, headline: str | None, sitename: str | None, settings: HtmlSettings
) -> str:
    """The visible headline when it matches the metadata title, else the metadata title.

    Both lose a section label in front ("Politics | ...") and the metadata
    title loses the site name after it ("... - Le Monde").
    """
    if settings.strip_site_from_title and meta_title:
        meta_title = _strip_section_prefix(_strip_site_suffix(meta_title, sitename))
    if settings.title_from_headline and headline:
        headline = _strip_section_prefix(headline)
        if _is_headline_of(headline, meta_title):
            return headline
    return meta_title or ""


def _is_headline_of(headline: str, meta_title: str | None) -> bool:
    """A real headline (3+ words) sharing at least 30 % of its words with the metadata title."""
    words = _WORD.findall(headline.casefold())
    if len(words) < _HEADLINE_MIN_WORDS:
        return False
    if not meta_title:
        return True
    meta_words = set(_WORD.findall(meta_title.casefold()))
    shared = sum(1 for w in set(words) if w in meta_words)
    return shared >= _HEADLINE_MIN_SHARED * len(set(words))


def _loose(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _strip_site_suffix(title: str, sitename: str | None) -> str:
    """``"Headline - Le Monde"`` -> ``"Headline"`` when the suffix names the site."""
    if not sitename:
        return title
    site = _fold_name(sitename)
    for separator in _TITLE_SEPARATORS:
        suffix = f"{separator}{sitename}"
        if title.casefold().endswith(suffix.casefold()) and len(title) > len(suffix):
            return title[: -len(suffix)].strip()
    for separator in _TITLE_SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if (
            sep
            and head.strip()
            and _fold_name(tail)
            and (_fold_name(tail) in site or site in _fold_name(tail))
        ):
            return head.strip()
    return title


def _strip_section_prefix(title: str) -> str:
    """``"Politics | Headline of the story"`` -> ``"Headline of the story"``."""
    match = _SECTION_PREFIX.match(title)
    if match and len(_WORD.findall(match["rest"])) >= _HEADLINE_MIN_WORDS + 1:
        return match["rest"]
    return title


def _fold_name(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold().replace("www.", ""))


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parse_document_date(value)
    except (DateFormatError, ValueError, OverflowError):
        return None


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = _SPACES.sub(" ", value).strip()
    return cleaned or None


def _keywords(values: list[str]) -> list[str]:
    """Categories and keywords, split at commas (``<meta name="keywords">`` lists them in one).

    Values too long to be keyword lists, and parts too long to be tags, are
    page text that a site put in its metadata: they are dropped.
    """
    parts = [
        part
        for value in values
        if len(value) <= _KEYWORDS_LIST_MAX_CHARS
        for part in _KEYWORD_SEPARATORS.split(value)
        if len(part) <= _KEYWORD_MAX_CHARS and len(part.split()) <= _KEYWORD_MAX_WORDS
    ]
    return _unique(parts)[:_MAX_KEYWORDS]


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        cleaned = _clean(item)
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen


