"""Delivery: an outbox row per mail, sent over one SMTP connection, so nothing is lost or sent twice.

Queueing renders each due subscriber's digest (or a confirmation) into an ``outbox`` row with a
Message-ID made once, in one transaction; the row's ``span`` (the approval numbers it covers)
makes queueing the same digest again a no-op (unless it failed: then it is queued again).
Subscribers who get the same digest share one stored body (``outbox_bodies``); each row keeps
its own filled text and the values it was filled with, and the sender builds that body's MIME
once and fills each mail from it (``tracker.mime``).
Each sender holds a lease and claims rows in small batches (``tracker.claims``): on PostgreSQL
several run at once and never take the same row, on SQLite one runs at a time. It sends each row
over its own connection and records the server's answer:

- 250: the row is sent and, for a digest, the subscriber's cursor moves to what it covered;
- 4xx or a dropped connection: retried with backoff, then left for the next run;
- 5xx: the row fails, the address is marked, and repeated hard failures suspend it;
- a row that cannot be made into a message fails with the reason, and the batch goes on;
- the server cannot be reached at all: the run stops with that said; every row waits.

A sender killed mid-batch leaves its claimed rows ``sending``; the next sender to start or to run
out of rows sees that sender's lease gone and puts them back. Only a kill after the server's 250
and before the row was marked can send a mail twice, and then with the same Message-ID: SMTP
cannot close that window. The sender asks before each mail whether its lease is still held, and
stops if not: another sender may have put back the rows this one had claimed and be sending them.
"""

import secrets
import smtplib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.errors import MessageError
from email.utils import formataddr, parseaddr
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Update, bindparam, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from tracker.claims import CLAIM_BATCH, SENDER_LOCK, Sender, claim, put_back, put_back_orphans, start_sender
from tracker.config import Settings
from tracker.db import chunks, upsert, write_session
from tracker.digest import DigestRenderer, Mail, build_digests, render_confirmation
from tracker.locks import LockHeld
from tracker.mime import Messages, mail_domain
from tracker.models.subscribers import (
    ACTIVE,
    CANCELLED,
    CONFIRMATION,
    DIGEST,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SUSPENDED,
    UNCONFIRMED,
    OutboxBody,
    OutboxMessage,
    Subscriber,
)
from tracker.smtp import MailError, Permanent, SmtpTarget, Temporary, close, connect, send
from tracker.subscriptions import clean_name
from tracker.tokens import Tokens, secret_key
from tracker.verp import envelope_sender
from tracker.vocab import Frequency

FAREWELL = "farewell"  # says an unsubscribe by mail was done: the one mail to an unsubscribed address
# How long since the last digest before a subscriber is due another.
DUE_AFTER = {Frequency.IMMEDIATE: timedelta(0), Frequency.DAILY: timedelta(hours=20),
             Frequency.WEEKLY: timedelta(days=6)}
QUEUE_BATCH = 200


OUTBOX = OutboxMessage.__table__
SUBSCRIBERS = Subscriber.__table__
BODIES = OutboxBody.__table__


def _message_id(settings: Settings, purpose: str, subscriber_id: int, span: str) -> str:
    return f"<{purpose}.{subscriber_id}.{span}.{secrets.token_hex(6)}@{mail_domain(settings.mail_from)}>"


def _row(settings: Settings, subscriber: Subscriber, purpose: str, span: str, mail: Mail,
         now: datetime, up_to: int | None = None) -> dict[str, Any]:
    return {"subscriber_id": subscriber.id, "purpose": purpose, "span": span, "up_to": up_to,
            "message_id": _message_id(settings, purpose, subscriber.id, span),
            "to_address": formataddr((clean_name(subscriber.name) or "", subscriber.email)),
            "subject": mail.subject, "text": mail.text, "html": mail.html, "headers": mail.headers,
            "body_key": mail.body.key if mail.body else None, "fill": mail.fill,
            "state": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}


