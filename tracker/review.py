"""Staff review: what the spiders found waits here until a person (or a rule staff set) lets it out.

A change moves from pending to approved or rejected once. Every decision and every later edit is
a row of the review log (who, when, the headline, note and priority set, or the reason), so an
earlier version is never lost. Approving numbers the change in the order of approval
(``approval_seq``), which is what the digests follow: a change approved late still reaches
everyone once. Two status changes on one case before anyone looked are reviewed as one: approving
either approves the net effect on the later one and marks the earlier superseded.

Staff also keep notes, tags and a stance (watch / support / oppose) on cases; they live beside
the case (the store owns the case row itself) and show in ``tracker show``. They are staff-only,
except the notes marked public, which the case page and digests carry too.

The CLI and the web pages are faces over these functions; none of them prints anything.
"""

import getpass
import os
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, and_, func, select, update
from sqlmodel import Session, col

from tracker.approval_rules import ApproveRule
from tracker.db import write_session
from tracker.errors import NotFoundError, TrackerError
from tracker.locks import lock_for_transaction
from tracker.matters import place_link
from tracker.models.cases import Case, CaseNote, CaseStance, CaseTag, Event
from tracker.models.review import Change, ReviewEntry
from tracker.queries import case_by_key
from tracker.vocab import ChangeKind, Priority, ReviewState, Stance

CHANGES = Change.__table__
# Numbering approvals takes this lock for its transaction, so approvals commit in the order they
# number.
APPROVAL_LOCK = "approvals"


class ReviewError(TrackerError):
    """A decision that cannot be made: already decided, or nothing to decide."""

    exit_code = 1


def reviewer(given: str | None = None) -> str:
    """Who is deciding: ``--as NAME``, else ``TRACKER_REVIEWER``, else the OS user."""
    return given or os.environ.get("TRACKER_REVIEWER") or getpass.getuser()


@dataclass
class PendingChange:
    change: Change
    event: Event | None
    folds: list[Change] = field(default_factory=list)  # earlier status changes it supersedes

    @property
    def before(self) -> str | None:
        """The net before: the earliest folded change's, when it folds any."""
        return self.folds[0].before if self.folds else self.change.before


@dataclass
class CaseGroup:
    case: Case
    changes: list[PendingChange]


def pending(session: Session, *, case_key: str | None = None) -> list[CaseGroup]:
    """Pending changes grouped by case, the case with the newest change first; a case's status
    changes are folded into the latest."""
    query = (select(Change, Case, Event).join(Case, col(Case.id) == Change.case_id)
             .outerjoin(Event, col(Event.id) == Change.event_id)
             .where(Change.review_state == ReviewState.PENDING).order_by(col(Change.id)))
    if case_key:
        query = query.where(Case.key == case_key)
    groups: dict[int, CaseGroup] = {}
    for change, case, event in session.execute(query):
        group = groups.setdefault(case.id, CaseGroup(case, []))
        folded = [p for p in group.changes if p.change.kind == ChangeKind.STATUS_CHANGE]
        if change.kind == ChangeKind.STATUS_CHANGE and folded:
            earlier = folded[0]
            group.changes.remove(earlier)
            group.changes.append(PendingChange(change, event, earlier.folds + [earlier.change]))
        else:
            group.changes.append(PendingChange(change, event))
    return sorted(groups.values(), key=lambda g: max(p.change.id for p in g.changes), reverse=True)


@dataclass
class ChangeDetail:
    change: Change
    case: Case
    event: Event | None
    log: list[ReviewEntry]
    timeline: list[Event]  # the case's latest events, newest first
    folds: list[Change]  # pending status changes on the case this one would fold


