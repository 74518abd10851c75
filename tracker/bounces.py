"""The bounce mailbox: bounces that arrive hours later, complaints, and unsubscribes by mail.

Every mail goes out with a tagged envelope sender (``tracker.verp``), and every digest's
``List-Unsubscribe`` mailto is a tagged address on the same domain, so whatever lands in the
mailbox those addresses deliver to says whom it is about. ``read_returns`` reads that mailbox (a
local Maildir a relay drops them in, or IMAP over TLS) and, for each message (``tracker.dsn``
says what it is):

- a permanent failure counts against the address: the failed messages in a row, counted back
  from the one that bounced (a relay's 250 for a later digest says nothing about its delivery),
  suspend it once they reach ``suspend_after``, and it goes on the suppression list;
- a temporary failure and an auto-reply are kept (``tracker subscribers explain`` shows them)
  and change nothing;
- a complaint (a feedback report) unsubscribes the address and suppresses it;
- a mail to ``unsubscribe+TAG@`` unsubscribes the subscriber the tag names, and they are told
  by mail (at their stored address, never the sender's: no backscatter).

A message is recorded (with a fingerprint of its bytes) before it is removed from the mailbox,
and one already recorded is only removed: a reader stopped in between reads nothing twice. A bounce of
a mail sent before a bounce domain was set has no tag; its failed address, when it is a
subscriber's, stands in for it. One reader runs at a time (the ``bounces`` lock).
"""

import email
import email.utils
import hashlib
import imaplib
import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from tracker.config import Settings
from tracker.consent import Consent, record, suppress
from tracker.db import write_session
from tracker.digest import render_farewell
from tracker.dsn import classify
from tracker.errors import ConfigError, TrackerError
from tracker.locks import LockHeld, try_acquire
from tracker.mailer import FAREWELL, OUTBOX, SUBSCRIBERS, deliver, queue_notice
from tracker.models.mailops import (
    AUTO_REPLY,
    BOUNCED,
    COMPLAINED,
    COMPLAINT,
    PERMANENT,
    UNREADABLE,
    UNSUBSCRIBE_MAIL,
    MailReturn,
)
from tracker.models.subscribers import ACTIVE, FAILED, SENT, SUSPENDED, UNCONFIRMED, Subscriber
from tracker.rights import suppression_key
from tracker.subscriptions import unsubscribe
from tracker.verp import BOUNCES, UNSUBSCRIBE, Tags, tags_for

READER_LOCK = "bounces"
# Where a delivering mail system writes the address a message was delivered to.
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "to", "cc")
FROM_MAILBOX = Consent("the bounce mailbox")


class MailboxError(TrackerError):
    """The bounce mailbox cannot be read: not there, refused the login, unreachable."""

    exit_code = 1


class LocalMaildir:
    def __init__(self, path: str):
        if not (Path(path) / "new").is_dir():
            raise MailboxError(f"the bounce mailbox {path} is not a Maildir (it has no new/ folder)")
        self.box = mailbox.Maildir(path, factory=None, create=False)

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for key in list(self.box.iterkeys()):
            yield key, self.box.get_bytes(key)

    def done(self, key: str) -> None:
        self.box.discard(key)

    def close(self) -> None:
        self.box.close()


class Imap:
    """A folder on an IMAP server over TLS; a message read is flagged deleted, and expunged at the end."""

    def __init__(self, url: str):
        scheme, _, rest = url.partition("://")
        credentials, _, location = rest.rpartition("@")
        user, _, password = credentials.partition(":")
        try:
            parts = urlsplit(f"//{location}")
            host, port = parts.hostname, parts.port or 993
        except ValueError:
            host = None
        if not host or not user:
            raise ConfigError("TRACKER_BOUNCE_MAILBOX must look like imaps://user:password@host:993/INBOX "
                              "(percent-encode a password's : / # ? @)")
        self.where = f"imaps://{host}:{port}"
        try:
            self.client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=60)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"cannot reach the bounce mailbox {self.where}: {exc}") from None
        try:
            self.client.login(unquote(user), unquote(password))
            status, _ = self.client.select(unquote(parts.path.strip("/")) or "INBOX")
        except imaplib.IMAP4.error:
            self.client.shutdown()
            raise MailboxError(f"the bounce mailbox {self.where} refused the login or the folder") from None
        if status != "OK":
            self.client.logout()
            raise MailboxError(f"the bounce mailbox {self.where} has no such folder")

    def messages(self) -> Iterator[tuple[bytes, bytes]]:
        _, found = self.client.uid("SEARCH", None, "UNDELETED")
        for uid in found[0].split():
            _, parts = self.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if raw is not None:
                yield uid, raw

    def done(self, uid: bytes) -> None:
        self.client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")

    def close(self) -> None:
        try:
            self.client.expunge()
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            self.client.shutdown()