def _insert_bodies(session: Session, mails: list[Mail], now: datetime) -> None:
    """Store each distinct digest body once (a body already stored is the same content)."""
    bodies = {mail.body.key: mail.body for mail in mails if mail.body}
    if not bodies:
        return
    session.execute(upsert(BODIES, session.get_bind()).on_conflict_do_nothing(index_elements=["key"]), [
        {"key": body.key, "subject": body.subject, "text": body.text, "html": body.html,
         "placeholders": body.placeholders, "created_at": now} for body in bodies.values()])


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows, skipping any already queued (same subscriber, purpose and span); one
    that failed (a hard bounce that did not suspend the address) is queued again, so the changes
    it held still go out. The ids of the rows queued."""
    if not rows:
        return []
    statement = upsert(OUTBOX, session.get_bind())
    again = {name: statement.excluded[name] for name in (
        "message_id", "to_address", "subject", "text", "html", "headers", "body_key", "fill",
        "state", "attempts", "next_attempt_at", "created_at", "up_to")}
    statement = statement.on_conflict_do_update(
        index_elements=["subscriber_id", "purpose", "span"], where=OUTBOX.c.state == FAILED,
        set_={**again, "smtp_code": None, "last_error": None}).returning(OUTBOX.c.id)
    return list(session.execute(statement, rows).scalars())


def queue_staff_mail(session: Session, settings: Settings, address: str, purpose: str, span: str,
                     mail: Mail, *, now: datetime) -> int:
    """Queue a mail to a staff address, which is no subscriber (an operator alert), in the
    caller's transaction: its outbox id. It is sent like any other mail, to ``address``."""
    row = {"subscriber_id": None, "purpose": purpose, "span": span, "up_to": None,
           "message_id": _message_id(settings, purpose, 0, span), "to_address": address,
           "subject": mail.subject, "text": mail.text, "html": mail.html, "headers": mail.headers,
           "body_key": None, "fill": None,
           "state": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
    return session.execute(OUTBOX.insert().values(row).returning(OUTBOX.c.id)).scalar_one()


def queue_confirmation(engine: Engine, settings: Settings, subscriber: Subscriber, *,
                       now: datetime) -> int | None:
    """Queue the confirmation mail: its outbox id, to send it alone (``deliver(only=...)``)."""
    mail = render_confirmation(subscriber, settings, Tokens(secret_key(settings)))
    return queue_notice(engine, settings, subscriber, CONFIRMATION, mail, now=now)


def queue_notice(engine: Engine, settings: Settings, subscriber: Subscriber, purpose: str, mail: Mail,
                 *, now: datetime, span: str | None = None) -> int | None:
    """Queue one mail that is not a digest (a confirmation, a farewell): its outbox id.

    :param span: what makes it one of a kind (queued again: ``None``); the time by default
    """
    with write_session(engine) as session:
        queued = _insert_new(session, [_row(settings, subscriber, purpose,
                                            span or now.strftime("%Y%m%dT%H%M%S%f"), mail, now)])
    return queued[0] if queued else None


@dataclass
class QueueReport:
    queued: int = 0
    empty: int = 0  # due, but nothing new for them
    waiting: int = 0  # an earlier digest of theirs is not sent yet


def due_subscribers(session: Session, *, now: datetime, frequency: Frequency | None) -> list[Subscriber]:
    query = select(Subscriber).where(Subscriber.state == ACTIVE).order_by(col(Subscriber.id))
    if frequency:
        query = query.where(Subscriber.frequency == frequency)
    return [s for s in session.exec(query).scalars()
            if s.last_sent_at is None or now - s.last_sent_at >= DUE_AFTER[Frequency(s.frequency)]]


def queue_digests(engine: Engine, settings: Settings, *, now: datetime,
                  frequency: Frequency | None = None) -> QueueReport:
    """Render and queue the digest of every confirmed subscriber who is due and has news."""
    report = QueueReport()
    renderer = DigestRenderer(settings, Tokens(secret_key(settings)))  # one body per distinct digest
    with Session(engine) as session:
        unsent = set(session.exec(select(OutboxMessage.subscriber_id).where(
            OutboxMessage.purpose == DIGEST,
            col(OutboxMessage.state).in_([PENDING, SENDING]))).scalars())
        due = due_subscribers(session, now=now, frequency=frequency)
    report.waiting = sum(1 for s in due if s.id in unsent)
    # A batch at a time, so ten thousand rendered digests are never in memory at once.
    for batch in chunks([s for s in due if s.id not in unsent], QUEUE_BATCH):
        with Session(engine) as session:
            digests = build_digests(session, batch, now=now, cap_days=settings.digest_cap_days)
        rows, mails = [], []
        for digest in digests:
            if not digest.items:
                report.empty += 1
                continue
            span = f"{digest.subscriber.cursor}-{digest.up_to}"
            mails.append(renderer.render(digest))
            rows.append(_row(settings, digest.subscriber, DIGEST, span, mails[-1], now, digest.up_to))
        with write_session(engine) as session:
            _insert_bodies(session, mails, now)
            report.queued += len(_insert_new(session, rows))
    return report


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # temporary failures, tried again
    failed: int = 0  # permanent failures
    deferred: int = 0  # still failing temporarily: left for the next run
    cancelled: int = 0  # the subscriber left before their mail went out
    suspended: list[str] = field(default_factory=list)
    built: int = 0  # MIME messages built: once per distinct digest body where it could be


def deliver(engine: Engine, settings: Settings, *, clock: Callable[[], datetime],
            on_event: Callable[[str, "Claimed"], None] | None = None,
            should_stop: Callable[[], bool] = lambda: False,
            sleep: Callable[[float], None] = time.sleep, only: int | None = None) -> DeliveryReport:
    """Send what the outbox holds, oldest first, over one connection of this sender's own (other
    senders may run beside it on PostgreSQL, each with its own claims). Each mail goes to the
    subscriber's stored address, whatever its ``To`` says; one that cannot be built fails with
    the reason, and the batch goes on.

    :param only: send this outbox row and nothing else (a sign-up's own confirmation)
    :param on_event: told ``sending`` before each mail and ``accepted`` when the server took it
        (before that is recorded), for progress
    :param should_stop: asked before each mail; SIGTERM sets it, so the mail in flight finishes
    :raises MailError: when the SMTP server cannot be reached, another sender holds the lock (on
        SQLite), or the lease was lost mid-batch (in each case every unsent mail waits)
    """
    target = SmtpTarget.parse(settings.smtp_url.get_secret_value())
    sender = parseaddr(settings.mail_from)[1]
    report = DeliveryReport()
    client: smtplib.SMTP | None = None
    try:
        this_sender = start_sender(engine)
    except LockHeld as held:
        raise MailError(f"another `tracker digest send` is running; try again when it ends ({held})") \
            from None
    claimed: deque[Claimed] = deque()
    messages = Messages(engine, settings)
    with this_sender.lease as lease, _books(engine) as books:
        put_back_orphans(engine, this_sender)
        try:
            while not should_stop():
                if not lease.held():  # another sender may have put back our rows and be sending them
                    raise MailError(f"lost the {SENDER_LOCK} lock: {lease.lost}; stopped after "
                                    f"{report.sent} sent, every unsent mail waits for the next run")
                if not claimed:
                    claimed.extend(_claim(engine, this_sender, clock(), only))
                if not claimed and only is None and put_back_orphans(engine, this_sender):
                    continue  # a sender died: its rows are ours to send now
                if not claimed:
                    break
                row = claimed.popleft()
                if (row.subscriber_state not in (ACTIVE, UNCONFIRMED) and row.purpose != FAREWELL) or (
                        row.purpose == DIGEST and row.subscriber_state != ACTIVE):
                    _finish(books, row, CANCELLED, clock())
                    report.cancelled += 1
                    continue
                envelope = envelope_sender(settings, row.id) or sender
                try:
                    message = messages.of(row, envelope)
                except (ValueError, TypeError, LookupError, MessageError) as exc:
                    _finish(books, row, FAILED, clock(), last_error=f"cannot build the message: {exc}"[:500])
                    report.failed += 1
                    continue
                if on_event:
                    on_event("sending", row)
                if client is None:
                    try:
                        client = connect(target, attempts=settings.smtp_attempts,
                                         retry_delay=settings.smtp_retry_delay, sleep=sleep)
                    except MailError:  # this mail was never tried: it waits like the rest
                        _finish(books, row, PENDING, clock(), attempts=row.attempts - 1)
                        raise
                try:
                    send(client, message, envelope, row.subscriber_email)
                except Temporary as exc:
                    client = close(client)
                    if _retry(books, row, str(exc), settings, clock(), sleep):
                        report.retried += 1
                    else:
                        report.deferred += 1
                    continue
                except Permanent as exc:
                    suspended = _bounce(books, row, exc, settings, clock())
                    report.failed += 1
                    if suspended:
                        report.suspended.append(row.subscriber_email)
                    continue
                if on_event:
                    on_event("accepted", row)
                _accepted(books, row, clock())
                report.sent += 1
        finally:
            close(client)
            put_back(engine, this_sender, [row.id for row in claimed])
            report.built = messages.built
    return report


@dataclass
class Claimed:
    """An outbox row being sent, with its subscriber's state."""

    id: int
    subscriber_id: int | None  # None: a staff address (active, its To the envelope recipient)
    purpose: str
    up_to: int | None
    message_id: str
    to_address: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    body_key: str | None  # a digest's shared body, its MIME built once (``tracker.mime``)
    fill: dict[str, str] | None
    attempts: int  # this one included
    subscriber_state: str
    subscriber_email: str  # the envelope recipient: the stored address, never parsed from To
    claimed_by: str  # the sender's name (on PostgreSQL, its lease's)


def _claim(engine: Engine, sender: Sender, now: datetime, only: int | None) -> list[Claimed]:
    return [Claimed(**{name: row[name] for name in Claimed.__dataclass_fields__})
            for row in claim(engine, sender, now, size=1 if only is not None else CLAIM_BATCH, only=only)]


def _books(engine: Engine) -> Connection:
    """The one connection a sender records its mails on, each in a transaction of its own,
    committed before the next mail is tried (on SQLite each takes the write lock up front)."""
    return engine.execution_options(sqlite_immediate=True).connect()


def _finish(books: Connection, row: Claimed, state: str, now: datetime, **values) -> None:
    with books.begin():
        books.execute(update(OUTBOX).where(OUTBOX.c.id == row.id).values(state=state, **values))


@cache
def _sent(dialect: str, digest: bool) -> tuple[Update, Update]:
    """The statements that record a mail accepted, built once: every mail runs them."""
    row = update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id")).values(
        state=SENT, sent_at=bindparam("b_now"), smtp_code=250, last_error=None)
    values = {"hard_failures": 0, "last_failure": None}
    if digest:
        most = func.max if dialect == "sqlite" else func.greatest
        values |= {"cursor": most(SUBSCRIBERS.c.cursor, bindparam("b_up_to")),
                   "last_sent_at": bindparam("b_now")}
    return row, update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == bindparam("b_subscriber")).values(values)


