"""Run one source's spider as a child process and judge it by the run it recorded.

Each crawl is its own ``python -m scrapy crawl NAME`` process: Twisted's reactor cannot be
restarted inside one process, and a crash or a hang in one source then costs only that source.
The child finds the Scrapy project through ``SCRAPY_SETTINGS_MODULE``, so this works from any
working directory. ``scrapy crawl`` exits 0 even when the crawl failed, so the outcome is read
from the ``source_runs`` row the run-record extension (spiders/extensions.py) wrote from the
crawl's own stats; a child that died before writing one is recorded as failed here, and one
stopped (Ctrl-C, the scheduler shutting down) as interrupted, with what it stored until then.
"""

import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.models.runs import SourceRun
from tracker.runs import FAILED, INTERRUPTED, RUNNING

SETTINGS_MODULE = "spiders.settings"
# Lines of the child's log worth showing while it runs.
SHOWN_LEVELS = (" WARNING: ", " ERROR: ", " CRITICAL: ")


def available_sources() -> list[str]:
    """The spiders Scrapy finds in the project, by name."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


class Stop:
    """Asks running crawls to stop, from a signal handler or another thread.

    ``ask()`` lets each child finish what it has in flight and record its run (Scrapy's own
    graceful shutdown, on its first SIGINT); ``force()``, or ``grace`` seconds after asking
    (``None``: no limit), kills it at once. Either way its run is recorded as interrupted, with
    ``reason``. The children are signalled from ``ask()`` and ``force()`` themselves, so that
    whoever says "stopping" has already passed it on. ``asked`` may be an event set elsewhere
    (the scheduler's), seen by the crawl within a tenth of a second.
    """

    def __init__(self, reason: str, *, grace: float | None = None,
                 asked: threading.Event | None = None):
        self.reason = reason
        self.grace = grace
        self.asked = asked or threading.Event()
        self.forced = threading.Event()
        self._children: dict[subprocess.Popen, bool] = {}  # child: told to stop yet?
        self._guard = threading.RLock()  # re-entrant: a signal handler may run inside it

    def ask(self) -> None:
        self.asked.set()
        self.pass_on()

    def force(self) -> None:
        self.asked.set()
        self.forced.set()
        self.pass_on()

    def pass_on(self) -> None:
        """Signal each child once asked (SIGINT), and kill each once forced."""
        with self._guard:
            for child, told in self._children.items():
                if self.forced.is_set():
                    _signal(child, signal.SIGKILL)
                elif self.asked.is_set() and not told:
                    self._children[child] = True
                    _signal(child, signal.SIGINT)

    @contextmanager
    def watching(self, child: subprocess.Popen) -> Iterator[None]:
        with self._guard:
            self._children[child] = False
        try:
            yield
        finally:
            with self._guard:
                del self._children[child]


def crawl_source(engine: Engine, name: str, *, full: bool = False, timeout: float = 3600,
                 on_line: Callable[[str], None] = lambda line: None,
                 stop: Stop | None = None) -> SourceRun:
    """Crawl one source in a child process; return the run it recorded (or one recorded here).

    :param timeout: seconds before the child is stopped (SIGTERM, then SIGKILL) and the run failed
    :param stop: asks the child to stop (Ctrl-C, the scheduler shutting down)
    """
    started = datetime.now(UTC)
    command = [sys.executable, "-m", "scrapy", "crawl", name]
    if full:
        command += ["-a", "full=1"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    # In a session of its own, so that the terminal's Ctrl-C reaches only us; we pass it on.
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, errors="replace", start_new_session=True)
    reader = threading.Thread(target=_relay, args=(child.stderr, on_line), daemon=True)
    reader.start()
    stop = stop or Stop("")
    deadline = time.monotonic() + timeout
    stopped, kill_at = None, None  # why it was stopped, other than being asked; when to kill it
    with stop.watching(child):
        while child.poll() is None:
            if stop.asked.is_set():
                if kill_at is None:
                    kill_at = math.inf if stop.grace is None else time.monotonic() + stop.grace
                if time.monotonic() >= kill_at:
                    stop.forced.set()
                stop.pass_on()
            elif time.monotonic() >= deadline:
                _stop(child)
                stopped = f"stopped after {timeout:.0f} s"
            with suppress(subprocess.TimeoutExpired):
                child.wait(0.1)
    reader.join(timeout=5)
    if stop.asked.is_set():
        return _judge(engine, name, started, child.returncode, state=INTERRUPTED,
                      reason=stop.reason)
    return _judge(engine, name, started, child.returncode, state=FAILED, reason=stopped)


def _relay(stream, on_line: Callable[[str], None]) -> None:
    for line in stream:
        if any(level in line for level in SHOWN_LEVELS):
            on_line(line.rstrip())


def _signal(child: subprocess.Popen, sig: signal.Signals) -> None:
    """Signal the child's process group (Scrapy and anything it started)."""
    with suppress(ProcessLookupError):  # it has just ended
        os.killpg(child.pid, sig)


def _stop(child: subprocess.Popen) -> None:
    """SIGTERM the child's process group (Scrapy shuts down cleanly), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        _signal(child, sig)
        try:
            child.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _judge(engine: Engine, name: str, started: datetime, returncode: int | None, *, state: str,
           reason: str | None) -> SourceRun:
    """The run the child recorded; or, when it was stopped (``reason``) or recorded none, the
    run recorded here in ``state``, its counts so far kept."""
    with Session(engine) as session:
        run = session.exec(select(SourceRun).where(SourceRun.source == name,
                                                   SourceRun.started_at >= started)
                           .order_by(col(SourceRun.id).desc()).limit(1)).scalars().first()
    if run is not None and run.state != RUNNING and (not reason or run.finish_reason == "finished"):
        return run  # (a crawl asked to stop just as it finished has finished)
    finish_reason = state if state == INTERRUPTED else "stopped" if reason else "crashed"
    reason = reason or f"the crawl process exited with code {returncode} before recording its run"
    now = datetime.now(UTC)
    with write_session(engine) as session:
        if run is None:
            run = SourceRun(source=name, started_at=started, finished_at=now, state=state,
                            finish_reason=finish_reason, last_error=reason)
            session.add(run)
        else:
            session.execute(update(SourceRun).where(SourceRun.id == run.id).values(
                finished_at=now, state=state, finish_reason=finish_reason, last_error=reason))
    with Session(engine) as session:
        return session.exec(select(SourceRun).where(SourceRun.source == name)
                            .order_by(col(SourceRun.id).desc()).limit(1)).scalars().first()
