"""Which sender sends which outbox row, so several senders on PostgreSQL never send one twice.

Each sender holds a lease (``tracker.locks``) for as long as it runs, and claims pending rows in
small batches: one transaction picks the oldest due rows with ``FOR UPDATE SKIP LOCKED`` (a row
another sender is claiming at that moment is passed over, not waited for) and marks them
``sending``, ``claimed_by`` the sender's own name (on PostgreSQL, its lease's). A row is claimed
only when its subscriber has no older row still pending or sending, so one subscriber's mails go
out in the order they were queued whichever sender takes them.

A sender that dies leaves its claimed rows ``sending``; its lease ended with it, so any sender
that starts, or runs out of rows, puts back the rows whose claimer no longer holds its lease.
A sender that stops puts back what it claimed and did not try.

SQLite has one writer: there the lease is the one ``sender`` lock, so a second sender is told
another is running, and every row found ``sending`` was left by a sender that is gone.
"""

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, and_, case, exists, func, literal, or_, select, update

from tracker.db import write_session
from tracker.locks import Lease, holder, try_acquire
from tracker.models.subscribers import ACTIVE, PENDING, SENDING, OutboxMessage, Subscriber

SENDER_LOCK = "sender"
CLAIM_BATCH = 20  # rows a sender claims at once: few enough that a dead sender delays little

OUTBOX = OutboxMessage.__table__
SUBSCRIBERS = Subscriber.__table__


def parallel(engine: Engine) -> bool:
    """Whether several senders may run at once on this store (PostgreSQL, not SQLite)."""
    return engine.dialect.name == "postgresql"


@dataclass
class Sender:
    """A running sender: its lease, and the name its claimed rows carry (its own, so it never
    puts back rows another sender claimed, even after losing its lease)."""

    lease: Lease
    name: str


def start_sender(engine: Engine) -> Sender:
    """This sender's lease (its own on PostgreSQL, the one ``sender`` lock on SQLite) and name.

    :raises LockHeld: on SQLite, when another sender is running
    """
    name = f"{SENDER_LOCK} {secrets.token_hex(6)}"
    if parallel(engine):
        return Sender(try_acquire(engine, name), name)
    return Sender(try_acquire(engine, SENDER_LOCK), name)


def put_back_orphans(engine: Engine, sender: Sender) -> int:
    """Put back to pending the rows left ``sending`` by senders that are gone; how many."""
    orphaned = OUTBOX.c.state == SENDING  # on SQLite, by a sender that held this lock before
    if parallel(engine):
        orphaned = and_(orphaned, OUTBOX.c.claimed_by.is_distinct_from(sender.name))
        with engine.connect() as connection:
            claimers = set(connection.execute(select(OUTBOX.c.claimed_by).where(orphaned)
                                              .distinct()).scalars())
        gone = [name for name in claimers if name is None or holder(engine, name) is None]
        if not gone:
            return 0
        named = [name for name in gone if name is not None]
        orphaned = and_(orphaned, or_(OUTBOX.c.claimed_by.in_(named), *(
            [OUTBOX.c.claimed_by.is_(None)] if None in gone else [])))
    with write_session(engine) as session:
        return session.execute(update(OUTBOX).where(orphaned).values(
            state=PENDING, claimed_by=None)).rowcount


def put_back(engine: Engine, sender: Sender, ids: list[int]) -> None:
    """Put back rows this sender claimed and did not try (it is stopping)."""
    if ids:
        with write_session(engine) as session:
            session.execute(update(OUTBOX).where(
                OUTBOX.c.id.in_(ids), OUTBOX.c.state == SENDING, OUTBOX.c.claimed_by == sender.name
            ).values(state=PENDING, claimed_by=None))


def claim(engine: Engine, sender: Sender, now, *, size: int = CLAIM_BATCH, only: int | None = None) -> list:
    """Claim up to ``size`` due rows, oldest first: each row's columns with its subscriber's
    ``subscriber_state`` and ``subscriber_email``, ``attempts`` counting this one.

    :param only: this row and no other (a sign-up's own confirmation)
    """
    due = select(OUTBOX.c.id).where(OUTBOX.c.state == PENDING, OUTBOX.c.next_attempt_at <= now)
    if only is not None:
        due = due.where(OUTBOX.c.id == only)
    else:
        earlier = OUTBOX.alias("earlier")
        due = due.where(~exists().where(earlier.c.subscriber_id == OUTBOX.c.subscriber_id,
                                        earlier.c.id < OUTBOX.c.id,
                                        earlier.c.state.in_([PENDING, SENDING])))
    due = due.order_by(OUTBOX.c.id).limit(size).with_for_update(skip_locked=True, of=OUTBOX)
    with write_session(engine) as session:
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(
            state=SENDING, claimed_at=now, claimed_by=sender.name, attempts=OUTBOX.c.attempts + 1))
        # A digest made from a shared body is filled from it: its own parts are read only if
        # it must be built on its own (``tracker.mime``), not carried with every claim.
        own = [case((OUTBOX.c.body_key.is_(None), column), else_=literal("")).label(column.name)
               if column.name in ("text", "html") else column for column in OUTBOX.c]
        return list(session.execute(
            # A staff mail (an operator alert) has no subscriber: it goes to its To address.
            select(*own, func.coalesce(SUBSCRIBERS.c.state, ACTIVE).label("subscriber_state"),
                   func.coalesce(SUBSCRIBERS.c.email, OUTBOX.c.to_address).label("subscriber_email"))
            .join(SUBSCRIBERS, SUBSCRIBERS.c.id == OUTBOX.c.subscriber_id, isouter=True)
            .where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id)).mappings())
