"""The ingestion pipeline: sources in, prepared clippings out, over all cores.

Preparing a clipping (read, decode, extract, identify the language,
fingerprint) is independent for each input and CPU-bound, so a batch spreads
it over worker processes; storing and indexing stay in the calling process,
in input order, with one index writer for the batch.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from clipper.decoding import repair_surrogates, without_surrogates
from clipper.errors import ClipperError, InputError, unexpected_failure
from clipper.extract import Extracted
from clipper.ingest import (
    MARKDOWN_SUFFIXES,
    Metadata,
    apply_metadata,
    extract_document,
    extract_json_record,
)
from clipper.model import DEFAULT_MAX_BYTES, Clipping, content_id, normalise_tags
from clipper.processes import end_with_parent
from clipper.records import Restored, restore_line
from clipper.textutil import human_size

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# What `clipper add DIR` picks up when walking a directory.
SUPPORTED_SUFFIXES = frozenset(
    {".txt", ".text", ".eml", ".mbox", ".pdf"} | MARKDOWN_SUFFIXES | HTML_SUFFIXES
)
# The longest text a clipping may have (UTF-8): indexing holds about sixty
# times a text's size in memory (docs/performance.md), and 2 MB is some
# 300,000 words, far beyond any article. Text files are refused before they
# are decoded when their bytes alone say they are longer (at most 4 bytes a
# character in UTF-32).
MAX_TEXT_BYTES = 2 * 1024 * 1024
_TEXT_FORMATS = frozenset({"text", "markdown"})
# Below this many inputs, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 32
# Inputs in flight per worker: bounds memory on huge imports.
QUEUE_PER_WORKER = 16


# What an input is: a file to read, bytes already read, a JSON line or a URL.
SourceKind = Literal["file", "bytes", "jsonl", "url"]


@dataclass
class Source:
    """One input: a file to read, bytes already read, a JSON line or a URL."""

    name: str
    kind: SourceKind = "file"
    path: str | None = None
    data: bytes | None = None
    format: str | None = None  # forced format ("email" for mbox messages)
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class Prepared:
    """A clipping ready to store: everything but the corpus and index writes."""

    name: str
    data: bytes
    extracted: Extracted
    clipping_id: str
    signature: Any  # fingerprint.Signature
    extension: str
    origin: str
    # A record of clipper's own export: stored as it was, not extracted again.
    restored: Clipping | None = None


@dataclass
class Failed:
    name: str
    error: str
    extra: dict[str, Any] = field(default_factory=dict)


def detect_format(name: str, data: bytes) -> str:
    """``html``, ``email``, ``pdf``, ``markdown`` or ``text``, from the name then the bytes."""
    suffix = Path(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix == ".eml":
        return "email"
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        return "pdf"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


_EXTENSIONS = {"html": ".html", "email": ".eml", "pdf": ".pdf", "markdown": ".md", "text": ".txt"}


def extract_by_format(fmt: str, data: bytes, name: str, url: str | None = None) -> Extracted:
    if fmt == "html":
        from clipper.extract.html import extract_html

        return extract_html(data, name, url=url)
    if fmt == "email":
        from clipper.extract.email import extract_email

        return extract_email(data, name)
    if fmt == "pdf":
        from clipper.extract.pdf import extract_pdf

        return extract_pdf(data, name)
    return extract_document(data, name, markdown=(fmt == "markdown") or None)


def prepare(source: Source, metadata: Metadata) -> Prepared | Failed:
    """Everything CPU-bound about one input. Runs in a worker process."""
    try:
        return _prepare(source, metadata)
    except ClipperError as exc:
        return Failed(source.name, exc.message)
    except MemoryError:
        return Failed(source.name, f"{source.name}: too large to process in memory")
    except OSError:
        raise  # a full disk or a vanished corpus stops the batch
    except Exception as exc:  # a bug met by one input fails that input, not the batch
        return Failed(source.name, unexpected_failure(source.name, exc))


def _prepare(source: Source, metadata: Metadata) -> Prepared:
    from clipper.fingerprint import signature
    from clipper.language import detect_language

    url = None
    extra: dict[str, Any] = {}
    if source.kind == "url":
        from clipper.fetch import fetch

        fetched = fetch(source.name)
        data, url = fetched.data, fetched.url
        extra = {"fetched": fetched.fetched, "fetched_from": source.name}
        fmt = (
            "pdf"
            if fetched.content_type == "application/pdf"
            else ("text" if fetched.content_type == "text/plain" else "html")
        )
    else:
        data = _read(source)
        fmt = source.format or detect_format(source.name, data)
    restored = restore_line(data, source.name) if source.kind == "jsonl" else None
    if restored is not None:
        return _prepare_restored(source, restored, metadata)
    if (fmt in _TEXT_FORMATS or source.kind == "jsonl") and len(data) > 4 * MAX_TEXT_BYTES:
        raise _too_long(source, len(data))
    extracted = extract_source(source, data, fmt, url)
    if (length := len(extracted.text.encode("utf-8", "surrogatepass"))) > MAX_TEXT_BYTES:
        raise _too_long(source, length)
    extension = ".jsonl" if source.kind == "jsonl" else _EXTENSIONS[fmt]
    if url and not extracted.url:
        extracted.url = url
    extracted.extra.update(extra)
    extracted = without_surrogates(apply_metadata(extracted, metadata, source.name))
    if extracted.lang is None:
        extracted.lang = detect_language(f"{extracted.title}\n{extracted.text}")
    origin = repair_surrogates(
        source.name.rsplit(":", 1)[0] if source.kind == "jsonl" else source.name
    )
    return Prepared(
        name=source.name,
        data=data,
        extracted=extracted,
        clipping_id=extracted.id or content_id(extracted.content),
        signature=signature(f"{extracted.title}\n{extracted.text}"),
        extension=extension,
        origin=extracted.origin or origin,
    )


def _prepare_restored(source: Source, restored: Restored, metadata: Metadata) -> Prepared:
    """Only tags given for the whole import are added: every other field stays as exported."""
    from clipper.fingerprint import signature

    clipping = restored.clipping
    if metadata.tags:
        clipping.tags = normalise_tags(clipping.tags + metadata.tags)
    return Prepared(
        name=source.name,
        data=restored.original,
        extracted=restored.extracted(),
        clipping_id=clipping.id,
        signature=signature(f"{clipping.title}\n{clipping.text}"),
        extension=restored.extension,
        origin=clipping.origin or "",
        restored=clipping,
    )


def extract_source(source: Source, data: bytes, fmt: str, url: str | None = None) -> Extracted:
    """Extraction alone (no language, no fingerprint): also how `clipper check` re-derives ids."""
    if source.kind == "jsonl":
        restored = restore_line(data, source.name)
        if restored is not None:
            return restored.extracted()
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(source.name, f"invalid UTF-8 at byte {exc.start}") from exc
        return without_surrogates(extract_json_record(line, source.name))
    # Surrogate escapes (raw bytes in headers, lone "\udce9" in JSON) cannot be stored.
    return without_surrogates(extract_by_format(fmt, data, source.name, url=url))


def format_of_original(original: str) -> tuple[SourceKind, str | None]:
    """(source kind, format) of a stored original, from its file name."""
    suffix = Path(original).suffix.lower()
    if suffix == ".jsonl":
        return "jsonl", None
    formats = {ext: fmt for fmt, ext in _EXTENSIONS.items()}
    return "bytes", formats.get(suffix, "markdown" if suffix in MARKDOWN_SUFFIXES else "text")


def _too_large(source: Source, size: int) -> InputError:
    return InputError(
        source.name,
        f"too large ({human_size(size)}, the limit is {human_size(source.max_bytes)})",
        hint="raise the limit with --max-size",
    )


def _too_long(source: Source, size: int) -> InputError:
    return InputError(
        source.name,
        f"too long for a clipping ({human_size(size)} of text, at most "
        f"{human_size(MAX_TEXT_BYTES)})",
        hint="split it into several clippings",
    )


def _read(source: Source) -> bytes:
    if source.data is not None:
        if len(source.data) > source.max_bytes:
            raise _too_large(source, len(source.data))
        return source.data
    assert source.path is not None
    path = Path(source.path)
    try:
        size = path.stat().st_size
        if size > source.max_bytes:
            raise _too_large(source, size)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(source.name, "no such file") from None
    except IsADirectoryError:
        raise InputError(source.name, "is a directory") from None
    except PermissionError:
        raise InputError(source.name, "permission denied") from None
    except OSError as exc:
        raise InputError(source.name, exc.strerror or str(exc)) from exc


def prepare_all(
    sources: Iterable[Source], metadata: Metadata, *, parallel: bool, jobs: int | None = None
) -> Iterator[Prepared | Failed]:
    """Prepare every source, in order; in worker processes when ``parallel``."""
    workers = jobs or os.cpu_count() or 1
    if not parallel or workers < 2:
        for source in sources:
            yield prepare(source, metadata)
        return
    _warm_up()
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending: deque[Future[Prepared | Failed]] = deque()
        limit = workers * QUEUE_PER_WORKER
        for source in sources:
            pending.append(pool.submit(prepare, source, metadata))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _warm_up() -> None:
    """Load what every worker needs once, before forking, so workers share it."""
    from clipper.language import _identifier

    _identifier()


def _context() -> Any:
    # fork shares the loaded language model; it is only safe without threads.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
