"""The web page (clipper.web) through Flask's test client, on a temporary corpus of
team-written clippings: every page, filter and error path, CSRF, the Host check,
security headers, and hostile clippings that must never become markup."""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clipper.archive import Archive
from clipper.errors import CorpusError, InputError
from clipper.fetch import Fetched
from clipper.ingest import Metadata
from clipper.storage import Corpus
from clipper.web import app as webapp
from clipper.web.app import (
    CSP,
    PAGE_SIZE,
    build_server,
    create_app,
    host_allowed,
    host_names,
    serve,
)

HOST = "127.0.0.1:8765"
CSP_DIRECTIVES = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)

# -- the corpus: written for these tests ----------------------------------------

CITIES = [
    "Angers", "Brest", "Caen", "Dijon", "Grenoble", "Limoges",
    "Nancy", "Orléans", "Poitiers", "Reims", "Rouen", "Tours",
]  # fmt: skip


def tram_clippings() -> list[tuple[str, str, Metadata]]:
    """Twelve French clippings about tramways: two pages of results."""
    found = []
    for number, city in enumerate(CITIES):
        year = 2023 if number % 2 == 0 else 2024
        source = "Le Courrier du Centre" if number % 3 else "La Gazette de l'Est"
        title = f"Le tramway de {city} prolonge sa ligne vers le nord"
        text = (
            f"La métropole de {city} a voté le prolongement de sa ligne de tramway de "
            f"{number + 2} kilomètres. Les travaux commenceront au printemps et dureront "
            "deux ans ; les commerçants du centre demandent des indemnités pour la gêne. "
            f"Le conseil prévoit {number + 5} nouvelles stations et un parking relais."
        )
        metadata = Metadata(
            source=source,
            agency="AFP" if number < 4 else None,
            date=f"{year}-{number % 12 + 1:02d}-15",
            lang="fr",
            tags=["transports"] + (["urbanisme"] if number % 4 == 0 else []),
            author="Jeanne Lefort" if number == 0 else None,
            url=f"https://example.org/tram/{number}",
        )
        found.append((title, text, metadata))
    return found


ENGLISH = [
    (
        "Harbour cranes return to the east quay",
        "The port authority reinstalled two electric cranes on the east quay after a "
        "year of repairs. Dock workers expect shorter waiting times for container ships "
        "and fewer lorries queuing on the ring road.",
        Metadata(
            source="The Harbour Gazette",
            agency="Reuters",
            date="2022-05-10",
            lang="en",
            tags=["ports"],
        ),
    ),
    (
        "City council approves a new ferry timetable",
        "Ferries will leave every twenty minutes during the summer season, the council "
        "decided on Tuesday, after commuters complained about crowded crossings.",
        Metadata(source="The Harbour Gazette", date="2022-06-02", lang="en", tags=["ports"]),
    ),
]

STRIKE_TEXT = (
    "Les chauffeurs du réseau de bus de Nantes ont cessé le travail lundi matin à "
    "l'appel de trois syndicats qui réclament une hausse des salaires et des horaires "
    "moins fragmentés. Selon la direction, un bus sur trois circulait à midi et les "
    "lignes de nuit sont suspendues jusqu'à nouvel ordre. Les usagers sont invités à "
    "consulter l'application avant de partir. Une réunion de négociation est prévue "
    "jeudi à la préfecture, en présence des représentants de la métropole, qui finance "
    "le réseau et fixe le prix des abonnements. Les syndicats menacent de reconduire "
    "le mouvement pendant les vacances scolaires si aucune proposition n'est faite."
)
STRIKE_COPY = STRIKE_TEXT + " Les taxis ont été pris d'assaut en fin de journée."

HOSTILE_TITLE = "<script>alert(1)</script> Hostile headline"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_MARKUP = (HOSTILE_SCRIPT, HOSTILE_IMG, "<img src=x", "<script>alert", "<b onmouseover")


def build_corpus(archive: Archive) -> dict[str, Any]:
    ids: dict[str, Any] = {"tram": [], "english": []}
    for title, text, metadata in tram_clippings():
        outcome = archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"{title[:12]}.txt", metadata)
        assert outcome.status == "added", outcome.error
        ids["tram"].append(outcome.clipping.id)
    for title, text, metadata in ENGLISH:
        outcome = archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"{title[:12]}.txt", metadata)
        assert outcome.status == "added", outcome.error
        ids["english"].append(outcome.clipping.id)
    strike = archive.add_bytes(
        f"Grève des bus à Nantes\n\n{STRIKE_TEXT}\n".encode(),
        "strike.txt",
        Metadata(source="Ouest Matin", agency="AFP", date="2024-09-02", lang="fr", tags=["social"]),
    )
    copy = archive.add_bytes(
        f"Grève des bus à Nantes\n\n{STRIKE_COPY}\n".encode(),
        "strike-copy.txt",
        Metadata(source="Le Nantais", agency="AFP", date="2024-09-03", lang="fr", tags=["social"]),
    )
    assert copy.status == "added" and copy.near is not None, "the copy must be a near-duplicate"
    ids["strike"], ids["copy"] = strike.clipping.id, copy.clipping.id
    return ids


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The corpus built once per module, indexed; each test gets a copy."""
    root = tmp_path_factory.mktemp("template") / "corpus"
    archive = Archive.open_or_create(root)
    try:
        ids = build_corpus(archive)
        archive.search("tramway", limit=1)  # the index is complete and readable
    finally:
        archive.close()
    return root, ids


@pytest.fixture
def corpus(template: tuple[Path, dict[str, Any]], corpus_dir: Path) -> dict[str, Any]:
    root, ids = template
    shutil.copytree(root, corpus_dir, dirs_exist_ok=True)
    return copy.deepcopy(ids)


@pytest.fixture
def hostile(corpus: dict[str, Any], archive: Archive, tmp_path: Path) -> str:
    """A clipping whose every field is hostile markup (imported as JSON Lines)."""
    record = {
        "title": HOSTILE_TITLE,
        "text": f"Hostile tramway story {HOSTILE_IMG} with markup.\n\n{HOSTILE_SCRIPT}\n\n"
        f"The tramway line closes {HOSTILE_IMG} for repairs.",
        "source": f"{HOSTILE_SCRIPT}Evil Times",
        "agency": HOSTILE_IMG,
        "author": "<b onmouseover=alert(1)>Mallory</b>",
        "url": "javascript:alert(1)",
        "lang": "en",
        "date": "2024-02-02",
        "tags": [HOSTILE_SCRIPT, HOSTILE_IMG],
        "note": HOSTILE_SCRIPT,
        "captions": [HOSTILE_IMG],
        "credits": [HOSTILE_SCRIPT],
        "subheadings": [HOSTILE_SCRIPT],
        "sidebar": [HOSTILE_IMG],
    }
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = archive.import_jsonl(path)
    assert report.added, report.failed and report.failed[0].error
    return report.added[0].clipping.id


class LocalClient(FlaskClient):
    """A test client whose requests name the server as a browser would."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Host", HOST)
            kwargs["headers"] = headers
        kwargs.setdefault("buffered", True)  # read and close the body, as a server does
        return super().open(*args, **kwargs)


