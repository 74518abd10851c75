"""CLI latency: ``tracker show KEY`` on a 100k-case database against ``import sqlmodel``.

    .venv/bin/python bench/cli_latency.py [--cases 100000] [--runs 15] [--database PATH]

Fills a SQLite database through the store (or reuses ``--database`` if it exists), then runs
both commands as fresh processes, alternating them so that machine noise hits both alike, and
compares medians. ``python -c "import sqlmodel"`` is the floor any tracker command pays.

Two ratios: wall-clock time, what a user waits, and CPU time (user + system of the child
process), which holds steadier when other work shares the machine: on a busy machine, read the
second.

Goal (issue #2): show / import-sqlmodel <= 1.3.

``tracker`` skips the interpreter's last full garbage collection at exit (``gc.freeze()`` in
``tracker.cli.run``), which a bare ``import sqlmodel`` pays. So the script also measures a floor
that exits the same way: the ratio to it is the tracker's own start-up and query work alone.

``--instructions`` also counts each command's instructions once under valgrind's callgrind,
which gives the same count whatever else the machine is doing (a minute or two more).
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from ingest import NOW, make_records  # noqa: E402

from tracker.db import ensure_schema, make_engine  # noqa: E402
from tracker.store import ingest  # noqa: E402


def fill(path: Path, cases: int) -> str:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    records = make_records(cases, 10)
    for start in range(0, cases, 2000):
        ingest(engine, records[start:start + 2000], now=NOW)
    return records[cases // 2].key


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one fresh process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def instructions(command: list[str], env: dict[str, str]) -> int:
    """The instructions one fresh process running ``command`` executes, counted by callgrind."""
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", type=Path)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions under valgrind (load-independent)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = args.database or Path(folder) / "tracker.db"
        if path.exists():
            key = make_records(args.cases, 1)[args.cases // 2].key
        else:
            started = time.perf_counter()
            key = fill(path, args.cases)
            print(f"filled {args.cases:,} cases x 10 events in {time.perf_counter() - started:.0f} s")
        # As on a normal install, let Python cache bytecode (some sandboxes switch it off).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["TRACKER_DATABASE_URL"] = f"sqlite:///{path}"
        show = [sys.executable, "-m", "tracker", "show", key]
        floor = [sys.executable, "-c", "import sqlmodel"]
        frozen = [sys.executable, "-c", "import gc, sqlmodel; gc.freeze()"]
        run(show, env), run(floor, env), run(frozen, env)  # warm the page cache and .pyc files
        load = os.getloadavg()[0]
        shows, floors, frozens = [], [], []
        for _ in range(args.runs):
            shows.append(run(show, env))
            floors.append(run(floor, env))
            frozens.append(run(frozen, env))
        counts = [instructions(command, env) for command in (show, floor, frozen)] \
            if args.instructions else None
    print(f"load average at start: {load:.1f}")
    for index, clock in enumerate(("wall", "cpu")):
        show_ms, floor_ms, frozen_ms = (statistics.median(times[index] for times in series) * 1000
                                        for series in (shows, floors, frozens))
        print(f"{clock:>4}: tracker show {show_ms:7.1f} ms, import sqlmodel {floor_ms:7.1f} ms"
              f" (medians of {args.runs}), ratio {show_ms / floor_ms:.2f}   (goal <= 1.3)")
        print(f"{'':>4}  against import sqlmodel exiting as the tracker does ({frozen_ms:.1f} ms):"
              f" ratio {show_ms / frozen_ms:.2f}, the tracker's own work")
    if counts:
        show_count, floor_count, frozen_count = counts
        print(f"instructions: tracker show {show_count / 1e6:,.0f} M, import sqlmodel "
              f"{floor_count / 1e6:,.0f} M, ratio {show_count / floor_count:.2f}   (goal <= 1.3)")
        print(f"{'':>12}  against import sqlmodel exiting as the tracker does ({frozen_count / 1e6:,.0f} M):"
              f" ratio {show_count / frozen_count:.2f}, the tracker's own work")


if __name__ == "__main__":
    main()
