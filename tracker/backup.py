"""``tracker db backup`` and ``restore`` for SQLite, through SQLite's online backup API.

The backup API copies the database page by page while other processes go on reading and writing
(a plain file copy of a live WAL database can miss what the WAL holds, or catch a half-written
page). A backup is written under a temporary name and renamed when whole, so a crash leaves no
half backup under the name asked for. Restoring checks first that the file is a tracker database
this version can read, then copies it over the live one the same way, and migrates it if it is
older. PostgreSQL has its own tools for this (``pg_dump``, ``pg_restore``).
"""

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from tracker.db import ensure_schema, known_revisions
from tracker.errors import ConfigError, NotFoundError

PAGES_PER_STEP = 1024  # others may write between steps


def _database_path(engine: Engine, doing: str) -> Path:
    if engine.dialect.name != "sqlite":
        raise ConfigError(f"tracker db {doing} is for SQLite; for PostgreSQL use pg_dump and pg_restore "
                          "(see docs/deploy.md, Backups)")
    return Path(engine.url.database).resolve()


def backup(engine: Engine, target: Path) -> int:
    """Copy the live database to ``target``, which must not exist yet; its size in bytes."""
    database = _database_path(engine, "backup")
    if target.exists():
        raise ConfigError(f"{target} exists; name a new file (a backup never overwrites one)")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy, pages=PAGES_PER_STEP)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the backup {target}: {exc}") from None
    return target.stat().st_size


def _revision(path: Path) -> str:
    """The tracker schema revision of the database in ``path``."""
    if not path.is_file():
        raise NotFoundError(f"no backup file {path}")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        revision = None
    if not revision:
        raise ConfigError(f"{path} is not a tracker database (no schema revision in it)")
    if revision[0] not in known_revisions():
        raise ConfigError(f"{path} is at schema revision {revision[0]}, which this tracker does not "
                          "know; restore it with the tracker that made it")
    return revision[0]


def restore(engine: Engine, source: Path) -> str:
    """Replace the live database's contents with the backup in ``source``; the backup's revision
    (the database is then migrated to this version's, if it was older)."""
    database = _database_path(engine, "restore")
    if source.resolve() == database:
        raise ConfigError(f"{source} is the live database itself")
    revision = _revision(source)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file, \
            closing(sqlite3.connect(database)) as live:
        backup_file.backup(live, pages=PAGES_PER_STEP)
    engine.dispose()  # pooled connections saw the old pages
    ensure_schema(engine)
    return revision
