"""Several senders on one host: ``tracker digest send --workers N``.

Each worker is a process of its own (rendering a message and talking SMTP both take CPU, which
threads would share), with its own database connections, its own SMTP connection and its own
lease; ``tracker.claims`` keeps them off each other's rows. They need PostgreSQL: SQLite has one
writer, so there one sender runs at a time.
"""

from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from datetime import UTC, datetime
from multiprocessing import get_context

from sqlalchemy import Engine

from tracker.claims import parallel
from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import ConfigError
from tracker.mailer import DeliveryReport, deliver


def _now() -> datetime:
    return datetime.now(UTC)


def _worker() -> DeliveryReport:
    settings = load_settings()
    engine = open_store(settings.database_url)
    try:
        return deliver(engine, settings, clock=_now)
    finally:
        engine.dispose()


def combined(reports: list[DeliveryReport]) -> DeliveryReport:
    """One report for several senders: the counts added up, the suspended addresses together."""
    total = DeliveryReport()
    for report in reports:
        for field in fields(DeliveryReport):
            setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))
    return total


def check_workers(engine: Engine, workers: int) -> None:
    """:raises ConfigError: for several workers on SQLite"""
    if workers > 1 and not parallel(engine):
        raise ConfigError(f"--workers {workers} needs a PostgreSQL store: SQLite has one writer, "
                          "so one sender runs at a time (leave out --workers)")


def deliver_with_workers(engine: Engine, workers: int) -> DeliveryReport:
    """Send the outbox with ``workers`` sender processes at once; their reports combined.

    :raises ConfigError: for several workers on SQLite
    :raises MailError: the first worker's, once every worker has ended (the others' sent mail
        is recorded all the same)
    """
    check_workers(engine, workers)
    # spawn, not fork: a child must not share the parent's database connections.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_worker) for _ in range(workers)]
    errors = [future.exception() for future in futures if future.exception() is not None]
    if errors:
        raise errors[0]
    return combined([future.result() for future in futures])
