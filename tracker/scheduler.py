"""The scheduler: one long-running process that crawls each source and sends digests on time.

APScheduler 3 with its SQLAlchemy job store in the tracker's own database. Schedules are
declared here at every start: a stored job whose schedule is unchanged keeps its next run (so a
restart neither delays nor repeats it), a changed one is replaced, and a stored job no longer
declared is removed and said, so a renamed job never silently vanishes. Every job has
``max_instances=1``, ``coalesce`` and a misfire grace, so a machine that slept through three runs
does one.

APScheduler 3 cannot share a job store between processes (its FAQ), so
the scheduler that runs the jobs holds the ``scheduler`` lock (``tracker.locks``) while it does; a
second one stands by, trying every ``standby_poll`` seconds, and takes over when the first dies.
The one running checks that it still holds the lock before each pass of due jobs and every
``standby_poll`` seconds. If it has lost it (its PostgreSQL session was terminated, its lock file
removed), a standby may already be running the jobs, so it stops as SIGTERM would and exits 1
with one line saying so. It exits rather than standing by again: the process ending is what makes
sure none of its jobs' threads runs on, and a supervisor (systemd ``Restart=on-failure``) restarts
it as a standby. A standby given SIGTERM just exits 0.

A crawl is a child process (``tracker.crawl``: Twisted's reactor cannot restart in one process)
with a time limit. SIGTERM stops cleanly: no new job starts, a digest run finishes the mail in
flight, a crawl's child is told to stop. Every run is recorded in ``job_runs``.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from tracker.config import Settings, load_settings
from tracker.db import open_store, write_session
from tracker.errors import TrackerError
from tracker.locks import Holder, Lease, LockHeld, LockLost, try_acquire, wait_for
from tracker.models.runs import JobRun
from tracker.vocab import Frequency

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
SCHEDULER_LOCK = "scheduler"
OPERATOR_ALERTS, OPERATOR_ALERT_MINUTES = "operator-alerts", 15  # staff hear of trouble
# Set by SIGTERM / SIGINT (or a test): running jobs wind down, no new one starts.
STOP = threading.Event()




class SchedulerError(TrackerError):
    exit_code = 1


# The jobs. Module-level functions with plain arguments, because the job store pickles a
# reference to them.

class NotDone(Exception):  # noqa: N818 - an outcome, not an error
    """A job that did not do its work for a reason that is no failure: recorded with its own
    outcome (``skipped``, ``interrupted``) and the reason."""

    def __init__(self, outcome: str, reason: str):
        super().__init__(reason)
        self.outcome = outcome


def crawl_job(source: str) -> str:
    """Crawl one source, unless the day's quota cannot pay for it yet (``tracker.budget``): then
    the run waits, recorded as waiting for quota, and the next trigger tries again."""
    from tracker.budget import quota_wait, record_wait
    from tracker.crawl import Stop, crawl_source
    from tracker.runs import FAILED, INTERRUPTED, OK, SKIPPED, WAITING

    settings = load_settings()
    engine = open_store(settings.database_url)
    wait = quota_wait(engine, settings, source, now=datetime.now(UTC))
    if wait:
        record_wait(engine, source, wait, now=datetime.now(UTC))
        raise NotDone(WAITING, wait)
    if settings.scrapyd_url:
        from tracker.scrapyd import crawl_on_scrapyd

        run = crawl_on_scrapyd(engine, settings.scrapyd_url, source, timeout=settings.crawl_timeout,
                               stop=STOP)
    else:
        run = crawl_source(engine, source, timeout=settings.crawl_timeout,
                           stop=Stop("the scheduler shut down", grace=15, asked=STOP))
    if run.state == FAILED:
        raise RuntimeError(run.last_error or run.finish_reason or "failed")
    if run.state == SKIPPED:
        raise NotDone(SKIPPED, run.finish_reason or "skipped")
    if run.state == INTERRUPTED:
        raise NotDone(INTERRUPTED, run.last_error or "interrupted")
    stored = f"{run.cases_new} new, {run.cases_updated} updated, {run.changes_added} changes"
    return stored if run.state == OK else f"{stored}; {run.state}: {run.last_error or run.finish_reason}"


def digest_job(frequency: str | None) -> str:
    from tracker.channels import deliver_posts, queue_posts
    from tracker.mailer import deliver, queue_digests

    settings = load_settings()
    engine = open_store(settings.database_url)
    now = datetime.now(UTC)
    # Team channels first: a mail server that is down does not hold back a Slack post.
    queue_posts(engine, settings, now=now, frequency=Frequency(frequency) if frequency else None)
    deliver_posts(engine, settings, clock=lambda: datetime.now(UTC), should_stop=STOP.is_set)
    queued = queue_digests(engine, settings, now=now, frequency=Frequency(frequency) if frequency else None)
    report = deliver(engine, settings, clock=lambda: datetime.now(UTC), should_stop=STOP.is_set)
    detail = (f"{queued.queued} queued, {report.sent} sent, {report.deferred} deferred, "
              f"{report.failed} refused")
    if report.deferred:
        raise RuntimeError(detail)
    return detail


def session_end_job() -> str:
    """The end of a session or Congress for the bills it left behind (a bill that dies is news)."""
    from tracker.refold import add_session_ends

    settings = load_settings()
    now = datetime.now(UTC)
    added = add_session_ends(open_store(settings.database_url), now=now,
                             today=now.astimezone(ZoneInfo(settings.timezone)).date())
    return f"{added} bills reached the end of their session"


def bounces_job() -> str:
    from tracker.bounces import read_returns

    settings = load_settings()
    report = read_returns(open_store(settings.database_url), settings, clock=lambda: datetime.now(UTC),
                          should_stop=STOP.is_set)
    return report.summary()


def retention_job() -> str:
    from tracker.retention import purge_bodies

    settings = load_settings()
    mails, posts = purge_bodies(open_store(settings.database_url), now=datetime.now(UTC),
                                days=settings.outbox_retention_days)
    return f"emptied {mails} mail bodies and {posts} channel posts"


def operator_alerts_job() -> str:
    """Tell staff (``alert_to``) of trouble, once per incident (``tracker.operator_alerts``)."""
    from tracker.crawl import available_sources
    from tracker.operator_alerts import check, send_alerts

    settings = load_settings()
    engine = open_store(settings.database_url)
    report = check(engine, settings, available_sources(), now=datetime.now(UTC))
    report.sent = send_alerts(engine, settings, clock=lambda: datetime.now(UTC), should_stop=STOP.is_set)
    return report.summary()


def recorded(job_id: str, function: Callable[..., str], *args: Any) -> None:
    """Run a job and record it in ``job_runs``; a failure is recorded, logged and not raised
    (the scheduler goes on; ``tracker scheduler jobs`` shows it)."""
    engine = open_store(load_settings().database_url)
    with write_session(engine) as session:
        run = JobRun(job_id=job_id, started_at=datetime.now(UTC))
        session.add(run)
        session.flush()
        run_id = run.id
    outcome, detail = "ok", None
    try:
        detail = function(*args)
    except NotDone as exc:
        outcome, detail = exc.outcome, str(exc)
    except Exception as exc:  # noqa: BLE001 - any job failure is recorded, not fatal
        outcome, detail = "failed", str(exc) or exc.__class__.__name__
        logger.error("job %s failed: %s", job_id, detail)
    with write_session(engine) as session:
        session.execute(update(JobRun).where(col(JobRun.id) == run_id).values(
            finished_at=datetime.now(UTC), outcome=outcome, detail=(detail or "")[:1000]))
    engine.dispose()


def run_crawl(source: str) -> None:
    recorded(f"crawl:{source}", crawl_job, source)
    if load_settings().alert_to:  # a crawl's failure is heard of at once, not at the next check
        run_operator_alerts()


def run_operator_alerts() -> None:
    recorded(OPERATOR_ALERTS, operator_alerts_job)


def run_digests(job_id: str, frequency: str | None) -> None:
    recorded(job_id, digest_job, frequency)


def run_session_ends() -> None:
    recorded("sessions", session_end_job)


def run_bounces() -> None:
    recorded("bounces", bounces_job)


def run_retention() -> None:
    recorded("retention", retention_job)


@dataclass
class Declared:
    id: str
    function: Callable[..., None]
    args: tuple
    trigger: Any
    # Seconds a run may be late and still run. None for crawls and alerts: however long the
    # machine slept, they run (once: coalesced) when it wakes; a digest too late is left to
    # the next one, which carries the same news.
    grace: int | None


def declared_jobs(settings: Settings, sources: list[str]) -> list[Declared]:
    """The schedule, from the settings: a crawl per source, alerts, the daily and weekly digests
    (mail and team channels), the end of sessions and the outbox's retention each night, the
    bounce mailbox when one is set, and, with ``alert_to`` set, the check for trouble."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = settings.timezone
    jobs = []
    intervals = settings.crawl_intervals
    for source in sources:
        hours = intervals.get(source, 24.0)
        if hours <= 0:  # an interval of 0 turns the source's crawls off
            continue
        jobs.append(Declared(f"crawl:{source}", run_crawl, (source,),
                             IntervalTrigger(seconds=max(1, round(hours * 3600)), timezone=zone), None))
    jobs.append(Declared("alerts", run_digests, ("alerts", Frequency.IMMEDIATE.value),
                         IntervalTrigger(seconds=max(1, round(settings.alert_minutes * 60)),
                                         timezone=zone), None))
    hour, minute = (int(part) for part in settings.daily_digest_at.split(":"))
    jobs.append(Declared("digest:daily", run_digests, ("digest:daily", Frequency.DAILY.value),
                         CronTrigger(hour=hour, minute=minute, timezone=zone), 12 * 3600))
    jobs.append(Declared("digest:weekly", run_digests, ("digest:weekly", Frequency.WEEKLY.value),
                         CronTrigger(day_of_week=settings.weekly_digest_on, hour=hour, minute=minute,
                                     timezone=zone), 3 * 24 * 3600))
    jobs.append(Declared("sessions", run_session_ends, (), CronTrigger(hour=0, minute=30, timezone=zone),
                         24 * 3600))
    jobs.append(Declared("retention", run_retention, (), CronTrigger(hour=3, minute=15, timezone=zone),
                         24 * 3600))
    if settings.bounce_mailbox is not None:
        jobs.append(Declared("bounces", run_bounces, (), IntervalTrigger(
            seconds=max(1, round(settings.bounce_minutes * 60)), timezone=zone), None))
    if settings.alert_to:  # and after each crawl (run_crawl)
        jobs.append(Declared(OPERATOR_ALERTS, run_operator_alerts, (),
                             IntervalTrigger(minutes=OPERATOR_ALERT_MINUTES, timezone=zone), None))
    return jobs


