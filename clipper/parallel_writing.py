"""Bulk indexing in one analysing process per core: Whoosh's MpWriter, made safe.

Only a bulk import loads this module (and multiprocessing with it): a search
or a single add never pays for it.
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing import spawn
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from clipper.processes import end_with_starter

# Whoosh forks its analysing processes from the importing process, which by a
# checkpoint holds the batch's near-duplicate finder and much else: forked, they
# keep a copy of the pages the importer has since rewritten. Started from a
# fork server, a small process that loaded the index modules once, they inherit
# none of it.
_FORK_SERVER = multiprocessing.get_context("forkserver")


def _quiet_resource_tracker() -> None:
    """Keep multiprocessing's resource tracker from warning about a killed import.

    The queues' semaphores are registered with the tracker, a process that
    unlinks them when the importer is gone however it ended. After a SIGKILL
    it does so, and warns on the user's terminal that they "leaked". The
    tracker takes its warning options from this interpreter's when it starts:
    the cleanup stays, the warning goes.
    """
    quiet = "ignore:resource_tracker:UserWarning"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)


class _AnalysingTask(SubWriterTask):
    """One of Whoosh's analysing processes, started from the fork server.

    It ends when the importing process does, however that ends (SIGKILL
    included); the fork server then ends too.
    """

    _start_method = "forkserver"

    @staticmethod
    def _Popen(process: Any) -> Any:  # noqa: N802 -- multiprocessing's name
        # The new process would otherwise run the caller's main script again
        # (the rule for spawned processes): an unguarded script would import
        # again in each analysing process. It needs nothing from it.
        original = spawn.get_preparation_data

        def without_main(name: str) -> dict[str, Any]:
            data: dict[str, Any] = original(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            return _FORK_SERVER.Process._Popen(process)
        finally:
            spawn.get_preparation_data = original

    def run(self) -> None:
        end_with_starter()
        super().run()


class AnalysingWriter(MpWriter):
    """Whoosh's MpWriter (one analysing process per core), its processes started fresh.

    Whoosh's own ``cancel`` only flags its copy of each process object: the
    processes went on waiting for work, and the interpreter waited for them at
    exit, so a bulk import failing with an error hung instead of ending.
    """

    def __init__(self, ix: Any, **options: Any) -> None:
        super().__init__(ix, **options)
        _quiet_resource_tracker()
        # Queues shared with the fork server's processes come from its context.
        self.jobqueue = _FORK_SERVER.Queue(self.procs * 4)
        self.resultqueue = _FORK_SERVER.Queue()
        # The server loads the analysis (through indexing) once for its children.
        _FORK_SERVER.set_forkserver_preload(["clipper.indexing", "clipper.parallel_writing"])

    def _new_task(self) -> Any:
        task = _AnalysingTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                task.terminate()
            for task in self.tasks:
                task.join()
        finally:
            SegmentWriter.cancel(self)
