#!/usr/bin/env python3
"""Fresh-process search, two versions of clipper and plain Whoosh interleaved.

On a shared machine the same command can differ by 15 % between runs, so a
change is measured against the code before it in the same run: each query runs
``python -m clipper search`` once with each clipper source folder given and once
with the minimal Whoosh script, in rotating order, and the report gives medians
and their ratios. The corpus, the Whoosh index and the queries come from a
``benchmarks/run.py --keep --json-out R.json`` run (both versions must read the
same index format)::

    python benchmarks/ab_fresh.py --results R.json --src before=/tmp/before \\
        --src after=. --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one process.

    The CPU time suffers less than the wall time from other jobs on the machine.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Not run from the repository: ``python -m`` puts the current folder first
    # on sys.path, ahead of PYTHONPATH.
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed: {done.stderr.decode(errors='replace')[-500:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return elapsed, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--results", type=Path, required=True, help="run.py's --json-out of a --keep run"
    )
    parser.add_argument(
        "--src", action="append", required=True, help="LABEL=FOLDER holding a clipper package"
    )
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the queries")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    results = json.loads(args.results.read_text(encoding="utf-8"))
    work = Path(results["workdir"])
    queries = [q["text"] for q in results["queries"]][: args.queries]
    py = sys.executable
    # Every version loads from bytecode, as an installed one does (see run.py).
    skipped = ("CLIPPER_CORPUS", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    base_env = {k: v for k, v in os.environ.items() if k not in skipped}
    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    for spec in args.src:
        label, _, folder = spec.partition("=")
        env = {**base_env, "PYTHONPATH": str(Path(folder).resolve())}
        compiled = subprocess.run(
            [py, "-m", "compileall", "-q", str(Path(folder).resolve() / "clipper")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if compiled.returncode != 0:
            raise SystemExit(f"cannot compile {folder}: {compiled.stdout[-500:]}")
        commands[label] = (
            [py, "-m", "clipper", "--corpus", str(work / "clipper-corpus"), "search"],
            env,
        )
    commands["whoosh"] = (
        [py, str(HERE / "contenders" / "plain_whoosh.py"), str(work / "whoosh-index")],
        base_env,
    )
    labels = list(commands)
    times: dict[str, list[float]] = {label: [] for label in labels}
    cpu: dict[str, list[float]] = {label: [] for label in labels}
    load_start = os.getloadavg()
    step = 0
    for _ in range(args.rounds):
        for query in queries:
            order = labels[step % len(labels) :] + labels[: step % len(labels)]
            step += 1
            for label in order:
                cmd, env = commands[label]
                extra = [query, "--limit", "10"] if label != "whoosh" else [query]
                wall_ms, cpu_ms = timed([*cmd, *extra], env, work)
                times[label].append(wall_ms)
                cpu[label].append(cpu_ms)
    load_end = os.getloadavg()
    medians = {label: statistics.median(ms) for label, ms in times.items()}
    cpu_medians = {label: statistics.median(ms) for label, ms in cpu.items()}
    report = {
        "queries": len(queries),
        "rounds": args.rounds,
        "load_average": {"start": load_start, "end": load_end},
        "p50_ms": {k: round(v, 1) for k, v in medians.items()},
        "to_whoosh": {k: round(v / medians["whoosh"], 3) for k, v in medians.items()},
        "cpu_p50_ms": {k: round(v, 1) for k, v in cpu_medians.items()},
        "cpu_to_whoosh": {k: round(v / cpu_medians["whoosh"], 3) for k, v in cpu_medians.items()},
    }
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(
            json.dumps({**report, "ms": times, "cpu_ms": cpu}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