def make_scheduler(engine: Engine, settings: Settings, jobs: list[Declared], *, lease: Lease | None = None):
    """A started-but-paused BackgroundScheduler with the declared jobs reconciled into its store.

    :param lease: the scheduler lock; checked before each pass of due jobs, and if it was lost
        no job is started and STOP is set
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.base import STATE_STOPPED
    from apscheduler.triggers.interval import IntervalTrigger
    from apscheduler.util import undefined

    class Scheduler(BackgroundScheduler):
        def _process_jobs(self):
            # APScheduler 3.11's thread makes one more pass after shutdown() has stopped the
            # executors: it logs "cannot schedule new futures after shutdown" and moves a job
            # that was due past its run, which is then lost. Stopped means stopped.
            if self.state == STATE_STOPPED:
                return None
            if lease is not None and not lease.held():
                STOP.set()  # run() sees the lease lost, and stops the jobs
                return None
            return super()._process_jobs()

    scheduler = Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1}, timezone=settings.timezone)
    scheduler.start(paused=True)
    wanted = {job.id: job for job in jobs}
    for stored in scheduler.get_jobs():
        if stored.id not in wanted:
            logger.warning("removing the stored job %s: no longer declared", stored.id)
            scheduler.remove_job(stored.id)
    for job in jobs:
        stored = scheduler.get_job(job.id)
        same = stored is not None and str(stored.trigger) == str(job.trigger) \
            and stored.func is job.function and tuple(stored.args) == job.args
        if same:
            if stored.misfire_grace_time != job.grace:
                scheduler.modify_job(job.id, misfire_grace_time=job.grace)
            continue
        # A new crawl or alert job runs at once; a digest waits for its hour.
        first = datetime.now(UTC) if isinstance(job.trigger, IntervalTrigger) else undefined
        scheduler.add_job(job.function, job.trigger, args=job.args, id=job.id, name=job.id,
                          misfire_grace_time=job.grace, replace_existing=True, next_run_time=first)
    return scheduler


def run(settings: Settings, sources: list[str], *, once: bool = False,
        on_wait: Callable[[Holder | None], None] = lambda holder: None) -> None:
    """Run the scheduler until STOP is set; with ``once``, run what is due now and return.

    Without ``once``, stand by while another scheduler holds the lock (``on_wait`` is told who,
    once); return quietly if STOP is set meanwhile.

    :raises SchedulerError: with ``once``, when another scheduler holds the lock; or when the
        lock is lost while the jobs run (they are told to stop first)
    """
    engine = open_store(settings.database_url)
    if once:
        try:
            lease = try_acquire(engine, SCHEDULER_LOCK)
        except LockHeld as held:
            raise SchedulerError(f"another scheduler is running on this database ({held})") from None
    else:
        lease = wait_for(engine, SCHEDULER_LOCK, poll=settings.standby_poll, stop=STOP, on_wait=on_wait)
        if lease is None:
            return
    with lease:
        if STOP.is_set():
            return
        logger.info("holding the scheduler lock: running the jobs")
        scheduler = make_scheduler(engine, settings, declared_jobs(settings, sources), lease=lease)
        try:
            if once:
                _run_due(scheduler, lease)
            else:
                _lead(scheduler, lease, settings.standby_poll)
            if lease.lost:  # found by the scheduler's thread, which set STOP
                lease.check()
        except LockLost as lost:
            STOP.set()  # the running jobs wind down: another scheduler may be running them now
            raise SchedulerError(f"{lost}; stopped the jobs, since another scheduler may be running "
                                 "them now") from None
        finally:
            scheduler.shutdown(wait=True)  # a running job finishes (and is told to hurry)


def _lead(scheduler, lease: Lease, poll: float) -> None:
    """Run the jobs until STOP is set, checking the lease every ``poll`` seconds (the scheduler's
    thread also checks it before each pass of due jobs, and sets STOP if it is lost).

    :raises LockLost: when this thread finds the lease lost
    """
    scheduler.resume()
    while not STOP.wait(poll):
        lease.check()


def _run_due(scheduler, lease: Lease) -> None:
    """Each job that is due, once, in this thread; then its next run is set as if it had fired.

    :raises LockLost: before a job, when the lease was lost
    """
    now = datetime.now(UTC)
    for job in scheduler.get_jobs():
        if STOP.is_set():
            return
        if job.next_run_time is None or job.next_run_time > now:
            continue
        lease.check()
        job.func(*job.args)
        following = job.trigger.get_next_fire_time(job.next_run_time, datetime.now(UTC))
        while following is not None and following <= datetime.now(UTC):
            following = job.trigger.get_next_fire_time(following, datetime.now(UTC))
        scheduler.modify_job(job.id, next_run_time=following)


@dataclass
class JobView:
    id: str
    trigger: str
    next_run: datetime | None
    last_run: JobRun | None


def job_views(engine: Engine, settings: Settings, sources: list[str]) -> list[JobView]:
    """Each declared job: its trigger, its next run (from the job store), its last run."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    with engine.connect() as connection:
        has_store = engine.dialect.has_table(connection, JOBS_TABLE)
    next_runs = {}
    if has_store:
        for job in store.get_all_jobs():
            next_runs[job.id] = job.next_run_time
    views = []
    with Session(engine) as session:
        for job in declared_jobs(settings, sources):
            last = session.exec(select(JobRun).where(JobRun.job_id == job.id)
                                .order_by(col(JobRun.id).desc()).limit(1)).scalars().first()
            views.append(JobView(job.id, str(job.trigger), next_runs.get(job.id), last))
    return views
