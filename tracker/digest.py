"""Digests: for each subscriber, the approved changes they have not been sent that match what they
asked for, and the mail that carries them. This module only reads; ``tracker.mailer`` sends.

A change is in a subscriber's digest when it was approved after their cursor (the approval
order, so a change approved late is not skipped), no longer ago than the cap (a first digest or
one after a long gap is never a flood), and it matches: a followed case, a case of a followed
matter (members added later included), or a case of a followed person (a sponsor's new bill, a
defendant's new suit, whenever it arrived), always does; otherwise every filter they set (kinds,
jurisdictions, topics, minimum significance) must, and someone who set none and follows nothing
gets everything. The digest says
which of their filters matched each change. An empty digest is not a digest.

A correction (a status ``tracker refold`` recomputed because the tracker now reads the text right)
is not news: it goes only to subscribers who were already sent something about that case, as a
short "Correction" line.
"""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape
from sqlalchemy import select
from sqlmodel import Session, col

from tracker.coming import case_matches, coming_up, filter_set
from tracker.config import Settings, templates_dir
from tracker.matters import matters_of
from tracker.models.calendar import DateAhead
from tracker.models.cases import Case, Event
from tracker.models.matters import Matter
from tracker.models.review import Change
from tracker.models.subscribers import Subscriber
from tracker.people_queries import Mention, people_of
from tracker.pictures.png import digest_map
from tracker.queries import public_notes, staff_of, status_label
from tracker.records import safe_url
from tracker.rulings import describe, outcomes_of
from tracker.tokens import CALENDAR, CONFIRM, PREFERENCES, UNSUBSCRIBE, Tokens
from tracker.verp import unsubscribe_address
from tracker.vocab import ChangeKind, Frequency, Kind, Priority, Significance

KIND_ORDER = list(Kind)
LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x00-\x1f\x7f\u2028\u2029]+")
SUBJECT_CHARS = 150
# What a subscriber's mail is called, in "You get this ... because".
MAIL_NAMES = {Frequency.IMMEDIATE: "alert", Frequency.DAILY: "daily digest",
              Frequency.WEEKLY: "weekly digest"}


@dataclass
class DigestItem:
    change: Change
    case: Case
    event: Event | None
    staff: dict[str, Any]
    matter: Matter | None = None
    matched: list[str] = field(default_factory=list)
    people: list[Mention] = field(default_factory=list)  # its sponsors, judges and parties

    @property
    def what(self) -> str:
        """``Status: Motion to dismiss pending → Discovery``, ``New case: Filed``..."""
        kind, change = ChangeKind(self.change.kind), self.change
        if change.correction:
            return (f"Correction: the status reads {status_label(change.after) or '—'}, not "
                    f"{status_label(change.before) or '—'} (the tracker now reads the record right)")
        if kind is ChangeKind.STATUS_CHANGE:
            return f"Status: {status_label(change.before) or '—'} → {status_label(change.after)}"
        if kind is ChangeKind.NEW_CASE:
            return f"Newly tracked: {status_label(change.after) or Kind(self.case.kind).label}"
        if kind is ChangeKind.TITLE_CHANGE:
            return f"Renamed from “{change.before}”"
        return change.after or ""

    @property
    def subject(self) -> str:
        """The item as a mail's subject, one clause about one case: the reviewer's headline
        when there is one (it is written for subscribers), else the case and what became of it."""
        change, title = self.change, self.case.title
        if change.headline:
            return change.headline
        if change.correction:
            return f"Correction: {title} is {status_label(change.after) or '—'}"
        kind = ChangeKind(change.kind)
        if kind is ChangeKind.STATUS_CHANGE:
            return f"{title} is now {status_label(change.after)}"
        if kind is ChangeKind.NEW_CASE:
            return f"Newly tracked: {title}"
        if kind is ChangeKind.TITLE_CHANGE:
            return f"{title}, renamed"
        return f"{title}: {change.after or 'news'}"

    @property
    def public_note(self) -> str | None:
        """The latest note staff wrote for the public (internal notes, the stance and the staff's
        tags stay with staff)."""
        notes = public_notes(self.staff["notes"])
        return notes[-1]["text"] if notes else None

    @property
    def day(self) -> date:
        """The event's date; for a newly tracked case, the date of its status."""
        if self.event:
            return self.event.date
        return self.case.status_date or self.change.detected_at.date()

    @property
    def link(self) -> str | None:
        """The source document: the event's, else the case's first link."""
        if self.event and self.event.source_url:
            return self.event.source_url
        return self.case.urls[0] if self.case.urls else None


