"""One lock for every change to a corpus, and a marker that outlives a crash.

Writers (add, import, rm, tag, reindex, repairs) take an exclusive ``flock``
on ``CORPUS/.clipper.lock``; readers never do. The kernel drops the lock when
its process dies, even by SIGKILL, so a crash never leaves a stale lock.
While a writer works, ``CORPUS/.clipper.pending`` names it; the marker is
removed only after the index is committed. Finding the marker while the lock
is free therefore means a writer died mid-batch: its clippings are in the
corpus files (written atomically) but perhaps not in the index, which
:func:`clipper.indexing.sync` then repairs.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from clipper.errors import IndexBusyError

LOCK_FILE = ".clipper.lock"
PENDING_FILE = ".clipper.pending"
DEFAULT_TIMEOUT = 30.0
_POLL_SECONDS = 0.05

# Re-entrancy: a process holding the lock may take it again (nested calls).
_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth)


def _timeout() -> float:
    value = os.environ.get("CLIPPER_LOCK_TIMEOUT")
    try:
        return float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


def _holder_description(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another clipper process"
    if not info.get("pid"):
        return "another clipper process"
    return f"process {info['pid']} ({info.get('command', 'clipper')}, since {info.get('since')})"


@contextmanager
def corpus_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the corpus write lock; wait up to ``timeout`` seconds for it."""
    path = root / LOCK_FILE
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[path]
            _held[path] = (fd, depth - 1)
        return
    wait = _timeout() if timeout is None else timeout
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise IndexBusyError(
                    f"the corpus {root} is being changed by {_holder_description(path)}; "
                    f"waited {wait:g} s",
                    hint="retry when it has finished, or wait longer with "
                    "CLIPPER_LOCK_TIMEOUT=SECONDS",
                ) from None
            time.sleep(_POLL_SECONDS)
    info = {
        "pid": os.getpid(),
        "command": " ".join(["clipper", *sys.argv[1:3]]),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    _held[path] = (fd, 1)
    try:
        yield
    finally:
        del _held[path]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def holds_lock(root: Path) -> bool:
    """True when this process holds the corpus lock."""
    return root / LOCK_FILE in _held


def lock_is_free(root: Path) -> bool:
    """True when no process holds the corpus lock (this one included)."""
    path = root / LOCK_FILE
    if path in _held:
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def mark_pending(root: Path) -> None:
    (root / PENDING_FILE).write_text(str(os.getpid()), encoding="utf-8")


def clear_pending(root: Path) -> None:
    (root / PENDING_FILE).unlink(missing_ok=True)


def pending(root: Path) -> bool:
    return (root / PENDING_FILE).exists()