def open_mailbox(settings: Settings) -> LocalMaildir | Imap:
    """:raises ConfigError: when no mailbox is set or its address is unusable"""
    if settings.bounce_mailbox is None or not settings.bounce_mailbox.get_secret_value():
        raise ConfigError("no bounce mailbox is set: set TRACKER_BOUNCE_MAILBOX to maildir:/PATH or "
                          "imaps://user:password@host:993/INBOX")
    url = settings.bounce_mailbox.get_secret_value().strip()
    if url.startswith("maildir:"):
        return LocalMaildir(url.removeprefix("maildir:").removeprefix("//"))
    if url.startswith("imaps://"):
        return Imap(url)
    raise ConfigError("TRACKER_BOUNCE_MAILBOX must start with maildir: or imaps:// (IMAP only over TLS)")


@dataclass
class ReturnsReport:
    read: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # by kind
    seen_before: int = 0
    suspended: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing new"
        return (f"{self.read} read: {kinds}"
                + (f"; {self.seen_before} read before" if self.seen_before else "")
                + (f"; suspended {', '.join(self.suspended)}" if self.suspended else "")
                + (f"; unsubscribed {', '.join(self.unsubscribed)}" if self.unsubscribed else ""))


def read_returns(engine: Engine, settings: Settings, *, clock: Callable[[], datetime],
                 should_stop: Callable[[], bool] = lambda: False) -> ReturnsReport:
    """Read the bounce mailbox once, acting on each message and removing it.

    :raises ConfigError: when no bounce mailbox or domain is set
    :raises MailboxError: when it cannot be read, or another reader is running
    """
    if not settings.bounce_domain:
        raise ConfigError("no bounce domain is set: set TRACKER_BOUNCE_DOMAIN (the domain of bounces+TAG@)")
    try:
        lease = try_acquire(engine, READER_LOCK)
    except LockHeld as held:
        raise MailboxError(f"another reader of the bounce mailbox is running ({held})") from None
    report, farewells = ReturnsReport(), []
    with lease:
        source = open_mailbox(settings)
        try:
            for key, raw in source.messages():
                if should_stop() or not lease.held():
                    break
                kind, farewell = _handle(engine, settings, tags_for(settings), raw, clock(), report)
                source.done(key)
                report.read += 1
                if kind:
                    report.counts[kind] = report.counts.get(kind, 0) + 1
                if farewell is not None:
                    farewells.append(farewell)
        finally:
            source.close()
    for outbox_id in farewells:  # once the mailbox is closed: a slow SMTP server holds nothing open
        deliver(engine, settings, clock=clock, only=outbox_id)
    return report


def _tagged(message: Message, raw: bytes, tags: Tags, domain: str) -> tuple[str, int] | None:
    """The tagged address the message was delivered to, else one it carries (a complaint quotes
    the mail it is about, with its envelope sender and List-Unsubscribe)."""
    envelope = " ".join(str(value) for name in ENVELOPE_HEADERS for value in message.get_all(name, []))
    return tags.search(envelope, domain) or tags.search(raw.decode("utf-8", "replace"), domain)


def _handle(engine: Engine, settings: Settings, tags: Tags, raw: bytes, now: datetime,
            report: ReturnsReport) -> tuple[str | None, int | None]:
    """Act on one message: its kind (``None`` when read before) and a farewell to send."""
    fingerprint = hashlib.sha256(raw).hexdigest()
    with Session(engine) as session:
        if session.exec(select(MailReturn.id).where(MailReturn.fingerprint == fingerprint)).first():
            report.seen_before += 1
            return None, None
    message = email.message_from_bytes(raw)
    verdict, tagged = classify(message), _tagged(message, raw, tags, settings.bounce_domain)
    subscriber_id, outbox_id, detail = _whom(engine, tagged, verdict.failed)
    kind = verdict.kind or (UNSUBSCRIBE_MAIL if tagged and tagged[0] == UNSUBSCRIBE else UNREADABLE)
    farewell = None
    if subscriber_id is None and kind != AUTO_REPLY:
        detail = detail or "names no subscriber (no tag of ours, no failed address we know)"
    elif kind == UNSUBSCRIBE_MAIL:
        farewell = _unsubscribe_by_mail(engine, settings, subscriber_id, message, fingerprint, now, report)
    elif kind == COMPLAINT:
        unsubscribe(engine, subscriber_id, now=now, consent=Consent("a complaint (feedback report)"))
    with write_session(engine) as session:
        session.add(MailReturn(fingerprint=fingerprint, received_at=now, kind=kind,
                               subscriber_id=subscriber_id, outbox_id=outbox_id, status=verdict.status,
                               detail=" ".join(filter(None, [verdict.detail, detail]))[:500] or None))
        session.flush()
        if subscriber_id is not None and kind == PERMANENT:
            _count_bounce(session, settings, subscriber_id, outbox_id, verdict.detail, now, report)
        if subscriber_id is not None and kind == COMPLAINT:
            email_address = session.get(Subscriber, subscriber_id).email
            suppress(session, suppression_key(settings), email_address, COMPLAINED, now=now)
    return kind, farewell