@dataclass
class Digest:
    subscriber: Subscriber
    items: list[DigestItem]
    up_to: int  # the approval_seq of the last change considered
    since: datetime  # the cap
    # A ruling's outcome in a line and its holding, by the event id of the change about it.
    outcomes: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    coming: list[tuple[DateAhead, Case]] = field(default_factory=list)  # the subscriber's dates ahead

    def groups(self) -> list[tuple[str, list[DigestItem]]]:
        """Items by matter (a dispute's dockets or bills together), then the rest by kind in a
        fixed order; high priority first within a group, then as approved."""
        rank = {Priority.HIGH: 0, Priority.NORMAL: 1, None: 1, Priority.LOW: 2}
        groups: dict[str, list[DigestItem]] = {}
        for item in self.items:
            if item.matter is not None:
                groups.setdefault(item.matter.title, []).append(item)
        for kind in KIND_ORDER:
            items = [i for i in self.items if i.case.kind == kind and i.matter is None]
            if items:
                groups[f"{kind.label}s"] = items
        for items in groups.values():
            items.sort(key=lambda i: (rank.get(i.change.priority, 1), i.change.approval_seq))
        return list(groups.items())


def significance(change: Change) -> Significance:
    """How much a change matters: a new case, a high-priority change or a major event is major."""
    if change.kind == ChangeKind.NEW_CASE or change.priority == Priority.HIGH:
        return Significance.MAJOR
    return Significance(change.significance or Significance.MINOR)


def matches(subscriber: Subscriber, item: DigestItem) -> list[str]:
    """Which of the subscriber's filters the change meets; empty when it is not for them."""
    followed = {m.key: m for m in item.people if m.key in subscriber.follows}
    if followed:  # a followed person's case, added before or after they were followed
        return [f"you follow {m.name} ({m.role})" for m in followed.values()]
    matched = case_matches(subscriber, item.case, item.matter, item.staff)
    if not matched or matched[0].startswith("you follow"):
        return matched
    wants_major = subscriber.min_significance == Significance.MAJOR \
        or subscriber.frequency == Frequency.IMMEDIATE
    if wants_major:
        if significance(item.change) != Significance.MAJOR:
            return []
        matched = [m for m in matched if m != "everything"] + ["major changes"]
    return matched


def candidates(session: Session, *, after: int, up_to: int, since: datetime) -> list[DigestItem]:
    """Approved changes numbered from ``after`` (excluded) to ``up_to`` and approved since
    ``since``, in approval order. (``up_to`` is read first: an approval made meanwhile waits
    for the next digest rather than being sent twice.)"""
    rows = session.execute(
        select(Change, Case, Event).join(Case, col(Case.id) == Change.case_id)
        .outerjoin(Event, col(Event.id) == Change.event_id)
        .where(col(Change.approval_seq) > after, col(Change.approval_seq) <= up_to,
               col(Change.reviewed_at) >= since)
        .order_by(col(Change.approval_seq))).all()
    case_ids = list({case.id for _, case, _ in rows})
    staff, matters = staff_of(session, case_ids), matters_of(session, case_ids)
    people = people_of(session, case_ids)
    return [DigestItem(change, case, event, staff[case.id], matters.get(case.id),
                       people=people.get(case.id, []))
            for change, case, event in rows]


def mailed_before(session: Session, corrections: list[DigestItem]) -> dict[int, list[DigestItem]]:
    """For each case a correction touches, its earlier approved changes that were news: what a
    subscriber may have been sent about it."""
    case_ids = list({item.case.id for item in corrections})
    if not case_ids:
        return {}
    rows = session.execute(
        select(Change, Case).join(Case, col(Case.id) == Change.case_id)
        .where(col(Change.case_id).in_(case_ids), col(Change.approval_seq).is_not(None),
               col(Change.correction).is_(False))).all()
    staff, matters = staff_of(session, case_ids), matters_of(session, case_ids)
    people = people_of(session, case_ids)
    earlier: dict[int, list[DigestItem]] = {}
    for change, case in rows:
        earlier.setdefault(case.id, []).append(
            DigestItem(change, case, None, staff[case.id], matters.get(case.id),
                       people=people.get(case.id, [])))
    return earlier


def _was_sent(subscriber: Subscriber, item: DigestItem, earlier: dict[int, list[DigestItem]]) -> bool:
    """Whether an earlier digest of this subscriber carried news of the correction's case."""
    return any(e.change.approval_seq <= subscriber.cursor and e.change.approval_seq < item.change.approval_seq
               and matches(subscriber, e) for e in earlier.get(item.case.id, ()))