def make_app(root: Path) -> Flask:
    app = create_app(root, secret_key=b"0123456789abcdef" * 2, host="127.0.0.1", port=8765)
    app.test_client_class = LocalClient
    return app


@pytest.fixture
def app(corpus: dict[str, Any], corpus_dir: Path) -> Iterator[Flask]:
    app = make_app(corpus_dir)
    yield app
    app.extensions["clipper"].archive.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def page(client: FlaskClient, path: str, status: int = 200, **kwargs: Any) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page(client, "/add"))
    assert match
    return match[1]


def hit_count(text: str) -> int:
    return text.count('<li class="hit">')


def total(text: str) -> int:
    match = re.search(r"(\d+) results?\b", text)
    assert match, text[:500]
    return int(match[1])


def links(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', text)]


def title_of(text: str) -> str:
    match = re.search(r"<title>(.*?)</title>", text, re.S)
    assert match
    return html.unescape(match[1])


def stored_count(corpus_dir: Path) -> int:
    return Corpus.open(corpus_dir).count()


# -- the search page --------------------------------------------------------------


def test_home_lists_latest_clippings_with_facets(client: FlaskClient) -> None:
    text = page(client, "/")
    assert total(text) == 16
    assert hit_count(text) == PAGE_SIZE
    assert "Latest clippings" in text
    for facet in ("Sources", "Languages", "Agencies", "Tags", "Years"):
        assert f"<h3>{facet}</h3>" in text
    assert title_of(text) == "Latest clippings — 16 results — clipper"
    # Newest first: the strike copy (2024-09-03) leads.
    assert text.index("Le Nantais") < text.index("Ouest Matin")


def test_query_highlights_escaped_snippets(client: FlaskClient) -> None:
    text = page(client, "/?q=tramway")
    assert total(text) == 12
    assert title_of(text) == "«tramway» — 12 results — clipper"
    assert "<mark>tramway</mark>" in text
    assert "showing 1–10" in text


def test_stemmed_highlights(client: FlaskClient) -> None:
    text = page(client, "/?q=station")  # the texts say "stations"
    assert "<mark>stations</mark>" in text


def test_pagination(client: FlaskClient) -> None:
    first = page(client, "/?q=tramway")
    assert hit_count(first) == PAGE_SIZE
    assert '<ol class="hits" start="1">' in first
    next_link = next(h for h in links(first) if "page=2" in h and "tramway" in h)
    second = page(client, next_link)
    assert hit_count(second) == 2
    assert '<ol class="hits" start="11">' in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert title_of(second).startswith("Page 2 · «tramway»")
    first_titles = set(re.findall(r'class="hit-title"><a [^>]*>([^<]*)<', first))
    second_titles = set(re.findall(r'class="hit-title"><a [^>]*>([^<]*)<', second))
    assert len(first_titles | second_titles) == 12 and not first_titles & second_titles
    assert client.get("/?q=tramway&page=9").status_code == 302  # past the last: redirected


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999999"])
def test_invalid_page_is_a_400_page(client: FlaskClient, value: str) -> None:
    text = page(client, f"/?q=tramway&page={value}", status=400)
    assert "invalid page number" in text


def test_a_page_loads_only_what_it_shows(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    original = Corpus.read

    def counting(self: Corpus, clipping_id: str) -> Any:
        reads.append(clipping_id)
        return original(self, clipping_id)

    calls: list[dict[str, Any]] = []
    search = Archive.search

    def spying(self: Archive, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return search(self, *args, **kwargs)

    monkeypatch.setattr(Corpus, "read", counting)
    monkeypatch.setattr(Archive, "search", spying)
    page(client, "/?q=tramway&page=2")
    assert calls[0]["limit"] == PAGE_SIZE and calls[0]["offset"] == PAGE_SIZE
    assert len(reads) == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=Le+Courrier+du+Centre", 8),
        ("source=La+Gazette+de+l%27Est", 4),
        ("lang=en", 0),
        ("agency=AFP", 4),
        ("tag=urbanisme", 3),
        ("since=2024", 6),
        ("until=2023", 6),
        ("since=2023-03&until=2023-07", 3),
        ("since=2024&agency=AFP", 2),
    ],
)
def test_each_filter(client: FlaskClient, query: str, expected: int) -> None:
    text = page(client, f"/?q=tramway&{query}")
    assert total(text) == expected
    assert '<details class="filters" open>' in text  # the active filters stay visible


def test_filters_without_query(client: FlaskClient) -> None:
    assert total(page(client, "/?lang=en")) == 2
    assert total(page(client, "/?tag=ports&source=The+Harbour+Gazette")) == 2


def test_filter_chips_remove_one_filter(client: FlaskClient) -> None:
    text = page(client, "/?q=tramway&agency=AFP&since=2024")
    chips = re.findall(r'<ul class="chips".*?</ul>', text, re.S)[0]
    assert links(chips) == [
        "/?q=tramway&since=2024",  # without agency=AFP
        "/?q=tramway&agency=AFP",  # without since=2024
        "/?q=tramway",  # clear the filters, keep the query
    ]
    assert [total(page(client, h)) for h in links(chips)] == [6, 4, 12]


def test_facet_links_filter_to_their_counts(client: FlaskClient) -> None:
    text = page(client, "/?q=tramway")
    aside = text[text.index('<aside class="facets"') :]
    entries = re.findall(
        r'<a href="([^"]*)"[^>]*><span class="value">([^<]*)</span> '
        r'<span class="count">(\d+)</span>',
        aside,
    )
    names = {html.unescape(value) for _, value, _ in entries}
    assert {"Le Courrier du Centre", "fr", "AFP", "urbanisme", "2023", "2024"} <= names
    for href, value, count in entries:
        target = html.unescape(href)
        args = parse_qs(urlsplit(target).query)
        assert args["q"] == ["tramway"]
        assert total(page(client, target)) == int(count), (value, target)
    year = next(html.unescape(h) for h, v, _ in entries if v == "2024")
    assert parse_qs(urlsplit(year).query)["since"] == ["2024"]
    assert 'class="active" aria-current="true"' in page(client, year)


@pytest.mark.parametrize(
    ("sort", "first", "last"), [("date", "Angers", "Rouen"), ("-date", "Tours", "Caen")]
)
def test_sort(client: FlaskClient, sort: str, first: str, last: str) -> None:
    text = page(client, f"/?q=tramway&sort={sort}")
    titles = re.findall(r'class="hit-title"><a [^>]*>([^<]*)<', text)
    assert first in titles[0], titles


def test_unknown_sort_is_a_400(client: FlaskClient) -> None:
    assert "unknown order" in page(client, "/?q=tramway&sort=random", status=400)


def test_did_you_mean_is_a_link(client: FlaskClient) -> None:
    text = page(client, "/?q=tramwya")
    assert "Did you mean" in text
    suggestion = next(h for h in links(text) if "q=tramway" in h)
    assert total(page(client, suggestion)) == 12


def test_no_results(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Telling an empty archive from a search that found nothing lists no
    # more than the first clipping file, never every one.
    from clipper.storage import Corpus

    monkeypatch.setattr(Corpus, "count", lambda self: pytest.fail("the corpus was counted"))
    text = page(client, "/?q=zeppelin")
    assert "No clipping matches." in text and total(text) == 0
    assert "The archive is empty" not in text


def test_empty_corpus(tmp_path: Path) -> None:
    app = make_app(tmp_path / "fresh")
    text = page(app.test_client(), "/")
    assert "The archive is empty" in text


def test_collapse_shows_a_wire_story_once(client: FlaskClient) -> None:
    assert total(page(client, "/?q=grève")) == 2
    text = page(client, "/?q=grève&collapse=1")
    assert total(text) == 1
    assert "+1 copy" in text and "+1 copies" not in text


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/?q=date:2025-13", "invalid date &#39;2025-13&#39;: month must be in 1..12"),
        ("/?q=colour:red", "unknown field &#39;colour&#39; in query"),
        ("/?q=tramway&since=2024-13", "invalid date &#39;2024-13&#39;"),
        ("/?q=tramway&until=yesterday-ish", "cannot read date"),
        ("/timeline?q=tramway&since=soon", "cannot read date"),
        ("/?q=tramway&lang=zz", "unknown language &#39;zz&#39;"),
        ("/timeline?q=tramway&by=decade", "unknown period"),
        ("/export?q=tramway&format=pdf", "unknown export format"),
        ("/export?q=tramway&format=md&group_by=city", "unknown grouping"),
        ("/clipping/xyz", "invalid id"),
        ("/clipping/12", "too short"),
    ],
)
def test_bad_input_is_a_400_page_with_the_message(
    client: FlaskClient, path: str, message: str
) -> None:
    text = page(client, path, status=400)
    assert message in text
    assert "Bad request" in text and "Traceback" not in text


