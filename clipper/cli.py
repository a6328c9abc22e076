"""The ``clipper`` command: validate input, call one core function, render.

Data goes to stdout; progress, messages and errors to stderr. Exit codes:
0 success, 1 nothing found or a failure, 2 bad usage. Core modules are imported
inside the commands so that ``clipper --help`` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clipper import __version__
from clipper.errors import EXIT_FAILURE, ClipperError
from clipper.options import (
    EXPORT_FORMATS,
    GROUPINGS,
    MATCH_MODES,
    PERIODS,
    REVIEW_TITLE,
    SORTS,
    MatchMode,
)

if TYPE_CHECKING:
    from clipper.archive import Archive, SearchResult
    from clipper.ingest import Metadata
    from clipper.options import Filters

QUERY_GUIDE = "Query guide: docs/query.md in the clipper repository."


class ClipperCommandError(click.ClickException):
    """A core error shown as ``Error: message`` (+ hint) with its exit code."""

    def __init__(self, error: ClipperError) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code  # type: ignore[misc]
        self.hint = error.hint

    def format_message(self) -> str:
        from clipper.textutil import one_line

        message = one_line(self.message)
        return f"{message}\nHint: {self.hint}" if self.hint else message


# Commands with a query argument, which may start with -word: how to pass one.
_QUERY_USAGE = {
    "search": 'clipper search -- "-word other words"',
    "export": 'clipper export -- "-word other words"',
    "watch add": 'clipper watch add NAME -- "-word other words"',
}


class QueryCommand(click.Command):
    """A command whose query may start with -word: ``-otan`` (exclude *otan*)
    must not silently become ``-o tan`` (write to the file *tan*)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued = {
            opt
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for opt in param.opts
        }
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                break
            if token in valued:  # --source -otan: the option's value, not an option
                next(tokens, None)
                continue
            option, value = token[:2], token[2:]
            # A value glued to its option is read as one only if it looks
            # like a file name: -oreview.md writes review.md.
            if option in valued and value and not any(c in value for c in "./\\"):
                usage = _QUERY_USAGE.get(ctx.command_path.partition(" ")[2], "")
                raise click.UsageError(
                    f"{token!r} reads as {option} {value}: to exclude a word, put -- before "
                    f"the query ({usage}); for the option, put a space: {option} {value}",
                    ctx,
                )
        return super().parse_args(ctx, args)


