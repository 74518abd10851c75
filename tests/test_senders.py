"""Several senders at once on PostgreSQL, as real processes, through a real SMTP server: every
mail goes out once, none is lost, and one subscriber's mails keep their order."""

import asyncio
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from tracker.claims import claim, start_sender
from tracker.db import ensure_schema, make_engine
from tracker.mailer import OUTBOX, queue_confirmation, queue_digests
from tracker.models.review import Change
from tracker.review import approve
from tracker.store import ingest

from .mailserver import MailServer
from .spiders.crawling import crawl_environment, tracker
from .test_mail import BASE, BILL, SECRET, subscriber
from .test_store import COMPLAINT, andersen

READERS = 120
TWICE = 20  # readers who also get a confirmation, queued after their digest


def now() -> datetime:
    return datetime.now(UTC)


class TwoConnections(MailServer):
    """Holds each mail until two SMTP connections are open, so the senders are seen side by side
    (not one finishing before the other starts); gives up waiting after a minute."""

    def __init__(self):
        super().__init__()
        self.sessions: set[int] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.sessions.add(id(session))
        deadline = time.monotonic() + 60
        while len(self.sessions) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def queued(postgres_schema_url, tmp_path):
    """A PostgreSQL store with READERS digests queued, then TWICE confirmations after them."""
    url = postgres_schema_url()
    engine = make_engine(url)
    ensure_schema(engine)
    ingest(engine, [andersen(COMPLAINT), BILL], now=now())
    with Session(engine) as session:
        approve(engine, list(session.exec(select(Change.id)).scalars()), by="maria", now=now())
    readers = [subscriber(engine, f"reader{n}@example.org") for n in range(READERS)]
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=url, TRACKER_SECRET_KEY=SECRET,
                            TRACKER_BASE_URL=BASE, TRACKER_SMTP_RETRY_DELAY="0")
    from tracker.config import load_settings

    settings = load_settings(database_url=url, secret_key=SECRET, base_url=BASE)
    assert queue_digests(engine, settings, now=now()).queued == READERS
    for reader in readers[:TWICE]:
        assert queue_confirmation(engine, settings, reader, now=now())
    yield engine, env
    engine.dispose()


def sent_count(said: str) -> int:
    return int(re.search(r"mail: (\d+) sent", said).group(1))


def assert_each_once_in_order(server: MailServer, engine) -> None:
    subjects = {f"reader{n}@example.org": [] for n in range(READERS)}
    for recipients, message in server.messages:
        (address,) = recipients
        subjects[address].append(message["Subject"].split()[0])
    ids = [message["Message-ID"] for _, message in server.messages]
    assert len(ids) == len(set(ids)) == READERS + TWICE  # no duplicate, none lost
    for n in range(READERS):  # the digest, then (for the first TWICE) the later confirmation
        assert subjects[f"reader{n}@example.org"] == (["2", "Confirm"] if n < TWICE else ["2"])
    with engine.connect() as connection:
        assert set(connection.execute(select(OUTBOX.c.state)).scalars()) == {"sent"}


def test_two_sender_processes_on_postgresql_send_each_mail_once_in_order(queued):
    engine, env = queued
    with TwoConnections() as server:
        env = {**env, "TRACKER_SMTP_URL": server.url}
        senders = [subprocess.Popen([sys.executable, "-m", "tracker", "digest", "send"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        said = [sender.communicate(timeout=300)[1] for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], said
    assert len(server.sessions) == 2  # each sender on its own connection
    assert all(sent_count(s) > 0 for s in said), said  # both sent...
    assert sum(sent_count(s) for s in said) == READERS + TWICE  # ...between them, everything
    assert_each_once_in_order(server, engine)


def test_workers_send_in_parallel_on_postgresql_and_are_refused_on_sqlite(queued, tmp_path):
    engine, env = queued
    with TwoConnections() as server:
        done = tracker("digest", "send", "--workers", "2", env={**env, "TRACKER_SMTP_URL": server.url})
    assert done.returncode == 0, done.stderr
    assert sent_count(done.stderr) == READERS + TWICE and len(server.sessions) == 2
    assert_each_once_in_order(server, engine)
    (tmp_path / "sqlite").mkdir()
    on_sqlite = crawl_environment(tmp_path / "sqlite", TRACKER_SMTP_URL=server.url)
    refused = tracker("digest", "send", "--workers", "2", env=on_sqlite)
    assert (refused.returncode, refused.stderr) == (2, "error: --workers 2 needs a PostgreSQL store: "
                                                       "SQLite has one writer, so one sender runs at "
                                                       "a time (leave out --workers)\n")


def test_a_subscribers_later_mail_waits_while_another_sender_holds_their_earlier_one(queued):
    engine, _ = queued
    first, second = start_sender(engine), start_sender(engine)
    with first.lease, second.lease:
        (digest,) = claim(engine, first, now(), size=1)  # reader0's digest, being sent
        rest = claim(engine, second, now(), size=READERS + TWICE)
    assert digest["to_address"] == "reader0@example.org"
    # The other readers' digests; no confirmation while its reader's digest is unsent, reader0's
    # (held by the first sender) included.
    assert [row["purpose"] for row in rest] == ["digest"] * (READERS - 1)
    assert "reader0@example.org" not in [row["to_address"] for row in rest]


def test_a_connection_dropped_after_the_server_took_a_mail_still_records_it_sent(
        postgres_schema_url, tmp_path):
    """The database drops the sender's connections (its lease's aside) right after the SMTP
    server's 250: that mail is still recorded sent, on a new connection, and the run goes on;
    no mail is sent twice, now or by a later run."""
    url = postgres_schema_url() + "&application_name=sender-under-test"
    engine = make_engine(url)
    ensure_schema(engine)
    ingest(engine, [andersen(COMPLAINT)], now=now())
    with Session(engine) as session:
        approve(engine, list(session.exec(select(Change.id)).scalars()), by="maria", now=now())
    for n in range(3):
        subscriber(engine, f"reader{n}@example.org")
    from tracker.config import load_settings
    from tracker.mailer import deliver

    with MailServer() as server:
        settings = load_settings(database_url=url, smtp_url=server.url, secret_key=SECRET, base_url=BASE,
                                 smtp_retry_delay=0)
        assert queue_digests(engine, settings, now=now()).queued == 3
        admin = make_engine(postgres_schema_url())

        def restart_after_the_first(event, row):
            if event == "accepted" and len(server.messages) == 1:
                with admin.connect() as connection:
                    connection.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'sender-under-test'"))

        engine.dispose()  # the test's own connections are not the sender's
        assert deliver(engine, settings, clock=now, on_event=restart_after_the_first).sent == 3
        ids = [message["Message-ID"] for _, message in server.messages]
        assert len(ids) == len(set(ids)) == 3
        with engine.connect() as connection:
            assert set(connection.execute(select(OUTBOX.c.state)).scalars()) == {"sent"}
        assert deliver(engine, settings, clock=now).sent == 0  # nothing left to send again
    admin.dispose()
    engine.dispose()
