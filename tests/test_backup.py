"""`tracker db backup` and `restore` on SQLite (the online backup API), refused on PostgreSQL."""

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import func, select

from tracker.db import open_store
from tracker.models.cases import Case
from tracker.store import ingest

from .spiders.crawling import crawl_environment, tracker
from .test_mail import BILL
from .test_store import COMPLAINT, andersen


def keys(url: str) -> list[str]:
    engine = open_store(url)
    with engine.connect() as connection:
        found = sorted(connection.execute(select(Case.key)).scalars())
    engine.dispose()
    return found


def test_a_backup_taken_while_a_writer_is_busy_restores_what_was_committed(tmp_path):
    env = crawl_environment(tmp_path)
    url, database = env["TRACKER_DATABASE_URL"], tmp_path / "tracker.db"
    ingest(open_store(url), [andersen(COMPLAINT)], now=datetime.now(UTC))
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write under way, not committed, while the backup runs
    writer.execute("UPDATE cases SET title = 'half-written'")
    made = tracker("db", "backup", str(tmp_path / "monday.db"), env=env)
    writer.execute("ROLLBACK")
    assert made.returncode == 0, made.stderr
    assert made.stderr.startswith(f"backed up to {tmp_path / 'monday.db'} (")
    assert keys(f"sqlite:///{tmp_path / 'monday.db'}") == [andersen().key]
    ingest(open_store(url), [BILL], now=datetime.now(UTC))  # Tuesday's work, then a mistake
    assert keys(url) == sorted([andersen().key, BILL.key])
    again = tracker("db", "backup", str(tmp_path / "monday.db"), env=env)
    assert (again.returncode, again.stderr) == (
        2, f"error: {tmp_path / 'monday.db'} exists; name a new file (a backup never overwrites one)\n")
    restored = tracker("db", "restore", "--yes", str(tmp_path / "monday.db"), env=env)
    assert restored.returncode == 0, restored.stderr
    assert keys(url) == [andersen().key]
    engine = open_store(url)
    with engine.connect() as connection:  # the restored title is the committed one
        assert connection.execute(select(func.min(Case.title))).scalar() == "Andersen v. Stability AI Ltd."


def test_restore_refuses_what_is_not_a_tracker_backup_and_postgresql(tmp_path, postgres_schema_url):
    env = crawl_environment(tmp_path)
    missing = tracker("db", "restore", "--yes", str(tmp_path / "none.db"), env=env)
    assert (missing.returncode, missing.stderr) == (1, f"error: no backup file {tmp_path / 'none.db'}\n")
    (tmp_path / "notes.db").write_text("not a database")
    foreign = tracker("db", "restore", "--yes", str(tmp_path / "notes.db"), env=env)
    assert (foreign.returncode, foreign.stderr) == (
        2, f"error: {tmp_path / 'notes.db'} is not a tracker database (no schema revision in it)\n")
    asked = tracker("db", "restore", str(tmp_path / "notes.db"), env=env)  # no --yes, nobody to answer
    assert asked.returncode == 1 and "Traceback" not in asked.stderr
    on_postgres = tracker("db", "backup", str(tmp_path / "b.db"),
                          env={**env, "TRACKER_DATABASE_URL": postgres_schema_url()})
    assert (on_postgres.returncode, on_postgres.stderr) == (
        2, "error: tracker db backup is for SQLite; for PostgreSQL use pg_dump and pg_restore "
           "(see docs/deploy.md, Backups)\n")
