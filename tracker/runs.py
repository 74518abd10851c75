"""Source health: every crawl of every source is recorded, and judged by what it recorded.

``scrapy crawl`` exits 0 even when a crawl failed, so a run's outcome is what the pipeline wrote
here from the crawl's own stats: its state (``ok``, ``partial`` when the request budget ran out,
``failed``, ``skipped`` with the reason), its counts and its last error. ``tracker sources`` and
the scheduler read it back; an incremental crawl asks for changes since the last ``ok`` run.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlmodel import Field, Session, SQLModel, col

import tracker.models  # noqa: F401  (the naming convention all tables share)
from tracker.config import DEFAULT_CRAWL_INTERVALS
from tracker.db import write_session


class SourceRun(SQLModel, table=True):
    """One crawl of one source: when, how it ended, what it fetched and stored."""

    __tablename__ = "source_runs"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, description="The spider's name, e.g. courtlistener")
    started_at: datetime
    finished_at: datetime | None = None
    state: str = Field(default="running", description="running, ok, partial, failed or skipped")
    finish_reason: str | None = Field(default=None, description="Scrapy's, or why it was skipped")
    since: datetime | None = Field(default=None, description="Changes since this were asked for")
    requests: int = 0
    items: int = 0
    dropped: int = 0
    errors: int = 0
    cases_new: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    events_added: int = 0
    changes_added: int = 0
    last_error: str | None = None


RUNS = SourceRun.__table__
OK, PARTIAL, FAILED, SKIPPED, RUNNING = "ok", "partial", "failed", "skipped", "running"


def begin_run(engine: Engine, source: str, *, now: datetime, since: datetime | None) -> int:
    with write_session(engine) as session:
        run = SourceRun(source=source, started_at=now, since=since)
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, *, now: datetime, state: str, **counts: Any) -> None:
    """Close a run with its state, finish reason, counts and last error."""
    with write_session(engine) as session:
        session.execute(update(RUNS).where(RUNS.c.id == run_id)
                        .values(finished_at=now, state=state, **counts))


def last_success(engine: Engine, source: str) -> SourceRun | None:
    with Session(engine) as session:
        return session.exec(select(SourceRun).where(SourceRun.source == source, SourceRun.state == OK)
                            .order_by(col(SourceRun.started_at).desc()).limit(1)).scalars().first()


def requests_since(engine: Engine, source: str, start: datetime) -> int:
    """Requests the source's runs made since ``start`` (today's share of a daily budget)."""
    with Session(engine) as session:
        total = session.exec(select(func.coalesce(func.sum(SourceRun.requests), 0))
                             .where(SourceRun.source == source, SourceRun.started_at >= start))
        return int(total.scalar_one())


@dataclass
class Health:
    source: str
    interval_hours: float
    last_run: SourceRun | None
    last_success: SourceRun | None
    last_failure: SourceRun | None
    stale: bool


def source_health(engine: Engine, sources: list[str], *, now: datetime,
                  intervals: dict[str, float], stale_after: float) -> list[Health]:
    """Each source (and any other that has run): its last run, success and failure."""
    with Session(engine) as session:
        names = dict.fromkeys(sources)
        names.update(dict.fromkeys(session.exec(select(SourceRun.source).distinct()).scalars()))
        health = []
        for name in names:
            def latest(*conditions, name=name):
                query = (select(SourceRun).where(SourceRun.source == name, *conditions)
                         .order_by(col(SourceRun.started_at).desc(), col(SourceRun.id).desc())
                         .limit(1))
                return session.exec(query).scalars().first()

            interval = intervals.get(name, DEFAULT_CRAWL_INTERVALS.get(name, 24.0))
            success = latest(SourceRun.state == OK)
            stale = success is None or success.started_at < now - timedelta(
                hours=interval * stale_after)
            health.append(Health(name, interval, latest(), success,
                                 latest(col(SourceRun.state).in_([FAILED, PARTIAL])), stale))
        return health

