"""The day's request budget of each source with a free quota: what a refresh costs, the plan, and
whether the next run may go.

A refresh's cost is measured, not guessed: the median requests of the source's recent complete
refreshes (runs that asked for changes since an earlier run). The scheduler paces each source
along the day: by a given moment it may have spent the share of the quota the day has reached,
plus one interval's share, so that a quota is not gone by noon and runs are spaced to fit it. A
run that would go past that line, or past the quota, waits: it is recorded as ``waiting`` with
the reason, which ``tracker sources`` shows as "waiting for quota" rather than failed or stale.
"""

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from tracker.config import Settings
from tracker.db import write_session
from tracker.models.runs import SourceRun
from tracker.runs import OK, WAITING, WAITING_REASON, requests_since

MEASURED_RUNS = 10  # recent refreshes a cost is measured over
DAY = timedelta(days=1)


def day_start(now: datetime) -> datetime:
    """Midnight UTC, when the upstreams' daily quotas start again."""
    return datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)


def refresh_cost(engine: Engine, source: str) -> int | None:
    """The median requests of the source's recent complete refreshes; ``None`` before one."""
    with Session(engine) as session:
        counts = session.exec(
            select(SourceRun.requests)
            .where(SourceRun.source == source, SourceRun.state == OK, col(SourceRun.since).is_not(None))
            .order_by(col(SourceRun.started_at).desc()).limit(MEASURED_RUNS)).scalars().all()
    return math.ceil(statistics.median(counts)) if counts else None


def fitting_interval(quota: int, cost: int) -> float:
    """The shortest interval, in hours, at which refreshes of ``cost`` fit ``quota`` a day."""
    runs = quota // max(cost, 1)
    return math.inf if runs == 0 else 24 / runs


@dataclass
class Plan:
    source: str
    cost: int | None  # requests a no-change refresh costs (measured)
    quota: int | None  # requests a day ([sources.NAME] daily_requests)
    interval: float  # hours between scheduled runs, as configured
    fitting: float | None  # the shortest interval that fits the quota, in hours
    spent_today: int

    @property
    def fits(self) -> bool | None:
        return None if self.fitting is None else self.interval >= self.fitting


def plan(engine: Engine, settings: Settings, sources: list[str], *, now: datetime) -> list[Plan]:
    plans = []
    for name in sources:
        table = settings.source(name)
        cost = refresh_cost(engine, name)
        fitting = fitting_interval(table.daily_requests, cost) if (
            table.daily_requests and cost is not None) else None
        plans.append(Plan(name, cost, table.daily_requests, table.interval, fitting,
                          requests_since(engine, name, day_start(now))))
    return plans


def quota_wait(engine: Engine, settings: Settings, source: str, *, now: datetime) -> str | None:
    """Why the source's next run must wait, or ``None`` when the day's budget pays for it.

    A source with no quota, or no refresh measured yet, never waits here (the crawl's own
    budget still stops it cleanly when the quota runs out).
    """
    table = settings.source(source)
    cost = refresh_cost(engine, source)
    if not table.daily_requests or cost is None:
        return None
    start = day_start(now)
    spent = requests_since(engine, source, start)
    reached = min(1.0, ((now - start) + timedelta(hours=table.interval)) / DAY)
    allowed = table.daily_requests * reached
    if spent + cost <= allowed:
        return None
    if spent + cost > table.daily_requests:
        resumes = f"the quota is spent until {(start + DAY).strftime('%H:%M')} UTC"
    else:
        # When the day's line reaches spent + cost: spacing the runs to fit the quota.
        due = start + DAY * ((spent + cost) / table.daily_requests) - timedelta(hours=table.interval)
        resumes = f"runs are spaced to fit the quota; next from {due.strftime('%H:%M')} UTC"
    return (f"{WAITING_REASON}: {spent} of {table.daily_requests} requests spent today, a refresh "
            f"costs {cost}; {resumes}")


def record_wait(engine: Engine, source: str, reason: str, *, now: datetime) -> SourceRun:
    """A run that did not start because of the quota, for ``tracker sources`` and the alerts."""
    with write_session(engine) as session:
        run = SourceRun(source=source, started_at=now, finished_at=now, state=WAITING,
                        finish_reason=WAITING_REASON, last_error=reason)
        session.add(run)
    return run
