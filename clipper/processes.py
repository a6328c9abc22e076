"""Worker processes that end with the process that started them.

A bulk import runs preparing workers and Whoosh's analysing processes. They
wait on queues for work, so a parent killed outright (SIGKILL, the OOM
killer) would leave them waiting for ever, holding hundreds of megabytes.
"""

from __future__ import annotations

import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with_parent(parent_pid: int) -> None:
    """In a child process: have the kernel kill it when ``parent_pid`` dies.

    Linux only (elsewhere a no-op beyond the check below). If the parent died
    before this call, the child ends at once.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def end_with_starter() -> None:
    """In a process started by multiprocessing: end it when the process that started it ends.

    For processes of a fork server, whose parent is the server: the server
    only ends once all its processes have (each holds its "alive" pipe), so
    the kernel's parent-death signal never comes. A thread waits on
    multiprocessing's sentinel of the starting process instead.
    """
    import multiprocessing
    import threading

    starter = multiprocessing.parent_process()
    if starter is None:
        return

    def watch() -> None:
        starter.join()
        os._exit(1)

    threading.Thread(target=watch, name="end-with-starter", daemon=True).start()
