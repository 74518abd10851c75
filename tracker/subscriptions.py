"""Subscribers: who gets which digests, confirmed by double opt-in, and what they were last sent.

An address is validated when it is added and kept normalised, so the same person cannot sign up
twice by writing their address differently. An unconfirmed subscriber is sent the confirmation
mail and nothing else. Each subscriber's ``cursor`` is the approval number (``Change.approval_seq``)
of the last change they were sent; it moves only once the mail server accepted their digest
(``tracker.mailer``), so a change approved late still reaches everyone, once.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from tracker.consent import Consent, Suppressed, check_not_suppressed, record
from tracker.db import write_session
from tracker.errors import NotFoundError, TrackerError
from tracker.matters import matter_keys
from tracker.models.cases import Case
from tracker.models.people import Person
from tracker.models.subscribers import ACTIVE, SUSPENDED, UNCONFIRMED, UNSUBSCRIBED, Subscriber
from tracker.vocab import Frequency, Kind, Significance


class SubscriptionError(TrackerError):
    """A subscriber that cannot be added or changed as asked."""


MAX_NAME = 100  # characters kept of a name
MAX_EMAIL = 254  # the longest address SMTP can carry (RFC 5321's path limit)
MAX_CHOICES = 50  # jurisdictions, topics or follows in one subscription
MAX_CHOICE = 64  # characters of one


def clean_name(name: str | None) -> str | None:
    """A name fit for a mail header: no control or format characters (a line break in a name
    would end the ``To:`` header and start another), spaces collapsed, at most ``MAX_NAME``."""
    if name is None:
        return None
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in name
                   if unicodedata.category(ch) not in ("Cf", "Cs", "Co", "Cn"))
    return " ".join(kept.split())[:MAX_NAME].strip() or None


def _choices(values: list[str] | None, what: str) -> list[str]:
    values = [value.strip().lower() for value in values or [] if value.strip()]
    if len(values) > MAX_CHOICES or any(len(value) > MAX_CHOICE for value in values):
        raise SubscriptionError(f"at most {MAX_CHOICES} {what}, each at most {MAX_CHOICE} characters")
    return values


@dataclass
class Preferences:
    """What a subscriber asks for; an empty list means any."""

    name: str | None = None
    frequency: Frequency = Frequency.WEEKLY
    kinds: list[Kind] | None = None
    jurisdictions: list[str] | None = None
    topics: list[str] | None = None
    follows: list[str] | None = None
    min_significance: Significance | None = None
    # People followed (``tracker people`` keys): their cases, those added later included.
    follows_people: list[str] | None = None


def normalise_email(address: str) -> str:
    """:raises SubscriptionError: naming what is wrong with the address"""
    from email_validator import EmailNotValidError, validate_email  # 50 ms: only when needed

    if len(address) > MAX_EMAIL:
        raise SubscriptionError(f"an email address is at most {MAX_EMAIL} characters")
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SubscriptionError(f"{address!r} is not a usable email address: {exc}") from None


def _apply(subscriber: Subscriber, session: Session, preferences: Preferences) -> None:
    follows = _choices(preferences.follows, "followed cases")
    people = _choices(preferences.follows_people, "followed people")
    known_people = set(session.exec(select(Person.key).where(
        col(Person.key).in_(follows + people))).scalars()) if follows or people else set()
    if unknown := [key for key in people if key not in known_people]:
        raise NotFoundError(f"no person {', '.join(unknown)} to follow (`tracker people` lists them)")
    if follows:
        known = set(session.exec(select(Case.key).where(col(Case.key).in_(follows))).scalars())
        known |= matter_keys(session, follows) | known_people
        if unknown := [key for key in follows if key not in known]:
            raise NotFoundError(f"no case or matter {', '.join(unknown)} to follow "
                                "(`tracker cases` and `tracker matters` list them)")
    follows += [key for key in people if key not in follows]
    subscriber.name = clean_name(preferences.name) or subscriber.name
    subscriber.frequency = Frequency(preferences.frequency)
    subscriber.kinds = [Kind(k).value for k in preferences.kinds or []]
    subscriber.jurisdictions = sorted(set(_choices(preferences.jurisdictions, "jurisdictions")))
    subscriber.topics = sorted(set(_choices(preferences.topics, "topics")))
    subscriber.follows = follows
    subscriber.min_significance = preferences.min_significance


NOT_SAID = Consent("not recorded")
CHOICES = ("name", "frequency", "kinds", "jurisdictions", "topics", "follows", "min_significance")


def _choices_of(subscriber: Subscriber) -> dict:
    return {name: getattr(subscriber, name) for name in CHOICES}


def _changed(before: dict, subscriber: Subscriber) -> dict:
    """What changed in a subscriber's choices, as ``{choice: [before, after]}``."""
    after = _choices_of(subscriber)
    return {name: [before[name], after[name]] for name in CHOICES if before[name] != after[name]}


