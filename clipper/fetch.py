"""Fetching a clipping from a URL: bounded in time and size, clear about failures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from clipper import __version__
from clipper.errors import InputError

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 20 * 1024 * 1024
# What clipper can extract from a fetched page.
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")
USER_AGENT = f"clipper/{__version__} (personal news archive)"


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str
    fetched: str  # ISO 8601 UTC


FETCHED_SCHEMES = ("http", "https")
# scheme://…: what a user meant as an address, fetched or not (RFC 3986 scheme).
_ANY_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def unsupported_scheme(text: str) -> str | None:
    """The scheme of an address clipper does not fetch (``ftp``, ``file``), else ``None``."""
    match = _ANY_URL.match(text)
    if match and match["scheme"].lower() not in FETCHED_SCHEMES:
        return match["scheme"]
    return None


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Fetched:
    """GET ``url`` following redirects; raise :class:`InputError` naming the URL on failure."""
    import http.client
    import socket  # here, not at the top: urllib costs every other command 25 ms
    import urllib.error
    import urllib.request

    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            if content_type not in ACCEPTED_TYPES:
                raise InputError(url, f"not a web page or PDF (Content-Type {content_type})")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, f"page too large ({int(declared)} bytes, limit {max_bytes})")
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise InputError(url, f"page too large (over {max_bytes} bytes)")
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response's socket
        raise InputError(url, f"HTTP error {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            raise InputError(url, "host not found (DNS lookup failed)") from None
        if isinstance(reason, TimeoutError | socket.timeout):
            raise InputError(url, f"timed out after {timeout:g} s") from None
        raise InputError(url, f"cannot connect: {reason}") from None
    except TimeoutError:
        raise InputError(url, f"timed out after {timeout:g} s") from None
    except (http.client.InvalidURL, ValueError) as exc:  # "http://[::1", a space in the host
        raise InputError(url, f"not a valid web address ({exc})") from None
    except (ConnectionError, OSError) as exc:
        raise InputError(url, f"connection failed: {exc}") from None
    if not data.strip():
        raise InputError(url, "empty response")
    return Fetched(final_url, data, content_type, datetime.now(UTC).isoformat(timespec="seconds"))