def get_change(session: Session, change_id: int, *, events: int = 8) -> ChangeDetail:
    """:raises NotFoundError: when there is no such change"""
    change = session.get(Change, change_id)
    if change is None:
        raise NotFoundError(f"no change #{change_id}; `tracker review` lists the pending ones")
    case = session.get(Case, change.case_id)
    event = session.get(Event, change.event_id) if change.event_id else None
    log = list(session.exec(select(ReviewEntry).where(ReviewEntry.change_id == change_id)
                            .order_by(col(ReviewEntry.id))).scalars())
    timeline = list(session.exec(select(Event).where(Event.case_id == case.id)
                                 .order_by(col(Event.date).desc(), col(Event.id).desc())
                                 .limit(events)).scalars())
    folds = []
    if change.review_state == ReviewState.PENDING and change.kind == ChangeKind.STATUS_CHANGE:
        folds = [c for c in _pending_status_changes(session, case.id) if c.id != change_id]
    return ChangeDetail(change, case, event, log, timeline, folds)


def _pending_status_changes(session: Session, case_id: int) -> list[Change]:
    return list(session.exec(select(Change).where(
        Change.case_id == case_id, Change.kind == ChangeKind.STATUS_CHANGE,
        Change.review_state == ReviewState.PENDING).order_by(col(Change.id))).scalars())


@dataclass
class Decision:
    change_id: int
    case_key: str
    state: ReviewState
    superseded: list[int] = field(default_factory=list)


def approve(engine: Engine, change_ids: list[int], *, by: str, now: datetime, note: str | None = None,
            headline: str | None = None, priority: Priority | None = None,
            rule: str | None = None) -> list[Decision]:
    """Approve each change in its own transaction, so one refusal leaves the others decided.

    :raises ReviewError: after deciding the others, naming each change that was not pending
    :raises NotFoundError: likewise, for an id that does not exist
    """
    return _each(change_ids, lambda change_id: _approve_one(
        engine, change_id, by=by, now=now, note=note, headline=headline, priority=priority,
        rule=rule))


def approve_case(engine: Engine, case_key: str, **decision) -> list[Decision]:
    """Everything pending on one case.

    :raises NotFoundError: when there is no such case
    :raises ReviewError: when nothing on it is pending
    """
    with Session(engine) as session:
        case = case_by_key(session, case_key)
        ids = list(session.exec(select(Change.id).where(
            Change.case_id == case.id, Change.review_state == ReviewState.PENDING)).scalars())
    if not ids:
        raise ReviewError(f"nothing is pending on {case_key}")
    return approve_in_turn(engine, sorted(ids), **decision)


def approve_in_turn(engine: Engine, change_ids: list[int], **decision) -> list[Decision]:
    """Approve changes one after another, passing over those an earlier approval decided (a
    status change approves its case's latest and folds the rest).

    :raises ReviewError: after deciding the others, naming each change decided meanwhile
    """
    decisions, problems, decided = [], [], set()
    for change_id in change_ids:
        if change_id in decided:
            continue
        try:
            made = approve(engine, [change_id], **decision)
        except (ReviewError, NotFoundError) as exc:
            problems.append(exc)
            continue
        decisions += made
        decided.update(i for d in made for i in (d.change_id, *d.superseded))
    return _outcome(decisions, problems)


def _each(change_ids: list[int], decide) -> list[Decision]:
    decisions, problems = [], []
    for change_id in dict.fromkeys(change_ids):
        try:
            decisions.append(decide(change_id))
        except (ReviewError, NotFoundError) as exc:
            problems.append(exc)
    return _outcome(decisions, problems)


def _outcome(decisions: list[Decision], problems: list[Exception]) -> list[Decision]:
    """The decisions made, or the problems raised as one error that carries them."""
    if len(problems) == 1 and not decisions:
        raise problems[0]
    if problems:
        error = ReviewError("; ".join(str(p) for p in problems))
        error.decisions = decisions
        raise error
    return decisions