def latest_approval(session: Session) -> int:
    return session.execute(select(col(Change.approval_seq)).order_by(
        col(Change.approval_seq).desc().nulls_last()).limit(1)).scalar() or 0


def build_digests(session: Session, subscribers: list[Subscriber], *, now: datetime, cap_days: int,
                  since: datetime | None = None) -> list[Digest]:
    """Each subscriber's digest (empty when nothing new is for them). Sending one moves the
    subscriber's cursor to ``Digest.up_to``, past what did not match them too."""
    if not subscribers:
        return []
    cap = since or now - timedelta(days=cap_days)
    up_to = latest_approval(session)
    pool = candidates(session, after=min(s.cursor for s in subscribers), up_to=up_to, since=cap)
    earlier = mailed_before(session, [item for item in pool if item.change.correction])
    outcomes = {event_id: (describe(view), view.outcome.holding) for event_id, view
                in outcomes_of(session, [i.change.event_id for i in pool if i.change.event_id]).items()}
    digests, coming = [], None  # the dates coming up: read once, for the first digest with news
    matched_for: dict[str, list[list[str]]] = {}  # what each change of the pool matched, per filter set
    for subscriber in subscribers:
        asked_for = filter_set(subscriber)
        if asked_for not in matched_for:
            matched_for[asked_for] = [[] if item.change.correction else matches(subscriber, item)
                                      for item in pool]
        items = []
        for item, matched in zip(pool, matched_for[asked_for], strict=True):
            if item.change.approval_seq <= subscriber.cursor:
                continue
            if item.change.correction:  # whatever their filters: they were sent the wrong status
                if _was_sent(subscriber, item, earlier):
                    items.append(replace(item, matched=["a correction to what you were sent"]))
                continue
            if matched:
                items.append(replace(item, matched=matched))
        if items and coming is None:
            coming = coming_up(session, today=now.date())
        digests.append(Digest(subscriber, items, up_to, cap, outcomes,
                              coming.for_subscriber(subscriber) if items else []))
    return digests


@dataclass(frozen=True)
class Body:
    """A digest body rendered once, with a stand-in (``placeholders``) for each value that is
    the subscriber's own; ``key`` names it by its content."""

    key: str
    subject: str
    text: str
    html: str
    placeholders: dict[str, str]

    def filled(self, fill: dict[str, str]) -> tuple[str, str]:
        """The text and HTML parts with one subscriber's values in."""
        text, html = self.text, self.html
        for name, stand_in in self.placeholders.items():
            text, html = text.replace(stand_in, fill[name]), html.replace(stand_in, fill[name])
        return text, html


@dataclass
class Mail:
    """A rendered mail: what the outbox stores and the mailer sends; a digest also names its
    shared body and this mail's own values for it, so the sender builds its MIME once."""

    subject: str
    text: str
    html: str
    headers: dict[str, str]
    body: Body | None = None
    fill: dict[str, str] | None = None


