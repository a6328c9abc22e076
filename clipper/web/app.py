"""The local web page of clipper: search, read, add, save searches, export.

:func:`create_app` builds the Flask application for one corpus;
:func:`serve` runs it (``clipper serve``), on 127.0.0.1 unless told otherwise.
Every page calls the same core functions as the CLI (:class:`Archive`): this
module reads and checks request parameters, calls the core and renders.

Safety model (docs/web.md):

* Jinja2 autoescaping everywhere; snippets are built from escaped segments
  around ``<mark>``; only http(s) addresses become links; the original file
  is only ever sent as an ``application/octet-stream`` attachment.
* A strict Content-Security-Policy (no inline script or style), ``nosniff``,
  ``no-referrer`` and ``frame-ancestors 'none'`` on every response.
* Forms that change the corpus carry a per-session CSRF token kept in
  Flask's signed session cookie (``SameSite=Strict``, ``HttpOnly``).
* Requests whose ``Host`` header is not the address the server is bound to
  (or a loopback name for it) are refused: DNS rebinding cannot reach it.
* Errors are pages with a one-line message, never a traceback.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import logging
import re
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family
from werkzeug.wrappers import Response

from clipper import __version__
from clipper.archive import AddOutcome, Archive, Hit
from clipper.dates import within
from clipper.errors import ClipperError, NotFoundError, UsageError
from clipper.fetch import is_url
from clipper.ingest import Metadata
from clipper.model import UNDATED
from clipper.options import (
    FACETS,
    FILTER_NAMES,
    GROUPINGS,
    MATCH_MODES,
    PERIODS,
    REVIEW_TITLE,
    SORTS,
    WEB_EXPORT_FORMATS,
    Filters,
    MatchMode,
)
from clipper.textutil import one_line
from clipper.web.labels import DEFAULT_LANGUAGE, LANGUAGES, count_label, format_number, label
from clipper.web.present import highlighted, page_numbers, paragraphs, safe_url, timeline_chart

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_SIZE = 10
MAX_PAGE = 10_000
# Seconds one search may take before the page says the query is too broad:
# the caps of clipper.searching bound each query, this bounds what remains.
SEARCH_SECONDS = 2.0
SEARCH_SECONDS_KEY = "CLIPPER_SEARCH_SECONDS"
FACET_VALUES_SHOWN = 12
FILTER_KEYS = FILTER_NAMES
RELATED_SHOWN = 5
MAX_FORM_BYTES = 8 * 1024 * 1024
PASTED_NAME = "pasted text"
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The original file: never rendered, and inert even if a browser tried.
DOWNLOAD_CSP = CSP + "; sandbox"
ALLOWED_HOSTS_KEY = "CLIPPER_ALLOWED_HOSTS"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


# -- the application ----------------------------------------------------------


@dataclass
class _Core:
    """The one archive of the application, used by one request at a time.

    Whoosh searchers are cheap but an :class:`Archive` keeps one open index
    that adding closes and reopens: a lock keeps threads from crossing.
    """

    archive: Archive
    lock: threading.RLock = field(default_factory=threading.RLock)


def create_app(
    corpus_root: Path,
    *,
    secret_key: bytes | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allowed_hosts: Iterable[str] | None = None,
) -> Flask:
    """The Flask application for the corpus at ``corpus_root`` (created if missing).

    ``host`` and ``port`` say where the server listens: requests must name
    that address (or a loopback name for it) in their ``Host`` header, unless
    ``allowed_hosts`` lists the accepted ``host:port`` values. ``secret_key``
    signs the session cookie that holds the CSRF token; a random one is
    drawn when it is not given (sessions then end with the process).
    """
    archive = Archive.open_or_create(corpus_root)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_bytes(32),
        SESSION_COOKIE_NAME="clipper_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
    )
    app.config[ALLOWED_HOSTS_KEY] = (
        frozenset(h.lower() for h in allowed_hosts)
        if allowed_hosts is not None
        else host_names(host, port)
    )
    app.config[SEARCH_SECONDS_KEY] = SEARCH_SECONDS
    app.extensions["clipper"] = _Core(archive)
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals.update(
        t=_t,
        tc=_tc,
        lang_code=language,
        num=_num,
        csrf_token=csrf_token,
        version=__version__,
        safe_url=safe_url,
        copy_sources=copy_sources,
        get_flashed_messages=get_flashed_messages,
    )
    app.jinja_env.filters["highlighted"] = highlighted
    _register_guards(app)
    _register_errors(app)
    app.register_blueprint(pages)
    return app


@contextmanager
def _archive() -> Iterator[Archive]:
    core: _Core = current_app.extensions["clipper"]
    with core.lock:
        yield core.archive


# -- languages ------------------------------------------------------------------


def language() -> str:
    """``fr`` when French is the browser's best match, else ``en``."""
    if "language" not in g:
        g.language = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    return str(g.language)