class ClipperGroup(click.Group):
    """Turns core exceptions into one-line errors; never shows a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClipperError as exc:
            raise ClipperCommandError(exc) from exc
        except click.NoSuchOption as exc:
            # "clipper search -Phi": a query starting with an excluded word.
            command = exc.ctx.command_path.partition(" ")[2] if exc.ctx else ""
            usage = _QUERY_USAGE.get(command)
            if usage and not exc.option_name.startswith("--"):
                raise click.UsageError(
                    f"{exc.message}\nHint: to exclude a word, put -- before the query: {usage}",
                    exc.ctx,
                ) from exc
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except BrokenPipeError:
            # The reader stopped early (clipper export | head): not an error.
            # Later writes and the exit's flush go nowhere instead of failing.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc
        except Exception as exc:  # the promise: no traceback reaches a user
            if os.environ.get("CLIPPER_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {exc} (set CLIPPER_DEBUG=1 for details)"
            ) from exc


@click.group(cls=ClipperGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--corpus",
    type=click.Path(file_okay=False, path_type=str),
    help="Corpus directory. Default: $CLIPPER_CORPUS, else ./corpus if it is a "
    "clipper corpus, else the user data directory.",
)
@click.version_option(__version__, prog_name="clipper")
@click.pass_context
def cli(ctx: click.Context, corpus: str | None) -> None:
    """clipper: archive news clippings and search them, in French and English.

    \b
    clipper add article.txt --tag ia      store a clipping
    clipper search "modèles Phi"          find it again
    clipper show 5a73                     read it (ids may be shortened)
    """
    ctx.obj = {"corpus": corpus}
    if os.environ.get("NO_COLOR"):  # no-color.org: no colour or bold, even on a terminal
        ctx.color = False
    if ctx.invoked_subcommand not in READING_COMMANDS:
        _quiet_extraction_logs()


# Commands that never extract a document: they load neither the extraction
# libraries nor logging (tests/test_lazy_imports.py).
READING_COMMANDS = frozenset({"search", "similar", "export", "list", "show", "info"})
EXTRACTION_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "charset_normalizer")


def _quiet_extraction_logs() -> None:
    # Extraction libraries log their repairs of broken pages and PDFs as
    # warnings; clipper reports what matters as one line per input instead.
    import logging

    for name in EXTRACTION_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def _archive(ctx: click.Context, *, create: bool = False) -> Archive:
    from clipper.archive import Archive, locate_corpus

    root = locate_corpus(ctx.obj["corpus"])
    archive = Archive.open_or_create(root) if create else Archive.open(root)
    ctx.call_on_close(archive.close)
    if archive.index_state() == "stale":
        # The rebuild takes a while on a large corpus: say why before it starts.
        _err(
            "Rebuilding the index: it was made by another version of clipper "
            "(once; the clippings are untouched)."
        )
    return archive


def _err(message: str) -> None:
    click.echo(message, err=True)


def on_terminal() -> bool:
    """Whether messages go to a person: progress and status lines only then."""
    return sys.stderr.isatty()


def _echo_hits(result: SearchResult, fmt: str, *, show_snippets: bool = True) -> None:
    from clipper import render

    if fmt == "text":
        click.echo(render.hits_as_text(result, show_snippets=show_snippets))
    else:
        click.echo(render.hits_as(result, fmt), nl=False)
    if result.unreadable:
        shown = ", ".join(i[:8] for i in result.unreadable)
        _err(
            f"Warning: {len(result.unreadable)} of the clippings found could not be read "
            f"({shown}); 'clipper check' tells why"
        )


# -- shared options ---------------------------------------------------------


def output_options(*formats: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` with the given choices (first is the default) and ``--json``."""

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(
            "--json", "as_json", is_flag=True, help="Output JSON (same as --format json)."
        )
        @click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help="Output format.",
        )
        @functools.wraps(f)
        def wrapper(*args: Any, as_json: bool, fmt: str, **kwargs: Any) -> Any:
            return f(*args, fmt="json" if as_json else fmt, **kwargs)

        return wrapper

    return decorator


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--source --lang --tag --since --until``, passed on as one ``filters`` argument."""

    @click.option("--source", help="Only clippings from this source (e.g. 'Le Monde').")
    @click.option("--lang", help="Only clippings in this language (fr, en, French, ...).")
    @click.option("--tag", "tag", help="Only clippings with this tag.")
    @click.option("--agency", help="Only clippings credited to this agency (AFP, Reuters...).")
    @click.option(
        "--since",
        help="Only clippings dated from this period on: 2024, 2024-03, 2024-03-15, "
        "'15 mars 2024', 'juin 2020', 'hier', or 7d, 2w, 3m, 1y.",
    )
    @click.option("--until", help="Only clippings dated up to this period (same forms).")
    @functools.wraps(f)
    def wrapper(
        *args: Any,
        source: str | None,
        lang: str | None,
        tag: str | None,
        agency: str | None,
        since: str | None,
        until: str | None,
        **kwargs: Any,
    ) -> Any:
        from clipper.dates import parse_period, parse_range
        from clipper.options import Filters

        if lang is not None:
            lang = _language_option(lang)
        for name, value in (("--since", since), ("--until", until)):
            if value is not None:
                try:
                    parse_period(value)
                except ClipperError as exc:
                    raise click.BadParameter(exc.message, param_hint=name) from None
        try:
            parse_range(since, until)
        except ClipperError as exc:
            raise click.UsageError(exc.message) from None
        filters = Filters(
            source=source, lang=lang, tag=tag, agency=agency, since=since, until=until
        )
        return f(*args, filters=filters, **kwargs)

    return wrapper


def _language_option(value: str) -> str:
    """``--lang``'s value as an ISO 639-1 code (``French`` -> ``fr``), or a usage error."""
    from clipper.language_names import language_code

    try:
        return language_code(value)
    except ClipperError as exc:
        raise click.BadParameter(f"{exc.message}: {exc.hint}", param_hint="--lang") from None


