"""The secret key in the database, so web workers and senders on several hosts sign alike.

A session cookie made by one web worker, a form token checked by another and a mail link signed
by a sender must all use one secret. ``TRACKER_SECRET_KEY`` set alike on every host does that;
without it, a PostgreSQL store keeps the secret in its ``shared_secrets`` table, written once by
whoever comes first (an insert that does nothing when the row is there) and read by everyone
after. The first one in brings the host's existing key file, so links already mailed keep working.
(On SQLite every process is on one host, and the key file beside the data does the same.)
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from tracker.db import open_store, write_session
from tracker.models.shared import SharedSecret

SECRETS = SharedSecret.__table__


def shared_secret(database_url: str, name: str, make: Callable[[], str]) -> str:
    """The named secret from the database; ``make()`` gives it the first time."""
    engine = open_store(database_url)
    try:
        with write_session(engine) as session:
            session.execute(postgresql.insert(SECRETS).values(
                name=name, value=make(), created_at=datetime.now(UTC)).on_conflict_do_nothing())
            return session.execute(select(SECRETS.c.value).where(SECRETS.c.name == name)).scalar_one()
    finally:
        engine.dispose()
