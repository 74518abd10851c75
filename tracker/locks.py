"""Named locks, so one process at a time sends mail or runs the scheduler, on SQLite and PostgreSQL.

A lock is taken without waiting: ``try_acquire`` either returns a ``Lease`` or raises
``LockHeld`` naming the process that holds it. ``wait_for`` is the standby's loop around it. The
lease lasts until it is released or its holder dies (the operating system drops a dead process's
file lock; PostgreSQL drops a dead session's advisory lock), so whoever stands by gets it within
one poll. Being granted a lock once is not enough to go on acting on it: a PostgreSQL session can
be terminated (``pg_terminate_backend``, a server restart, a proxy timeout) while its process runs
on, and a lock file can be deleted. So the holder asks ``Lease.held()`` before each unit of work
and stops when the answer is no.

- PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection of its own, held open for
  the lease, named in ``pg_stat_activity.application_name`` (``tracker scheduler lock: pid 4242 on
  web-1``) so operators and tests can find it. The key is a hash of the current schema and the
  name, computed in SQL, so two trackers in two schemas of one database do not exclude each other.
  ``held()`` asks ``pg_locks`` on that connection, which fails once the session is gone.
- SQLite: ``flock`` on a file beside the database (``tracker.db.scheduler.lock``) holding the
  holder's pid, host and start. ``held()`` checks that the path still names the locked file.

``lock_for_transaction`` is the other kind: a PostgreSQL advisory lock held to the end of a
transaction (numbering approvals), which needs no lease.
"""

import fcntl
import json
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from tracker.errors import TrackerError

# The advisory key for :name: the first 64 bits of md5(schema/name), stable across servers and
# versions (hashtext() is promised to be neither).
_KEY = "('x' || left(md5(coalesce(current_schema(), '') || '/' || :name), 16))::bit(64)::bigint"
# A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low), objsubid 1.
_HOLDERS = f"""
WITH k AS (SELECT {_KEY} AS key)
SELECT a.pid, a.application_name, a.backend_start
FROM k, pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = (k.key >> 32) & 4294967295 AND l.objid::bigint = k.key & 4294967295
"""
# A host that vanishes sends no FIN, and the server would keep its session (and lock) for the
# operating system's two hours; with these the server drops it after about half a minute.
_KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


class LockError(TrackerError):
    exit_code = 1


class LockHeld(LockError):
    """Another process holds the lock; ``holder`` says which, when it can be told."""

    def __init__(self, name: str, holder: "Holder | None"):
        super().__init__(f"the {name} lock is held by {holder or 'another process'}")
        self.holder = holder


class LockLost(LockError):
    """The lease ended while its holder was still acting on it."""


@dataclass(frozen=True)
class Holder:
    process: str  # "pid 4242 on web-1"
    since: datetime | None = None
    backend: int | None = None  # the PostgreSQL session holding it: pg_terminate_backend(backend)

    def __str__(self) -> str:
        said = self.process
        if self.since:
            said += f", since {self.since.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        if self.backend:
            said += f", PostgreSQL backend {self.backend}"
        return said


def _this_process() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class Lease:
    """A named lock this process holds, until ``release`` or until it is lost.

    ``held`` may be called from several threads (the scheduler's and its main thread).
    """

    def __init__(self, name: str):
        self.name = name
        self.lost: str | None = None  # why, once lost: it is never regained
        self._guard = threading.Lock()
        self._released = False

    def held(self) -> bool:
        """Whether the lock is still ours; asks the database (or the file system) each time.

        A failure to ask counts as lost: the holder cannot tell, so it must stop.
        """
        with self._guard:
            if self.lost is None and not self._released:
                self.lost = self._verify()
            return self.lost is None and not self._released

    def check(self) -> None:
        """:raises LockLost: when the lock is no longer held, saying why"""
        if not self.held():
            raise LockLost(f"lost the {self.name} lock: {self.lost or 'released'}")

    def release(self) -> None:
        with self._guard:
            if not self._released:
                self._released = True
                self._let_go()

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def _verify(self) -> str | None:
        raise NotImplementedError

    def _let_go(self) -> None:
        raise NotImplementedError


class _AdvisoryLease(Lease):
    def __init__(self, name: str, lock_engine: Engine, connection: Connection, key: int):
        super().__init__(name)
        self._engine, self._connection, self._key = lock_engine, connection, key

    def _verify(self) -> str | None:
        try:
            mine = self._connection.execute(text(_HOLDERS + " AND l.pid = pg_backend_pid()"),
                                            {"name": self.name}).first()
        except SQLAlchemyError as exc:
            return f"its PostgreSQL session ended ({_first_line(getattr(exc, 'orig', exc))})"
        return None if mine else "PostgreSQL no longer shows it held"

    def _let_go(self) -> None:
        try:
            if self.lost is None:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except SQLAlchemyError:
            pass  # the session is gone, and its lock with it
        finally:
            self._connection.close()
            self._engine.dispose()


