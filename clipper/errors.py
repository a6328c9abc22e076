"""Domain exceptions raised by the core, mapped to exit codes by the CLI.

Exit codes: 0 success, 1 nothing found or a failure, 2 bad usage.
"""

from __future__ import annotations

import os

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class ClipperError(Exception):
    """Base class: a one-line message, an exit code and an optional hint."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ClipperError):
    """The user asked for something malformed (query, date, option value)."""

    exit_code = EXIT_USAGE


class QuerySyntaxError(UsageError):
    pass


class DateFormatError(UsageError):
    pass


class LanguageError(UsageError):
    """A language that is neither an ISO 639-1 code nor the name of one."""


class InputError(ClipperError):
    """One input (file, stdin, JSON line) could not be stored."""

    def __init__(self, name: str, reason: str, hint: str | None = None) -> None:
        super().__init__(f"{name}: {reason}", hint)
        self.name = name
        self.reason = reason


class NotFoundError(ClipperError):
    """No clipping has the given id."""


class AmbiguousIdError(UsageError):
    pass


class CorpusError(ClipperError):
    """The corpus directory is missing, unreadable or not a clipper corpus."""


class IndexBusyError(ClipperError):
    """Another process holds the index write lock for longer than we wait."""


class SearchTimeoutError(UsageError):
    """A search ran past its time budget (``clipper serve``): the query is too broad."""


def unexpected_failure(name: str, exc: Exception) -> str:
    """The one-line failure of one input of a batch for an error nobody foresaw.

    The batch goes on without that input; with ``CLIPPER_DEBUG`` set the error
    is raised instead, traceback and all.
    """
    if os.environ.get("CLIPPER_DEBUG"):
        raise exc
    return f"{name}: unexpected {type(exc).__name__}: {exc}"