def match_option(*, default: MatchMode) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--match``: how a query's words must match (search, export and saved searches)."""
    return click.option(
        "--match",
        type=click.Choice(MATCH_MODES),
        default=default,
        show_default=True,
        help="auto: every word, relaxed when that finds too few; all: every word, "
        "strictly; any: any word. Most words matched rank first.",
    )


def paging_options(*, limit: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--limit`` (with the command's default) and ``--offset``."""

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--offset",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="Skip this many first (for paging).",
        )(f)
        return click.option(
            "--limit",
            type=click.IntRange(min=1),
            default=limit,
            show_default=True,
            help="How many to show.",
        )(f)

    return decorator


def metadata_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options that override what extraction finds."""

    @click.option("--title", help="Title (default: the headline, or the first sentence).")
    @click.option("--source", help="Source or outlet (default: from a 'Source :' line).")
    @click.option("--author", help="Author.")
    @click.option("--date", help="Publication date: 2024-03-15, '15 mars 2024', ...")
    @click.option("--url", help="Address of the original article.")
    @click.option(
        "--lang", help="Language: fr, en, another ISO 639-1 code or a name (default: detected)."
    )
    @click.option("--tag", "tags", multiple=True, help="Tag (repeatable).")
    @click.option("--note", help="A note of your own.")
    @functools.wraps(f)
    def wrapper(
        *args: Any,
        title: str | None,
        source: str | None,
        author: str | None,
        date: str | None,
        url: str | None,
        lang: str | None,
        tags: tuple[str, ...],
        note: str | None,
        **kwargs: Any,
    ) -> Any:
        from clipper.dates import parse_document_date
        from clipper.ingest import Metadata

        if date is not None:
            try:
                parse_document_date(date)
            except ClipperError as exc:
                raise click.BadParameter(exc.message, param_hint="--date") from None
        if lang is not None:
            lang = _language_option(lang)
        metadata = Metadata(
            title=title,
            source=source,
            author=author,
            date=date,
            url=url,
            lang=lang,
            tags=list(tags),
            note=note,
        )
        return f(*args, metadata=metadata, **kwargs)

    return wrapper


# -- commands ---------------------------------------------------------------


def ingest_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by ``add`` and ``import``."""

    @click.option("--dry-run", is_flag=True, help="Report what would happen; store nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Output a JSON report.")
    @click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
    @click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help=f"List every clipping and every error (by default a batch of more than "
        f"{LISTED_UP_TO} inputs shows a progress bar and a summary).",
    )
    @click.option(
        "--jobs",
        type=click.IntRange(min=1),
        help="Worker processes for extraction (default: one per core).",
    )
    @click.option(
        "--max-size",
        default="50MB",
        show_default=True,
        metavar="SIZE",
        help="Refuse inputs larger than this (e.g. 10MB, 500KB).",
    )
    @functools.wraps(f)
    def wrapper(*args: Any, max_size: str, **kwargs: Any) -> Any:
        return f(*args, max_bytes=_parse_size(max_size), **kwargs)

    return wrapper


_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 1024,
    "K": 1024,
    "MB": 1024**2,
    "M": 1024**2,
    "GB": 1024**3,
    "G": 1024**3,
}


def _parse_size(text: str) -> int:
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*", text.upper())
    if not match or float(match[1]) <= 0:
        raise click.BadParameter(f"{text!r} is not a size such as 50MB", param_hint="--max-size")
    return int(float(match[1]) * _SIZE_UNITS[match[2]])


