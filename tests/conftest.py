"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

``store_engine`` is parametrised over both backends. The PostgreSQL one gets a schema of its
own (dropped afterwards) on the server named by ``TRACKER_TEST_POSTGRES_URL``; when that server
cannot be reached the PostgreSQL half is skipped with the reason, except under ``CI=true``, where
an unreachable server fails the run instead of silently testing half the store.

``redis_url`` does the same for the Redis at ``TRACKER_TEST_REDIS_URL``: each test gets a
database number of its own (claimed in database 0, so parallel runs do not share one), emptied
before and after.
"""

import os
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from tracker.db import ensure_schema, make_engine

POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def missing(reason: str, what: str) -> None:
    """Skip for want of a service, or fail under ``CI=true``, where every test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires the {what} tests to run)")
    pytest.skip(reason)


def _postgres_unreachable() -> str | None:
    try:
        with create_engine(POSTGRES_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "not here"
        return f"PostgreSQL at {POSTGRES_URL} unreachable: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_schema_url():
    """A factory for PostgreSQL URLs that each use a fresh schema, dropped at the end."""
    reason = _postgres_unreachable()
    if reason:
        missing(reason, "PostgreSQL")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schemas = []

    def new_schema() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        schemas.append(name)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{name}"

    yield new_schema
    with admin.connect() as connection:
        for name in schemas:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A URL for an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return request.getfixturevalue("postgres_schema_url")()


@pytest.fixture
def store_engine(database_url):
    """An engine on a fresh database migrated to the current schema."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_url():
    """A Redis URL on a database number no other test is using, empty, and emptied afterwards."""
    import redis

    admin = redis.Redis.from_url(REDIS_URL, db=0, socket_connect_timeout=2)
    try:
        admin.ping()
    except redis.RedisError as exc:
        missing(f"Redis at {REDIS_URL} unreachable: {exc.__class__.__name__}", "Redis")
    claim = uuid.uuid4().hex
    number = next((n for n in range(1, 16) if admin.set(f"tracker-test:db:{n}", claim, nx=True, ex=900)),
                  None)
    assert number is not None, "every Redis database 1-15 is claimed by a test"
    database = redis.Redis.from_url(REDIS_URL, db=number)
    database.flushdb()
    yield f"{REDIS_URL}/{number}"
    database.flushdb()
    admin.delete(f"tracker-test:db:{number}")
