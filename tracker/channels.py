"""Team channels: a staff-made subscription that posts to a Slack or Microsoft Teams incoming
webhook, or to an HTTPS endpoint of the team's own, beside its mail or instead of it.

Where a channel may post is checked when it is made and again before every post (a name can
come to point elsewhere): HTTPS only; Slack's and Teams' own webhook hosts, or a host on the
``channel_hosts`` allowlist (the only hosts a plain webhook may use); and never an internal
address (loopback, private, link-local: the cloud metadata service) unless its host is on the
allowlist, the one exception. A redirect is not followed.

Posts go through an outbox of their own (``channel_outbox``), as mail does through its own:
queued once per channel and span (the approval numbers a post covers), posted in order (a
channel's next post waits until the one before it went), retried with backoff when the endpoint
is down or busy (a connection error, 429 or 5xx), left for the next run when it stays down, so
nothing is lost; the channel's cursor moves only when the endpoint took the post. A channel of
an ``immediate`` subscription gets each major change as its own alert; the others get their
digest as one message. Every post carries ``X-Tracker-Delivery`` (the same on a retry, so a
receiver can drop a repeat), ``X-Tracker-Timestamp`` and ``X-Tracker-Signature``:
``sha256=`` HMAC-SHA256 of ``TIMESTAMP.BODY`` with the channel's signing key, shown once when
the channel is made.
"""

import secrets
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, and_, exists, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from tracker.addresses import not_public
from tracker.channel_posts import body_for, signed_headers
from tracker.config import Settings
from tracker.consent import Consent, record
from tracker.db import upsert, write_session
from tracker.digest import build_digests
from tracker.errors import TrackerError
from tracker.locks import LockHeld, try_acquire
from tracker.mailer import DUE_AFTER, backoff
from tracker.models.mailops import Channel, ChannelMessage
from tracker.models.subscribers import (
    ACTIVE,
    CHANNELS_ONLY,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Subscriber,
)
from tracker.subscriptions import find
from tracker.vocab import Frequency

SLACK, TEAMS, WEBHOOK = "slack", "teams", "webhook"
KINDS = (SLACK, TEAMS, WEBHOOK)
SLACK_HOSTS = ("hooks.slack.com",)
# Teams' incoming webhooks (Office 365 connectors) and the Workflows that replace them.
TEAMS_SUFFIXES = (".webhook.office.com", ".logic.azure.com", ".api.powerplatform.com")
CHANNEL_SENDER_LOCK = "channel-sender"
POSTS = ChannelMessage.__table__
CHANNELS = Channel.__table__
TIMEOUT = 30  # seconds for one post


class ChannelError(TrackerError):
    """A channel that cannot be made as asked: a kind, a URL or a host not allowed."""

    exit_code = 2


def check_url(kind: str, url: str, allowed_hosts: list[str]) -> str:
    """The host a channel posts to, once its URL is allowed.

    :raises ChannelError: saying why not (never repeating the URL: it is a secret)
    """
    if kind not in KINDS:
        raise ChannelError(f"a channel is one of {', '.join(KINDS)}, not {kind!r}")
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ChannelError("the channel's URL cannot be read") from None
    if parts.scheme != "https" or not host:
        raise ChannelError("a channel's URL must be https://HOST/...")
    allowlisted = host in allowed_hosts
    if kind == SLACK and not (host in SLACK_HOSTS or allowlisted):
        raise ChannelError(f"a Slack incoming webhook is on {SLACK_HOSTS[0]}, not {host}")
    if kind == TEAMS and not (host.endswith(TEAMS_SUFFIXES) or allowlisted):
        raise ChannelError(f"a Teams webhook is on {', '.join('*' + s for s in TEAMS_SUFFIXES)}, not {host}")
    if kind == WEBHOOK and not allowlisted:
        raise ChannelError(f"{host} is not on the channel_hosts allowlist (TRACKER_CHANNEL_HOSTS)")
    if not allowlisted and (reason := not_public(host)):
        raise ChannelError(f"refused: {reason}")
    return host