def test_hint_is_shown(client: FlaskClient) -> None:
    text = page(client, "/?q=colour:red", status=400)
    assert '<p class="hint"><strong>Hint: </strong>fields: title' in text


def test_unknown_clipping_is_a_404_page(client: FlaskClient) -> None:
    text = page(client, "/clipping/0123456789abcdef", status=404)
    assert "no clipping with id 0123456789abcdef" in text
    page(client, "/clipping/0123456789abcdef/original", status=404)


def test_unknown_page_is_a_404_page(client: FlaskClient) -> None:
    assert "There is no such page." in page(client, "/nowhere", status=404)


def test_wrong_method_is_a_page(client: FlaskClient) -> None:
    response = client.delete("/add")
    assert response.status_code in (400, 405)
    assert "<h1>" in response.get_data(as_text=True)


def test_unexpected_error_is_a_generic_500(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Archive, "search", broken)
    text = page(client, "/?q=tramway", status=500)
    assert "An unexpected error occurred" in text
    assert "secret internal detail" not in text and "Traceback" not in text


def test_core_failure_is_a_500_with_its_message(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise CorpusError("cannot open the index in /somewhere", hint="run 'clipper reindex'")

    monkeypatch.setattr(Archive, "timeline", broken)
    text = page(client, "/timeline?q=tramway", status=500)
    assert "cannot open the index" in text and "clipper reindex" in text


def test_too_large_form_is_a_413_page(client: FlaskClient, corpus_dir: Path) -> None:
    before = stored_count(corpus_dir)
    response = client.post("/add", data={"csrf_token": token(client), "text": "x" * 9_000_000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert stored_count(corpus_dir) == before


# -- the timeline ------------------------------------------------------------------


def test_timeline_chart_and_table(client: FlaskClient) -> None:
    text = page(client, "/timeline?q=tramway&by=year")
    assert '<svg class="timeline"' in text and 'role="img"' in text
    assert text.count('<rect class="bar"') == 2
    rows = re.findall(r'<th scope="row"><a href="([^"]*)">(\d{4})</a></th><td>(\d+)</td>', text)
    assert [(year, count) for _, year, count in rows] == [("2023", "6"), ("2024", "6")]
    for href, _, count in rows:
        assert total(page(client, html.unescape(href))) == int(count)
    assert title_of(text) == "Timeline: «tramway» — 12 results — clipper"


def test_timeline_periods(client: FlaskClient) -> None:
    monthly = page(client, "/timeline?q=tramway&by=month")
    assert "2023-01" in monthly and "2024-12" in monthly
    weekly = page(client, "/timeline?q=grève&by=week")
    week = re.search(r'<a href="([^"]*)">(\d{4}-W\d{2})</a>', weekly)
    assert week
    assert total(page(client, html.unescape(week[1]))) == 2
    assert "one bar per month" in page(client, "/timeline?q=tramway")


def test_timeline_keeps_filters(client: FlaskClient) -> None:
    text = page(client, "/timeline?q=tramway&agency=AFP&by=year")
    rows = re.findall(r"<td>(\d+)</td>", text)
    assert sum(map(int, rows)) == 4
    assert 'name="agency" value="AFP"' in text


def test_timeline_of_nothing(client: FlaskClient) -> None:
    assert "No clipping matches." in page(client, "/timeline?q=zeppelin")


# -- a clipping ----------------------------------------------------------------------


def test_clipping_page(client: FlaskClient, corpus: dict[str, Any]) -> None:
    clipping_id = corpus["tram"][0]
    text = page(client, f"/clipping/{clipping_id}?q=tramway")
    assert "<h1>Le tramway de Angers prolonge sa ligne vers le nord</h1>" in text
    assert title_of(text) == "Le tramway de Angers prolonge sa ligne vers le nord — clipper"
    for fact in ("La Gazette de l&#39;Est", "AFP", "Jeanne Lefort", "2023-01-15", "urbanisme"):
        assert fact in text
    assert "<p>La métropole de Angers a voté" in text
    assert '<a href="https://example.org/tram/0" rel="noopener noreferrer nofollow">' in text
    assert f'href="/clipping/{clipping_id}/original" download' in text
    assert "Related clippings" in text and text.count("/clipping/") > 3
    back = next(h for h in links(text) if h.startswith("/?q=tramway"))
    assert total(page(client, back)) == 12
    assert "/?tag=urbanisme" in links(text)


def test_clipping_by_prefix(client: FlaskClient, corpus: dict[str, Any]) -> None:
    assert "Harbour cranes" in page(client, f"/clipping/{corpus['english'][0][:6]}")


def test_near_duplicate_copies(client: FlaskClient, corpus: dict[str, Any]) -> None:
    text = page(client, f"/clipping/{corpus['copy']}")
    assert "Near-duplicate" in text
    assert f"/clipping/{corpus['strike']}" in text
    original = page(client, f"/clipping/{corpus['strike']}")
    assert "Copies of this story" in original and "Le Nantais" in original


def test_download_is_an_attachment(
    client: FlaskClient, corpus: dict[str, Any], archive: Archive
) -> None:
    clipping_id = corpus["tram"][1]
    response = client.get(f"/clipping/{clipping_id}/original")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{clipping_id}.orig.txt" in disposition
    assert response.data == archive.raw(clipping_id)
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_stored_html_is_never_rendered(app: Flask, archive: Archive) -> None:
    page_html = (
        "<!doctype html><html><head><title>Un tramway pour la vallée</title>"
        "<script>window.__xss = 1; alert(1)</script></head><body><article>"
        "<h1>Un tramway pour la vallée</h1>"
        + "<p>La communauté de communes étudie un tramway entre les villages de la vallée, "
        "pour remplacer les cars scolaires et désengorger la route départementale.</p>"
        * 4
        + "</article></body></html>"
    )
    outcome = archive.add_bytes(page_html.encode(), "vallee.html", Metadata(lang="fr"))
    assert outcome.status == "added", outcome.error
    client = app.test_client()
    response = client.get(f"/clipping/{outcome.clipping.id}/original")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = page(client, f"/clipping/{outcome.clipping.id}")
    assert "window.__xss" not in text and "<article>" not in text


# -- exports -----------------------------------------------------------------------------


def test_export_markdown(client: FlaskClient) -> None:
    response = client.get("/export?q=tramway&format=md&agency=AFP")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert text.startswith("# Revue de presse")
    assert text.count("### ") == 4 and "« tramway »" in text


def test_export_jsonl_and_csv(client: FlaskClient) -> None:
    response = client.get("/export?q=tramway&format=jsonl")
    assert response.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == 12 and all("tramway" in r["title"] for r in records)
    dates = [r["date"] for r in records]
    assert dates == sorted(dates, reverse=True)
    response = client.get("/export?q=tramway&format=csv&sort=date&lang=fr")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,date,title") and len(lines) == 13
    assert "2023-01-15" in lines[1]


def test_export_links_on_search_page_keep_the_search(client: FlaskClient) -> None:
    text = page(client, "/?q=tramway&agency=AFP&page=1")
    exports = [h for h in links(text) if h.startswith("/export")]
    assert {parse_qs(urlsplit(h).query)["format"][0] for h in exports} == {"md", "jsonl", "csv"}
    for href in exports:
        args = parse_qs(urlsplit(href).query)
        assert args["q"] == ["tramway"] and args["agency"] == ["AFP"]
        assert client.get(href).status_code == 200


# -- saved searches ---------------------------------------------------------------------------


def test_saved_searches_flow(client: FlaskClient, corpus_dir: Path) -> None:
    assert "No saved searches yet." in page(client, "/watches")
    csrf = token(client)
    response = client.post(
        "/watches",
        data={"csrf_token": csrf, "name": "trams", "q": "tramway", "agency": "AFP", "lang": ""},
    )
    assert response.status_code == 303
    text = page(client, "/watches")
    assert "Saved search «trams» added." in text
    assert "<code>tramway</code>" in text and "AFP" in text
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", text, re.S)
    assert row and '<td class="number">0</td>' in row[0]
    opened = next(h for h in links(text) if h.startswith("/?q=tramway"))
    assert total(page(client, opened)) == 4

    text = client.post("/watches/run", data={"csrf_token": csrf, "name": "trams"}).get_data(
        as_text=True
    )
    assert "Nothing new." in text

    response = client.post(
        "/add",
        data={
            "csrf_token": csrf,
            "text": "Le tramway de Metz roule enfin\n\nLa ligne de tramway de Metz a été "
            "inaugurée samedi après trois ans de travaux dans le centre historique. (AFP)",
            "source": "Le Républicain de l'Est",
            "tags": "transports",
        },
    )
    assert response.status_code == 200
    added = response.get_data(as_text=True)
    assert "<h2>Added</h2>" in added and "<dd>AFP</dd>" in added
    text = page(client, "/watches")
    assert '<td class="number">1</td>' in text

    text = client.post("/watches/run", data={"csrf_token": csrf}).get_data(as_text=True)
    assert "trams — 1 new" in text and "Le tramway de Metz roule enfin" in text
    assert "Nothing new." in client.post(
        "/watches/run", data={"csrf_token": csrf, "name": "trams"}
    ).get_data(as_text=True)

    response = client.post("/watches/remove", data={"csrf_token": csrf, "name": "trams"})
    assert response.status_code == 303
    text = page(client, "/watches")
    assert "Saved search «trams» removed." in text and "No saved searches yet." in text
    assert Archive.open(corpus_dir).watches() == []


def test_save_search_form_on_search_page(client: FlaskClient) -> None:
    text = page(client, "/?q=tramway&since=2024")
    form = re.search(r'<form class="save-search".*?</form>', text, re.S)
    assert form
    assert 'name="q" value="tramway"' in form[0] and 'name="since" value="2024"' in form[0]
    assert 'name="csrf_token"' in form[0]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"name": "bad/name", "q": "tramway"}, 400, "invalid saved search name"),
        ({"name": "ok", "q": "date:2025-13"}, 400, "month must be in 1..12"),
        ({"name": "ok", "q": "tramway", "since": "soon"}, 400, "cannot read date"),
    ],
)
def test_saved_search_errors(
    client: FlaskClient, data: dict[str, str], status: int, message: str
) -> None:
    response = client.post("/watches", data={"csrf_token": token(client), **data})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_remove_or_run_unknown_saved_search_is_a_404(client: FlaskClient) -> None:
    csrf = token(client)
    for path in ("/watches/remove", "/watches/run"):
        response = client.post(path, data={"csrf_token": csrf, "name": "ghost"})
        assert response.status_code == 404
        assert "no saved search named" in response.get_data(as_text=True)


