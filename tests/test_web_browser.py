"""The web page end to end in a real browser: Debian's Chromium driven by Playwright.

The real server (werkzeug, threaded) runs in a thread on 127.0.0.1 with a free
port, on a temporary corpus written here, including clippings whose every
field is hostile markup. Screenshots of the main pages go to
``$CLIPPER_SCREENSHOTS`` or to a temporary folder (its path is printed).

Skipped only when /usr/bin/chromium or the playwright package is missing;
no browser is ever downloaded.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clipper.archive import Archive
from clipper.ingest import Metadata
from clipper.web.app import build_server

# Each test drives a real browser: the fast set (pytest -m "not slow") skips them.
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CITIES = ["Arles", "Bayonne", "Colmar", "Douai", "Évry", "Foix", "Gap", "Laval", "Melun"]
XSS_SCRIPT = "<script>window.__xss = 1; alert(1)</script>"
XSS_IMG = '<img src=x onerror="window.__xss = 2; alert(2)">'
XSS_SVG = '<svg onload="window.__xss = 3; alert(3)"></svg>'
XSS_URL = "javascript:window.__xss=4;alert(4)"


# -- the corpus and the server -----------------------------------------------------


def build_corpus(root: Path) -> dict[str, str]:
    archive = Archive.open_or_create(root)
    ids: dict[str, str] = {}
    try:
        for number, city in enumerate(CITIES):
            title = f"À {city}, le marché couvert rouvre après travaux"
            text = (
                f"Le marché couvert de {city} a rouvert samedi après dix-huit mois de travaux. "
                f"Les {number + 20} étals ont été refaits et une verrière laisse entrer la "
                "lumière. Les commerçants espèrent retrouver leur clientèle d'avant le chantier."
            )
            metadata = Metadata(
                source="Le Journal des Halles" if number % 2 else "La Voix du Marché",
                date=f"{2023 + number % 2}-{number + 1:02d}-10",
                lang="fr",
                tags=["commerce"] + (["patrimoine"] if number % 3 == 0 else []),
                agency="AFP" if number < 3 else None,
                url=f"https://example.org/marche/{number}",
            )
            outcome = archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"m{number}.txt", metadata)
            assert outcome.status == "added", outcome.error
            ids.setdefault("first", outcome.clipping.id)
        record = {
            "title": f"{XSS_SCRIPT} Hostile market {XSS_IMG}",
            "text": f"A hostile market story {XSS_IMG} about the covered market.\n\n"
            f"{XSS_SCRIPT}\n\nThe covered market {XSS_SVG} stays open.",
            "source": f"{XSS_SCRIPT}Evil Gazette",
            "agency": XSS_IMG,
            "author": XSS_SVG,
            "url": XSS_URL,
            "lang": "en",
            "date": "2024-02-02",
            "tags": [XSS_SCRIPT, XSS_IMG],
            "note": XSS_SVG,
            "captions": [XSS_IMG],
            "credits": [XSS_SCRIPT],
            "subheadings": [XSS_SCRIPT],
            "sidebar": [XSS_SVG],
        }
        path = root.parent / "hostile.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        report = archive.import_jsonl(path)
        assert report.added, report.failed and report.failed[0].error
        ids["hostile"] = report.added[0].clipping.id
        page = (
            "<!doctype html><html><head><title>Hostile stored page</title>"
            "<script>window.__xss = 5; alert(5)</script></head><body><article>"
            "<h1>A stored page about the covered market</h1>"
            + "<p>The covered market of the old town reopened with new stalls and a glass "
            "roof, and the traders hope their customers will come back.</p>"
            * 4
            + "</article></body></html>"
        )
        stored = archive.add_bytes(page.encode(), "stored.html", Metadata(lang="en"))
        assert stored.status == "added", stored.error
        ids["stored_html"] = stored.clipping.id
        archive.add_watch("hostile", "hostile", {"tag": XSS_SCRIPT})
    finally:
        archive.close()
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("browser") / "corpus"
    ids = build_corpus(root)
    server = build_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{server.server_port}", "ids": ids, "root": root}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        server.app.extensions["clipper"].archive.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("CLIPPER_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page whose dialogs and Content-Security-Policy reports are recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.csp_reports: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_reports.append(message.text)

    def check_clean(self, where: str) -> None:
        """No script of a clipping ran, no markup of a clipping became an element."""
        page = self.page
        assert page.evaluate("typeof window.__xss") == "undefined", where
        assert self.dialogs == [], where
        assert self.errors == [], (where, self.errors)
        assert self.csp_reports == [], (where, self.csp_reports)
        scripts = page.evaluate("[...document.scripts].map(s => s.getAttribute('src'))")
        assert scripts == ["/static/clipper.js"], where
        found = page.evaluate(
            "document.querySelectorAll('[onerror],[onload],[onmouseover],img[src=x],"
            'article svg,a[href^="javascript" i],[src^="javascript" i]\').length'
        )
        assert found == 0, where


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def tab(context: Any) -> Watched:
    return Watched(context.new_page())


def results_count(page: Any) -> int:
    match = re.search(r"(\d+) results?", page.locator("#summary").inner_text())
    assert match
    return int(match[1])


# -- driving the pages ----------------------------------------------------------------


def test_search_with_the_keyboard_then_a_facet(
    tab: Watched, site: dict[str, Any], shots: Path
) -> None:
    page = tab.page
    page.goto(site["base"] + "/watches")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("marché couvert")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*")
    assert page.title() == "«marché couvert» — 9 results — clipper"
    assert results_count(page) == 9
    assert page.locator("mark").count() >= 9
    page.screenshot(path=str(shots / "search-results.png"), full_page=True)
    tab.check_clean("search")

    page.locator(".facet", has_text="Years").get_by_role("link", name=re.compile("^2024")).click()
    page.wait_for_url("**since=2024**")
    assert results_count(page) == 4
    assert page.locator(".facet a.active").inner_text().startswith("2024")
    chip = page.locator(".chips a").first
    assert "2024" in chip.inner_text()
    page.locator(".facet", has_text="Tags").get_by_role(
        "link", name=re.compile("^patrimoine")
    ).click()
    assert results_count(page) == 1
    tab.check_clean("facets")


def test_tab_order_follows_the_results(tab: Watched, site: dict[str, Any]) -> None:
    page = tab.page
    page.goto(site["base"] + "/?q=march%C3%A9")
    page.locator("#q").focus()
    titles = page.locator(".hit-title a").all_inner_texts()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.closest('.hit-title') ? document.activeElement.textContent : ''"
        )
        if focused:
            reached.append(focused)
    assert reached[: len(titles)] == titles
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_open_a_clipping_and_download_the_original(
    tab: Watched, site: dict[str, Any], shots: Path
) -> None:
    page = tab.page
    page.goto(site["base"] + "/?q=Arles")
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/clipping/**")
    assert page.locator("h1").inner_text() == "À Arles, le marché couvert rouvre après travaux"
    assert page.title() == "À Arles, le marché couvert rouvre après travaux — clipper"
    link = page.get_by_role("link", name="https://example.org/marche/0")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    page.screenshot(path=str(shots / "clipping.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the original file").click()
    assert download.value.suggested_filename.endswith(".orig.txt")
    assert "Arles" in Path(download.value.path()).read_text(encoding="utf-8")
    page.get_by_role("link", name="Back to the results").click()
    assert results_count(page) == 1
    tab.check_clean("clipping")


def test_stored_html_downloads_and_never_runs(tab: Watched, site: dict[str, Any]) -> None:
    page = tab.page
    page.goto(f"{site['base']}/clipping/{site['ids']['stored_html']}")
    tab.check_clean("stored html clipping")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the original file").click()
    assert download.value.suggested_filename.endswith(".orig.html")
    assert "<script>" in Path(download.value.path()).read_text(encoding="utf-8")
    tab.check_clean("after the download")


def test_add_a_pasted_clipping(tab: Watched, site: dict[str, Any], shots: Path) -> None:
    page = tab.page
    page.goto(site["base"] + "/add")
    assert page.title() == "Add a clipping — clipper"
    page.screenshot(path=str(shots / "add-form.png"), full_page=True)
    form = page.locator("#paste-form")
    form.get_by_label("Text of the article").fill(
        "Une halle aux grains devient médiathèque\n\n"
        "La commune transforme son ancienne halle aux grains en médiathèque. Les travaux "
        "commencent en septembre et l'ouverture est prévue pour l'été suivant.\n\n"
        "Source : AFP"
    )
    form.get_by_label("Source").fill("Le Petit Écho")
    form.get_by_label("Date").fill("3 avril 2024")
    form.get_by_label("Tags").fill("culture, patrimoine")
    form.get_by_role("button", name="Add the clipping").click()
    outcome = page.locator(".outcome")
    assert outcome.locator("h2").inner_text() == "Added"
    text = outcome.inner_text()
    for expected in ("Une halle aux grains devient médiathèque", "Le Petit Écho", "AFP", "fr"):
        assert expected in text
    assert "2024-04-03" in text
    page.screenshot(path=str(shots / "add-result.png"), full_page=True)
    outcome.get_by_role("link", name="Open the clipping").click()
    assert page.locator("h1").inner_text() == "Une halle aux grains devient médiathèque"

    page.goto(site["base"] + "/add")
    page.locator("#paste-form").get_by_label("Text of the article").fill("Un texte daté.")
    page.locator("#paste-form").get_by_label("Date").fill("le 45 du mois")
    page.locator("#paste-form").get_by_role("button", name="Add the clipping").click()
    assert page.locator(".outcome.failed").is_visible()
    assert "date" in page.locator(".outcome.failed .message").inner_text()
    assert page.locator("#paste-form textarea").input_value() == "Un texte daté."
    page.screenshot(path=str(shots / "add-error.png"), full_page=True)
    tab.check_clean("add")


def test_exports(tab: Watched, site: dict[str, Any]) -> None:
    page = tab.page
    page.goto(site["base"] + "/?q=march%C3%A9&source=Le+Journal+des+Halles")
    with page.expect_download() as download:
        page.get_by_role("link", name="Press review (Markdown)").click()
    review = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert review.startswith("# Revue de presse") and review.count("### ") == 4
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,") and len(lines) == 5
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON Lines").click()
    records = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert all(json.loads(r)["source"] == "Le Journal des Halles" for r in records)
    tab.check_clean("exports")


def test_timeline(tab: Watched, site: dict[str, Any], shots: Path) -> None:
    page = tab.page
    page.goto(site["base"] + "/?q=march%C3%A9")
    page.get_by_role("link", name="Timeline of this search").click()
    page.wait_for_url("**/timeline?**")
    assert page.locator("svg.timeline rect.bar").count() >= 2
    page.locator("select[name=by]").select_option("year")
    page.get_by_role("button", name="Show").click()
    assert page.locator("svg.timeline rect.bar").count() == 2
    rows = page.locator("table.counts tbody tr").all_inner_texts()
    assert [re.sub(r"\s+", " ", r).strip() for r in rows] == ["2023 5", "2024 4"]
    page.screenshot(path=str(shots / "timeline.png"), full_page=True)
    page.locator("table.counts").get_by_role("link", name="2023").click()
    args = parse_qs(urlsplit(page.url).query)
    assert args["since"] == ["2023"] and args["until"] == ["2023"]
    assert results_count(page) == 5
    tab.check_clean("timeline")


def test_saved_search(tab: Watched, site: dict[str, Any], shots: Path) -> None:
    page = tab.page
    page.goto(site["base"] + "/?q=march%C3%A9&tag=patrimoine")
    form = page.locator("form.save-search")
    form.get_by_label("Name").fill("halles")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/watches")
    assert "Saved search «halles» added." in page.locator(".flash").inner_text()
    row = page.locator("table.watches tr", has_text="halles")
    assert "patrimoine" in row.inner_text()
    page.screenshot(path=str(shots / "watches.png"), full_page=True)
    row.get_by_role("button", name="Run").click()
    assert "Nothing new." in page.locator("main").inner_text()
    page.goto(site["base"] + "/watches")
    page.locator("table.watches tr", has_text="halles").get_by_role("button", name="Remove").click()
    assert "removed" in page.locator(".flash").inner_text()
    tab.check_clean("watches")


# -- hostile clippings ---------------------------------------------------------------------


def test_hostile_clippings_never_run(tab: Watched, site: dict[str, Any], shots: Path) -> None:
    page = tab.page
    base, hostile = site["base"], site["ids"]["hostile"]
    paths = [
        "/",
        "/?q=hostile",
        "/?q=market&lang=en",
        f"/clipping/{hostile}",
        f"/clipping/{hostile}?q=hostile",
        "/timeline?q=hostile",
        "/watches",
        f"/?q={XSS_SCRIPT}",
        f"/?q=hostile&tag={XSS_IMG}",
        f"/?q=date:{XSS_IMG}",
        f"/clipping/{XSS_SCRIPT}",
        f"/{XSS_SVG}",
    ]
    for path in paths:
        page.goto(base + path)
        tab.check_clean(path)
    page.goto(base + "/?q=hostile")
    assert "<script>window.__xss" in page.locator(".hit-title a").inner_text()
    for link in page.locator(".facets a").all():  # facet values taken from hostile fields
        href = link.get_attribute("href")
        page.goto(base + href)
        tab.check_clean(href)
        page.goto(base + "/?q=hostile")

    page.goto(f"{base}/clipping/{hostile}")
    page.screenshot(path=str(shots / "clipping-hostile.png"), full_page=True)
    before = page.url
    inert = page.get_by_text(XSS_URL, exact=True)
    assert inert.count() == 1
    assert inert.evaluate("element => element.closest('a')") is None
    inert.click()
    page.wait_for_timeout(300)
    assert page.url == before
    tab.check_clean("javascript: address clicked")

    page.goto(base + "/add")
    form = page.locator("#paste-form")
    form.get_by_label("Text of the article").fill(
        f"{XSS_SCRIPT} pasted title\n\nA pasted hostile text {XSS_IMG} {XSS_SVG}."
    )
    form.get_by_label("Source").fill(XSS_IMG)
    form.get_by_label("Tags").fill(f"{XSS_SCRIPT}, {XSS_SVG}")
    form.get_by_role("button", name="Add the clipping").click()
    assert page.locator(".outcome h2").inner_text() == "Added"
    tab.check_clean("hostile add outcome")
    page.locator(".outcome").get_by_role("link", name="Open the clipping").click()
    tab.check_clean("hostile pasted clipping")
    page.goto(base + "/watches")
    page.get_by_role("button", name="Run all").click()
    tab.check_clean("hostile run")


# -- languages, small screens, no JavaScript ---------------------------------------------------


def test_french_labels(browser: Any, site: dict[str, Any], shots: Path) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        tab = Watched(context.new_page())
        tab.page.goto(site["base"] + "/?q=march%C3%A9")
        assert tab.page.title() == "«marché» — 9 résultats — clipper"
        assert tab.page.locator("html").get_attribute("lang") == "fr"
        assert tab.page.get_by_role("link", name="Recherches enregistrées").is_visible()
        tab.page.screenshot(path=str(shots / "search-fr.png"), full_page=True)
        tab.check_clean("fr")
    finally:
        context.close()


def test_phone_layout(browser: Any, site: dict[str, Any], shots: Path) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    try:
        tab = Watched(context.new_page())
        page = tab.page
        for path, name in (
            ("/?q=march%C3%A9", "search-phone.png"),
            (f"/clipping/{site['ids']['first']}", "clipping-phone.png"),
            ("/timeline?q=march%C3%A9", "timeline-phone.png"),
            ("/add", "add-phone.png"),
        ):
            page.goto(site["base"] + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
            page.screenshot(path=str(shots / name), full_page=True)
            tab.check_clean(path)
    finally:
        context.close()


def test_everything_works_without_javascript(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site["base"] + "/")
        page.locator("#q").fill("marché")
        page.locator("form.search button[type=submit]").first.click()
        assert results_count(page) == 9
        page.locator("details.filters summary").click()
        page.locator("select[name=sort]").select_option("date")
        page.get_by_role("button", name="Apply").click()
        assert "Arles" in page.locator(".hit-title a").first.inner_text()
        page.locator(".facet", has_text="Sources").get_by_role(
            "link", name=re.compile("^Le Journal des Halles")
        ).click()
        assert results_count(page) == 4
        page.goto(site["base"] + "/add")
        page.locator("#paste-form textarea").fill(
            "Un kiosque à musique restauré\n\nLe kiosque du jardin public a retrouvé ses "
            "couleurs après une restauration de six mois menée par des artisans locaux."
        )
        page.locator("#paste-form button").click()
        assert page.locator(".outcome h2").inner_text() == "Added"
    finally:
        context.close()


def test_error_page(tab: Watched, site: dict[str, Any], shots: Path) -> None:
    page = tab.page
    response = page.goto(site["base"] + "/?q=date:2025-13")
    assert response is not None and response.status == 400
    assert "month must be in 1..12" in page.locator(".error-page").inner_text()
    assert page.locator("#q").input_value() == "date:2025-13"
    colours = page.locator("#q").evaluate(
        "box => [getComputedStyle(box).color, getComputedStyle(box).backgroundColor]"
    )
    assert colours[0] != colours[1], colours  # the query is readable in the header box
    page.screenshot(path=str(shots / "error.png"), full_page=True)
    response = page.goto(site["base"] + "/clipping/0123456789abcdef")
    assert response is not None and response.status == 404
    tab.check_clean("errors")


def test_the_detectors_catch_a_real_injection(tab: Watched) -> None:
    """The checks above would fail if markup of a clipping ever reached the DOM."""
    page = tab.page
    page.set_content(f"<p>{XSS_IMG}</p>")  # no server, no CSP: the payload runs
    page.wait_for_function("window.__xss === 2")
    assert tab.dialogs == ["2"]
    with pytest.raises(AssertionError):
        tab.check_clean("canary")


def test_a_facet_count_stays_on_one_line_beside_a_long_name(
    tab: Watched, site: dict[str, Any]
) -> None:
    # Issue 13: next to a long source name, a count wrapped ("10" over "007").
    page = tab.page
    page.goto(site["base"] + "/?q=" + "marché couvert")
    row = page.locator(".facet", has_text="Sources").locator("a").first
    name, count = row.locator(".value"), row.locator(".count")
    name.evaluate(
        "el => { el.textContent = 'Le Journal régional des halles, marchés couverts, "
        "foires et salons agricoles du grand Sud-Ouest et des Pyrénées'; }"
    )
    count.evaluate("el => { el.textContent = '10 007'; }")
    lines = (
        "el => { const range = document.createRange(); range.selectNodeContents(el);"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"
    )
    assert name.evaluate(lines) > 2  # the name wraps ...
    assert count.evaluate(lines) == 1  # ... its count does not
    count_box, row_box = count.bounding_box(), row.bounding_box()
    assert count_box is not None and row_box is not None
    padding = float(row.evaluate("el => parseFloat(getComputedStyle(el).paddingRight)"))
    count_right = count_box["x"] + count_box["width"]
    assert abs(count_right - (row_box["x"] + row_box["width"] - padding)) < 1  # right-aligned
    tab.check_clean("facet counts")