# A batch up to this size lists each clipping; a larger one (and any import)
# shows a progress bar and a summary unless asked for --verbose, as git does.
LISTED_UP_TO = 10
# Errors of a batch printed one by one before the rest are only counted.
ERRORS_SHOWN = 10


def _run_ingest(
    ctx: click.Context,
    archive: Archive,
    call: Callable[..., Any],
    *,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    dry_run: bool,
    bulk: bool = False,
) -> None:
    """Run an add or import: per-input lines or a progress bar, errors, then a summary."""
    from clipper import render

    progress = ProgressBar("Adding", enabled=not quiet and not as_json and not verbose)
    listing = verbose
    failures: list[str] = []  # held back while the bar is drawn
    errors_seen = 0
    # Outcomes stream through on_outcome: only a JSON report keeps them all.
    watching = not dry_run and bool(archive.watches())
    added: list[str] = []

    def on_total(total: int) -> None:
        nonlocal listing
        listing = verbose or (not bulk and total <= LISTED_UP_TO)
        if not listing:
            progress.start(total)

    def on_outcome(outcome: Any) -> None:
        nonlocal errors_seen
        if watching and outcome.status == "added":
            added.append(outcome.clipping.id)
        if outcome.status == "failed":
            errors_seen += 1
            if verbose or errors_seen <= ERRORS_SHOWN:
                if progress.active:
                    failures.append(outcome.error)
                else:
                    _err(f"Error: {outcome.error}")
        elif listing and not quiet and not as_json:
            click.echo(render.outcome_line(outcome, dry_run=dry_run))
        progress.advance(1)

    try:
        report = call(
            on_outcome=on_outcome,
            on_total=on_total,
            dry_run=dry_run,
            keep_outcomes=as_json,
        )
    finally:
        progress.finish()
    for failure in failures:
        _err(f"Error: {failure}")
    if errors_seen > ERRORS_SHOWN and not verbose:
        more = errors_seen - ERRORS_SHOWN
        _err(f"… and {more} more failed (-v or --json lists every error)")
    watched = archive.watches_matching(added)
    if as_json:
        click.echo(render.to_json({**render.report_as_dict(report), "watches": watched}))
    elif not quiet:
        for name, ids in watched.items():
            for clipping_id in ids:
                click.echo(f"{clipping_id[:8]} matches saved search {name!r}")
        _err(render.report_summary(report))
    if report.failed:
        ctx.exit(EXIT_FAILURE)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@metadata_options
@ingest_options
@click.pass_context
def add(
    ctx: click.Context,
    paths: tuple[str, ...],
    metadata: Metadata,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    dry_run: bool,
    jobs: int | None,
    max_bytes: int,
) -> None:
    """Store clippings: files, directories (recursively), URLs, or - for stdin.

    Text (.txt), Markdown with front matter (.md), saved web pages (.html),
    e-mails (.eml, .mbox) and PDFs. Each text is stored once: adding it again
    reports "already stored as ID" and merges new tags; a near-identical text
    (a wire story republished elsewhere) is stored and reported as a
    near-duplicate of the first.
    """
    if not paths:
        if sys.stdin.isatty():
            raise click.UsageError("give files, directories or URLs to add, or - to read stdin")
        paths = ("-",)
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    archive = _archive(ctx, create=True)
    if not quiet and not as_json and on_terminal():
        _say_what_takes_time(paths)
    _run_ingest(
        ctx,
        archive,
        functools.partial(
            archive.add_paths, paths, metadata, stdin=stdin, jobs=jobs, max_bytes=max_bytes
        ),
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
        dry_run=dry_run,
    )


# A text file this large takes a second or more to add (indexing is linear).
LARGE_FILE_BYTES = 512 * 1024