def _whom(engine: Engine, tagged: tuple[str, int] | None, failed: list[str]
          ) -> tuple[int | None, int | None, str | None]:
    """The subscriber (and the mail) a message is about, and how that was told when not by a tag."""
    with Session(engine) as session:
        if tagged and tagged[0] == BOUNCES:
            found = session.execute(select(OUTBOX.c.subscriber_id).where(OUTBOX.c.id == tagged[1])).scalar()
            return (found, tagged[1], None) if found else (None, None, "names a mail no longer kept")
        if tagged and tagged[0] == UNSUBSCRIBE:
            found = session.execute(select(SUBSCRIBERS.c.id).where(SUBSCRIBERS.c.id == tagged[1])).scalar()
            return (found, None, None) if found else (None, None, "names a subscriber no longer kept")
        for address in failed:
            found = session.execute(select(SUBSCRIBERS.c.id).where(
                func.lower(SUBSCRIBERS.c.email) == address.lower())).scalar()
            if found:
                return found, None, "matched by the failed address (no tag)"
    return None, None, None


def _count_bounce(session: Session, settings: Settings, subscriber_id: int, outbox_id: int | None,
                  reason: str, now: datetime, report: ReturnsReport) -> None:
    """Count a permanent bounce: the failed mails in a row, back from the one that bounced (one
    without a tag adds one to the count)."""
    bounced = set(session.exec(select(MailReturn.outbox_id).where(
        MailReturn.subscriber_id == subscriber_id, MailReturn.kind == PERMANENT)).scalars())
    rows = session.execute(select(OUTBOX.c.id, OUTBOX.c.state, OUTBOX.c.smtp_code).where(
        OUTBOX.c.subscriber_id == subscriber_id, OUTBOX.c.state.in_([SENT, FAILED]))
        .order_by(OUTBOX.c.id.desc())).all()
    in_a_row = 0
    for row in rows:
        if row.id in bounced or (row.state == FAILED and (row.smtp_code or 0) >= 500):
            in_a_row += 1
        elif in_a_row:
            break
    subscriber = session.get(Subscriber, subscriber_id)
    failures = in_a_row if outbox_id is not None else subscriber.hard_failures + 1
    values = {"hard_failures": failures, "last_failure": f"{now:%Y-%m-%d}: {reason}"[:500]}
    if failures >= settings.suspend_after and subscriber.state in (ACTIVE, UNCONFIRMED):
        values["state"] = SUSPENDED
        record(session, subscriber_id, "suspended", FROM_MAILBOX, now=now, reason=reason,
               bounces_in_a_row=in_a_row)
        suppress(session, suppression_key(settings), subscriber.email, BOUNCED, now=now, detail=reason[:200])
        report.suspended.append(subscriber.email)
    session.execute(update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == subscriber_id).values(values))


def _unsubscribe_by_mail(engine: Engine, settings: Settings, subscriber_id: int, message: Message,
                         fingerprint: str, now: datetime, report: ReturnsReport) -> int | None:
    """Unsubscribe whom the tag names and queue the mail that says so (once per message read)."""
    sender = email.utils.parseaddr(str(message.get("from", "")))[1] or None
    subscriber = unsubscribe(engine, subscriber_id, now=now,
                             consent=Consent("mail to the unsubscribe address", sender))
    report.unsubscribed.append(subscriber.email)
    return queue_notice(engine, settings, subscriber, FAREWELL, render_farewell(subscriber, settings),
                        now=now, span=fingerprint[:32])
