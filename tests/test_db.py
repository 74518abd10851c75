"""The schema (Alembic, both ways, both databases) and SQLite's locking set-up."""

import sqlite3
import threading

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tracker.db import (
    MIGRATIONS_DIR,
    downgrade,
    ensure_schema,
    make_engine,
    schema_version,
    upgrade,
    write_session,
)
from tracker.errors import ConfigError
from tracker.migrations import HEAD
from tracker.store import ingest

from .test_store import COMPLAINT, NOW, andersen

TABLES = {"cases", "parties", "events", "changes", "alembic_version"}


def test_head_constant_matches_alembic():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_migrations_run_up_down_and_up_again(database_url):
    engine = make_engine(database_url)
    assert schema_version(engine) is None
    ensure_schema(engine)
    assert schema_version(engine) == HEAD
    assert set(inspect(engine).get_table_names()) >= TABLES
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    ensure_schema(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_a_database_from_a_newer_tracker_is_refused(store_engine):
    with store_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError, match="9999"):
        ensure_schema(store_engine)


def test_sqlite_uses_wal_and_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_write_waits_for_another_writer_instead_of_failing(sqlite_url, tmp_path):
    """A writer that reads then writes must not fail with "database is locked".

    Another connection holds the write lock; our ingest starts (BEGIN IMMEDIATE waits on the
    busy timeout) and succeeds once the other commits. A deferred BEGIN would have read first
    and then failed at once on its first write.
    """
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    other = sqlite3.connect(tmp_path / "tracker.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE alembic_version SET version_num = version_num")
    outcome = {}

    def run_ingest():
        outcome["report"] = ingest(engine, [andersen(COMPLAINT)], now=NOW)

    writer = threading.Thread(target=run_ingest)
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive(), "the ingest should be waiting for the lock"
    other.execute("COMMIT")
    writer.join(timeout=30)
    assert outcome["report"].events_added == 1
    other.close()


def test_write_session_rolls_back_on_error(store_engine):
    with pytest.raises(RuntimeError), write_session(store_engine) as session:
        session.exec(text("DELETE FROM alembic_version"))
        raise RuntimeError("boom")
    assert schema_version(store_engine) == HEAD


def test_unreadable_database_is_a_clear_error(tmp_path):
    path = tmp_path / "not-a-database.db"
    path.write_text("this is not SQLite")
    with pytest.raises(ConfigError, match="not a database"):
        ensure_schema(make_engine(f"sqlite:///{path}"))


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(ConfigError, match="unusable database URL"):
        make_engine("nonsense://nowhere")


def test_models_and_migrations_agree(store_engine):
    """A model change without its migration fails here (`tracker db revision -m ...` writes one)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import tracker.mailer  # noqa: F401  (tables that live with the code that writes them)
    import tracker.matters  # noqa: F401
    import tracker.review  # noqa: F401
    import tracker.runs  # noqa: F401
    import tracker.scheduler  # noqa: F401
    import tracker.staff  # noqa: F401
    import tracker.store  # noqa: F401
    import tracker.subscriptions  # noqa: F401

    with store_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_0011_points_each_link_change_at_its_link_and_keeps_the_review_log(database_url):
    """Changes proposing links found their link by its sentence until 0011; the migration matches
    them once, renames the linker's correction and RIN/docket links, and rebuilding ``changes``
    on SQLite deletes none of its review log."""
    engine = make_engine(database_url)
    upgrade(engine, "0010")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO cases (id, key, kind, jurisdiction, title, identifiers, urls, sources, tags, "
            "on_watchlist, first_seen, last_seen) VALUES (1, 'fr-2023-19240', 'agency_action', 'us', "
            "'Correction', '{}', '[]', '[]', '[]', false, :now, :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO case_links (id, case_id, other_key, relation, reason, detected_at) VALUES "
            "(7, 1, 'fr-2023-18624', 'related', 'correction', :now), "
            "(8, 1, 'fr-2023-1862', 'related', 'RIN/docket 0710-AA01', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO changes (id, case_id, kind, after, detected_at, review_state) VALUES "
            "(1, 1, 'new_link', 'related of fr-2023-18624 (correction)', :now, 'approved'), "
            "(2, 1, 'new_link', 'related of fr-2023-1862 (RIN/docket 0710-AA01)', :now, 'pending'), "
            "(3, 1, 'new_case', 'published', :now, 'pending')"), {"now": NOW})
        connection.execute(text("INSERT INTO review_log (change_id, action, actor, at) "
                                "VALUES (1, 'approved', 'maria', :now)"), {"now": NOW})
    ensure_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, link_id FROM changes ORDER BY id")).all() == [
            (1, 7), (2, 8), (3, None)]
        assert connection.execute(text("SELECT relation FROM case_links ORDER BY id")).scalars().all() == [
            "correction", "same_docket"]
        assert connection.execute(text("SELECT count(*) FROM review_log")).scalar() == 1
    downgrade(engine, "0010")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT relation FROM case_links ORDER BY id")).scalars().all() == [
            "related", "related"]
        assert connection.execute(text("SELECT count(*) FROM review_log")).scalar() == 1
    engine.dispose()


def test_0016_leaves_the_notes_written_before_it_internal(database_url):
    """Notes were shown to everyone until 0016; from then on a note is internal unless marked
    public, and the ones written before are internal (staff wrote them for staff)."""
    engine = make_engine(database_url)
    upgrade(engine, "0015")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO cases (id, key, kind, jurisdiction, title, identifiers, urls, sources, tags, "
            "on_watchlist, first_seen, last_seen) VALUES (1, 'cand-3:23-cv-00201', 'lawsuit', 'cand', "
            "'Andersen', '{}', '[]', '[]', '[]', false, :now, :now)"), {"now": NOW})
        connection.execute(text("INSERT INTO case_notes (case_id, author, created_at, text) "
                                "VALUES (1, 'maria', :now, 'Counsel leans our way')"), {"now": NOW})
    ensure_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT text, public FROM case_notes")).all() == [
            ("Counsel leans our way", False)]
    downgrade(engine, "0015")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_notes")).scalar() == 1
    engine.dispose()