def _accepted(books: Connection, row: Claimed, now: datetime) -> None:
    """The server took it: the row is sent and the subscriber's cursor moves, together.

    The sender keeps one connection for the whole run; if the database dropped it meanwhile (a
    restart, an idle timeout), this is recorded again on a new one rather than left ``sending``
    for the next run to send a second time."""
    digest = row.purpose == DIGEST
    sent, subscriber = _sent(books.dialect.name, digest)
    for last_try in (False, True):
        try:
            with books.begin():
                books.execute(sent, {"b_id": row.id, "b_now": now})
                books.execute(subscriber, {"b_subscriber": row.subscriber_id}
                              | ({"b_now": now, "b_up_to": row.up_to} if digest else {}))
            return
        except DBAPIError as exc:
            if last_try or not exc.connection_invalidated:
                raise


def backoff(attempts: int, settings: Settings, now: datetime) -> tuple[bool, float, datetime]:
    """After a temporary failure on try number ``attempts`` (a mail's, a channel post's): whether
    to try again in this run, how long to wait first, and when it is next due."""
    delay = settings.smtp_retry_delay * 2 ** (attempts - 1)
    again = attempts < settings.smtp_attempts
    return again, delay, now if again else now + timedelta(seconds=max(delay, 60))


def _retry(books: Connection, row: Claimed, error: str, settings: Settings, now: datetime, sleep) -> bool:
    """Back to pending after a temporary failure; waits and says True while tries are left in
    this run, else leaves it for the next run."""
    again, delay, due = backoff(row.attempts, settings, now)
    _finish(books, row, PENDING, now, last_error=error[:500], next_attempt_at=due)
    if again:
        sleep(delay)
    return again


def _bounce(books: Connection, row: Claimed, exc: Permanent, settings: Settings, now: datetime) -> bool:
    """A permanent failure: the row fails and the address is marked; True if now suspended."""
    with books.begin():
        books.execute(update(OUTBOX).where(OUTBOX.c.id == row.id).values(
            state=FAILED, smtp_code=exc.code, last_error=str(exc)[:500]))
        if row.subscriber_id is None:  # a staff address: no subscriber to mark
            return False
        failures = books.execute(select(SUBSCRIBERS.c.hard_failures).where(
            SUBSCRIBERS.c.id == row.subscriber_id)).scalar_one() + 1
        suspend = failures >= settings.suspend_after
        values = {"hard_failures": failures, "last_failure": f"{now:%Y-%m-%d}: {exc}"[:500]}
        if suspend:
            values["state"] = SUSPENDED
        books.execute(update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == row.subscriber_id).values(values))
    return suspend
