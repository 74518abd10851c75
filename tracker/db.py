"""The engine, the session and the schema: SQLite by default, any SQLAlchemy URL otherwise.

SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys, and write
transactions that begin ``IMMEDIATE``: a deferred transaction that reads and then writes fails
at once with "database is locked" when another writer got in between, whatever the busy timeout.
Reads keep plain deferred ``BEGIN`` so the CLI never waits on a crawl.

The schema is Alembic's. Query commands must not import Alembic (it costs start-up time), so
``ensure_schema`` compares the database's ``alembic_version`` with ``HEAD`` in plain SQL and
imports Alembic only when an upgrade is due.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session

from tracker.config import mask_url_password
from tracker.errors import ConfigError
from tracker.migrations import HEAD
from tracker.redact import redact

CHUNK = 2000  # values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """Slices of ``values`` small enough for one ``IN (...)`` list."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``; for SQLite, create the file's folder and set the pragmas.

    :raises ConfigError: for a URL SQLAlchemy cannot parse or whose driver is missing
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url, parsed.database)
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        hint = " (write postgresql+psycopg://...)" if url.startswith("postgres:") else ""
        raise ConfigError(f"unusable database URL {mask_url_password(url)!r}: "
                          f"{redact(str(exc))}{hint}") from None
    except ImportError as exc:  # a dialect SQLAlchemy knows, whose driver is not installed
        raise ConfigError(f"unusable database URL {mask_url_password(url)!r}: its driver is not "
                          f"installed ({exc}); the tracker runs on sqlite:///PATH or "
                          "postgresql+psycopg://USER@HOST/DB") from None


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise ConfigError(f"cannot create the database folder {folder}: {exc.strerror}") from None
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def upsert(table, bind):
    """An INSERT of ``table`` that takes an ON CONFLICT clause, in the store's own dialect
    (PostgreSQL's or SQLite's; imported here, so a query command that never writes skips both)."""
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose one transaction takes SQLite's write lock up front; commits on success."""
    with Session(engine.execution_options(sqlite_immediate=True)) as session, session.begin():
        yield session


def open_store(database_url: str) -> Engine:
    """An engine on the database, migrated to this code's schema first if it is behind."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    return engine


def schema_version(engine: Engine) -> str | None:
    """The database's Alembic revision, or ``None`` for a database without our tables.

    :raises ConfigError: when the database cannot be opened at all
    """
    try:
        with engine.connect() as connection:
            has_table = engine.dialect.has_table(connection, "alembic_version")
            if not has_table:
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        raise ConfigError(f"cannot open the database {engine.url!r}: {exc.orig}") from None


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database to this code's schema when it is behind; refuse one that is ahead.

    :raises ConfigError: when the database is unreachable or newer than this code
    """
    current = schema_version(engine)
    if current == HEAD:
        return
    if current is not None and current not in known_revisions():
        raise ConfigError(
            f"the database is at schema revision {current}, which this tracker does not know; "
            "upgrade the tracker"
        )
    # Several first commands at once: one migrates while the others wait for it, then find the
    # schema current (without the lock they all migrate, and all but one fail "database is locked").
    from tracker.locks import LockError, wait_for

    try:
        lease = wait_for(engine, "migrate", poll=0.1, stop=threading.Event())
    except LockError:  # an in-memory database: one process only, nothing to wait for
        upgrade(engine)
        return
    with lease:
        if schema_version(engine) != HEAD:
            upgrade(engine)


def known_revisions() -> set[str]:
    return {p.stem.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")}


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator:
    """Alembic's config, on a connection in one transaction. On SQLite, foreign keys are off
    meanwhile (and checked after), as SQLite's own procedure for rebuilding a table asks: batch
    mode drops and recreates a table, and with them on, dropping ``changes`` would delete its
    review log through the cascade."""
    config = _alembic_config(engine)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, or it does nothing
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
                if raw is not None and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise ConfigError("the migration left rows whose foreign keys point nowhere")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic's migrations up to ``revision`` on ``engine``."""
    from alembic import command

    try:
        with _migrating(engine) as config:
            command.upgrade(config, revision)
    except DBAPIError as exc:
        raise ConfigError(f"cannot migrate the database {engine.url!r}: {exc.orig}") from None


def downgrade(engine: Engine, revision: str) -> None:
    """Run Alembic's migrations down to ``revision`` (``base`` removes every table)."""
    from alembic import command

    with _migrating(engine) as config:
        command.downgrade(config, revision)


def new_revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the models against a database at head (for developers)."""
    from alembic import command

    ensure_schema(engine)
    with _migrating(engine) as config:
        command.revision(config, message=message, autogenerate=True)
