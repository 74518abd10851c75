"""Named locks on SQLite and PostgreSQL: one holder, named to whoever is refused; released; lost."""

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from tracker.db import make_engine, write_session
from tracker.locks import (
    LockError,
    LockHeld,
    LockLost,
    holder,
    lock_for_transaction,
    try_acquire,
    wait_for,
)

ME = f"pid {os.getpid()} on {socket.gethostname()}"


def lose(engine, name: str) -> None:
    """Take the named lock from under its holder, as the world can: terminate the PostgreSQL
    session holding it, or remove the lock file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                      {"pid": holder(engine, name).backend}).scalar()
    else:
        Path(f"{engine.url.database}.{name}.lock").unlink()


def test_locks_second_acquirer_is_refused_and_told_the_holder(store_engine):
    with try_acquire(store_engine, "demo") as lease:
        with pytest.raises(LockHeld) as refused:
            try_acquire(store_engine, "demo")
        assert refused.value.holder.process == ME
        assert str(refused.value).startswith(f"the demo lock is held by {ME}, since ")
        assert holder(store_engine, "demo") == refused.value.holder
        assert lease.held()
        try_acquire(store_engine, "another").release()  # another name is another lock


def test_locks_release_lets_another_in(store_engine):
    first = try_acquire(store_engine, "demo")
    first.release()
    first.release()  # twice is harmless
    assert not first.held() and holder(store_engine, "demo") is None
    with try_acquire(store_engine, "demo") as second:
        assert second.held()
    assert holder(store_engine, "demo") is None


def test_locks_a_lost_lock_is_noticed(store_engine):
    lease = try_acquire(store_engine, "demo")
    lose(store_engine, "demo")
    assert not lease.held()
    expected = "its PostgreSQL session ended" if store_engine.dialect.name == "postgresql" \
        else "its lock file .* was removed or replaced"
    with pytest.raises(LockLost, match=f"^lost the demo lock: {expected}"):
        lease.check()
    with try_acquire(store_engine, "demo") as taken:  # why the old holder must stop
        lease.release()  # the old holder letting go leaves the new one holding it
        assert taken.held() and holder(store_engine, "demo").process == ME
        assert not lease.held()  # and a lost lease is never regained


HOLD = """
import sys
from tracker.db import make_engine
from tracker.locks import try_acquire

lease = try_acquire(make_engine(sys.argv[1]), "demo")
print("held", flush=True)
sys.stdin.read()
"""


def test_locks_a_holder_in_another_process_is_named_and_its_death_frees_the_lock(store_engine):
    url = store_engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", HOLD, url], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "held\n"
        with pytest.raises(LockHeld) as refused:
            try_acquire(store_engine, "demo")
        assert refused.value.holder.process == f"pid {child.pid} on {socket.gethostname()}"
        if store_engine.dialect.name == "postgresql":  # operators find it by its name
            with store_engine.connect() as connection:
                named = connection.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": f"tracker demo lock: pid {child.pid} on {socket.gethostname()}"}).scalar()
            assert named == refused.value.holder.backend
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    stop = threading.Event()
    # PostgreSQL ends a dead client's session (and its lock) when it reads the closed socket.
    lease = wait_for(store_engine, "demo", poll=0.05, stop=stop)
    assert lease is not None and lease.held()
    lease.release()


def test_locks_a_standby_told_to_stop_returns_nothing(store_engine):
    told, result = [], []
    standing_by, stop = threading.Event(), threading.Event()

    def on_wait(holding) -> None:
        told.append(holding)
        standing_by.set()

    with try_acquire(store_engine, "demo"):
        standby = threading.Thread(target=lambda: result.append(
            wait_for(store_engine, "demo", poll=0.05, stop=stop, on_wait=on_wait)))
        standby.start()
        assert standing_by.wait(timeout=30)
        stop.set()
        standby.join(timeout=30)
    assert [h.process for h in told] == [ME]  # told once, who holds it
    assert result == [None]


def test_locks_need_a_database_file_on_sqlite():
    with pytest.raises(LockError, match="the demo lock needs a database file"):
        try_acquire(make_engine("sqlite://"), "demo")


@pytest.mark.postgres
def test_locks_are_per_schema_on_postgresql(postgres_schema_url):
    one, other = make_engine(postgres_schema_url()), make_engine(postgres_schema_url())
    try:
        with try_acquire(one, "demo"), try_acquire(other, "demo"), pytest.raises(LockHeld):
            try_acquire(one, "demo")
    finally:
        one.dispose()
        other.dispose()


@pytest.mark.postgres
def test_locks_a_transaction_lock_lasts_until_the_transaction_ends(postgres_schema_url):
    engine = make_engine(postgres_schema_url())
    try:
        with write_session(engine) as first:
            lock_for_transaction(first, "approvals")
            with Session(engine) as second:
                second.execute(text("SET lock_timeout = '100ms'"))
                with pytest.raises(OperationalError, match="lock timeout"):
                    lock_for_transaction(second, "approvals")
        with write_session(engine) as third:  # the first committed: the lock went with it
            lock_for_transaction(third, "approvals")
    finally:
        engine.dispose()
