"""What mail operations keep: the consent record, what came back to the bounce mailbox, the
suppression list, and team channels with their own outbox (``tracker.consent``,
``tracker.bounces``, ``tracker.channels``)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from tracker.models import Table

# What came back: a return's kinds.
PERMANENT, TEMPORARY, AUTO_REPLY, COMPLAINT, UNSUBSCRIBE_MAIL, UNREADABLE = (
    "permanent", "temporary", "auto-reply", "complaint", "unsubscribe", "unreadable")
# Why an address is on the suppression list.
ERASED, BOUNCED, COMPLAINED = "erased", "bounced", "complained"


class ConsentEvent(Table, table=True):
    """One step of a subscriber's consent: asked, confirmed, changed what they get, left."""

    __tablename__ = "consent_events"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscribers.id", index=True, ondelete="CASCADE")
    at: datetime
    action: str = Field(description="asked, confirmed, preferences, unsubscribed, suspended...")
    how: str = Field(description="web form, mail link, command line, unsubscribe mail...")
    source: str | None = Field(default=None, description="The network address or staff account it came from")
    wording: str | None = Field(default=None, description="The words they agreed to, as shown")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class MailReturn(Table, table=True):
    """A message read from the bounce mailbox: a bounce, an auto-reply, a complaint or an
    unsubscribe mail. ``fingerprint`` makes reading the same message twice a no-op."""

    __tablename__ = "mail_returns"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True, description="SHA-256 of the message as read")
    received_at: datetime
    kind: str = Field(description="permanent, temporary, auto-reply, complaint, unsubscribe, unreadable")
    subscriber_id: int | None = Field(default=None, foreign_key="subscribers.id", index=True,
                                      ondelete="CASCADE")
    outbox_id: int | None = Field(default=None, description="The mail it answers, when its tag names one")
    status: str | None = Field(default=None, description="The RFC 3464 status, e.g. 5.1.1")
    detail: str | None = Field(default=None, description="The diagnostic, or why it was not used")


class Suppression(Table, table=True):
    """An address that no import or form may add: a keyed hash, never the address itself."""

    __tablename__ = "suppressions"

    id: int | None = Field(default=None, primary_key=True)
    address_hash: str = Field(unique=True, description="HMAC-SHA256 of the lower-cased address")
    reason: str = Field(description="erased, bounced or complained")
    at: datetime
    detail: str | None = None


class Channel(Table, table=True):
    """A team channel a subscription also (or only) delivers to: Slack, Teams, or a webhook."""

    __tablename__ = "channels"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscribers.id", index=True, ondelete="CASCADE")
    kind: str = Field(description="slack, teams or webhook")
    url: str = Field(description="The incoming webhook (a secret: never shown whole)")
    signing_key: str = Field(description="Signs a webhook's body (HMAC-SHA256)")
    cursor: int = Field(default=0, description="approval_seq of the last change delivered")
    last_sent_at: datetime | None = None
    created_at: datetime
    created_by: str
    last_error: str | None = None


class ChannelMessage(Table, table=True):
    """One post to one channel, kept until the endpoint took it: the channels' outbox."""

    __tablename__ = "channel_outbox"
    __table_args__ = (UniqueConstraint("channel_id", "span", name="uq_channel_outbox_channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id", index=True, ondelete="CASCADE")
    purpose: str = Field(description="alert (one major change) or digest")
    span: str = Field(description="The approval numbers it covers")
    up_to: int
    body: str = Field(description="The JSON posted (emptied after the retention period)")
    state: str = Field(default="pending", index=True)
    attempts: int = 0
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None = None
    http_status: int | None = None
    last_error: str | None = None
    purged_at: datetime | None = None
