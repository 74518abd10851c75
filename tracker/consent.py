"""The consent record and the suppression list.

Every step of a subscription is kept with when, how and from where it came, and the words the
person agreed to as the form showed them: asked, confirmed, changed what they get, left, or
was stopped (bounces, a complaint). An erased address leaves only a keyed hash (HMAC-SHA256
with a key derived from the secret, so the list cannot be checked against guessed addresses
without it) on the suppression list, with the reason; so do addresses stopped for bouncing or
for a complaint, and no import or form adds them again by accident.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from tracker.errors import TrackerError
from tracker.models.mailops import BOUNCED, COMPLAINED, ERASED, ConsentEvent, Suppression

# The words beside the sign-up form's button, kept with each sign-up made through it. A change
# here is a new wording: earlier sign-ups keep the words they agreed to.
WORDING = ("Send me the AI copyright tracker's digests at this address, as often as I chose. "
           "You keep my address, my choices and a record of what you sent me, only to send them; "
           "I can download all of it from my preferences page, have it erased, or unsubscribe from "
           "any digest.")
SUPPRESSION_KEYS = "suppression"  # tracker.tokens.derive_key's use
# Why an address is refused, as the refusal says it.
REASONS = {
    ERASED: "its owner asked us to erase their data",
    BOUNCED: "mail to it bounced permanently",
    COMPLAINED: "its owner reported our mail as unwanted",
}


class Suppressed(TrackerError):
    """An address on the suppression list: it cannot be subscribed again by an import or a form."""


@dataclass
class Consent:
    """How a step came: ``how`` (web form, mail link, command line...), ``source`` (the
    network address or the staff account) and, for a sign-up, the ``wording`` agreed to."""

    how: str
    source: str | None = None
    wording: str | None = None


def record(session: Session, subscriber_id: int, action: str, consent: Consent, *, now: datetime,
           **detail: Any) -> None:
    session.add(ConsentEvent(subscriber_id=subscriber_id, at=now, action=action, how=consent.how,
                             source=consent.source, wording=consent.wording, detail=detail))


def history(session: Session, subscriber_id: int) -> list[ConsentEvent]:
    return list(session.exec(select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber_id)
                             .order_by(ConsentEvent.at, ConsentEvent.id)).scalars())


def event_dict(event: ConsentEvent) -> dict[str, Any]:
    return {"at": event.at.isoformat(timespec="seconds"), "action": event.action, "how": event.how,
            "from": event.source, "wording": event.wording, "detail": event.detail}


def address_hash(key: str, email: str) -> str:
    return hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def suppress(session: Session, key: str, email: str, reason: str, *, now: datetime,
             detail: str | None = None) -> None:
    """Put an address on the suppression list (again: the newest reason stands)."""
    digest = address_hash(key, email)
    row = session.exec(select(Suppression).where(Suppression.address_hash == digest)).scalars().first()
    if row is None:
        session.add(Suppression(address_hash=digest, reason=reason, at=now, detail=detail))
    else:
        row.reason, row.at, row.detail = reason, now, detail


def check_not_suppressed(session: Session, key: str, email: str) -> None:
    """:raises Suppressed: with the reason and the day, when the address is on the list"""
    row = session.exec(select(Suppression).where(
        Suppression.address_hash == address_hash(key, email))).scalars().first()
    if row is not None:
        raise Suppressed(f"{email} cannot be subscribed: {REASONS.get(row.reason, row.reason)} "
                         f"({row.at:%Y-%m-%d}); staff can lift this with `tracker subscribers unsuppress`")


def lift(session: Session, key: str, email: str) -> bool:
    """Take an address off the suppression list; whether it was on it."""
    result = session.execute(delete(Suppression).where(
        Suppression.address_hash == address_hash(key, email)))
    return bool(result.rowcount)
