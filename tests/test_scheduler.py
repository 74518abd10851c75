"""The scheduler: jobs on time, once, across restarts and rival processes, stopped cleanly."""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.config import load_settings
from tracker.locks import holder, try_acquire
from tracker.models.runs import JobRun
from tracker.scheduler import SCHEDULER_LOCK, crawl_job, declared_jobs, make_scheduler, recorded

from .mailserver import MailServer
from .spiders.crawling import crawl_environment
from .test_locks import lose

OFF = ('{"courtlistener": {"interval": 0}, "congress": {"interval": 0}, "openstates": {"interval": 0}, '
       '"federal_register": {"interval": 0}, "statements": {"interval": 0}}')


def runs(engine, job_id: str) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).where(JobRun.job_id == job_id)
                                 .order_by(JobRun.id)).scalars())


def until(condition, timeout: float = 60) -> None:
    """Wait for what a test expects to happen; fail (not hang) if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {timeout} s")
        time.sleep(0.1)


@pytest.fixture
def environment(monkeypatch, tmp_path, database_url):
    """Every upstream nowhere, every crawl off unless a test turns it on; the env for children."""
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url, TRACKER_SOURCES=OFF,
                            TRACKER_STANDBY_POLL="0.5", TRACKER_SMTP_URL="smtp://127.0.0.1:9")
    for name in list(os.environ):
        if name.startswith("TRACKER_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("TRACKER_"):
            monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def scheduler_parts(environment, store_engine):
    return store_engine, load_settings()


def test_the_schedule_comes_from_the_settings(monkeypatch, environment):
    monkeypatch.setenv("TRACKER_SOURCES", '{"courtlistener": {"interval": 1}, "statements": {"interval": 0}}')
    monkeypatch.setenv("TRACKER_TIMEZONE", "America/New_York")
    monkeypatch.setenv("TRACKER_DAILY_DIGEST_AT", "07:30")
    monkeypatch.setenv("TRACKER_WEEKLY_DIGEST_ON", "fri")
    jobs = {job.id: job for job in declared_jobs(load_settings(), ["courtlistener", "congress",
                                                                    "statements"])}
    assert sorted(jobs) == ["alerts", "crawl:congress", "crawl:courtlistener", "digest:daily",
                            "digest:weekly", "retention", "sessions"]  # statements is off
    assert str(jobs["sessions"].trigger) == "cron[hour='0', minute='30']"  # each night
    assert str(jobs["crawl:courtlistener"].trigger) == "interval[1:00:00]"
    assert str(jobs["crawl:congress"].trigger) == "interval[6:00:00]"  # its default stays
    assert str(jobs["digest:weekly"].trigger) == "cron[day_of_week='fri', hour='7', minute='30']"
    assert str(jobs["digest:daily"].trigger.timezone) == "America/New_York"
    assert jobs["crawl:congress"].grace is None and jobs["digest:daily"].grace == 12 * 3600


def test_a_restart_keeps_the_jobs_and_their_next_runs(scheduler_parts):
    engine, settings = scheduler_parts
    first = make_scheduler(engine, settings, declared_jobs(settings, []))
    planned = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown()
    time.sleep(1.1)  # a restart a second later must not push the runs back a second
    again = make_scheduler(engine, settings, declared_jobs(settings, []))
    assert {job.id: job.next_run_time for job in again.get_jobs()} == planned
    again.shutdown()
    # A job no longer declared is removed (and said), never left to vanish silently.
    settings.alert_minutes = 10
    changed = make_scheduler(engine, settings, [j for j in declared_jobs(settings, [])
                                                if j.id != "digest:weekly"])
    assert sorted(job.id for job in changed.get_jobs()) == ["alerts", "digest:daily", "retention", "sessions"]
    assert str(changed.get_job("alerts").trigger) == "interval[0:10:00]"
    changed.shutdown()


def test_jobs_fire_on_schedule(scheduler_parts):
    engine, settings = scheduler_parts
    settings.alert_minutes = 1 / 60  # every second
    scheduler = make_scheduler(engine, settings, declared_jobs(settings, []))
    scheduler.resume()
    try:
        until(lambda: len([r for r in runs(engine, "alerts") if r.finished_at]) >= 3)
    finally:
        scheduler.shutdown(wait=True)
    done = runs(engine, "alerts")
    assert all(r.outcome == "ok" for r in done), [r.detail for r in done]
    starts = [r.started_at for r in done]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(gap >= timedelta(seconds=0.5) for gap in gaps), gaps


def test_a_machine_that_slept_through_three_runs_does_one(scheduler_parts):
    engine, settings = scheduler_parts
    settings.alert_minutes = 60
    alerts = [j for j in declared_jobs(settings, []) if j.id == "alerts"]
    scheduler = make_scheduler(engine, settings, alerts)
    scheduler.modify_job("alerts", next_run_time=datetime.now(UTC) - timedelta(hours=3, minutes=5))
    scheduler.resume()
    try:
        until(lambda: any(r.finished_at for r in runs(engine, "alerts")))
        until(lambda: scheduler.get_job("alerts").next_run_time > datetime.now(UTC))
        assert len(runs(engine, "alerts")) == 1
        assert scheduler.get_job("alerts").next_run_time > datetime.now(UTC) + timedelta(minutes=50)
    finally:
        scheduler.shutdown(wait=True)


@pytest.fixture
def hanging_site():
    """A web server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_hanging_crawl_is_stopped_at_its_limit(monkeypatch, scheduler_parts, hanging_site, tmp_path):
    engine, _ = scheduler_parts
    config = tmp_path / "hang.toml"
    config.write_text(f'[[statements.sources]]\nname = "hangs"\norganisation = "Hangs"\n'
                      f'url = "{hanging_site}/feed.xml"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    monkeypatch.setenv("TRACKER_CRAWL_TIMEOUT", "3")
    started = time.monotonic()
    recorded("crawl:statements", crawl_job, "statements")
    assert time.monotonic() - started < 3 + 15 + 10 + 10  # the limit, then SIGTERM's and SIGKILL's
    (run,) = runs(engine, "crawl:statements")
    assert (run.outcome, run.detail) == ("failed", "stopped after 3 s")


def test_a_crawl_skipped_for_want_of_a_key_says_skipped_and_why(scheduler_parts):
    engine, _ = scheduler_parts
    recorded("crawl:openstates", crawl_job, "openstates")  # no OPENSTATES_API_KEY here
    (run,) = runs(engine, "crawl:openstates")
    assert run.outcome == "skipped" and run.detail.startswith("no OPENSTATES_API_KEY (a free key")


def scheduler_process(env, *args):
    return subprocess.Popen([sys.executable, "-m", "tracker", "scheduler", "run", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_two_schedulers_on_one_database_run_each_job_once(environment, store_engine):
    env = {**environment, "TRACKER_ALERT_MINUTES": str(1 / 60)}
    first = scheduler_process(env)
    until(lambda: len(runs(store_engine, "alerts")) >= 1)
    second = scheduler_process(env)
    second_said = Said(second)
    try:
        # The first is killed only once the second has come up and stood by (not after a time a
        # busy machine may need just to start it).
        second_said.wait_for("standing by to take over")
        until(lambda: len([r for r in runs(store_engine, "alerts") if r.finished_at]) >= 4)
        done = [r for r in runs(store_engine, "alerts") if r.finished_at]
        # One scheduler at a time: each run starts after the one before it finished.
        pairs = zip(done, done[1:], strict=False)
        assert all(later.started_at >= earlier.finished_at for earlier, later in pairs)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        count = len(runs(store_engine, "alerts"))
        until(lambda: len(runs(store_engine, "alerts")) >= count + 2)  # the second took over
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    said = second_said.all()
    assert second.returncode == 0
    assert "another scheduler is running on this database; standing by to take over" in said
    assert "scheduler stopped" in said


class Said:
    """A child's stderr, read as it comes, so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(process.stderr), daemon=True)
        self.reader.start()

    def wait_for(self, words: str) -> None:
        until(lambda: any(words in line for line in self.lines))

    def all(self) -> str:
        self.reader.join(timeout=60)
        return "".join(self.lines)


def fired(said: str) -> list[datetime]:
    """When each alerts run that a scheduler started was due, from APScheduler's log line."""
    return [datetime.fromisoformat(due) for due in
            re.findall(r'Running job "alerts \(.*\)" \(scheduled at ([^)]+)\)', said)]


# #14: a standby given SIGTERM died of "generator didn't yield" (a return before the yield).
def test_a_standing_by_scheduler_exits_0_on_sigterm(environment, store_engine):
    with try_acquire(store_engine, SCHEDULER_LOCK):  # another scheduler, as far as it can tell
        standby = scheduler_process(environment)
        said = Said(standby)
        try:
            said.wait_for(f"standing by to take over from pid {os.getpid()} on ")
        finally:
            standby.send_signal(signal.SIGTERM)
            standby.wait(timeout=60)
    assert standby.returncode == 0, said.all()
    assert "Traceback" not in said.all() and said.lines[-1] == "scheduler stopped\n"
    assert runs(store_engine, "alerts") == []


# #14: a scheduler whose PostgreSQL session was terminated ran on beside the standby that took over.
def test_a_scheduler_that_loses_its_lock_stops_and_the_standby_alone_runs_the_jobs(environment,
                                                                                   store_engine):
    def finished():
        return [r for r in runs(store_engine, "alerts") if r.finished_at]

    env = {**environment, "TRACKER_ALERT_MINUTES": str(1 / 60)}
    first = scheduler_process(env)
    first_said = Said(first)
    until(lambda: len(finished()) >= 2)
    second = scheduler_process(env)
    second_said = Said(second)
    try:
        second_said.wait_for("standing by to take over")
        assert holder(store_engine, SCHEDULER_LOCK).process.startswith(f"pid {first.pid} ")
        # The fault, between two runs: the last one finished, the next not due for most of a second.
        until(lambda: len(finished()) == len(runs(store_engine, "alerts")))
        lose(store_engine, SCHEDULER_LOCK)
        lost_at = datetime.now(UTC)
        assert first.wait(timeout=60) == 1
        until(lambda: len([r for r in finished() if r.started_at > lost_at]) >= 3)
        assert holder(store_engine, SCHEDULER_LOCK).process.startswith(f"pid {second.pid} ")
    finally:
        first.kill()
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    said = first_said.all()
    assert "Traceback" not in said
    last = said.splitlines()[-1]
    assert last.startswith("error: lost the scheduler lock: ")
    assert last.endswith("; stopped the jobs, since another scheduler may be running them now")
    assert second.returncode == 0, second_said.all()
    done = finished()
    assert len(done) == len(runs(store_engine, "alerts"))
    # One scheduler at a time throughout: each run started after the one before it finished...
    pairs = zip(done, done[1:], strict=False)
    assert all(later.started_at >= earlier.finished_at for earlier, later in pairs)
    # ...and each firing ran in one of them only, the first starting none due after its loss.
    firings = [fired(first_said.all()), fired(second_said.all())]
    assert firings[0] and firings[1] and max(firings[0]) < lost_at
    assert len(set(firings[0] + firings[1])) == len(firings[0]) + len(firings[1])


class HeldServer(MailServer):
    """Holds the second mail's DATA until the test lets it go."""

    def __init__(self):
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.seen += 1
        if self.seen == 2:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def test_sigterm_mid_digest_finishes_the_mail_in_flight_and_loses_none(environment, store_engine):
    from tracker.records import CaseRecord, EventRecord
    from tracker.review import approve
    from tracker.store import ingest
    from tracker.subscriptions import Preferences, subscribe
    from tracker.vocab import Frequency, Kind

    ingest(store_engine, [CaseRecord(key="cand-3:26-cv-00001", kind=Kind.LAWSUIT, jurisdiction="cand",
                                     title="Author v. AI Co.", source="courtlistener",
                                     events=[EventRecord(datetime.now(UTC).date(), "COMPLAINT",
                                                         "courtlistener")])], now=datetime.now(UTC))
    approve(store_engine, [1], by="maria", now=datetime.now(UTC))
    people = [f"reader{n}@example.org" for n in range(5)]
    for address in people:
        subscribe(store_engine, address, Preferences(frequency=Frequency.IMMEDIATE),
                  now=datetime.now(UTC), confirmed=True)
    with HeldServer() as server:
        env = {**environment, "TRACKER_SMTP_URL": server.url, "TRACKER_ALERT_MINUTES": "60"}
        scheduler = scheduler_process(env)
        try:
            until(server.holding.is_set)
            scheduler.send_signal(signal.SIGTERM)
            time.sleep(0.5)  # the signal lands while the second mail is in flight
            server.release.set()
            _, said = scheduler.communicate(timeout=60)
        finally:
            server.release.set()
        assert scheduler.returncode == 0, said
        assert len(server.messages) == 2  # the one in flight finished; no new one started
        resumed = subprocess.run([sys.executable, "-m", "tracker", "digest", "send"], env=env,
                                 capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
        ids = [message["Message-ID"] for _, message in server.messages]
        assert sorted(address for recipients, _ in server.messages for address in recipients) == people
        assert len(set(ids)) == 5  # nothing lost, nothing twice


def test_once_runs_what_is_due_then_exits(environment, store_engine):
    once = [sys.executable, "-m", "tracker", "scheduler", "run", "--once"]
    first = subprocess.run(once, env=environment, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert [r.outcome for r in runs(store_engine, "alerts")] == ["ok"]  # new: due at once
    again = subprocess.run(once, env=environment, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(runs(store_engine, "alerts")) == 1  # not due again yet
    listed = subprocess.run([sys.executable, "-m", "tracker", "scheduler", "jobs", "--json"],
                            env=environment, capture_output=True, text=True, timeout=60)
    alerts = next(job for job in json.loads(listed.stdout) if job["id"] == "alerts")
    assert alerts["last_outcome"] == "ok" and alerts["trigger"] == "interval[0:05:00]"
    assert datetime.fromisoformat(alerts["next_run"]) > datetime.now(UTC)