def _say_what_takes_time(paths: tuple[str, ...]) -> None:
    """Before a small batch prints anything: the fetches and large files it waits for."""
    from clipper.fetch import is_url

    addresses = sum(1 for path in paths if is_url(path))
    if addresses:  # a fetch may take up to 20 s
        _err(f"Fetching {addresses} web {'address' if addresses == 1 else 'addresses'}…")
    for path in paths:
        try:
            size = Path(path).stat().st_size if Path(path).is_file() else 0
        except OSError:  # reported as that input's error later
            continue
        if size >= LARGE_FILE_BYTES:
            _err(f"Reading {path} ({size / 1024 / 1024:.1f} MB)…")


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--tag", "tags", multiple=True, help="Tag every imported clipping (repeatable).")
@ingest_options
@click.pass_context
def import_(
    ctx: click.Context,
    file: str,
    tags: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    verbose: bool,
    dry_run: bool,
    jobs: int | None,
    max_bytes: int,
) -> None:
    """Add one clipping per line of a JSON Lines file (.jsonl or .jsonl.gz).

    Fields: title, text (required; a list is taken as paragraphs), date,
    source, agency, author, url, lang, tags, note; other fields are kept as
    extra metadata. Lines written by `clipper export` are restored as they
    were stored. Lines already stored are skipped, so an interrupted import
    resumes when run again.
    """
    from clipper.ingest import Metadata

    archive = _archive(ctx, create=True)
    _run_ingest(
        ctx,
        archive,
        functools.partial(
            archive.import_jsonl,
            file,
            Metadata(tags=list(tags)),
            jobs=jobs,
            max_bytes=max_bytes,
        ),
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
        dry_run=dry_run,
        bulk=True,
    )


@cli.command(cls=QueryCommand, epilog=QUERY_GUIDE)
@click.argument("query")
@filter_options
@paging_options(limit=10)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="Order: relevance (ties newest first), date (oldest first), -date (newest first).",
)
@click.option(
    "--facet",
    "facets",
    multiple=True,
    metavar="FIELD",
    help="Count matches per source, lang, agency, tag or year (repeatable).",
)
@click.option(
    "--collapse", is_flag=True, help="Show each group of near-duplicates once, with its copies."
)
@click.option("--timeline", is_flag=True, help="Chart the number of matches per period.")
@match_option(default="auto")
@click.option(
    "--by",
    type=click.Choice(PERIODS),
    help="Period of the timeline (default: chosen from the span).",
)
@output_options("text", "json", "jsonl", "csv", "ids")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    filters: Filters,
    limit: int,
    offset: int,
    sort: str,
    facets: tuple[str, ...],
    collapse: bool,
    timeline: bool,
    match: MatchMode,
    by: str | None,
    fmt: str,
) -> None:
    """Search the archive.

    \b
    Words are ANDed: modèles Phi; a question finding too few is relaxed
    (words found nowhere, then the most common, stop being required)
    OR, NOT, "exact phrases", wild*, fuzzy~, (groups)
    Fields: title: source: author: agency: lang: tag: id: url:
    Dates: date:2024  date:2024-03  date:[2024-01 TO 2024-06]  date:>2024-06  date:7d
    Accents, case, singular/plural and French elisions do not matter.
    """
    from clipper import render
    from clipper.options import FACETS

    if not query.strip():
        raise click.BadParameter("empty query: give words to search for", param_hint="QUERY")
    for facet in facets:
        if facet not in FACETS:
            raise click.BadParameter(
                f"unknown facet {facet!r} (choose from {', '.join(FACETS)})",
                param_hint="--facet",
            )
    if by and not timeline:
        raise click.UsageError("--by goes with --timeline")
    archive = _archive(ctx)
    progress = _progress_callback(archive, "Building the index")
    if timeline:
        if fmt not in ("text", "json", "csv"):
            raise click.UsageError("--timeline prints text, json or csv")
        chart = archive.timeline(query, filters, by=by, match=match)
        if chart.total == 0:
            _err(f"No clipping matches {query!r}.")
            ctx.exit(EXIT_FAILURE)
        click.echo(render.timeline_as(chart, fmt))
        return
    result = archive.search(
        query,
        filters,
        limit=limit,
        offset=offset,
        sort=sort,
        collapse=collapse,
        facets=facets,
        progress=progress,
        match=match,
    )
    if result.total == 0:
        message = f"No clipping matches {query!r}."
        if result.suggestion:
            message += f" Did you mean: {result.suggestion}"
        _err(message)
        if fmt in ("json", "csv"):  # a document a script can still parse: {} or the header
            click.echo(render.hits_as(result, fmt), nl=False)
        ctx.exit(EXIT_FAILURE)
    _echo_hits(result, fmt)
    if result.suggestion and fmt == "text":
        _err(f"Did you mean: {result.suggestion}")


