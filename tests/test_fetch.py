"""Adding URLs, served by a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clipper import fetch
from clipper.archive import Archive
from clipper.cli import cli
from clipper.errors import InputError

ARTICLE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>Le port de Brest s'agrandit | Le Courrier du Ponant</title>
<meta property="og:title" content="Le port de Brest s'agrandit">
<meta property="og:site_name" content="Le Courrier du Ponant">
<meta property="article:published_time" content="2024-05-14T08:00:00+02:00">
<link rel="canonical" href="https://example.org/brest/port">
</head><body>
<nav><a href="/">Accueil</a> <a href="/sport">Sport</a> <a href="/meteo">Météo</a></nav>
<article><h1>Le port de Brest s'agrandit</h1>
<p>Les travaux d'extension du port de commerce de Brest ont commencé lundi, avec la
construction d'un nouveau quai destiné aux navires de fret et aux éoliennes en mer.</p>
<p>Le chantier doit durer trois ans et mobiliser plus de deux cents ouvriers, selon la
région, qui finance l'essentiel des travaux avec l'État et l'Union européenne.</p>
<p>Les riverains redoutent le bruit des engins, mais les commerçants du quartier espèrent
profiter de l'arrivée de nouvelles entreprises sur le site portuaire.</p>
</article>
<footer>© Le Courrier du Ponant – Mentions légales – Contact</footer>
</body></html>
""".encode()

release = threading.Event()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (timeout and size-limit tests)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/article.html":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.end_headers()
        elif self.path == "/missing":
            self._send(404, b"not here")
        elif self.path == "/broken":
            self._send(500, b"oops")
        elif self.path == "/photo.png":
            self._send(200, b"\x89PNG\r\n", "image/png")
        elif self.path == "/slow":
            release.wait(timeout=30)  # held until the test is over, not a timing guess
            self._send(200, ARTICLE)
        elif self.path == "/big":
            self._send(200, ARTICLE * 10)
        else:
            self._send(404, b"")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    release.set()
    httpd.shutdown()
    httpd.server_close()


def test_add_url_stores_fetched_bytes_with_url_and_time(archive: Archive, server: str):
    report = archive.add_paths([f"{server}/moved"])
    outcome = report.outcomes[0]
    assert outcome.status == "added", outcome.error
    clipping = outcome.clipping
    assert clipping.title == "Le port de Brest s'agrandit"
    assert clipping.url == "https://example.org/brest/port"
    assert clipping.extra["fetched_from"] == f"{server}/moved"
    assert clipping.extra["fetched"].endswith("+00:00")
    assert clipping.date == "2024-05-14"
    assert archive.raw(clipping.id) == ARTICLE
    assert "Mentions légales" not in clipping.text
    assert archive.search("quai éoliennes").total == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP error 404 Not Found"),
        ("/broken", "HTTP error 500 Internal Server Error"),
        ("/photo.png", "not a web page or PDF (Content-Type image/png)"),
    ],
)
def test_fetch_errors_name_the_url(server: str, path: str, reason: str):
    with pytest.raises(InputError) as excinfo:
        fetch.fetch(server + path)
    assert str(excinfo.value) == f"{server}{path}: {reason}"


def test_fetch_times_out(server: str):
    with pytest.raises(InputError, match=r"/slow: timed out after 0.3 s$"):
        fetch.fetch(f"{server}/slow", timeout=0.3)


def test_fetch_refuses_pages_over_the_size_limit(server: str):
    with pytest.raises(InputError, match="page too large"):
        fetch.fetch(f"{server}/big", max_bytes=len(ARTICLE))


def test_fetch_reports_dns_failure(monkeypatch: pytest.MonkeyPatch):
    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(InputError, match=r"^https://news\.invalid/a: host not found"):
        fetch.fetch("https://news.invalid/a")


def test_cli_add_url_batch_keeps_going_after_a_bad_url(runner, server: str, corpus_dir):
    result = runner.invoke(cli, ["add", f"{server}/missing", f"{server}/article.html", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [a["title"] for a in report["added"]] == ["Le port de Brest s'agrandit"]
    assert report["failed"] == [
        {"input": f"{server}/missing", "error": f"{server}/missing: HTTP error 404 Not Found"}
    ]
    assert Archive.open(corpus_dir).corpus.count() == 1


@pytest.mark.parametrize(("terminal", "said"), [(True, "Fetching 1 web address…\n"), (False, "")])
def test_cli_add_says_it_is_fetching_on_a_terminal(runner, server, monkeypatch, terminal, said):
    from clipper import cli as cli_module

    monkeypatch.setattr(cli_module, "on_terminal", lambda: terminal)
    result = runner.invoke(cli, ["add", f"{server}/article.html"])
    assert result.exit_code == 0
    assert result.stderr == said + "1 added\n"


def test_pages_are_fetched_before_the_write_lock_is_taken(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    """Another add (or the web page's) must not wait for a slow site."""
    from clipper.locking import lock_is_free

    seen: list[bool] = []

    def fetch_checking_the_lock(url: str, **kwargs: object) -> fetch.Fetched:
        seen.append(lock_is_free(archive.root))
        text = f"Une page\n\nLe texte de la page {url[-1]} parle des ports bretons."
        return fetch.Fetched(url, text.encode(), "text/plain", "2024-05-01T08:00:00+00:00")

    monkeypatch.setattr("clipper.fetch.fetch", fetch_checking_the_lock)
    local = tmp_path / "local.txt"
    local.write_text("Un fichier\n\nLe texte local parle des quais de Brest.\n", encoding="utf-8")
    report = archive.add_paths(["https://example.org/a", str(local), "https://example.org/b"])
    assert [o.status for o in report.outcomes] == ["added", "added", "added"]
    assert seen == [True, True]


@pytest.mark.parametrize("url", ["http://[::1", "http://exa mple.com/"])
def test_an_address_urllib_cannot_read_is_named_as_such(url: str):
    with pytest.raises(InputError, match=r"not a valid web address \(") as raised:
        fetch.fetch(url)
    assert raised.value.name == url