def add_channel(engine: Engine, settings: Settings, email: str, kind: str, url: str, *, by: str,
                now: datetime, instead_of_mail: bool = False) -> tuple[Channel, str]:
    """Make a channel for a subscription: the channel and its signing key (shown once).

    :raises NotFoundError: when no subscriber has that address
    :raises ChannelError: for a URL that is not allowed
    """
    check_url(kind, url, settings.channel_hosts)
    key = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        subscriber = find(session, email)
        channel = Channel(subscriber_id=subscriber.id, kind=kind, url=url.strip(), signing_key=key,
                          created_at=now, created_by=by)
        session.add(channel)
        if instead_of_mail and subscriber.state != CHANNELS_ONLY:
            subscriber.state = CHANNELS_ONLY
            record(session, subscriber.id, "channels only", Consent("command line", by), now=now)
        session.flush()
        session.refresh(channel)
        session.expunge(channel)
    return channel, key


def host_of(channel: Channel) -> str:
    """What may be shown of a channel's URL: its host (the path is the secret)."""
    return urlsplit(channel.url).hostname or "?"


@dataclass
class PostsQueued:
    queued: int = 0
    waiting: int = 0  # an earlier post of the channel has not gone yet


def queue_posts(engine: Engine, settings: Settings, *, now: datetime,
                frequency: Frequency | None = None) -> PostsQueued:
    """Queue what each due channel (of subscriptions of ``frequency``, or all) has not had:
    alerts one by one, a digest as one post."""
    report = PostsQueued()
    with Session(engine) as session:
        unsent = set(session.exec(select(ChannelMessage.channel_id).where(
            col(ChannelMessage.state).in_([PENDING, SENDING]))).scalars())
        rows = session.execute(select(Channel, Subscriber).join(Subscriber, col(Subscriber.id) ==
                                                                Channel.subscriber_id)
                               .where(col(Subscriber.state).in_([ACTIVE, CHANNELS_ONLY]))
                               .order_by(col(Channel.id))).all()
        due = [(channel, subscriber) for channel, subscriber in rows
               if (frequency is None or subscriber.frequency == frequency) and (
                   channel.last_sent_at is None
                   or now - channel.last_sent_at >= DUE_AFTER[Frequency(subscriber.frequency)])]
        report.waiting = sum(1 for channel, _ in due if channel.id in unsent)
        due = [(channel, subscriber) for channel, subscriber in due if channel.id not in unsent]
        # The subscription's filters with the channel's own cursor.
        views = [subscriber.model_copy(update={"cursor": channel.cursor}) for channel, subscriber in due]
        digests = build_digests(session, views, now=now, cap_days=settings.digest_cap_days)
    base = settings.base_url.rstrip("/")
    posts = []
    for (channel, subscriber), digest in zip(due, digests, strict=True):
        if not digest.items:
            continue
        if subscriber.frequency == Frequency.IMMEDIATE:  # each major change on its own
            for n, item in enumerate(digest.items):
                last = n == len(digest.items) - 1
                seq = item.change.approval_seq
                posts.append(_post(channel, "alert", str(seq), digest.up_to if last else seq,
                                   body_for(channel.kind, "alert", channel, [item], base), now))
        else:
            posts.append(_post(channel, "digest", f"{channel.cursor}-{digest.up_to}", digest.up_to,
                               body_for(channel.kind, "digest", channel, digest.items, base), now))
    if posts:
        statement = upsert(POSTS, engine).on_conflict_do_nothing(
            index_elements=["channel_id", "span"]).returning(POSTS.c.id)
        with write_session(engine) as session:
            report.queued = len(list(session.execute(statement, posts).scalars()))
    return report


def _post(channel: Channel, purpose: str, span: str, up_to: int, body: str, now: datetime) -> dict[str, Any]:
    return {"channel_id": channel.id, "purpose": purpose, "span": span, "up_to": up_to, "body": body,
            "state": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}


@dataclass
class PostsDelivered:
    sent: int = 0
    retried: int = 0
    deferred: int = 0  # still failing: left for the next run
    failed: int = 0  # refused for good (a 4xx, an address not allowed)


class Retry(Exception):
    """The endpoint is down or busy: try again later."""


class Refused(Exception):
    """The endpoint (or the rules) will not take this post."""


