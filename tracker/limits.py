"""Rate limits that hold across every web worker: a fixed-window counter per key, in the database.

Each attempt is counted first, in one statement (an upsert that starts a new window when the old
one is over), and judged after, so concurrent attempts cannot all slip under the limit: forty
logins at once are counted forty times. The table is small (a row per address, account or
address being signed up) and old rows are swept as new windows start.
"""

from datetime import datetime, timedelta

from sqlalchemy import Engine, case, delete
from sqlalchemy.dialects import postgresql, sqlite

from tracker.db import write_session
from tracker.models.limits import RateCounter

COUNTERS = RateCounter.__table__


def hit(engine: Engine, key: str, *, window: timedelta, now: datetime) -> int:
    """Count one attempt against ``key``: the attempts in its current window, this one included."""
    expired = COUNTERS.c.window_start <= now - window
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(COUNTERS).values(key=key, window_start=now, count=1)
    statement = statement.on_conflict_do_update(index_elements=["key"], set_={
        "count": case((expired, 1), else_=COUNTERS.c.count + 1),
        "window_start": case((expired, now), else_=COUNTERS.c.window_start),
    }).returning(COUNTERS.c.count)
    with write_session(engine) as session:
        count = session.execute(statement).scalar_one()
        if count == 1:  # a new window: forget the keys whose windows are long over
            session.execute(delete(COUNTERS).where(COUNTERS.c.window_start <= now - 4 * window))
    return count


def clear(engine: Engine, *keys: str) -> None:
    """Forget ``keys``' counts (a login that succeeded)."""
    with write_session(engine) as session:
        session.execute(delete(COUNTERS).where(COUNTERS.c.key.in_(keys)))
