"""Source health: every crawl of every source is recorded, and judged by what it recorded.

``scrapy crawl`` exits 0 even when a crawl failed, so a run's outcome is what the run-record
extension (spiders/extensions.py) wrote here from the crawl's own stats: its state (``ok``,
``partial`` when the request budget ran out, ``failed``, ``skipped`` with the reason), its counts
and its last error. ``tracker sources`` and the scheduler read it back; an incremental crawl asks
for changes since the last ``ok`` run.

A source made of parts with their own health (each feed of the statements source) records a
run per part too, named ``source:part``; and a source's conditional-request validators (ETag,
Last-Modified) are kept here, so that an unchanged feed costs one 304.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.models.runs import FetchValidator, SourceRun
from tracker.redact import redact

RUNS = SourceRun.__table__
VALIDATORS = FetchValidator.__table__
OK, PARTIAL, FAILED, SKIPPED, RUNNING = "ok", "partial", "failed", "skipped", "running"
# A run the day's quota could not pay for (tracker.budget): not started, and not a failure.
WAITING, WAITING_REASON = "waiting", "waiting for quota"
# Stopped by whoever ran it (Ctrl-C, the scheduler shutting down): no verdict on the source.
INTERRUPTED = "interrupted"
# A part's finish reason when it answered but held nothing (not a 304, which is news too).
EMPTY = "empty"
# A source's conditional-request validators: {url: (etag, last_modified)}.
Validators = dict[str, tuple[str | None, str | None]]


@dataclass
class PartOutcome:
    """How one part of a crawl went: ``state`` ok or failed, ``reason`` why (``finished``,
    ``not_modified``, ``empty``, or the failure in a sentence)."""

    name: str
    state: str
    reason: str
    items: int = 0
    requests: int = 0


def begin_run(engine: Engine, source: str, *, now: datetime, since: datetime | None,
              scrapyd_job: str | None = None) -> int:
    with write_session(engine) as session:
        run = SourceRun(source=source, started_at=now, since=since, scrapyd_job=scrapyd_job)
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, *, now: datetime, state: str, **counts: Any) -> None:
    """Close a run with its state, finish reason, counts and last error (keys in it masked)."""
    if counts.get("last_error"):
        counts["last_error"] = redact(counts["last_error"])
    with write_session(engine) as session:
        session.execute(update(RUNS).where(RUNS.c.id == run_id)
                        .values(finished_at=now, state=state, **counts))


def record_parts(engine: Engine, source: str, parts: Iterable[PartOutcome], *, started: datetime,
                 now: datetime) -> None:
    """A run row per part, named ``source:part``, for ``tracker sources``."""
    with write_session(engine) as session:
        session.add_all(SourceRun(
            source=f"{source}:{part.name}", started_at=started, finished_at=now, state=part.state,
            finish_reason=part.reason if part.state == OK else FAILED, items=part.items,
            requests=part.requests, errors=int(part.state == FAILED),
            last_error=redact(part.reason) if part.state == FAILED else None) for part in parts)


def load_validators(engine: Engine, source: str) -> Validators:
    """``{url: (etag, last_modified)}`` as last saved for ``source``."""
    with Session(engine) as session:
        rows = session.execute(select(VALIDATORS.c.url, VALIDATORS.c.etag, VALIDATORS.c.last_modified)
                               .where(VALIDATORS.c.source == source))
        return {url: (etag, modified) for url, etag, modified in rows}


def save_validators(engine: Engine, source: str, validators: Validators, *, now: datetime) -> None:
    if not validators:
        return
    with write_session(engine) as session:
        session.execute(VALIDATORS.delete().where(VALIDATORS.c.source == source,
                                                  VALIDATORS.c.url.in_(list(validators))))
        session.execute(VALIDATORS.insert(), [
            {"source": source, "url": url, "etag": etag, "last_modified": modified,
             "updated_at": now} for url, (etag, modified) in validators.items()])


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


def waiting_for_quota(run: SourceRun | None) -> bool:
    """A run that waited for the quota, or one the day's budget stopped short."""
    return run is not None and (run.state == WAITING or run.finish_reason == "budget_exhausted")


@dataclass
class Health:
    source: str
    interval_hours: float
    last_run: SourceRun | None
    last_success: SourceRun | None
    last_failure: SourceRun | None
    stale: str | None  # why the source is stale, if it is
    status: str  # in a few words: "ok", "never run", "skipped: ...", "never succeeded", "STALE: ..."
    waiting: bool = False  # its quota is spent for now: neither failed nor stale


def source_health(engine: Engine, sources: list[str], *, now: datetime,
                  intervals: dict[str, float], stale_after: float, stale_runs: int) -> list[Health]:
    """Each source (and any other that has run, parts included): its last run, success and
    failure, and whether it is stale.

    A source is stale once it has had its chance and missed it: no success for ``stale_after``
    intervals, counted from its first attempt (a first crawl that failed an hour ago is "never
    succeeded", not stale), or nothing brought (failed or empty) in its last ``stale_runs`` runs.
    A source whose last run was skipped (no key) says so and is not stale: it was not tried.
    Interrupted runs are no verdict either way. A source whose last run waited for its quota (or
    was stopped short by it) is waiting for quota, neither failed nor stale.
    """
    with Session(engine) as session:
        names = dict.fromkeys(sources)
        names.update(dict.fromkeys(session.exec(select(SourceRun.source).distinct()).scalars()))
        health = []
        for name in names:
            def latest(*conditions, name=name, first=False):
                order = col(SourceRun.started_at), col(SourceRun.id)
                query = (select(SourceRun).where(SourceRun.source == name, *conditions)
                         .order_by(*(order if first else (o.desc() for o in order))).limit(1))
                return session.exec(query).scalars().first()

            parent = name.split(":")[0]  # a part runs with its source
            interval = intervals.get(parent, 24.0)
            last, success = latest(), latest(SourceRun.state == OK)
            first_try = latest(col(SourceRun.state).not_in([SKIPPED, RUNNING, WAITING]), first=True)
            recent = session.exec(
                select(SourceRun.state, SourceRun.finish_reason)
                .where(SourceRun.source == name,
                       col(SourceRun.state).not_in([RUNNING, SKIPPED, INTERRUPTED, WAITING]))
                .order_by(col(SourceRun.started_at).desc(), col(SourceRun.id).desc())
                .limit(stale_runs)).all()
            window = timedelta(hours=interval * stale_after)
            stale = None
            if last is not None and last.state == SKIPPED:
                status = f"skipped: {last.finish_reason}"
            else:
                if interval and first_try is not None and first_try.started_at <= now - window:
                    if success is None:
                        stale = f"never succeeded in {interval * stale_after:g} h"
                    elif success.started_at < now - window:
                        stale = f"no success in {interval * stale_after:g} h"
                if len(recent) == stale_runs and all(s == FAILED or r == EMPTY for s, r in recent):
                    stale = f"nothing in the last {stale_runs} runs"
                status = (f"STALE: {stale}" if stale else "never run" if last is None
                          else "never succeeded" if success is None else "ok")
            waiting = waiting_for_quota(last)
            if waiting:
                stale, status = None, WAITING_REASON
            health.append(Health(name, interval, last, success,
                                 latest(col(SourceRun.state).in_([FAILED, PARTIAL])), stale, status,
                                 waiting))
        return health