def _approve_one(engine: Engine, change_id: int, *, by: str, now: datetime, note, headline, priority,
                 rule) -> Decision:
    with write_session(engine) as session:
        lock_for_transaction(session, APPROVAL_LOCK)
        change = _decidable(session, change_id)
        folds = []
        if change.kind == ChangeKind.STATUS_CHANGE:
            folds = _pending_status_changes(session, change.case_id)
            change = folds.pop()  # the latest carries the net effect
        next_seq = select(func.coalesce(func.max(CHANGES.c.approval_seq), 0) + 1).scalar_subquery()
        values = {"review_state": ReviewState.APPROVED, "reviewed_by": by, "reviewed_at": now,
                      "approval_seq": next_seq, "rule": rule}
        values.update({k: v for k, v in (("note", note), ("headline", headline),
                                         ("priority", priority)) if v is not None})
        if folds:
            values["before"] = folds[0].before
        _decide(session, change.id, values)
        placed = None
        if change.link_id is not None:  # an approved link of a dispute puts both cases in one matter
            placed = place_link(session, change.link_id, by=by, now=now)
        session.add(ReviewEntry(change_id=change.id, action="approved", actor=by, at=now, note=note,
                                headline=headline, priority=priority, rule=rule, reason=placed))
        for earlier in folds:
            _decide(session, earlier.id, {"review_state": ReviewState.SUPERSEDED, "reviewed_by": by,
                                              "reviewed_at": now, "superseded_by": change.id})
            session.add(ReviewEntry(change_id=earlier.id, action="superseded", actor=by, at=now,
                                    reason=f"folded into #{change.id}"))
        return Decision(change.id, _key(session, change.case_id), ReviewState.APPROVED,
                        [c.id for c in folds])


def reject(engine: Engine, change_ids: list[int], *, by: str, now: datetime,
           reason: str | None = None) -> list[Decision]:
    """:raises ReviewError: after deciding the others, naming each change that was not pending"""
    def reject_one(change_id: int) -> Decision:
        with write_session(engine) as session:
            change = _decidable(session, change_id)
            _decide(session, change_id, {"review_state": ReviewState.REJECTED, "reviewed_by": by,
                                             "reviewed_at": now, "reason": reason})
            session.add(ReviewEntry(change_id=change_id, action="rejected", actor=by, at=now,
                                    reason=reason))
            return Decision(change_id, _key(session, change.case_id), ReviewState.REJECTED)

    return _each(change_ids, reject_one)


def edit(engine: Engine, change_id: int, *, by: str, now: datetime, note: str | None = None,
         headline: str | None = None, priority: Priority | None = None) -> Change:
    """Change a change's headline, note or priority, pending or decided; the log keeps what it
    said before.

    :raises NotFoundError: when there is no such change
    :raises ReviewError: when nothing is given to change
    """
    given = {k: v for k, v in (("note", note), ("headline", headline), ("priority", priority))
             if v is not None}
    if not given:
        raise ReviewError("nothing to edit: give --headline, --note or --priority")
    with write_session(engine) as session:
        change = session.get(Change, change_id)
        if change is None:
            raise NotFoundError(f"no change #{change_id}")
        session.execute(update(CHANGES).where(CHANGES.c.id == change_id).values(given))
        session.add(ReviewEntry(change_id=change_id, action="edited", actor=by, at=now, **given))
    with Session(engine) as session:
        return session.get(Change, change_id)


def _decidable(session: Session, change_id: int) -> Change:
    change = session.get(Change, change_id)
    if change is None:
        raise NotFoundError(f"no change #{change_id}")
    if change.review_state != ReviewState.PENDING:
        raise ReviewError(_already(change))
    return change


def _decide(session: Session, change_id: int, values: dict) -> None:
    """Decide a pending change; a decision made meanwhile by someone else wins, and is said."""
    done = session.execute(update(CHANGES).where(
        and_(CHANGES.c.id == change_id, CHANGES.c.review_state == ReviewState.PENDING)).values(values))
    if done.rowcount != 1:
        session.rollback()
        with Session(session.get_bind()) as fresh:
            raise ReviewError(_already(fresh.get(Change, change_id)))


