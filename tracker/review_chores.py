"""The review queue's chores: the first run's baseline, approving everything a filter selects,
and reopening a decision.

A fresh tracker finds every case new: seeding the watchlist and each source's first crawl leave
a queue of "New case" changes (and the histories those crawls filled in) that are not news to
anyone. ``baseline`` records them as known, a decision of their own that no digest or feed
carries, rather than approving them for digests or rejecting them. What it covers is exact: the
pending changes the seed made, and those a source made up to the end of its first crawl that
succeeded; link proposals stay for a person, since approving one can place cases in a matter.

``reopen`` puts a decided change back in the queue, except one a digest has already carried
(mail cannot be called back) and an approved link (its matter is changed already).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlmodel import Session, col

from tracker.db import chunks, write_session
from tracker.errors import NotFoundError
from tracker.locks import lock_for_transaction
from tracker.models.cases import Case
from tracker.models.review import Change, ReviewEntry
from tracker.models.runs import SourceRun
from tracker.models.subscribers import DIGEST, PENDING, SENDING, SENT, OutboxMessage, Subscriber
from tracker.review import APPROVAL_LOCK, ReviewError
from tracker.runs import OK, PARTIAL
from tracker.vocab import ChangeKind, Kind, ReviewState
from tracker.watchlist import SOURCE as SEED_SOURCE

CHANGES = Change.__table__


@dataclass
class Selection:
    """Which pending changes ``tracker review approve --all`` takes; each part left empty
    matches anything."""

    case_kinds: list[Kind] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    change_kinds: list[ChangeKind] = field(default_factory=list)


def select_pending(session: Session, selection: Selection) -> list[tuple[int, str, str]]:
    """The pending changes the selection takes, oldest first, as ``(id, change kind, case key)``."""
    query = (select(Change.id, Change.kind, Case.key).join(Case, col(Case.id) == Change.case_id)
             .where(Change.review_state == ReviewState.PENDING).order_by(col(Change.id)))
    if selection.case_kinds:
        query = query.where(col(Case.kind).in_([str(k) for k in selection.case_kinds]))
    if selection.sources:
        query = query.where(col(Change.source).in_(selection.sources))
    if selection.change_kinds:
        query = query.where(col(Change.kind).in_([str(k) for k in selection.change_kinds]))
    return [tuple(row) for row in session.execute(query)]


@dataclass
class Baseline:
    changes: int = 0
    cases: int = 0
    by_source: Counter = field(default_factory=Counter)
    left: int = 0  # still pending afterwards
    links_left: int = 0  # of which link proposals


def _first_crawl_end():
    """For the change's source, the end of its first crawl that succeeded (in part or whole)."""
    return (select(func.min(SourceRun.finished_at))
            .where(SourceRun.source == Change.source,
                   col(SourceRun.state).in_([OK, PARTIAL]), col(SourceRun.finished_at).is_not(None))
            .scalar_subquery())


def baseline(engine: Engine, *, by: str, now: datetime) -> Baseline:
    """Record the seed's and the first crawls' pending changes as the baseline: known, never sent."""
    report = Baseline()
    with write_session(engine) as session:
        lock_for_transaction(session, APPROVAL_LOCK)
        rows = session.execute(
            select(Change.id, Change.case_id, Change.source)
            .where(Change.review_state == ReviewState.PENDING, Change.kind != ChangeKind.NEW_LINK,
                   or_(Change.source == SEED_SOURCE, col(Change.detected_at) <= _first_crawl_end()))
            .order_by(col(Change.id))).all()
        ids = [change_id for change_id, _, _ in rows]
        for chunk in chunks(ids):
            session.execute(update(CHANGES).where(
                and_(CHANGES.c.id.in_(chunk), CHANGES.c.review_state == ReviewState.PENDING)).values(
                review_state=ReviewState.BASELINE, reviewed_by=by, reviewed_at=now))
        session.add_all([ReviewEntry(change_id=change_id, action="baseline", actor=by, at=now,
                                     reason="known at set-up: the seed or its source's first crawl")
                         for change_id in ids])
        report.changes, report.cases = len(ids), len({case_id for _, case_id, _ in rows})
        report.by_source = Counter(source or "?" for _, _, source in rows)
    with Session(engine) as session:
        left = session.execute(select(Change.kind, func.count()).where(
            Change.review_state == ReviewState.PENDING).group_by(Change.kind)).all()
    report.left = sum(count for _, count in left)
    report.links_left = sum(count for kind, count in left if kind == ChangeKind.NEW_LINK)
    return report


def reopen(engine: Engine, change_id: int, *, by: str, now: datetime) -> Change:
    """Put a decided change back in the queue, its headline and note kept.

    :raises NotFoundError: when there is no such change
    :raises ReviewError: when it is pending, folded into another, an approved link, or carried by
        a digest already
    """
    with write_session(engine) as session:
        lock_for_transaction(session, APPROVAL_LOCK)
        change = session.get(Change, change_id)
        if change is None:
            raise NotFoundError(f"no change #{change_id}")
        _check_reopenable(session, change)
        was = f"{change.review_state} by {change.reviewed_by}" if change.reviewed_by else change.review_state
        session.execute(update(CHANGES).where(CHANGES.c.id == change_id).values(
            review_state=ReviewState.PENDING, reviewed_by=None, reviewed_at=None, approval_seq=None,
            rule=None, reason=None))
        session.add(ReviewEntry(change_id=change_id, action="reopened", actor=by, at=now,
                                reason=f"was {was}"))
    with Session(engine) as session:
        return session.get(Change, change_id)


def _check_reopenable(session: Session, change: Change) -> None:
    state = change.review_state
    if state == ReviewState.PENDING:
        raise ReviewError(f"change #{change.id} is pending already")
    if state == ReviewState.SUPERSEDED:
        raise ReviewError(f"change #{change.id} was folded into #{change.superseded_by}; "
                          f"reopen #{change.superseded_by} instead")
    if state == ReviewState.APPROVED and change.kind == ChangeKind.NEW_LINK:
        raise ReviewError(f"change #{change.id} is an approved link, which may have placed its cases in "
                          "a matter; `tracker matter remove` takes a case out of one")
    if state == ReviewState.APPROVED and (carried := _in_a_digest(session, change.approval_seq)):
        raise ReviewError(f"change #{change.id} cannot be reopened: {carried} (mail cannot be called "
                          f"back; `tracker review edit {change.id}` changes what the feeds and pages say)")


def _in_a_digest(session: Session, approval_seq: int | None) -> str | None:
    """Whether a digest has carried (or is queued to carry) this approval number, in words. A
    digest covers the approval numbers after its subscriber's cursor up to its ``up_to``; the
    cursor moves there once the mail server took it."""
    if approval_seq is None:
        return None
    rows = session.execute(select(OutboxMessage.span, OutboxMessage.state, OutboxMessage.sent_at).where(
        OutboxMessage.purpose == DIGEST, col(OutboxMessage.state).in_([PENDING, SENDING, SENT]),
        col(OutboxMessage.up_to) >= approval_seq)).all()
    covering = [(state, sent_at) for span, state, sent_at in rows if int(span.split("-")[0]) < approval_seq]
    sent = sorted(sent_at for state, sent_at in covering if state == SENT and sent_at)
    if sent:
        return f"it went out in a digest on {sent[0]:%Y-%m-%d}"
    if session.execute(select(func.count()).select_from(Subscriber).where(
            col(Subscriber.cursor) >= approval_seq)).scalar():
        return "it has gone out in a digest"
    if covering:
        return "a digest carrying it is queued to go out"
    return None