def subscribe(engine: Engine, email: str, preferences: Preferences, *, now: datetime,
              confirmed: bool = False, from_stranger: bool = False, consent: Consent = NOT_SAID,
              suppression_key: str | None = None) -> tuple[Subscriber, bool]:
    """Add a subscriber, or set a known one's preferences (an unsubscribed one starts again).

    :param from_stranger: the request may not come from the address's owner (the public sign-up
        form): a confirmed subscriber's preferences are then left alone, and they are mailed a
        link instead, whose page leads to their preferences
    :return: the subscriber, and whether a confirmation mail is needed
    :raises SubscriptionError: for an unusable address
    :param consent: how the request came, kept in the consent record
    :param suppression_key: check the suppression list with this key (``tracker.rights``)
    :raises NotFoundError: for a followed case that does not exist
    :raises Suppressed: for an address erased, bounced or complained about, or suspended
    """
    address = normalise_email(email)
    with write_session(engine) as session:
        if suppression_key:
            check_not_suppressed(session, suppression_key, address)
        # GOOD@x and good@x are one person (no mail system in use tells them apart): one
        # subscriber, kept as first written.
        subscriber = session.exec(select(Subscriber).where(
            func.lower(Subscriber.email) == address.lower())).scalars().first()
        if subscriber is None:
            subscriber = Subscriber(email=address, created_at=now)
            session.add(subscriber)
        if from_stranger and subscriber.state == ACTIVE:
            session.expunge(subscriber)
            return subscriber, True
        if subscriber.state == SUSPENDED:
            raise Suppressed(f"{address} cannot be subscribed: mail to it bounced permanently "
                             f"({subscriber.last_failure}); staff can lift this with "
                             "`tracker subscribers unsuppress`")
        before, was = _choices_of(subscriber), subscriber.state
        _apply(subscriber, session, preferences)
        if confirmed and subscriber.state != ACTIVE:
            subscriber.state, subscriber.confirmed_at = ACTIVE, now
        elif subscriber.state in (UNSUBSCRIBED, SUSPENDED):
            subscriber.state, subscriber.unsubscribed_at = UNCONFIRMED, None
        subscriber.hard_failures = 0 if confirmed else subscriber.hard_failures
        session.flush()
        if subscriber.state != was or was == UNCONFIRMED:
            record(session, subscriber.id, "subscribed" if confirmed else "asked", consent, now=now,
                   **_choices_of(subscriber))
        elif changed := _changed(before, subscriber):
            record(session, subscriber.id, "preferences", consent, now=now, **changed)
        session.refresh(subscriber)
        session.expunge(subscriber)
    return subscriber, subscriber.state == UNCONFIRMED


def update_preferences(engine: Engine, subscriber_id: int, preferences: Preferences, *,
                       now: datetime, consent: Consent = NOT_SAID) -> Subscriber:
    with write_session(engine) as session:
        subscriber = _get(session, subscriber_id)
        before = _choices_of(subscriber)
        _apply(subscriber, session, preferences)
        if changed := _changed(before, subscriber):
            record(session, subscriber.id, "preferences", consent, now=now, **changed)
        session.flush()
        session.expunge(subscriber)
        return subscriber


def confirm(engine: Engine, subscriber_id: int, *, now: datetime, version: int = 0,
            consent: Consent = NOT_SAID) -> Subscriber:
    """Confirm an address (again is harmless).

    :param version: the ``token_version`` the confirm link was made for
    :raises SubscriptionError: for a link made before they unsubscribed
    """
    with write_session(engine) as session:
        subscriber = _get(session, subscriber_id)
        if version != subscriber.token_version:
            raise SubscriptionError("this confirmation link is out of date; sign up again for a new one")
        if subscriber.state == UNCONFIRMED:
            subscriber.state, subscriber.confirmed_at = ACTIVE, now
            record(session, subscriber.id, "confirmed", consent, now=now)
        session.flush()
        session.expunge(subscriber)
        return subscriber


def unsubscribe(engine: Engine, subscriber_id: int, *, now: datetime,
                consent: Consent = NOT_SAID) -> Subscriber:
    """Stop every mail to a subscriber (again is harmless); what they asked for is kept."""
    with write_session(engine) as session:
        subscriber = _get(session, subscriber_id)
        if subscriber.state != UNSUBSCRIBED:
            subscriber.state, subscriber.unsubscribed_at = UNSUBSCRIBED, now
            subscriber.token_version += 1  # a confirm link sent before cannot bring them back
            record(session, subscriber.id, "unsubscribed", consent, now=now)
        session.flush()
        session.expunge(subscriber)
        return subscriber


def _get(session: Session, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFoundError(f"no subscriber #{subscriber_id}")
    return subscriber


def find(session: Session, email: str) -> Subscriber:
    """:raises NotFoundError: when no subscriber has that address"""
    try:
        address = normalise_email(email)
    except SubscriptionError:
        address = email.strip()
    subscriber = session.exec(select(Subscriber).where(
        func.lower(Subscriber.email) == address.lower())).scalars().first()
    if subscriber is None:
        raise NotFoundError(f"no subscriber {email}")
    return subscriber


def all_subscribers(session: Session) -> list[Subscriber]:
    return list(session.exec(select(Subscriber).order_by(col(Subscriber.email))).scalars())