def test_duplicate_saved_search_is_a_400(client: FlaskClient) -> None:
    csrf = token(client)
    client.post("/watches", data={"csrf_token": csrf, "name": "once", "q": "tramway"})
    response = client.post("/watches", data={"csrf_token": csrf, "name": "once", "q": "port"})
    assert response.status_code == 400 and "exists already" in response.get_data(as_text=True)


# -- adding ---------------------------------------------------------------------------------


def test_add_pasted_text_shows_the_extraction(client: FlaskClient, corpus_dir: Path) -> None:
    before = stored_count(corpus_dir)
    text = (
        "Un téléphérique urbain pour Toulouse\n\n"
        "La ville a inauguré un téléphérique urbain qui franchit la Garonne en dix minutes. "
        "Les cabines transportent jusqu'à mille cinq cents passagers par heure.\n\n"
        "Source : AFP"
    )
    response = client.post(
        "/add",
        data={
            "csrf_token": token(client),
            "text": text,
            "source": "La Dépêche du Sud",
            "date": "12 mars 2024",
            "tags": "transports, câble",
        },
    )
    assert response.status_code == 200
    result = response.get_data(as_text=True)
    assert "<h2>Added</h2>" in result
    assert "Un téléphérique urbain pour Toulouse" in result
    assert "La Dépêche du Sud" in result and "2024-03-12" in result
    assert "<dd>fr</dd>" in result and "<dd>AFP</dd>" in result
    assert stored_count(corpus_dir) == before + 1
    stored = Archive.open(corpus_dir).search("téléphérique").hits[0].clipping
    assert stored.tags == ["transports", "câble"] and stored.source == "La Dépêche du Sud"

    again = client.post("/add", data={"csrf_token": token(client), "text": text})
    assert again.status_code == 200
    assert "Already stored" in again.get_data(as_text=True)
    assert stored_count(corpus_dir) == before + 1