@cache
def environment(folder: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(folder), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"], default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["status"] = lambda value: status_label(value) or "—"
    env.filters["safe_url"] = safe_url
    return env


def one_line(text: str, limit: int = SUBJECT_CHARS) -> str:
    """A header value: no line breaks or control characters (no header injection), bounded."""
    text = " ".join(LINE_BREAKS.sub(" ", text).split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def _render(name: str, settings: Settings, **context) -> tuple[str, str, str]:
    import css_inline  # only mail needs it

    env = environment(templates_dir() / "email")
    base = settings.base_url.rstrip("/")
    subject = one_line(env.get_template(f"{name}.subject.txt").render(base_url=base, **context))
    text = env.get_template(f"{name}.txt").render(base_url=base, **context)
    html = css_inline.inline(env.get_template(f"{name}.html").render(base_url=base, **context))
    return subject, text, html


def render_digest(digest: Digest, settings: Settings, tokens: Tokens) -> Mail:
    return DigestRenderer(settings, tokens).render(digest)


class DigestRenderer:
    """Renders each distinct digest once: subscribers whose filters give the same changes (for
    the same reasons, at the same frequency, with the same map and dates ahead) share one
    rendered body, into which only their own address and links are put.

    The body is rendered with placeholders (holding a random nonce, so no scraped title can
    contain one) where the address and the three tokens go; each mail is that body with the
    placeholders replaced, HTML-escaped in the HTML part. At most ``KEPT`` bodies are kept.
    """

    KEPT = 1000
    ADDRESS, ADDRESS_HTML = "address", "address_html"  # the address, as it is in each part

    def __init__(self, settings: Settings, tokens: Tokens):
        self.settings, self.tokens = settings, tokens
        self.base = settings.base_url.rstrip("/")
        nonce = secrets.token_hex(8)
        self.address = f"subscriber-{nonce}@example.invalid"
        self.links = {purpose: f"{purpose}-{nonce}" for purpose in (UNSUBSCRIBE, PREFERENCES, CALENDAR)}
        # In the HTML part the address goes in escaped: a stand-in of its own, no substring of the other.
        self.placeholders = {self.ADDRESS: self.address,
                             self.ADDRESS_HTML: f"subscriber-{nonce}-h@example.invalid", **self.links}
        self.bodies: dict[tuple, Body] = {}

    def _body(self, digest: Digest) -> Body:
        subscriber = digest.subscriber
        kinds = sorted(subscriber.kinds or [])
        key = (subscriber.frequency, tuple(kinds),
               tuple((item.change.id, tuple(item.matched)) for item in digest.items),
               tuple(sorted(digest.outcomes.items())),
               tuple((date_ahead.id, case.id) for date_ahead, case in digest.coming))
        if key not in self.bodies:
            if len(self.bodies) >= self.KEPT:
                self.bodies.clear()
            stand_in = Subscriber(email=self.address, frequency=subscriber.frequency, kinds=kinds,
                                  created_at=subscriber.created_at)
            subject, text, html = _render(
                "digest", self.settings, digest=digest, groups=digest.groups(), subscriber=stand_in,
                count=len(digest.items), first=digest.items[0] if digest.items else None,
                unsubscribe_url=f"{self.base}/unsubscribe/{self.links[UNSUBSCRIBE]}",
                preferences_url=f"{self.base}/preferences/{self.links[PREFERENCES]}",
                calendar_url=f"{self.base}/calendar/subscribers/{self.links[CALENDAR]}.ics",
                mail_name=MAIL_NAMES[Frequency(subscriber.frequency)],
                state_map=digest_map(self.base, kinds, {item.case.kind for item in digest.items}))
            html = html.replace(self.address, self.placeholders[self.ADDRESS_HTML])
            content = json.dumps([subject, text, html, self.placeholders]).encode()
            self.bodies[key] = Body(hashlib.sha256(content).hexdigest(), subject, text, html,
                                    self.placeholders)
        return self.bodies[key]

    def render(self, digest: Digest) -> Mail:
        subscriber = digest.subscriber
        body = self._body(digest)
        # Tokens are URL-safe: alike in both parts.
        fill = {purpose: self.tokens.make(purpose, subscriber.id) for purpose in self.links}
        fill |= {self.ADDRESS: subscriber.email, self.ADDRESS_HTML: str(escape(subscriber.email))}
        text, html = body.filled(fill)
        unsubscribe = f"{self.base}/unsubscribe/{fill[UNSUBSCRIBE]}"
        address = unsubscribe_address(self.settings, subscriber.id) or _mailbox(self.settings.mail_from)
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>, <mailto:{address}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return Mail(body.subject, text, html, headers, body, fill)


def render_confirmation(subscriber: Subscriber, settings: Settings, tokens: Tokens) -> Mail:
    base = settings.base_url.rstrip("/")
    confirm_url = f"{base}/confirm/{tokens.make(CONFIRM, subscriber.id, subscriber.token_version)}"
    subject, text, html = _render("confirm", settings, subscriber=subscriber, confirm_url=confirm_url,
                                  frequency=Frequency(subscriber.frequency))
    return Mail(subject, text, html, {})


def render_farewell(subscriber: Subscriber, settings: Settings) -> Mail:
    """The answer to an unsubscribe by mail: it was done."""
    subject, text, html = _render("farewell", settings, subscriber=subscriber)
    return Mail(subject, text, html, {})


def render_notice(name: str, settings: Settings, **context) -> Mail:
    """A mail that is no digest, from its templates ``email/NAME.*`` (an operator alert)."""
    return Mail(*_render(name, settings, **context), {})


@cache  # asked for every mail queued
def _mailbox(mail_from: str) -> str:
    """``AI Copyright Tracker <tracker@example.org>`` → ``tracker@example.org``."""
    from email.utils import parseaddr

    return parseaddr(mail_from)[1] or mail_from