class _FileLease(Lease):
    def __init__(self, name: str, path: Path, handle: TextIO):
        super().__init__(name)
        self._path, self._handle = path, handle

    def _verify(self) -> str | None:
        try:
            now_named = os.stat(self._path)
        except FileNotFoundError:
            now_named = None
        ours = os.fstat(self._handle.fileno())
        if now_named is None or (now_named.st_dev, now_named.st_ino) != (ours.st_dev, ours.st_ino):
            return f"its lock file {self._path} was removed or replaced"
        return None

    def _let_go(self) -> None:
        self._handle.truncate(0)
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def _first_line(error: BaseException | None) -> str:
    return (str(error).strip().splitlines() or ["connection lost"])[0]


def _lock_path(engine: Engine, name: str) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise LockError(f"the {name} lock needs a database file beside which to live, and "
                        f"{engine.url} has none")
    return Path(f"{database}.{name}.lock")


def try_acquire(engine: Engine, name: str) -> Lease:
    """Take the named lock for this process, without waiting.

    :raises LockHeld: when another process (or another lease in this one) holds it
    """
    if engine.dialect.name == "postgresql":
        return _try_advisory(engine, name)
    return _try_file(engine, name)


def _lock_engine(engine: Engine, name: str) -> Engine:
    """An engine for one lock's own connection: no pool, autocommit (a session lock needs no
    transaction, and an idle-in-transaction session would hold back vacuum), named."""
    label = f"tracker {name} lock: {_this_process()}"[:63]  # PostgreSQL's limit for a name
    return create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                         connect_args={"application_name": label})


def _try_advisory(engine: Engine, name: str) -> Lease:
    lock_engine = _lock_engine(engine, name)
    connection = lock_engine.connect()
    lease = None
    try:
        connection.execute(text("SELECT " + ", ".join(
            f"set_config('{setting}', '{value}', false)" for setting, value in _KEEPALIVE.items())))
        key, granted = connection.execute(
            text(f"SELECT k.key, pg_try_advisory_lock(k.key) FROM (SELECT {_KEY} AS key) k"),
            {"name": name}).one()
        if granted:
            lease = _AdvisoryLease(name, lock_engine, connection, key)  # which keeps the connection
            return lease
        holder = _advisory_holder(connection, name)
    finally:
        if lease is None:
            connection.close()
            lock_engine.dispose()
    raise LockHeld(name, holder)


def _advisory_holder(connection: Connection, name: str) -> Holder | None:
    row = connection.execute(text(_HOLDERS), {"name": name}).first()
    if row is None:
        return None
    prefix = f"tracker {name} lock: "
    process = row.application_name.removeprefix(prefix) if row.application_name \
        else "a process that did not name itself"
    return Holder(process, row.backend_start, row.pid)


def _try_file(engine: Engine, name: str) -> Lease:
    path = _lock_path(engine, name)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _file_holder(handle)
        handle.close()
        raise LockHeld(name, holder) from None
    handle.truncate(0)
    handle.write(json.dumps({"process": _this_process(), "since": datetime.now(UTC).isoformat()}))
    handle.flush()
    return _FileLease(name, path, handle)


def _file_holder(handle: TextIO) -> Holder | None:
    """Who wrote the lock file; None when it is half-written or unreadable."""
    handle.seek(0)
    try:
        said = json.loads(handle.read())
        return Holder(said["process"], datetime.fromisoformat(said["since"]))
    except (ValueError, KeyError, TypeError):
        return None


def holder(engine: Engine, name: str) -> Holder | None:
    """Who holds the named lock now, or None when nobody does."""
    if engine.dialect.name == "postgresql":
        lock_engine = _lock_engine(engine, f"{name} lookup")
        try:
            with lock_engine.connect() as connection:
                return _advisory_holder(connection, name)
        finally:
            lock_engine.dispose()
    path = _lock_path(engine, name)
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _file_holder(handle)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def wait_for(engine: Engine, name: str, *, poll: float, stop: threading.Event,
             on_wait: Callable[[Holder | None], None] = lambda holder: None) -> Lease | None:
    """Stand by until the named lock is free, trying every ``poll`` seconds; None once ``stop``
    is set (a standby told to stop has nothing to clean up).

    :param on_wait: told the holder (or None) once, the first time the lock is refused
    """
    told = False
    while not stop.is_set():
        try:
            return try_acquire(engine, name)
        except LockHeld as held:
            if not told:
                on_wait(held.holder)
                told = True
        stop.wait(poll)
    return None


def lock_for_transaction(session: Session, name: str) -> None:
    """Wait for the named lock and hold it until the session's transaction ends.

    On PostgreSQL a transaction-scoped advisory lock; SQLite needs none, because the tracker's
    write transactions begin ``IMMEDIATE`` and so already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({_KEY})"), {"name": name})
