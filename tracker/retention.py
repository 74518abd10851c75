"""Retention: a mail's or a channel post's body is kept ``outbox_retention_days`` after it was
sent (or failed, or was cancelled), then emptied; the delivery record (to whom, the subject,
when, what the server answered) stays, for ``tracker subscribers explain`` and for the export."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, exists, update

from tracker.db import write_session
from tracker.models.mailops import ChannelMessage
from tracker.models.subscribers import CANCELLED, FAILED, SENT, OutboxBody, OutboxMessage

OUTBOX, POSTS, BODIES = OutboxMessage.__table__, ChannelMessage.__table__, OutboxBody.__table__
FINISHED = (SENT, FAILED, CANCELLED)


def purge_bodies(engine: Engine, *, now: datetime, days: int) -> tuple[int, int]:
    """Empty the bodies finished more than ``days`` ago: the mails and the posts emptied."""
    before = now - timedelta(days=days)
    with write_session(engine) as session:
        mails = session.execute(update(OUTBOX).where(
            OUTBOX.c.state.in_(FINISHED), OUTBOX.c.purged_at.is_(None), OUTBOX.c.created_at < before,
            (OUTBOX.c.sent_at.is_(None)) | (OUTBOX.c.sent_at < before))
            .values(text="", html="", headers={}, fill=None, purged_at=now)).rowcount
        # A shared digest body goes once no mail still to send is made from it.
        session.execute(delete(BODIES).where(BODIES.c.created_at < before, ~exists().where(
            OUTBOX.c.body_key == BODIES.c.key, OUTBOX.c.state.not_in(FINISHED))))
        posts = session.execute(update(POSTS).where(
            POSTS.c.state.in_(FINISHED), POSTS.c.purged_at.is_(None), POSTS.c.created_at < before,
            (POSTS.c.sent_at.is_(None)) | (POSTS.c.sent_at < before))
            .values(body="", purged_at=now)).rowcount
    return mails, posts