def deliver_posts(engine: Engine, settings: Settings, *, clock: Callable[[], datetime],
                  sleep: Callable[[float], None] = time.sleep,
                  should_stop: Callable[[], bool] = lambda: False) -> PostsDelivered:
    """Post what the channels' outbox holds, each channel in order.

    :raises ChannelError: when another channel sender is running (every post waits)
    """
    report = PostsDelivered()
    try:
        lease = try_acquire(engine, CHANNEL_SENDER_LOCK)
    except LockHeld as held:
        raise TrackerError(f"another channel sender is running; try again when it ends ({held})") from None
    with lease:
        with write_session(engine) as session:  # a sender that died left these; it is gone
            session.execute(update(POSTS).where(POSTS.c.state == SENDING).values(state=PENDING))
        while not should_stop() and lease.held():
            claimed = _claim(engine, clock())
            if claimed is None:
                break
            post, channel = claimed
            try:
                status = _send(channel, post, settings)
            except Retry as exc:
                if _retry(engine, post, str(exc), settings, clock(), sleep):
                    report.retried += 1
                else:
                    report.deferred += 1
                continue
            except Refused as exc:
                _finish(engine, post, channel, FAILED, clock(), last_error=str(exc)[:500])
                report.failed += 1
                continue
            _finish(engine, post, channel, SENT, clock(), http_status=status)
            report.sent += 1
    return report


def _claim(engine: Engine, now: datetime) -> tuple[ChannelMessage, Channel] | None:
    """The oldest post that is due and first in its channel's line."""
    earlier = aliased(ChannelMessage)
    blocked = exists().where(and_(earlier.channel_id == ChannelMessage.channel_id,
                                  earlier.id < ChannelMessage.id, col(earlier.state).in_([PENDING, SENDING])))
    with write_session(engine) as session:
        found = session.execute(select(ChannelMessage, Channel).join(Channel, col(Channel.id) ==
                                                                     ChannelMessage.channel_id)
                                .where(ChannelMessage.state == PENDING, ChannelMessage.next_attempt_at <= now,
                                       ~blocked).order_by(col(ChannelMessage.id)).limit(1)).first()
        if found is None:
            return None
        post, channel = found
        post.state, post.attempts = SENDING, post.attempts + 1
        session.flush()
        session.expunge_all()
        return post, channel


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead anywhere, an internal address included


def _send(channel: Channel, post: ChannelMessage, settings: Settings) -> int:
    """Post it: the HTTP status on success.

    :raises Retry: for a connection error, a 429 or a 5xx
    :raises Refused: for any other answer, or a URL no longer allowed
    """
    try:
        check_url(channel.kind, channel.url, settings.channel_hosts)
    except ChannelError as exc:
        raise Refused(str(exc)) from None
    body = post.body.encode()
    request = urllib.request.Request(channel.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "ai-copyright-tracker",
        **signed_headers(channel.signing_key, body, f"{channel.id}:{post.span}")})
    opener = urllib.request.build_opener(_NoRedirects(),
                                         urllib.request.HTTPSHandler(context=ssl.create_default_context()))
    host = host_of(channel)
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise Retry(f"{host} answered {exc.code}") from None
        redirect = " (a redirect, not followed)" if exc.code < 400 else ""
        raise Refused(f"{host} answered {exc.code}{redirect}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Retry(f"cannot reach {host}: {reason}") from None


def _retry(engine: Engine, post: ChannelMessage, error: str, settings: Settings, now: datetime,
           sleep: Callable[[float], None]) -> bool:
    """Back to pending, after the same backoff as mail; True while tries are left in this run."""
    again, delay, due = backoff(post.attempts, settings, now)
    with write_session(engine) as session:
        session.execute(update(POSTS).where(POSTS.c.id == post.id).values(
            state=PENDING, last_error=error[:500], next_attempt_at=due))
    if again:
        sleep(delay)
    return again


def _finish(engine: Engine, post: ChannelMessage, channel: Channel, state: str, now: datetime,
            **values) -> None:
    """Sent: the post and the channel's cursor, together; refused: the post and the reason."""
    with write_session(engine) as session:
        session.execute(update(POSTS).where(POSTS.c.id == post.id).values(
            state=state, sent_at=now if state == SENT else None, **values))
        if state == SENT:
            cursor = (func.max if engine.dialect.name == "sqlite" else func.greatest)(CHANNELS.c.cursor,
                                                                                       post.up_to)
            session.execute(update(CHANNELS).where(CHANNELS.c.id == channel.id).values(
                cursor=cursor, last_sent_at=now, last_error=None))
        else:
            session.execute(update(CHANNELS).where(CHANNELS.c.id == channel.id).values(
                last_error=values.get("last_error")))
