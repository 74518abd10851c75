"""CLI latency: ``tracker show KEY`` on a 100k-case database against ``import sqlmodel``.

    .venv/bin/python bench/cli_latency.py [--cases 100000] [--runs 15] [--database PATH]

Fills a SQLite database through the store (or reuses ``--database`` if it exists), then runs
both commands as fresh processes, alternating them so that machine noise hits both alike, and
compares medians. ``python -c "import sqlmodel"`` is the floor any tracker command pays.

Two ratios: wall-clock time, what a user waits, and CPU time (user + system of the child
process), which holds steadier when other work shares the machine: on a busy machine, read the
second.

Goal (issue #2): show / import-sqlmodel <= 1.3.
"""

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", type=Path)
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
        run(show, env), run(floor, env)  # warm the page cache and .pyc files
        load = os.getloadavg()[0]
        shows, floors = [], []
        for _ in range(args.runs):
            shows.append(run(show, env))
            floors.append(run(floor, env))
    print(f"load average at start: {load:.1f}")
    for index, clock in enumerate(("wall", "cpu")):
        show_ms = statistics.median(times[index] for times in shows) * 1000
        floor_ms = statistics.median(times[index] for times in floors) * 1000
        print(f"{clock:>4}: tracker show {show_ms:7.1f} ms, import sqlmodel {floor_ms:7.1f} ms"
              f" (medians of {args.runs}), ratio {show_ms / floor_ms:.2f}   (goal <= 1.3)")


if __name__ == "__main__":
    main()