def _already(change: Change) -> str:
    by = f" by {change.reviewed_by}" if change.reviewed_by else ""
    when = f" on {change.reviewed_at:%Y-%m-%d %H:%M} UTC" if change.reviewed_at else ""
    return f"change #{change.id} is already {change.review_state}{by}{when}"


def _key(session: Session, case_id: int) -> str:
    return session.get(Case, case_id).key


def apply_rules(engine: Engine, rules: list[ApproveRule], *, detected_at: datetime) -> list[Decision]:
    """Approve the changes an ingest made at ``detected_at`` that a rule approves, each recorded
    as approved by that rule."""
    if not rules:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(Change, Case, Event).join(Case, col(Case.id) == Change.case_id)
            .outerjoin(Event, col(Event.id) == Change.event_id)
            .where(Change.detected_at == detected_at, Change.review_state == ReviewState.PENDING)
            .order_by(col(Change.id))).all()
        staff_tags = _staff_tags(session, [case.id for _, case, _ in rows])
    decisions = []
    for change, case, event in rows:
        tags = list(case.tags) + staff_tags.get(case.id, [])
        rule = next((r for r in rules if r.matches(
            source=change.source, change=change.kind,
            significance=event.significance if event else None, case_kind=case.kind, tags=tags,
            on_watchlist=case.on_watchlist)), None)
        if rule is None or any(change.id in d.superseded for d in decisions):
            continue
        try:
            decisions += approve(engine, [change.id], by=f"rule {rule.name}", now=detected_at,
                                 rule=rule.name)
        except ReviewError:
            continue  # a person decided it meanwhile
    return decisions


def _staff_tags(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    if case_ids:
        for case_id, tag in session.execute(select(CaseTag.case_id, CaseTag.tag)
                                            .where(col(CaseTag.case_id).in_(case_ids))):
            tags.setdefault(case_id, []).append(tag)
    return tags


def add_note(engine: Engine, case_key: str, note: str, *, by: str, now: datetime,
             public: bool = False) -> CaseNote:
    """A note for staff; ``public``, one written for the public too (the case page, its JSON
    and digests show it, without its author).

    :raises NotFoundError: when there is no such case
    """
    if not note.strip():
        raise ReviewError("the note is empty")
    with write_session(engine) as session:
        row = CaseNote(case_id=case_by_key(session, case_key).id, author=by, created_at=now,
                       text=note.strip(), public=public)
        session.add(row)
        session.flush()
        session.expunge(row)
        return row


def set_tags(engine: Engine, case_key: str, add: list[str], remove: list[str], *, by: str,
             now: datetime) -> list[str]:
    """Add and remove staff tags; returns the case's staff tags.

    :raises NotFoundError: when there is no such case
    """
    with write_session(engine) as session:
        case = case_by_key(session, case_key)
        have = set(session.exec(select(CaseTag.tag).where(CaseTag.case_id == case.id)).scalars())
        for tag in dict.fromkeys(t.strip().lower() for t in add if t.strip()):
            if tag not in have:
                session.add(CaseTag(case_id=case.id, tag=tag, added_by=by, added_at=now))
                have.add(tag)
        for tag in remove:
            session.execute(CaseTag.__table__.delete().where(
                CaseTag.__table__.c.case_id == case.id, CaseTag.__table__.c.tag == tag.lower()))
            have.discard(tag.lower())
        return sorted(have)


def set_stance(engine: Engine, case_key: str, stance: Stance, *, by: str, now: datetime) -> None:
    """:raises NotFoundError: when there is no such case"""
    with write_session(engine) as session:
        case = case_by_key(session, case_key)
        row = session.get(CaseStance, case.id)
        if row is None:
            session.add(CaseStance(case_id=case.id, stance=stance, set_by=by, set_at=now))
        else:
            row.stance, row.set_by, row.set_at = stance, by, now