@cli.command()
@click.argument("clipping_id", metavar="ID")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--copies", is_flag=True, help="Include the clipping's near-duplicate copies.")
@output_options("text", "json", "jsonl", "csv", "ids")
@click.pass_context
def similar(ctx: click.Context, clipping_id: str, limit: int, copies: bool, fmt: str) -> None:
    """Clippings closest to one clipping, by its key terms (related stories)."""
    from clipper.archive import SearchResult

    archive = _archive(ctx)
    clipping = archive.get(clipping_id)
    hits = archive.similar(clipping.id, limit=limit, include_copies=copies)
    if not hits:
        _err(f"No clipping is similar to {clipping.short_id}.")
        ctx.exit(EXIT_FAILURE)
    result = SearchResult(f"similar:{clipping.id}", len(hits), hits)
    _echo_hits(result, fmt)


@cli.group()
def watch() -> None:
    """Saved searches: be told what new clippings match a standing query.

    \b
    clipper watch add ia "intelligence artificielle" --lang fr
    clipper watch run ia      # new matches since the last run; exit 1 if none (for cron)
    """


@watch.command(name="add", cls=QueryCommand)
@click.argument("name")
@click.argument("query")
@filter_options
@match_option(default="all")
@click.pass_context
def watch_add(
    ctx: click.Context, name: str, query: str, filters: Filters, match: MatchMode
) -> None:
    """Save QUERY (with filters) under NAME."""
    saved = _archive(ctx).add_watch(name, query, filters.to_mapping(), match=match)
    click.echo(f"saved search {saved.name!r}: {saved.query}")


@watch.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
def watch_list(ctx: click.Context, as_json: bool) -> None:
    """List saved searches."""
    from dataclasses import asdict

    from clipper import render

    saved = _archive(ctx).watches()
    if as_json:
        click.echo(render.to_json([asdict(w) for w in saved]))
        return
    if not saved:
        _err("No saved searches.")
        return
    for w in saved:
        options = {**w.filters, **({"match": w.match} if w.match != "all" else {})}
        extra = " ".join(f"--{k} {v}" for k, v in options.items())
        last = w.last_run or "never"
        click.echo(f"{w.name}: {w.query} {extra}".rstrip() + f"  (last run: {last})")


@watch.command(name="rm")
@click.argument("name")
@click.pass_context
def watch_rm(ctx: click.Context, name: str) -> None:
    """Remove a saved search."""
    removed = _archive(ctx).remove_watch(name)
    click.echo(f"removed saved search {removed.name!r}")


@watch.command(name="run")
@click.argument("name", required=False)
@output_options("text", "json", "jsonl", "ids")
@click.pass_context
def watch_run(ctx: click.Context, name: str | None, fmt: str) -> None:
    """Print clippings added since a saved search (or each) last ran. Exit 1 if none."""
    from clipper import render

    runs = _archive(ctx).run_watches(name)
    new = sum(result.total for _, result in runs)
    if fmt == "json":
        click.echo(render.to_json({w.name: r.to_dict() for w, r in runs}))
    else:
        for w, result in runs:
            if not result.total:
                continue
            if fmt == "text":
                click.echo(click.style(f"{w.name}: {result.total} new", bold=True))
                click.echo(render.hits_as_text(result))
            else:
                click.echo(render.hits_as(result, fmt), nl=False)
    if not new:
        _err(
            "No new clippings: a saved search reports those added since it was saved or last run."
            if runs
            else "No saved searches."
        )
        ctx.exit(EXIT_FAILURE)


