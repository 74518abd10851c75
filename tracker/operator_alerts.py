"""Operators hear of trouble: one mail to ``alert_to`` per incident, not one per run.

What counts as trouble (``troubles``):

- a source, or a part of one (``statements:sag-aftra``), whose last ``alert_failures`` runs all
  failed, or that is stale by the rule ``tracker sources`` applies (``stale_after``,
  ``stale_runs``): incident ``source:NAME``, one for as long as either lasts;
- a source's day's quota spent before noon: by then no refresh fits in what is left, so its
  cases go unrefreshed for half a day or more. The quotas start again at midnight UTC
  (``tracker.budget``), so noon is UTC's too. Incident ``quota:NAME``, open for the rest of that
  day;
- more than ``alert_bounce_rate`` of the last day's mails to subscribers refused (a 5xx answer
  at sending, or a permanent failure returned to the bounce mailbox later), over at least
  ``MIN_MAILS`` mails: incident ``bounces``.

A check opens an incident for each trouble that has none open and queues its mail in the same
transaction; an index lets only one incident per key be open, so two checks at once (the
scheduler's and a crawl's) open it once and mail once. It closes the incidents whose trouble is
over. So a source that stays failed for ten runs is one incident and one mail, and one that
recovers and fails again is a new incident with a new mail. The mail goes through the outbox like
a digest, with its guarantees: a temporary failure is retried, an unreachable server leaves it
waiting for the next send (the alerts job sends every few minutes), and it is sent once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from tracker.budget import day_start, refresh_cost
from tracker.config import Settings
from tracker.db import write_session
from tracker.digest import render_notice
from tracker.mailer import deliver, queue_staff_mail
from tracker.models.mailops import PERMANENT, MailReturn
from tracker.models.runs import Incident, SourceRun
from tracker.models.subscribers import FAILED, PENDING, SENT, TROUBLE, OutboxMessage
from tracker.redact import redact
from tracker.runs import FAILED as RUN_FAILED
from tracker.runs import INTERRUPTED, RUNNING, SKIPPED, WAITING, source_health

MIN_MAILS = 20  # fewer mails than this in a day say nothing about a bounce rate
NOON = timedelta(hours=12)
OUTBOX = OutboxMessage.__table__


@dataclass
class Trouble:
    key: str
    summary: str  # one line: the subject of the mail
    advice: str  # what to look at


@dataclass
class CheckReport:
    opened: list[str] = field(default_factory=list)  # the summaries of the incidents opened
    closed: list[str] = field(default_factory=list)  # the keys of the incidents closed
    still_open: int = 0
    sent: int = 0

    def summary(self) -> str:
        opened = f"{len(self.opened)} opened" + (f" ({'; '.join(self.opened)})" if self.opened else "")
        return (f"incidents: {opened}, {len(self.closed)} closed, {self.still_open} still open; "
                f"alert mails sent: {self.sent}")


def failed_in_a_row(engine: Engine, source: str, runs: int) -> list[SourceRun]:
    """The source's last ``runs`` runs if every one failed (runs that were no verdict on the
    source, such as skipped or interrupted ones, aside); else nothing."""
    with Session(engine) as session:
        recent = list(session.exec(
            select(SourceRun).where(SourceRun.source == source,
                                    col(SourceRun.state).not_in([RUNNING, SKIPPED, INTERRUPTED, WAITING]))
            .order_by(col(SourceRun.started_at).desc(), col(SourceRun.id).desc()).limit(runs)).scalars())
    return recent if len(recent) == runs and all(run.state == RUN_FAILED for run in recent) else []


def source_troubles(engine: Engine, settings: Settings, sources: list[str], *,
                    now: datetime) -> list[Trouble]:
    found = []
    for health in source_health(engine, sources, now=now, intervals=settings.crawl_intervals,
                                stale_after=settings.stale_after, stale_runs=settings.stale_runs):
        failed = failed_in_a_row(engine, health.source, settings.alert_failures)
        if failed:
            reason = redact(failed[0].last_error or failed[0].finish_reason or "no reason recorded")
            times = f" {len(failed)} runs in a row" if len(failed) > 1 else ""
            summary = f"{health.source} failed{times}: {reason}"
        elif health.stale:
            summary = f"{health.source} is stale: {health.stale}"
        else:
            continue
        found.append(Trouble(
            f"source:{health.source}", summary,
            f"Each run's error is in `tracker sources --json`; `tracker crawl --source "
            f"{health.source.split(':')[0]}` tries again now and says what happens."))
    return found


def quota_troubles(engine: Engine, settings: Settings, sources: list[str], *, now: datetime) -> list[Trouble]:
    """The sources whose day's quota was spent before noon: the day's runs had used so much by
    then that no refresh (of its measured cost) fits in what is left."""
    start = day_start(now)
    found = []
    for name in sources:
        quota = settings.source(name).daily_requests
        if not quota:
            continue
        cost = refresh_cost(engine, name) or 1
        with Session(engine) as session:
            runs = session.execute(select(SourceRun.requests, SourceRun.started_at, SourceRun.finished_at)
                                   .where(SourceRun.source == name, SourceRun.started_at >= start)
                                   .order_by(col(SourceRun.started_at), col(SourceRun.id))).all()
        spent = 0
        for requests, started, finished in runs:
            spent += requests
            if spent + cost > quota:
                at = finished or started
                if at < start + NOON:
                    found.append(Trouble(
                        f"quota:{name}", f"{name} spent its day's quota by {at:%H:%M} UTC ({spent} "
                        f"of {quota} requests; a refresh costs {cost})",
                        "No refresh fits until midnight UTC, so its cases go unrefreshed until "
                        "then. `tracker sources --plan` shows what a refresh costs and the interval "
                        "that fits the quota; crawls by hand and `--full` crawls spend it early."))
                break
    return found


def refused_mails(engine: Engine, since: datetime) -> tuple[int, int]:
    """``(refused, answered)`` since ``since``: the mails to subscribers the mail server answered
    (sent or refused), and of those the refused: a 5xx at sending, or a permanent failure that
    came back later to the bounce mailbox (``tracker.bounces``; a mail it names was sent)."""
    with Session(engine) as session:
        counts = dict(session.execute(
            select(OUTBOX.c.state, func.count())
            .where(OUTBOX.c.subscriber_id.is_not(None), OUTBOX.c.claimed_at >= since,
                   or_(OUTBOX.c.state == SENT, and_(OUTBOX.c.state == FAILED, OUTBOX.c.smtp_code >= 500)))
            .group_by(OUTBOX.c.state)).all())
        returned = session.execute(select(func.count()).select_from(MailReturn).where(
            MailReturn.kind == PERMANENT, col(MailReturn.subscriber_id).is_not(None),
            MailReturn.received_at >= since)).scalar_one()
    answered = counts.get(FAILED, 0) + counts.get(SENT, 0)
    return min(counts.get(FAILED, 0) + returned, answered), answered


def bounce_troubles(engine: Engine, settings: Settings, *, now: datetime) -> list[Trouble]:
    refused, answered = refused_mails(engine, now - timedelta(days=1))
    if answered < MIN_MAILS or refused / answered <= settings.alert_bounce_rate:
        return []
    return [Trouble("bounces", f"{refused} of {answered} mails in the last day were refused or came "
                    f"back ({refused / answered:.0%}, above {settings.alert_bounce_rate:.0%})",
                    "Refused mail hurts the sender's standing with mail providers. `tracker "
                    "subscribers list` shows the addresses that fail (suspended after "
                    f"{settings.suspend_after} hard failures in a row).")]


def troubles(engine: Engine, settings: Settings, sources: list[str], *, now: datetime) -> list[Trouble]:
    return [*source_troubles(engine, settings, sources, now=now),
            *quota_troubles(engine, settings, sources, now=now),
            *bounce_troubles(engine, settings, now=now)]


def open_incident(engine: Engine, settings: Settings, trouble: Trouble, *, now: datetime) -> bool:
    """Open an incident and queue its alert mail, together; False when one is open already."""
    try:
        with write_session(engine) as session:
            incident = Incident(key=trouble.key, opened_at=now, summary=trouble.summary)
            session.add(incident)
            session.flush()
            mail = render_notice(TROUBLE, settings, incident=incident, advice=trouble.advice)
            incident.outbox_id = queue_staff_mail(session, settings, settings.alert_to or "", TROUBLE,
                                                  f"incident-{incident.id}", mail, now=now)
    except IntegrityError:  # another check opened it meanwhile, and mailed
        return False
    return True


def check(engine: Engine, settings: Settings, sources: list[str], *, now: datetime) -> CheckReport:
    """Open an incident (and queue its mail) for each new trouble; close those that are over."""
    found = {trouble.key: trouble for trouble in troubles(engine, settings, sources, now=now)}
    report = CheckReport()
    with write_session(engine) as session:
        open_keys = set(session.exec(select(Incident.key).where(col(Incident.closed_at).is_(None))).scalars())
        report.closed = sorted(open_keys - set(found))
        session.execute(update(Incident).where(col(Incident.closed_at).is_(None),
                                               col(Incident.key).in_(report.closed)).values(closed_at=now))
    for key, trouble in found.items():
        if key not in open_keys and open_incident(engine, settings, trouble, now=now):
            report.opened.append(trouble.summary)
    report.still_open = len(found)
    return report


def send_alerts(engine: Engine, settings: Settings, *, clock: Callable[[], datetime],
                should_stop: Callable[[], bool] = lambda: False) -> int:
    """Send the alert mails waiting in the outbox, and only those; how many went.

    :raises MailError: when the mail server cannot be reached or another sender is running
        (the mails wait in the outbox for the next send, which any digest run makes too)
    """
    with Session(engine) as session:
        waiting = list(session.execute(select(OUTBOX.c.id).where(
            OUTBOX.c.purpose == TROUBLE, OUTBOX.c.state == PENDING).order_by(OUTBOX.c.id)).scalars())
    return sum(deliver(engine, settings, clock=clock, should_stop=should_stop, only=row).sent
               for row in waiting)