def test_add_with_title(client: FlaskClient) -> None:
    response = client.post(
        "/add",
        data={
            "csrf_token": token(client),
            "text": "Les horaires du funiculaire changent le premier avril pour la saison.",
            "title": "Funiculaire : nouveaux horaires",
        },
    )
    assert '<a href="/clipping/' in response.get_data(as_text=True)
    assert "Funiculaire : nouveaux horaires" in response.get_data(as_text=True)


def test_add_near_duplicate_is_reported(client: FlaskClient, corpus: dict[str, Any]) -> None:
    response = client.post(
        "/add",
        data={
            "csrf_token": token(client),
            "text": f"Grève des bus à Nantes\n\n{STRIKE_TEXT} Les tramways circulaient.",
            "source": "Presse Océane",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Near-duplicate of" in text and f"/clipping/{corpus['strike']}" in text


def test_add_problems_are_shown(client: FlaskClient, corpus_dir: Path) -> None:
    before = stored_count(corpus_dir)
    csrf = token(client)
    response = client.post("/add", data={"csrf_token": csrf, "text": "  "})
    assert response.status_code == 400
    assert "Paste a text or give a web address." in response.get_data(as_text=True)

    pasted = "Un article sans date lisible sur le réseau de bus de la ville."
    response = client.post("/add", data={"csrf_token": csrf, "text": pasted, "date": "2024-13-45"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Could not add" in text and "invalid date" in text
    assert pasted in text  # the form keeps what was typed
    assert stored_count(corpus_dir) == before


@pytest.mark.parametrize("url", ["/etc/passwd", "file:///etc/passwd", "javascript:alert(1)"])
def test_add_refuses_what_is_not_a_web_address(
    client: FlaskClient, corpus_dir: Path, url: str
) -> None:
    before = stored_count(corpus_dir)
    response = client.post("/add", data={"csrf_token": token(client), "url": url})
    assert response.status_code == 400
    assert "http:// or https://" in response.get_data(as_text=True)
    assert stored_count(corpus_dir) == before


def test_add_url(client: FlaskClient, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (
        "Night buses return to the old town\n\n"
        "Night buses will run again through the old town from June, the transport "
        "authority said, after a two-year pause caused by roadworks."
    )

    def fake_fetch(url: str, **kwargs: Any) -> Fetched:
        assert url == "https://news.example.org/night-buses"
        return Fetched(url, body.encode(), "text/plain", "2024-05-01T08:00:00+00:00")

    monkeypatch.setattr("clipper.fetch.fetch", fake_fetch)
    response = client.post(
        "/add",
        data={
            "csrf_token": token(client),
            "url": "https://news.example.org/night-buses",
            "tags": "transports",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "Night buses return to the old town" in text and "<dd>en</dd>" in text
    stored = Archive.open(corpus_dir).search("night buses").hits[0].clipping
    assert stored.url == "https://news.example.org/night-buses" and stored.tags == ["transports"]


def test_add_url_failure_is_shown(
    client: FlaskClient, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(url: str, **kwargs: Any) -> Fetched:
        raise InputError(url, "host not found (DNS lookup failed)")

    monkeypatch.setattr("clipper.fetch.fetch", failing)
    before = stored_count(corpus_dir)
    response = client.post(
        "/add", data={"csrf_token": token(client), "url": "https://nowhere.example/a"}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Could not add" in text and "host not found" in text
    assert 'value="https://nowhere.example/a"' in text
    assert stored_count(corpus_dir) == before


# -- CSRF ----------------------------------------------------------------------------------


CHANGES = [
    ("/add", {"text": "Un texte qui ne doit jamais être enregistré dans le corpus."}),
    ("/watches", {"name": "sneaky", "q": "tramway"}),
    ("/watches/run", {}),
]


@pytest.mark.parametrize(("path", "data"), CHANGES)
@pytest.mark.parametrize("sent", [None, "", "forged-token"])
def test_csrf_missing_or_wrong_is_refused(
    client: FlaskClient,
    corpus_dir: Path,
    path: str,
    data: dict[str, str],
    sent: str | None,
) -> None:
    token(client)  # the session has a token; the form does not send it
    before = stored_count(corpus_dir)
    form = dict(data)
    if sent is not None:
        form["csrf_token"] = sent
    response = client.post(path, data=form)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert stored_count(corpus_dir) == before
    assert Archive.open(corpus_dir).watches() == []


def test_csrf_token_of_another_session_is_refused(app: Flask, corpus_dir: Path) -> None:
    alice, mallory = app.test_client(), app.test_client()
    stolen = token(mallory)
    token(alice)
    response = alice.post("/watches", data={"csrf_token": stolen, "name": "x", "q": "tramway"})
    assert response.status_code == 400
    assert Archive.open(corpus_dir).watches() == []


def test_csrf_without_session_is_refused(app: Flask, corpus_dir: Path) -> None:
    response = app.test_client().post("/add", data={"csrf_token": "x", "text": "Un texte."})
    assert response.status_code == 400


def test_remove_needs_the_token(client: FlaskClient, corpus_dir: Path) -> None:
    csrf = token(client)
    client.post("/watches", data={"csrf_token": csrf, "name": "keep", "q": "tramway"})
    response = client.post("/watches/remove", data={"name": "keep"})
    assert response.status_code == 400
    assert [w.name for w in Archive.open(corpus_dir).watches()] == ["keep"]


def test_session_cookie_is_strict(client: FlaskClient) -> None:
    response = client.get("/add")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


# -- Host header (DNS rebinding) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example:8765", "evil.example", "127.0.0.1:9999", "127.0.0.1", "localhost.evil:8765"],
)
def test_foreign_host_is_refused(client: FlaskClient, corpus_dir: Path, host: str) -> None:
    for path in ("/", "/static/clipper.css", "/clipping/abcd"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400
        assert "only answers to its own address" in response.get_data(as_text=True)
    before = stored_count(corpus_dir)
    response = client.post("/add", data={"text": "Un texte."}, headers={"Host": host})
    assert response.status_code == 400 and stored_count(corpus_dir) == before


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "[::1]:8765"]
)
def test_loopback_names_are_accepted(client: FlaskClient, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 200


def test_host_names() -> None:
    assert host_names("127.0.0.1", 8765) == {
        "127.0.0.1:8765",
        "localhost:8765",
        "[::1]:8765",
    }
    assert host_names("192.168.1.20", 80) == {"192.168.1.20:80", "192.168.1.20"}
    wildcard = host_names("0.0.0.0", 8000)
    assert "localhost:8000" in wildcard
    assert host_allowed("10.1.2.3:8000", wildcard, "0.0.0.0")
    assert host_allowed("[fe80::1]:8000", wildcard, "0.0.0.0")
    assert not host_allowed("evil.example:8000", wildcard, "0.0.0.0")
    assert not host_allowed("10.1.2.3:8001", wildcard, "0.0.0.0")
    assert not host_allowed("10.1.2.3:8000", host_names("127.0.0.1", 8000), "127.0.0.1")


def test_allowed_hosts_can_be_given(corpus: dict[str, Any], corpus_dir: Path) -> None:
    app = create_app(corpus_dir, allowed_hosts=["archive.home:8080"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "archive.home:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8765"}).status_code == 400
    app.extensions["clipper"].archive.close()


# -- headers on every response ----------------------------------------------------------------


def test_security_headers_on_every_response(client: FlaskClient, corpus: dict[str, Any]) -> None:
    clipping_id = corpus["tram"][0]
    csrf = token(client)
    responses = [
        client.get(path)
        for path in (
            "/",
            "/?q=tramway&page=2",
            "/timeline?q=tramway",
            f"/clipping/{clipping_id}",
            f"/clipping/{clipping_id}/original",
            "/watches",
            "/add",
            "/export?format=csv",
            "/static/clipper.css",
            "/static/clipper.js",
            "/static/favicon.svg",
            "/favicon.ico",
            "/nowhere",
            "/?q=date:2025-13",
            "/clipping/0123456789abcdef",
        )
    ]
    responses.append(client.get("/", headers={"Host": "evil.example"}))
    responses.append(client.post("/add", data={"text": "x"}))
    responses.append(client.post("/add", data={"csrf_token": csrf, "text": ""}))
    responses.append(client.post("/watches", data={"csrf_token": csrf, "name": "h", "q": "a"}))
    for response in responses:
        csp = response.headers.get("Content-Security-Policy", "")
        for directive in CSP_DIRECTIVES:
            assert directive in csp, (response.request.path, csp)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert responses[0].headers["Content-Security-Policy"] == CSP


def test_pages_have_no_inline_script_or_style(client: FlaskClient, corpus: dict[str, Any]) -> None:
    for path in ("/", "/?q=tramway", "/timeline?q=tramway", f"/clipping/{corpus['copy']}",
                 "/watches", "/add", "/nowhere"):  # fmt: skip
        response = client.get(path)
        text = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", text)
        assert scripts == ['<script src="/static/clipper.js" defer>'], path
        assert "<style" not in text and " style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path
        assert 'id="q"' in text, path  # "/" has a search box to focus everywhere


def test_static_files(client: FlaskClient) -> None:
    favicon = client.get("/static/favicon.svg")
    assert favicon.mimetype == "image/svg+xml" and b"<svg" in favicon.data
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"
    script = client.get("/static/clipper.js").get_data(as_text=True)
    assert 'event.key !== "/"' in script and "focus()" in script
    css = client.get("/static/clipper.css").get_data(as_text=True)
    assert ":focus-visible" in css and "@media" in css
    text = page(client, "/")
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in text
    assert '<meta name="viewport"' in text


# -- languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang", "words"),
    [
        (None, "en", "12 results"),
        ("en-GB,en;q=0.9", "en", "12 results"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr", "12 résultats"),
        ("fr-CA", "fr", "12 résultats"),
        ("de-DE,de;q=0.9", "en", "12 results"),
        ("de,fr;q=0.8,en;q=0.5", "fr", "12 résultats"),
    ],
)
def test_language_follows_accept_language(
    client: FlaskClient, accept: str | None, lang: str, words: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    text = page(client, "/?q=tramway", headers=headers)
    assert f'<html lang="{lang}">' in text
    assert words in text
    assert title_of(text) == f"«tramway» — {words} — clipper"


def test_french_labels_everywhere(client: FlaskClient, corpus: dict[str, Any]) -> None:
    fr = {"Accept-Language": "fr"}
    assert "Recherches enregistrées" in page(client, "/watches", headers=fr)
    assert "Ajouter une coupure" in page(client, "/add", headers=fr)
    assert "Coupures proches" in page(client, f"/clipping/{corpus['tram'][0]}", headers=fr)
    assert "Chronologie" in page(client, "/timeline?q=tramway", headers=fr)
    assert "Introuvable" in page(client, "/nowhere", status=404, headers=fr)
    assert "1 résultat" in page(client, "/?q=cranes", headers=fr)


# -- hostile clippings ----------------------------------------------------------------------------


def assert_inert(text: str, where: str) -> None:
    for markup in HOSTILE_MARKUP:
        assert markup not in text, (where, markup)
    hrefs = re.findall(r'(?:href|src|action)\s*=\s*"([^"]*)"', text)
    assert not [h for h in hrefs if html.unescape(h).strip().lower().startswith("javascript:")]
    assert "javascript:" not in "".join(re.findall(r"<a\b[^>]*>", text)).lower(), where


def test_hostile_clipping_is_escaped_everywhere(
    client: FlaskClient, hostile: str, corpus_dir: Path
) -> None:
    csrf = token(client)
    paths = [
        "/",
        "/?q=hostile",
        "/?q=tramway&lang=en",
        "/?q=hostile&collapse=1",
        f"/clipping/{hostile}",
        f"/clipping/{hostile}?q={HOSTILE_SCRIPT}",
        "/timeline?q=hostile",
        f"/?q={HOSTILE_SCRIPT}",
        f"/?q=hostile&source={HOSTILE_SCRIPT}",
        f"/?q=hostile&tag={HOSTILE_IMG}",
        f"/timeline?q={HOSTILE_IMG}",
        f"/clipping/{HOSTILE_SCRIPT}",
        f"/?q=date:{HOSTILE_IMG}",
        f"/?page={HOSTILE_IMG}",
        f"/{HOSTILE_SCRIPT}",
    ]
    text = page(client, "/?q=hostile")
    assert total(text) == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hostile headline" in text
    for href in links(page(client, "/?q=hostile")):  # facet links with hostile values
        if href.startswith("/?"):
            paths.append(href)
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 400, 404), path
        assert_inert(response.get_data(as_text=True), path)

    clipping_page = page(client, f"/clipping/{hostile}")
    assert '<span class="inert-url">javascript:alert(1)</span>' in clipping_page
    assert "&lt;img src=x onerror=alert(1)&gt;" in clipping_page
    assert "&lt;b onmouseover=alert(1)&gt;Mallory&lt;/b&gt;" in clipping_page

    client.post("/watches", data={"csrf_token": csrf, "name": "hostile", "q": "hostile"})
    client.post(
        "/watches",
        data={"csrf_token": csrf, "name": "tagged", "q": "", "tag": HOSTILE_SCRIPT},
    )
    assert_inert(page(client, "/watches"), "/watches")
    response = client.post(
        "/add",
        data={
            "csrf_token": csrf,
            "text": f"{HOSTILE_SCRIPT} pasted\n\nA pasted hostile tramway text {HOSTILE_IMG}.",
            "source": HOSTILE_IMG,
            "tags": f"{HOSTILE_SCRIPT}, ok",
        },
    )
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True), "add outcome")
    response = client.post(
        "/add", data={"csrf_token": csrf, "text": f"{HOSTILE_SCRIPT} x", "date": HOSTILE_IMG}
    )
    assert response.status_code == 400
    assert_inert(response.get_data(as_text=True), "add error")
    run = client.post("/watches/run", data={"csrf_token": csrf})
    assert_inert(run.get_data(as_text=True), "run")
    export = client.get("/export?q=hostile&format=md").get_data(as_text=True)
    assert HOSTILE_SCRIPT not in export and "](javascript:" not in export


def test_hostile_snippet_highlights_are_escaped(client: FlaskClient, hostile: str) -> None:
    text = page(client, "/?q=tramway+lang:en")
    snippet = re.search(r'<p class="snippet">(.*?)</p>', text, re.S)
    assert snippet
    assert "<mark>tramway</mark>" in snippet[1]
    assert re.sub(r"</?mark>", "", snippet[1]).count("<") == 0


# -- serving ---------------------------------------------------------------------------


class FakeServer:
    server_port = 8765

    def serve_forever(self) -> None:
        raise KeyboardInterrupt

    def server_close(self) -> None:
        pass


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_warns_off_loopback(
    corpus_dir: Path,
    corpus: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    host: str,
    warned: bool,
) -> None:
    seen: dict[str, Any] = {}

    def fake_listen(app: Flask, bound: str, port: int) -> FakeServer:
        seen.update(app=app, host=bound, port=port)
        return FakeServer()

    opened: list[str] = []
    monkeypatch.setattr(webapp, "listen", fake_listen)
    monkeypatch.setattr(webapp.webbrowser, "open", opened.append)
    serve(corpus_dir, host, 8765, open_browser=True)
    err = capsys.readouterr().err
    assert ("Warning" in err) is warned
    assert seen["host"] == host and seen["port"] == 8765
    assert opened == ["http://127.0.0.1:8765/"]
    assert "http://127.0.0.1:8765/" in err


def test_build_server_on_a_free_port(corpus: dict[str, Any], corpus_dir: Path) -> None:
    server = build_server(corpus_dir, "127.0.0.1", 0)
    try:
        port = server.server_port
        assert port > 0
        allowed = server.app.config["CLIPPER_ALLOWED_HOSTS"]  # type: ignore[attr-defined]
        assert f"127.0.0.1:{port}" in allowed and f"localhost:{port}" in allowed
    finally:
        server.server_close()


def test_port_in_use_is_a_clipper_error(corpus: dict[str, Any], corpus_dir: Path) -> None:
    from clipper.errors import ClipperError

    first = build_server(corpus_dir, "127.0.0.1", 0)
    try:
        with pytest.raises(ClipperError, match="cannot listen on"):
            build_server(corpus_dir, "127.0.0.1", first.server_port)
    finally:
        first.server_close()


# -- the query guide ---------------------------------------------------------------


def test_the_search_page_links_to_the_query_guide(client: FlaskClient) -> None:
    assert '<a href="/guide">Query guide</a>' in page(client, "/")
    guide = page(client, "/guide")
    assert "<h1>Searching clipper: the query guide</h1>" in guide
    assert "<table>" in guide and "<code>date:2024-03</code>" in guide
    # Links to the repository's other pages are text here: they would lead nowhere.
    assert 'href="reliability.md' not in guide and "Export and import back" in guide


def test_the_guide_page_is_the_packaged_query_guide() -> None:
    from importlib.resources import files

    packaged = files("clipper.web").joinpath("query.md").read_text(encoding="utf-8")
    assert packaged == (Path(__file__).parent.parent / "docs" / "query.md").read_text("utf-8")


def test_markdown_pages_never_run_markup() -> None:
    from clipper.web.guide import markdown_page

    html = markdown_page(
        "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](other.md) "
        "[z](https://example.org/a)\n"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert 'href="other.md"' not in html and ">y<" not in html and " y " in html
    assert '<a href="https://example.org/a">z</a>' in html


def test_undated_clippings_have_their_own_year_bucket_without_a_link(
    client: FlaskClient, archive: Archive
) -> None:
    outcome = archive.add_bytes(b"Tramway sans date\n\nLe tramway de nuit.\n", "u.txt")
    assert outcome.status == "added"
    aside = page(client, "/?q=tramway")
    aside = aside[aside.index('<aside class="facets"') :]
    years = aside[aside.index("<h3>Years</h3>") :].split("</section>", 1)[0]
    values = re.findall(r'<span class="value">([^<]*)</span>', years)
    assert values[-1] == "undated" and values[:-1] == sorted(values[:-1], reverse=True)
    assert '<span class="unlinked"><span class="value">undated</span> <span class="count">1' in (
        years
    )
    assert "since=undated" not in aside


def test_views_are_importable_functions_registered_once_on_the_blueprint(app, corpus):
    from clipper.web import app as web

    views = {
        "search": web.search,
        "timeline": web.timeline,
        "clipping": web.clipping,
        "export": web.export,
        "watches": web.watches,
        "add": web.add,
    }
    for name, view in views.items():
        assert app.view_functions[f"pages.{name}"] is view
    # A view called alone, in a request of its own, renders its page.
    with app.test_request_context("/timeline?q=tramway", headers={"Host": HOST}):
        html = web.timeline()
    assert isinstance(html, str)
    assert "tramway" in html
    with app.test_request_context(f"/clipping/{corpus['strike']}", headers={"Host": HOST}):
        html = web.clipping(corpus["strike"])
    assert "Grève des bus à Nantes" in html


@pytest.mark.parametrize("match", ["auto", "any"])
def test_a_relaxed_search_has_the_same_matches_in_its_timeline_and_export(
    client: FlaskClient, match: str
) -> None:
    query = "q=tramway+zzzqx"  # zzzqx is found nowhere: relaxing drops it
    found = total(page(client, f"/?{query}&match={match}"))
    assert found == 12
    rows = re.findall(r"<td>(\d+)</td>", page(client, f"/timeline?{query}&match={match}&by=year"))
    assert sum(map(int, rows)) == found
    exported = client.get(f"/export?{query}&match={match}&format=jsonl").get_data(as_text=True)
    assert len(exported.splitlines()) == found
    strict = client.get(f"/export?{query}&match=all&format=jsonl").get_data(as_text=True)
    assert strict == ""


@pytest.mark.parametrize("dates", ["since=2023-06", "until=2024-03", "since=2023-09&until=2024-05"])
def test_year_and_timeline_links_narrow_a_search_with_dates(
    client: FlaskClient, dates: str
) -> None:
    text = page(client, f"/?q=tramway&{dates}")
    aside = text[text.index('<aside class="facets"') :]
    years = re.findall(
        r'<a href="([^"]*)"[^>]*><span class="value">(\d{4})</span> '
        r'<span class="count">(\d+)</span>',
        aside,
    )
    assert years
    for href, year, count in years:
        assert total(page(client, html.unescape(href))) == int(count), (year, href)
    chart = page(client, f"/timeline?q=tramway&{dates}&by=month")
    bars = re.findall(r'<th scope="row"><a href="([^"]*)">([^<]*)</a></th><td>(\d+)</td>', chart)
    assert bars
    for href, period, count in bars:
        assert total(page(client, html.unescape(href))) == int(count), (period, href)


def test_a_search_page_says_when_clippings_it_found_could_not_be_read(
    client: FlaskClient, corpus_dir: Path
) -> None:
    damaged = next(
        path
        for path in sorted((corpus_dir / "clippings").rglob("*.json"))
        if "tramway" in json.loads(path.read_text(encoding="utf-8"))["title"]
    )
    damaged.write_text("{", encoding="utf-8")
    text = page(client, f"/?q=tramway+id:{damaged.stem}")
    assert "1 of the clippings found could not be read" in text
    error = page(client, f"/clipping/{damaged.stem}", status=500)
    assert "unreadable metadata" in error


def test_a_page_past_the_last_goes_to_the_last(client: FlaskClient) -> None:
    response = client.get("/?q=tramway&page=999")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert parse_qs(urlsplit(target).query) == {"q": ["tramway"], "page": ["2"]}
    assert total(page(client, target)) == 12
    assert "No clipping matches." in page(client, "/?q=zeppelin&page=3")


def test_control_characters_in_an_address_never_reach_the_page(client: FlaskClient) -> None:
    text = page(client, "/?q=tram%00way&source=%00&tag=%1b[31m")
    assert "\x00" not in text and "\x1b" not in text
    assert total(text) == 12  # 'tramway' as meant; empty filters dropped


def test_a_page_is_fetched_while_the_other_pages_can_be_served(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    core = app.extensions["clipper"]
    free: list[bool] = []

    def fetch_while_another_request_tries_the_lock(url: str, **kwargs: Any) -> Fetched:
        def another_request() -> None:
            taken = core.lock.acquire(blocking=False)
            free.append(taken)
            if taken:
                core.lock.release()

        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join()
        text = "Hydrofoils return\n\nHydrofoils will cross the bay again from June, the port said."
        return Fetched(url, text.encode(), "text/plain", "2024-05-01T08:00:00+00:00")

    monkeypatch.setattr("clipper.fetch.fetch", fetch_while_another_request_tries_the_lock)
    response = client.post(
        "/add", data={"csrf_token": token(client), "url": "https://news.example.org/ferries"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert free == [True]
    assert total(page(client, "/?q=hydrofoils")) == 1  # the shared archive sees it