@cli.command(cls=QueryCommand)
@click.argument("query", required=False, default="")
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl (re-importable), csv, md (press review) or opensearch (bulk NDJSON).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="File to write."
)
@click.option(
    "--group-by",
    type=click.Choice(GROUPINGS),
    default="day",
    show_default=True,
    help="Sections of the md press review.",
)
@click.option("--title", default=REVIEW_TITLE, show_default=True, help="Title of the review.")
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="-date",
    show_default=True,
)
@click.option(
    "--with-originals",
    is_flag=True,
    help="jsonl: include each original file (base64), restored by import.",
)
@match_option(default="auto")
@click.pass_context
def export(
    ctx: click.Context,
    query: str,
    filters: Filters,
    fmt: str,
    output: str | None,
    group_by: str,
    title: str,
    sort: str,
    with_originals: bool,
    match: MatchMode,
) -> None:
    """Export clippings matching QUERY (all if none) as jsonl, csv or a press review."""
    from clipper import render

    if fmt == "opensearch" and not output:
        raise click.UsageError(
            "--format opensearch writes two files: give --output FILE.ndjson "
            "(the mapping goes to FILE.mapping.json)"
        )
    if with_originals and fmt != "jsonl":
        raise click.UsageError("--with-originals goes with --format jsonl")
    archive = _archive(ctx)
    exported = archive.export(
        fmt,
        query,
        filters,
        sort=sort,
        title=title,
        group_by=group_by,
        with_originals=with_originals,
        match=match,
    )
    if not exported.count and output:  # an existing file is kept, not emptied
        _err("No clipping matches." if query else "The corpus is empty.")
        ctx.exit(EXIT_FAILURE)
    if exported.mapping is not None:
        assert output is not None
        mapping = Path(output).with_suffix(".mapping.json")
        try:
            mapping.write_text(exported.mapping, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {mapping}: {exc.strerror}") from None
        _err(f"wrote the index mapping to {mapping}")
    if output:
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(exported.parts)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
        _err(f"exported {render.counted(exported.count, 'clipping')} to {output}")
    else:
        for part in exported.parts:
            click.echo(part, nl=False)
    if not exported.count:
        _err("No clipping matches." if query else "The corpus is empty.")
        ctx.exit(EXIT_FAILURE)


@cli.command(name="list")
@filter_options
@paging_options(limit=20)
@output_options("text", "json", "jsonl", "csv", "ids")
@click.pass_context
def list_(ctx: click.Context, filters: Filters, limit: int, offset: int, fmt: str) -> None:
    """List clippings, newest first (by date, or by when added if undated)."""
    from clipper import render

    archive = _archive(ctx)
    result = archive.list_clippings(filters, limit=limit, offset=offset)
    if result.total == 0:
        _err("No clippings.")
        if fmt in ("json", "csv"):
            click.echo(render.hits_as(result, fmt), nl=False)
        ctx.exit(EXIT_FAILURE)
    _echo_hits(result, fmt, show_snippets=False)


@cli.command()
@click.argument("clipping_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Output metadata and text as JSON.")
@click.option("--raw", is_flag=True, help="Output the original bytes, exactly as added.")
@click.pass_context
def show(ctx: click.Context, clipping_id: str, as_json: bool, raw: bool) -> None:
    """Show one clipping: metadata and clean text."""
    from clipper import render

    if as_json and raw:
        raise click.UsageError("--json and --raw cannot be used together")
    archive = _archive(ctx)
    if raw:
        sys.stdout.buffer.write(archive.raw(clipping_id))
        sys.stdout.buffer.flush()
        return
    clipping = archive.get(clipping_id)
    copies = archive.copies(clipping)
    if as_json:
        click.echo(render.to_json(render.clipping_as_dict(clipping, copies)))
    else:
        click.echo(render.clipping_as_text(clipping, copies))


@cli.command()
@click.argument("clipping_ids", nargs=-1, required=True, metavar="ID...")
@click.pass_context
def rm(ctx: click.Context, clipping_ids: tuple[str, ...]) -> None:
    """Remove clippings from the corpus and the index."""
    from clipper.textutil import shorten

    archive = _archive(ctx)
    for removed in archive.remove(clipping_ids):
        title = "(unreadable metadata)" if removed.title is None else shorten(removed.title, 80)
        click.echo(f"removed {removed.short_id}  {title}")


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("clipping_id", metavar="ID")
@click.argument("changes", nargs=-1, required=True, type=click.UNPROCESSED, metavar="+TAG|-TAG...")
@click.pass_context
def tag(ctx: click.Context, clipping_id: str, changes: tuple[str, ...]) -> None:
    """Add (+tag) and remove (-tag) tags: clipper tag 5a73 +ia -draft"""
    added: list[str] = []
    removed: list[str] = []
    for change in changes:
        if len(change) < 2 or change[0] not in "+-":
            raise click.BadParameter(
                f"{change!r}: write +TAG to add or -TAG to remove", param_hint="TAG"
            )
        (added if change[0] == "+" else removed).append(change[1:])
    clipping = _archive(ctx).tag(clipping_id, added, removed)
    click.echo(f"{clipping.short_id}  tags: {', '.join(clipping.tags) or '(none)'}")


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the corpus files."""
    archive = _archive(ctx)
    count = archive.reindex(_progress_callback(archive, "Indexing"))
    _err(f"indexed {count} clippings")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, open_browser: bool) -> None:
    """A local web page to search, read and add clippings (docs/web.md)."""
    try:
        from clipper.web.app import serve as serve_web
    except ImportError as exc:
        raise click.ClickException("the web page needs Flask: pip install 'clipper[web]'") from exc
    from clipper.archive import locate_corpus

    serve_web(locate_corpus(ctx.obj["corpus"]), host, port, open_browser)


@cli.command()
@click.pass_context
def optimize(ctx: click.Context) -> None:
    """Merge the search index into one segment (after many single adds)."""
    import time

    archive = _archive(ctx)
    if on_terminal():  # Whoosh's merge reports no progress: say what is under way
        _err(f"Merging the index of {archive.count()} clippings into one segment…")
    started = time.monotonic()
    before, after = archive.optimize()
    _err(f"index segments: {before} -> {after} ({time.monotonic() - started:.1f} s)")


@cli.command()
@click.option("--repair", is_flag=True, help="Re-index what differs and remove debris.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Verify every clipping and the index against the files.

    Exit 0 when clean or everything was repaired, 1 when problems are left
    (damaged clippings need a look: they are listed).
    """
    from clipper import render

    archive = _archive(ctx)
    report = archive.check(repair=repair, progress=_progress_callback(archive, "Checking"))
    if as_json:
        click.echo(render.to_json(report.to_dict()))
    else:
        click.echo(render.check_as_text(report, repair=repair))
    if report.left:
        ctx.exit(EXIT_FAILURE)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Show where the corpus is, what it holds and the state of its index."""
    from clipper import render

    data = _archive(ctx).info()
    click.echo(render.to_json(data) if as_json else render.info_as_text(data))


class ProgressBar:
    """A click progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and on_terminal()
        self._bar: Any = None

    @property
    def active(self) -> bool:
        return self._bar is not None

    def start(self, total: int) -> None:
        if self.enabled and total > 1 and self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()

    def advance(self, step: int) -> None:
        if self._bar is not None:
            self._bar.update(step)
            if self._bar.pos >= self._bar.length:
                self.finish()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _progress_callback(archive: Archive, label: str) -> Callable[[int], None] | None:
    """For index builds: a bar sized to the corpus, started on the first step."""
    bar = ProgressBar(label)
    if not bar.enabled:
        return None

    def advance(step: int) -> None:
        if not bar.active:
            bar.start(archive.count())
        bar.advance(step)

    return advance


def main() -> None:
    cli(prog_name="clipper")
