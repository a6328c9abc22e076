"""Two fixes to Whoosh 2.7.4, applied once when clipper's index modules load.

Whoosh is pinned (unmaintained, index format frozen), so the patched methods
cannot change under us; the test suite exercises them on every index write
and every search with facets.

``W3PerDocReader._cached_reader`` caches the length column of a field, but
not the *absence* of one: for every posting of a field without lengths (ids,
facets, tags) it asks the file system again whether the column file exists,
hundreds of calls per indexed article.

``W3PerDocReader.column_reader`` builds a new column reader at every call,
and a reader of variable-length values (the facets' source, language,
agency, year) first reads the offset and length of every document of the
segment, in Python: counting facets paid it for each facet and segment at
every search, most of a search page's time. A segment's column readers are
now built once and handed out as shallow copies (sharing those tables, each
with its own state, such as the reversed order a sort may set).
"""

from __future__ import annotations

import copy
from typing import Any

from whoosh.codec.whoosh3 import W3PerDocReader

_original = W3PerDocReader._cached_reader
_original_column_reader = W3PerDocReader.column_reader


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    self._readers[fieldname] = reader  # None too: "this field has no lengths"
    return reader


def _column_reader(self: Any, fieldname: str, column: Any) -> Any:
    built = self.__dict__.setdefault("_clipper_column_readers", {})
    key = (fieldname, column)  # columns compare by identity; the key keeps it alive
    if key not in built:
        built[key] = _original_column_reader(self, fieldname, column)
    return copy.copy(built[key])


def apply() -> None:
    if W3PerDocReader._cached_reader is not _cached_reader:
        W3PerDocReader._cached_reader = _cached_reader
    if W3PerDocReader.column_reader is not _column_reader:
        W3PerDocReader.column_reader = _column_reader
