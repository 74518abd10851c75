"""A subscriber's rights over their data: all of it as JSON, and erasure.

Erasure removes the subscriber and everything kept about them (their mails and their delivery
records, the consent record, what came back from their address, their channels, the sign-up
counter named after their address) in one transaction, and puts a keyed hash of the address on
the suppression list (``tracker.consent``) so that an import or a form cannot add it again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session

from tracker.config import Settings
from tracker.consent import SUPPRESSION_KEYS, event_dict, history, lift, suppress
from tracker.db import write_session
from tracker.limits import Counters
from tracker.models.limits import RateCounter
from tracker.models.mailops import ERASED, Channel, ChannelMessage, ConsentEvent, MailReturn
from tracker.models.subscribers import SUSPENDED, UNSUBSCRIBED, OutboxMessage, Subscriber
from tracker.subscriptions import find, normalise_email
from tracker.tokens import derive_key, secret_key


def suppression_key(settings: Settings) -> str:
    return derive_key(secret_key(settings), SUPPRESSION_KEYS)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def export(engine: Engine, email: str) -> dict[str, Any]:
    """Everything held about one subscriber.

    :raises NotFoundError: when no subscriber has that address
    """
    with Session(engine) as session:
        subscriber = find(session, email)
        mails = session.exec(select(OutboxMessage).where(OutboxMessage.subscriber_id == subscriber.id)
                             .order_by(OutboxMessage.id)).scalars().all()
        returns = session.exec(select(MailReturn).where(MailReturn.subscriber_id == subscriber.id)
                               .order_by(MailReturn.id)).scalars().all()
        channels = session.exec(select(Channel).where(Channel.subscriber_id == subscriber.id)
                                .order_by(Channel.id)).scalars().all()
        return {
            "exported_at": _when(datetime.now(UTC)),
            "subscriber": subscriber.model_dump(mode="json"),
            "consent": [event_dict(event) for event in history(session, subscriber.id)],
            "mails": [{"purpose": m.purpose, "subject": m.subject, "to": m.to_address,
                       "message_id": m.message_id, "state": m.state, "queued_at": _when(m.created_at),
                       "sent_at": _when(m.sent_at), "server_answer": m.smtp_code, "error": m.last_error,
                       "text": m.text if m.purged_at is None else None,
                       "body_deleted_at": _when(m.purged_at)} for m in mails],
            "returned_mail": [{"received_at": _when(r.received_at), "kind": r.kind, "status": r.status,
                               "detail": r.detail} for r in returns],
            "channels": [{"kind": c.kind, "created_at": _when(c.created_at), "created_by": c.created_by}
                         for c in channels],
        }


@dataclass
class Erased:
    email: str
    mails: int
    consent_events: int
    returns: int
    channels: int


def erase(engine: Engine, key: str, email: str, *, counters: Counters, now: datetime) -> Erased:
    """Remove a subscriber and all data about them; keep only the suppression hash.

    :param counters: where the web's sign-up counters are kept (the address's is dropped first,
        so that if Redis does not answer nothing is erased yet)
    :raises NotFoundError: when no subscriber has that address
    :raises CountersUnavailable: when Redis holds the counters and does not answer
    """
    with Session(engine) as session:
        counters.forget(f"subscribe-address:{find(session, email).email.lower()}")
    with write_session(engine) as session:
        subscriber = find(session, email)
        sid, address = subscriber.id, subscriber.email

        def gone(statement) -> int:
            return session.execute(statement).rowcount or 0

        channel_ids = list(session.exec(select(Channel.id).where(Channel.subscriber_id == sid)).scalars())
        gone(delete(ChannelMessage).where(ChannelMessage.channel_id.in_(channel_ids)))
        erased = Erased(
            address,
            mails=gone(delete(OutboxMessage).where(OutboxMessage.subscriber_id == sid)),
            consent_events=gone(delete(ConsentEvent).where(ConsentEvent.subscriber_id == sid)),
            returns=gone(delete(MailReturn).where(MailReturn.subscriber_id == sid)),
            channels=gone(delete(Channel).where(Channel.subscriber_id == sid)))
        # and the database's row, which a Redis store's counters leave from before Redis was set
        gone(delete(RateCounter).where(RateCounter.key == f"subscribe-address:{address.lower()}"))
        gone(delete(Subscriber).where(Subscriber.id == sid))
        suppress(session, key, address, ERASED, now=now)
    return erased


def unsuppress(engine: Engine, key: str, email: str) -> bool:
    """Let an address be subscribed again: off the suppression list, and a subscriber suspended
    for bouncing becomes unsubscribed (a new sign-up asks them to confirm). Whether anything
    was lifted."""
    address = normalise_email(email)
    with write_session(engine) as session:
        lifted = lift(session, key, address)
        subscriber = session.exec(select(Subscriber).where(
            func.lower(Subscriber.email) == address.lower())).scalars().first()
        if subscriber is not None and subscriber.state == SUSPENDED:
            subscriber.state, subscriber.hard_failures = UNSUBSCRIBED, 0
            lifted = True
    return lifted
