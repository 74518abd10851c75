"""Run one source's spider as a child process and judge it by the run it recorded.

Each crawl is its own ``python -m scrapy crawl NAME`` process: Twisted's reactor cannot be
restarted inside one process, and a crash or a hang in one source then costs only that source.
The child finds the Scrapy project through ``SCRAPY_SETTINGS_MODULE``, so this works from any
working directory. ``scrapy crawl`` exits 0 even when the crawl failed, so the outcome is read
from the ``source_runs`` row the run-record extension (spiders/extensions.py) wrote from the
crawl's own stats; a child that died or was stopped before writing one is recorded as failed here.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.models.runs import SourceRun
from tracker.runs import FAILED, RUNNING

SETTINGS_MODULE = "spiders.settings"
# Lines of the child's log worth showing while it runs.
SHOWN_LEVELS = (" WARNING: ", " ERROR: ", " CRITICAL: ")


def available_sources() -> list[str]:
    """The spiders Scrapy finds in the project, by name."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def crawl_source(engine: Engine, name: str, *, full: bool = False, timeout: float = 3600,
                 on_line: Callable[[str], None] = lambda line: None,
                 stop: threading.Event | None = None) -> SourceRun:
    """Crawl one source in a child process; return the run it recorded (or one recorded here).

    :param timeout: seconds before the child is stopped (SIGTERM, then SIGKILL) and the run failed
    :param stop: when set (the scheduler is shutting down), the child is stopped likewise
    """
    started = datetime.now(UTC)
    command = [sys.executable, "-m", "scrapy", "crawl", name]
    if full:
        command += ["-a", "full=1"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, errors="replace", start_new_session=True)
    reader = threading.Thread(target=_relay, args=(child.stderr, on_line), daemon=True)
    reader.start()
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout
    try:
        stopped = None
        while child.poll() is None:
            if stop.is_set():
                stopped = "stopped: the scheduler is shutting down"
            elif time.monotonic() >= deadline:
                stopped = f"stopped after {timeout:.0f} s"
            if stopped:
                _stop(child)
                break
            stop.wait(min(1.0, max(0.05, deadline - time.monotonic())))
    except KeyboardInterrupt:
        # The child runs in its own session, so Ctrl-C reached only us: stop it, record, re-raise.
        _stop(child)
        _judge(engine, name, started, child.returncode, "interrupted")
        raise
    reader.join(timeout=5)
    return _judge(engine, name, started, child.returncode, stopped)


def _relay(stream, on_line: Callable[[str], None]) -> None:
    for line in stream:
        if any(level in line for level in SHOWN_LEVELS):
            on_line(line.rstrip())


def _stop(child: subprocess.Popen) -> None:
    """SIGTERM the child's process group (Scrapy shuts down cleanly), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(child.pid, sig)
            child.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _judge(engine: Engine, name: str, started: datetime, returncode: int | None,
           stopped: str | None) -> SourceRun:
    with Session(engine) as session:
        run = session.exec(select(SourceRun).where(SourceRun.source == name,
                                                   SourceRun.started_at >= started)
                           .order_by(col(SourceRun.id).desc()).limit(1)).scalars().first()
    if run is not None and run.state != RUNNING and not stopped:
        return run
    reason = stopped or f"the crawl process exited with code {returncode} before recording its run"
    now = datetime.now(UTC)
    with write_session(engine) as session:
        if run is None:
            run = SourceRun(source=name, started_at=started, finished_at=now, state=FAILED,
                            finish_reason="crashed", last_error=reason)
            session.add(run)
        else:
            session.execute(update(SourceRun).where(SourceRun.id == run.id).values(
                finished_at=now, state=FAILED, finish_reason="stopped" if stopped else "crashed",
                last_error=reason))
    with Session(engine) as session:
        return session.exec(select(SourceRun).where(SourceRun.source == name)
                            .order_by(col(SourceRun.id).desc()).limit(1)).scalars().first()
