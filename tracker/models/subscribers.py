"""Subscribers and the outbox of mails to them (``tracker.subscriptions``, ``tracker.mailer``)."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from tracker.models import Table
from tracker.vocab import Frequency

# A subscriber's states.
UNCONFIRMED, ACTIVE, UNSUBSCRIBED, SUSPENDED = "unconfirmed", "active", "unsubscribed", "suspended"
CHANNELS_ONLY = "channels"  # a staff-made subscription delivered to team channels, never mailed
# An outbox row's states.
PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
# What an outbox row carries.
DIGEST, CONFIRMATION = "digest", "confirm"
TROUBLE = "trouble"  # an operator alert, to a staff address rather than a subscriber


class Subscriber(Table, table=True):
    __tablename__ = "subscribers"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, description="Normalised: the domain lower-cased, Unicode NFC")
    name: str | None = None
    state: str = Field(default=UNCONFIRMED, index=True,
                       description="unconfirmed, active, unsubscribed, suspended or channels")
    frequency: str = Field(default=Frequency.WEEKLY, index=True)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    jurisdictions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    follows: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                               description="Case and matter keys followed whatever the filters say")
    min_significance: str | None = Field(default=None, description="major: major changes only")
    cursor: int = Field(default=0, description="approval_seq of the last change sent")
    created_at: datetime
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    last_sent_at: datetime | None = None
    hard_failures: int = Field(default=0, description="Permanent delivery failures in a row")
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                               description="Raised on unsubscribing: older confirm links stop working")
    last_failure: str | None = None


class OutboxMessage(Table, table=True):
    """One mail to one subscriber (or, without one, to a staff address: an operator alert),
    rendered, with its Message-ID, until the server accepts it."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("subscriber_id", "purpose", "span",
                                       name="uq_outbox_subscriber_purpose_span"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscribers.id", index=True,
                                      ondelete="CASCADE")
    purpose: str = Field(description="digest, confirm, farewell or trouble")
    span: str = Field(description="A digest's approval numbers (cursor-up_to); a confirmation's time")
    up_to: int | None = Field(default=None, description="The cursor once the digest is accepted")
    message_id: str = Field(unique=True)
    to_address: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=PENDING, index=True)
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, description="The lease of the sender sending it")
    sent_at: datetime | None = None
    smtp_code: int | None = None
    last_error: str | None = None
    purged_at: datetime | None = Field(default=None, description="When its body was emptied (retention)")
    body_key: str | None = Field(default=None, index=True,
                                 description="A digest's shared body (outbox_bodies), its MIME built once")
    fill: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True),
                                        description="This mail's own values for the body's placeholders")


class OutboxBody(Table, table=True):
    """A digest body rendered once for every subscriber who gets the same changes, with
    placeholders where each one's address and links go (``tracker.digest.DigestRenderer``):
    the sender builds its MIME once and fills it per mail (``tracker.mime``). Each outbox row
    also keeps its own filled text, the record of what that subscriber was sent."""

    __tablename__ = "outbox_bodies"

    key: str = Field(primary_key=True, description="SHA-256 of the subject, parts and placeholders")
    subject: str
    text: str
    html: str
    placeholders: dict[str, str] = Field(sa_column=Column(JSON, nullable=False),
                                         description="What stands in the body for each value filled")
    created_at: datetime