def _t(key: str, **values: Any) -> str:
    return label(language(), key, **values)


def _tc(key: str, n: int) -> str:
    return count_label(language(), key, n)


def _num(n: int) -> str:
    return format_number(language(), n)


# -- guards: Host header, CSRF, headers ------------------------------------------


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def host_allowed(header: str, allowed: frozenset[str], bound: str | None = None) -> bool:
    """Whether a ``Host`` header names this server.

    When bound to every interface, an IP address with the right port is also
    accepted: a page whose address is an IP literal came from that address,
    which DNS rebinding cannot fake.
    """
    value = header.strip().lower()
    if value in allowed:
        return True
    if bound in WILDCARD_HOSTS:
        name, _, port = value.rpartition(":")
        ports = {h.rpartition(":")[2] for h in allowed}
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return port in ports
    return False


def _register_guards(app: Flask) -> None:
    @app.before_request
    def check_host() -> None:
        allowed: frozenset[str] = app.config[ALLOWED_HOSTS_KEY]
        bound = app.config.get("CLIPPER_BOUND_HOST")
        if not host_allowed(request.host, allowed, bound):
            abort(400, description=_t("host_refused", hosts=", ".join(sorted(allowed))))

    @app.before_request
    def check_csrf() -> None:
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        expected = session.get("csrf")
        sent = request.form.get("csrf_token", "")
        if (
            not isinstance(expected, str)
            or not expected
            or not hmac.compare_digest(expected.encode(), sent.encode())
        ):
            abort(400, description=_t("csrf_failed"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        if headers.get("Content-Security-Policy") != DOWNLOAD_CSP:
            headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
            headers["Cache-Control"] = "no-store"
        return response


# -- errors ---------------------------------------------------------------------


def _error_page(status: int, message: str, hint: str | None = None) -> ResponseReturnValue:
    heading_key = f"error_{status}" if status in (400, 404, 405, 413) else "error_500"
    try:
        return (
            render_template(
                "error.html",
                active="",
                status=status,
                heading=_t(heading_key),
                message=message,
                hint=hint,
                page_title=f"{_t(heading_key)} — clipper",
            ),
            status,
        )
    except Exception:  # the page itself failed: still no traceback, still escaped
        current_app.logger.exception("cannot render the error page")
        text = f"{status} {label(DEFAULT_LANGUAGE, heading_key)}\n\n{message}\n"
        return Response(text, status=status, content_type="text/plain; charset=utf-8")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ClipperError)
    def core_error(exc: ClipperError) -> ResponseReturnValue:
        if isinstance(exc, UsageError):
            status = 400
        elif isinstance(exc, NotFoundError):
            status = 404
        else:
            status = 500  # a damaged corpus: its one-line message, and a line in the log
            app.logger.error("%s %s: %s", request.method, request.path, exc.message)
        return _error_page(status, exc.message, exc.hint)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        if status == 404:
            message = _t("error_not_found")
        elif status == 413:
            message = _t("error_too_large", mb=MAX_FORM_BYTES // (1024 * 1024))
        else:
            message = exc.description or _t("error_generic")
        return _error_page(status, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return _error_page(500, _t("error_generic"))


# -- search parameters ------------------------------------------------------------


@dataclass
class SearchParams:
    """A search as the query string gives it: query, filters, order, page."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    collapse: bool = False
    page: int = 1
    match: MatchMode = "auto"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchParams:
        # Control characters (a NUL in an address) would be echoed into the page.
        q = one_line(args.get("q", ""))
        filters = {key: value for key in FILTER_KEYS if (value := one_line(args.get(key, "")))}
        sort = args.get("sort", "").strip() or "relevance"
        if sort not in SORTS:
            raise UsageError(_t("invalid_sort", sort=sort), hint=", ".join(SORTS))
        text = args.get("page", "").strip() or "1"
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise UsageError(_t("invalid_page", page=text), hint=f"1..{MAX_PAGE}")
        match = args.get("match", "").strip() or "auto"
        if match not in MATCH_MODES:
            raise UsageError(f"invalid match mode {match!r}", hint=", ".join(MATCH_MODES))
        return cls(q, filters, sort, args.get("collapse") == "1", int(text), match)

    def args(self, **changes: str | int | None) -> dict[str, str]:
        """Query-string arguments of this search with ``changes`` (``None`` removes one)."""
        values: dict[str, str] = {"q": self.q, **self.filters}
        if self.sort != "relevance":
            values["sort"] = self.sort
        if self.collapse:
            values["collapse"] = "1"
        if self.page != 1:
            values["page"] = str(self.page)
        if self.match != "auto":
            values["match"] = self.match
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = str(value)
        return {key: value for key, value in values.items() if value}

    def core_filters(self) -> Filters:
        return _filters(self.filters)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def facet_args(self, name: str, value: str) -> dict[str, str]:
        """This search restricted to one facet value (a year is a since/until
        pair, within the dates already asked for)."""
        if name == "year":
            return self.args(page=None, **self.period(value, value))
        return self.args(**{name: value, "page": None})

    def period(self, since: str, until: str) -> dict[str, str]:
        """``since``/``until`` of a period, narrowed to this search's own."""
        low, high = within(self.filters.get("since"), self.filters.get("until"), since, until)
        return {"since": low, "until": high}

    def facet_active(self, name: str, value: str) -> bool:
        if name == "year":
            dates = {"since": self.filters.get("since"), "until": self.filters.get("until")}
            return dates == self.period(value, value)
        return self.filters.get(name, "").casefold() == value.casefold()


@dataclass
class Chip:
    key: str
    value: str
    remove: str  # URL of the search without this filter


def _chips(params: SearchParams, endpoint: str) -> list[Chip]:
    return [
        Chip(key, value, _link(endpoint, params.args(**{key: None, "page": None})))
        for key, value in params.filters.items()
    ]


def _filters(values: Mapping[str, str]) -> Filters:
    """The core's filters from ``source``, ``lang``, ``agency``, ``tag``, ``since``, ``until``."""
    return Filters.from_mapping(values)


def _link(endpoint: str, args: Mapping[str, str]) -> str:
    """``url_for`` with query-string arguments taken from a mapping."""
    values: dict[str, Any] = dict(args)
    return url_for(endpoint, **values)


def _filter_values(form: Mapping[str, str]) -> dict[str, str]:
    return {key: form[key].strip() for key in FILTER_KEYS if form.get(key, "").strip()}


# -- pages ------------------------------------------------------------------------


def _facet_entries(
    params: SearchParams, name: str, values: list[tuple[str, int]]
) -> list[tuple[str, int, str | None, bool]]:
    """``(label, count, link, active)`` per value; years newest first, the undated last."""
    if name == "year":
        undated = [item for item in values if item[0] == UNDATED]
        values = sorted((item for item in values if item[0] != UNDATED), reverse=True) + undated
    entries: list[tuple[str, int, str | None, bool]] = []
    for value, count in values:
        if (name, value) == ("year", UNDATED):
            # No date filter selects the undated: their bucket is no link.
            entries.append((_t("undated"), count, None, False))
        else:
            link = _link("pages.search", params.facet_args(name, value))
            entries.append((value, count, link, params.facet_active(name, value)))
    return entries


# Every page of the site: views are module-level functions (importable, testable
# alone) on this blueprint, which create_app registers.
pages = Blueprint("pages", __name__)


def guide() -> ResponseReturnValue:
    """The query guide, so that the page's help leads somewhere."""
    from clipper.web.guide import guide_html

    title = f"{_t('query_guide')} — clipper"
    return render_template("guide.html", active="search", page_title=title, body=guide_html())


pages.get("/guide")(guide)


@pages.get("/")
def search() -> ResponseReturnValue:
    params = SearchParams.from_args(request.args)
    with _archive() as archive:
        result = archive.search(
            params.q,
            params.core_filters(),
            limit=PAGE_SIZE,
            offset=params.offset,
            sort=params.sort,
            collapse=params.collapse,
            facets=FACETS,
            budget=current_app.config[SEARCH_SECONDS_KEY],
            match=params.match,
        )
        # Not count(): that lists every clipping file, for an answer the first gives.
        empty_corpus = result.total == 0 and archive.is_empty()
    facets = []
    for name in FACETS:
        values = result.facets.get(name, [])[:FACET_VALUES_SHOWN]
        facets.append((name, _facet_entries(params, name, values)))
    last_page = max(1, -(-result.total // PAGE_SIZE))
    if params.page > last_page and result.total:
        # A page past the last (an old link, a hand-edited address): the last one.
        return redirect(_link("pages.search", params.args(page=last_page)))
    total_text = _tc("results", result.total)
    if params.q:
        page_title = f"«{params.q}» — {total_text} — clipper"
    else:
        page_title = f"{_t('latest')} — {total_text} — clipper"
    if params.page > 1:
        page_title = f"{_t('page_n', n=params.page)} · {page_title}"
    return render_template(
        "search.html",
        active="search",
        page_title=page_title,
        params=params,
        result=result,
        hits=result.hits,
        first=params.offset + 1,
        last=params.offset + len(result.hits),
        facets=facets,
        chips=_chips(params, "pages.search"),
        pages=page_numbers(params.page, last_page),
        last_page=last_page,
        empty_corpus=empty_corpus,
        link_args=params.args(),
        filter_keys=FILTER_KEYS,
        sorts=SORTS,
        match_modes=MATCH_MODES,
    )


@pages.get("/timeline")
def timeline() -> ResponseReturnValue:
    params = SearchParams.from_args(request.args)
    by = request.args.get("by", "").strip() or None
    if by is not None and by not in PERIODS:
        raise UsageError(_t("invalid_by", by=by), hint=", ".join(PERIODS))
    with _archive() as archive:
        result = archive.timeline(params.q, params.core_filters(), by=by, match=params.match)
    links = {
        period: _link("pages.search", params.args(page=None, **_period_filters(params, period)))
        for period, _ in result.counts
    }
    title = _t("timeline_of", q=params.q) if params.q else _t("timeline_all")
    return render_template(
        "timeline.html",
        active="timeline",
        page_title=f"{title} — {_tc('results', result.total)} — clipper",
        heading=title,
        params=params,
        timeline=result,
        chart=timeline_chart(result),
        links=links,
        by=by,
        periods=PERIODS,
        chips=_chips(params, "pages.timeline"),
    )


@pages.get("/clipping/<clipping_id>")
def clipping(clipping_id: str) -> ResponseReturnValue:
    params = SearchParams.from_args(request.args)
    with _archive() as archive:
        found = archive.get(clipping_id)
        copies = archive.copies(found)
        related = archive.similar(found.id, limit=RELATED_SHOWN)
    first_copy = next((c for c in copies if c.id == found.duplicate_of), None)
    has_search = bool(params.q or params.filters)
    return render_template(
        "clipping.html",
        active="search",
        page_title=f"{found.title} — clipper",
        c=found,
        text=paragraphs(found.text),
        subheadings=set(found.subheadings),
        url=safe_url(found.url),
        copies=copies,
        first_copy=first_copy,
        related=related,
        back=_link("pages.search", params.args()) if has_search else None,
        link_args=params.args(page=None),
    )


@pages.get("/clipping/<clipping_id>/original")
def original(clipping_id: str) -> ResponseReturnValue:
    with _archive() as archive:
        found = archive.get(clipping_id)
        data = archive.raw(found.id)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", found.original) or f"{found.id}.orig"
    response = send_file(
        io.BytesIO(data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


@pages.get("/export")
def export() -> ResponseReturnValue:
    params = SearchParams.from_args(request.args)
    fmt = request.args.get("format", "md")
    if fmt not in WEB_EXPORT_FORMATS:
        raise UsageError(_t("invalid_format", fmt=fmt), hint=", ".join(WEB_EXPORT_FORMATS))
    group_by = request.args.get("group_by", "day")
    if group_by not in GROUPINGS:
        raise UsageError(f"unknown grouping {group_by!r}", hint=", ".join(GROUPINGS))
    sort = request.args.get("sort", "").strip() or "-date"
    with _archive() as archive:
        exported = archive.export(
            fmt,
            params.q,
            params.core_filters(),
            sort=sort,
            title=REVIEW_TITLE,
            group_by=group_by,
            match=params.match,
        )
        text = "".join(exported.parts)
    name = f"clipper-{date.today():%Y%m%d}.{fmt}"
    return Response(
        text.encode("utf-8"),
        content_type=CONTENT_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@pages.get("/watches")
def watches() -> ResponseReturnValue:
    rows = []
    with _archive() as archive:
        for watch in archive.watches():
            try:
                new: int | None = archive.new_for_watch(watch)
            except ClipperError:
                new = None  # `Run` reports what is wrong with it
            search_args = {"q": watch.query, **watch.filters}
            rows.append((watch, new, search_args))
    return render_template(
        "watches.html",
        active="watches",
        page_title=f"{_t('watches_title')} — clipper",
        rows=rows,
        filter_keys=FILTER_KEYS,
        form={},
    )


@pages.post("/watches")
def watch_add() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    query = request.form.get("q", "").strip()
    with _archive() as archive:
        saved = archive.add_watch(name, query, _filter_values(request.form))
    flash(_t("watch_saved", name=saved.name))
    return redirect(url_for("pages.watches"), code=303)


@pages.post("/watches/remove")
def watch_remove() -> ResponseReturnValue:
    with _archive() as archive:
        removed = archive.remove_watch(request.form.get("name", ""))
    flash(_t("watch_removed", name=removed.name))
    return redirect(url_for("pages.watches"), code=303)


@pages.post("/watches/run")
def watch_run() -> ResponseReturnValue:
    name = request.form.get("name", "").strip() or None
    with _archive() as archive:
        runs = archive.run_watches(name)
    return render_template(
        "watch_run.html",
        active="watches",
        page_title=f"{_t('run_title')} — clipper",
        runs=runs,
    )


@pages.get("/add")
def add_form() -> ResponseReturnValue:
    return _add_page(form={})


@pages.post("/add")
def add() -> ResponseReturnValue:
    keys = ("text", "title", "source", "date", "tags", "url")
    form = {key: request.form.get(key, "") for key in keys}
    tags = [tag.strip() for tag in form["tags"].split(",") if tag.strip()]
    metadata = Metadata(
        title=form["title"].strip() or None,
        source=form["source"].strip() or None,
        date=form["date"].strip() or None,
        tags=tags,
    )
    url = form["url"].strip()
    if form["text"].strip():
        with _archive() as archive:
            outcome = archive.add_bytes(form["text"].encode("utf-8"), PASTED_NAME, metadata)
            watched = _watches_matching(archive, outcome)
    elif url:
        if not is_url(url):  # anything else would be read as a path on this machine
            return _add_page(form=form, problem=_t("add_not_url"), status=400)
        # A page can take seconds to fetch: added through an archive of its own,
        # outside the lock every other page waits for (the corpus lock orders
        # the writes; the shared archive sees the new index on its next search).
        adding = Archive.open(current_app.extensions["clipper"].archive.root)
        try:
            outcome = adding.add_paths([url], metadata).outcomes[0]
        finally:
            adding.close()
        with _archive() as archive:
            watched = _watches_matching(archive, outcome)
    else:
        return _add_page(form=form, problem=_t("add_nothing"), status=400)
    if outcome.status == "failed":
        return _add_page(form=form, outcome=outcome, status=400)
    return _add_page(form={}, outcome=outcome, watched=watched)


@pages.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return send_from_directory(current_app.static_folder or "static", "favicon.svg")


def _watches_matching(archive: Archive, outcome: AddOutcome) -> list[str]:
    if outcome.status != "added" or outcome.clipping is None:
        return []
    return sorted(archive.watches_matching([outcome.clipping.id]))


def _add_page(
    *,
    form: Mapping[str, str],
    outcome: AddOutcome | None = None,
    problem: str | None = None,
    watched: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "add.html",
            active="add",
            page_title=f"{_t('add_title')} — clipper",
            form=form,
            outcome=outcome,
            problem=problem,
            watched=watched or [],
        ),
        status,
    )


def _period_filters(params: SearchParams, period: str) -> dict[str, str]:
    """``since``/``until`` covering a timeline period (a day, ``YYYY-Www``, a
    month, a year), within the search's own dates."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", period)
    if match:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        return params.period(monday.isoformat(), (monday + timedelta(days=6)).isoformat())
    return params.period(period, period)


def copy_sources(hit: Hit) -> str:
    """The outlets of a collapsed hit's copies, for "+3 copies: AFP, Le Monde"."""
    return ", ".join(sorted({c.source for c in hit.copies if c.source}))


# -- serving ------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_names(host: str, port: int) -> frozenset[str]:
    """``Host`` header values naming a server bound to ``host:port``.

    The bound name itself, plus the loopback names when it is a loopback or
    a wildcard address, plus this machine's name for a wildcard address.
    """
    names = {host.lower()}
    if is_loopback(host) or host in WILDCARD_HOSTS:
        names.update(LOOPBACK_NAMES)
    if host in WILDCARD_HOSTS:
        names.add(socket.gethostname().lower())
    names.discard("")
    values = set()
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        values.add(f"{shown}:{port}")
        if port == 80:
            values.add(shown)
    return frozenset(values)


def build_server(
    corpus_root: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    secret_key: bytes | None = None,
) -> BaseWSGIServer:
    """A threaded WSGI server for the corpus, listening (port 0: any free port)."""
    return listen(create_app(corpus_root, secret_key=secret_key, host=host, port=port), host, port)


def listen(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """Bind a threaded server for ``app``; its allowed hosts follow the port it got."""
    try:
        # Bound here rather than by werkzeug, which exits the process when the port is taken.
        sock = socket.create_server((host, port), family=select_address_family(host, port))
    except OSError as exc:
        raise ClipperError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="another program may use this port: choose another with --port",
        ) from exc
    with sock:
        server = make_server(host, port, app, threaded=True, fd=sock.fileno())
    server.server_name = host
    server.server_port = server.socket.getsockname()[1]
    app.config[ALLOWED_HOSTS_KEY] = host_names(host, server.server_port)
    app.config["CLIPPER_BOUND_HOST"] = host
    return server


def server_url(server: BaseWSGIServer, host: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{server.server_port}/"


def serve(
    corpus_root: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
) -> None:
    """Serve the web page until interrupted (Ctrl-C).

    Listens on 127.0.0.1 by default; any other address prints a warning,
    since whoever reaches it can read and add clippings.
    """
    if not is_loopback(host):
        print(
            f"Warning: listening on {host or 'every interface'}, not on the loopback address: "
            "anyone who can reach this machine on that port can read and add clippings. "
            "There is no login.",
            file=sys.stderr,
        )
    app = create_app(corpus_root, host=host, port=port)
    server = listen(app, host, port)
    # One line per request is noise for a personal tool; errors are still logged.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    url = server_url(server, host)
    print(f"clipper: serving {corpus_root} at {url} (Ctrl-C to stop)", file=sys.stderr)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        core: _Core = app.extensions["clipper"]
        with core.lock:
            core.archive.close()
