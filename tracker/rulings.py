"""Rulings as records: what each ruling decided, read from its text where the text says so and
otherwise set by staff in review (``tracker review edit --disposition ... --fair-use ...``).

A ruling is an event the classifier read as one (``Event.ruling``) that matters (a major event: a
decided dispositive motion, class certification, summary judgment, a judgment, an appeal's
decision); an order granting an extension of time is a ruling too, but no record is made of it
unless staff give it an outcome. The outcome is the motion it decides, its disposition, the claims
it reached (``tracker.vocab.Claim``), how it decided fair use (``tracker.vocab.FairUse``) and a
one-line holding staff write. What staff set is never read over again.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.docket import DISPOSITION, MOTION_SUBJECT, disposition_of
from tracker.errors import NotFoundError, TrackerError
from tracker.models.cases import Case, Event
from tracker.models.review import Change
from tracker.models.rulings import FROM_REVIEW, FROM_TEXT, RulingClaim, RulingOutcome
from tracker.queries import CaseFilter, case_by_key
from tracker.queries import _where as case_where
from tracker.vocab import ActionClass as A
from tracker.vocab import Claim, Disposition, FairUse, Significance

OUTCOMES, CLAIMS = RulingOutcome.__table__, RulingClaim.__table__
MAX_HOLDING = 500  # characters: one line
# The motion a ruling decides, by its class when it has one (prose summaries name no motion).
MOTION_OF_CLASS = {
    A.MOTION_TO_DISMISS_GRANTED: "motion to dismiss",
    A.MOTION_TO_DISMISS_GRANTED_IN_PART: "motion to dismiss",
    A.MOTION_TO_DISMISS_DENIED: "motion to dismiss",
    A.SUMMARY_JUDGMENT_RULING: "motion for summary judgment",
    A.CLASS_CERTIFIED: "motion for class certification",
    A.CLASS_CERTIFICATION_DENIED: "motion for class certification",
}
CLAIM_WORDS = tuple((claim, re.compile(words)) for claim, words in (
    (Claim.COPYRIGHT_INFRINGEMENT, r"copyright infringement|\binfringed\b|infringement claims?"
                                   r"|\b(?:direct(?:ly)?|contributory|vicarious|induced)\s+(?:copyright\s+)?infring"),
    (Claim.DMCA_1202, r"\b1202\b|copyright management information|\bcmi\b|\bdmca\b(?![^.;]{0,20}\b1201\b)"),
    (Claim.DMCA_1201, r"\b1201\b|anti-?circumvention|\bcircumvent"),
    (Claim.UNFAIR_COMPETITION, r"unfair competition|\bucl\b|\b17200\b"),
    (Claim.RIGHT_OF_PUBLICITY, r"right of publicity|\bpublicity\b|\blikeness\b|\b3344\b"),
    (Claim.TRADEMARK, r"trademark|lanham|false designation|(?<!market )\bdilution\b"),
    (Claim.UNJUST_ENRICHMENT, r"unjust enrichment"),
    (Claim.CONTRACT, r"breach of contract|contract claims?"),
    (Claim.COMPUTER_FRAUD, r"\bcfaa\b|\bcdafa\b|computer fraud"),
    (Claim.NEGLIGENCE, r"\bnegligen"),
))
FAIR_USE_NOT_REACHED = re.compile(r"(?:does not|did not|declin\w* to|need not) (?:reach|decide|address)"
                                  r"[^.;]{0,40}fair use|fair use[^.;]{0,40}(?:premature|not (?:yet )?ripe"
                                  r"|not reached)")
FAIR_USE_AGAINST = re.compile(r"\bnot (?:a )?fair use|\bno fair use|fair use does not apply"
                              r"|fair use (?:defen[cs]e )?(?:is |was )?(?:rejected|fails|denied)"
                              r"|reject\w* [^.;]{0,30}fair use")
FAIR_USE_FOR = re.compile(r"\b(?:is|was|were|constitutes?|qualif\w+ as|protected by)\s+(?:a\s+)?fair use"
                          r"|fair use (?:defen[cs]e )?(?:succeeds|applies|prevails)")


class OutcomeError(TrackerError):
    """An outcome that cannot be set (a change not about an event, nothing given)."""

    exit_code = 2


@dataclass
class Outcome:
    motion: str | None = None
    disposition: Disposition | None = None
    claims: list[Claim] = field(default_factory=list)
    fair_use: FairUse | None = None


def read_outcome(text: str, classes: Sequence[str] = ()) -> Outcome:
    """What a ruling's text says it decided; ``None`` and empty where it does not say."""
    lowered = text.lower()
    motion = next((MOTION_OF_CLASS[A(c)] for c in classes if c in MOTION_OF_CLASS), None)
    if motion is None and (found := MOTION_SUBJECT.search(lowered)):
        motion = " ".join(found.group(0).split())
    decided = FAIR_USE_AGAINST.sub("", lowered)  # "fair use rejected" says nothing of the motion
    disposition = (Disposition.GRANTED_IN_PART if A.MOTION_TO_DISMISS_GRANTED_IN_PART in classes
                   else disposition_of(decided))
    said = {word.lastgroup for word in DISPOSITION.finditer(decided)}
    if disposition is not Disposition.GRANTED_IN_PART and len(said) > 1:
        disposition = None  # cross-motions, one granted and one denied: staff say which counts
    claims = [claim for claim, pattern in CLAIM_WORDS if pattern.search(lowered)]
    fair_use = None
    if "fair use" in lowered:
        held_fair, held_unfair = bool(FAIR_USE_FOR.search(lowered)), bool(FAIR_USE_AGAINST.search(lowered))
        if held_fair and held_unfair:
            fair_use = FairUse.MIXED
        elif held_fair or held_unfair:
            fair_use = FairUse.FOR_DEFENDANT if held_fair else FairUse.AGAINST
        elif FAIR_USE_NOT_REACHED.search(lowered):
            fair_use = FairUse.NOT_REACHED
    return Outcome(motion, disposition, claims, fair_use)


def record_rulings(engine: Engine, case_keys: Sequence[str], *, now: datetime) -> int:
    """Make a record, read from its text, of each major ruling of these cases that has none.

    :return: how many were recorded
    """
    if not case_keys:
        return 0
    with write_session(engine) as session:
        connection = session.connection()
        events = Event.__table__
        rows = connection.execute(
            select(events.c.id, events.c.case_id, events.c.text, events.c.classification, events.c.source_url)
            .join(Case.__table__, Case.__table__.c.id == events.c.case_id)
            .where(Case.__table__.c.key.in_(list(case_keys)), events.c.ruling.is_not(None),
                   events.c.significance == Significance.MAJOR,
                   ~events.c.id.in_(select(OUTCOMES.c.event_id)))).all()
        outcomes, claims = [], []
        for row in rows:
            outcome = read_outcome(row.text, row.classification.split())
            outcomes.append({"event_id": row.id, "case_id": row.case_id, "motion": outcome.motion,
                             "disposition": outcome.disposition and str(outcome.disposition),
                             "fair_use": outcome.fair_use and str(outcome.fair_use), "holding": None,
                             "document_url": row.source_url, "read_from": FROM_TEXT, "set_by": None,
                             "set_at": now})
            claims += [{"event_id": row.id, "claim": str(claim)} for claim in outcome.claims]
        for table, values in ((OUTCOMES, outcomes), (CLAIMS, claims)):
            if values:
                connection.execute(insert(table), values)
    return len(rows)


def set_outcome(engine: Engine, change_id: int, *, by: str, now: datetime, **outcome: Any) -> int:
    """Staff's outcome for the ruling a change is about (``tracker review edit``); see
    :func:`_write_outcome` for what is kept.

    :return: the ruling's event id
    :raises NotFoundError: when there is no such change
    :raises OutcomeError: when the change is about no event, or nothing is given
    """
    def event_of_change(session: Session) -> Event:
        change = session.get(Change, change_id)
        if change is None:
            raise NotFoundError(f"no change #{change_id}")
        event = session.get(Event, change.event_id) if change.event_id else None
        if event is None:
            raise OutcomeError(f"change #{change_id} is about no ruling (it has no event)")
        return event

    return _write_outcome(engine, event_of_change, by=by, now=now, **outcome)


def set_ruling_outcome(engine: Engine, case_key: str, day: date, *, entry: str | None = None, by: str,
                       now: datetime, **outcome: Any) -> int:
    """Staff's outcome for a case's ruling of that day (``tracker outcome``), whatever change (or
    none: a seeded case has only its ``new_case``) brought it in. Of several events that day the
    one ruling is meant; ``entry``, a docket entry number, picks one of several.

    :return: the ruling's event id
    :raises NotFoundError: when there is no such case, or no event that day
    :raises OutcomeError: when several rulings that day leave it open, or nothing is given
    """
    def event_of_day(session: Session) -> Event:
        case = case_by_key(session, case_key)
        query = select(Event).where(Event.case_id == case.id, Event.date == day)
        if entry is not None:
            query = query.where(Event.entry_number == entry.strip())
        found = list(session.execute(query.order_by(col(Event.sequence), col(Event.id))).scalars())
        rulings = [e for e in found if e.ruling] if len(found) > 1 else found
        if not rulings:
            days = session.execute(select(Event.date).distinct().order_by(col(Event.date))
                                   .where(Event.case_id == case.id, col(Event.ruling).is_not(None))).scalars()
            raise NotFoundError(f"no {'ruling' if found else 'event'} of {case.key} on {day}"
                                + (f" (entry {entry})" if entry else "")
                                + f"; its rulings: {', '.join(d.isoformat() for d in days) or 'none'}")
        if len(rulings) > 1:
            entries = ", ".join(e.entry_number or f"(no number: {e.text[:40]}...)" for e in rulings)
            raise OutcomeError(f"{case.key} has {len(rulings)} rulings on {day}: "
                               f"--entry picks one of {entries}")
        return rulings[0]

    return _write_outcome(engine, event_of_day, by=by, now=now, **outcome)


def _write_outcome(engine: Engine, find_event: Callable[[Session], Event], *, by: str, now: datetime,
                   motion: str | None = None, disposition: Disposition | None = None,
                   claims: Sequence[Claim] | None = None, fair_use: FairUse | None = None,
                   holding: str | None = None) -> int:
    """What is given replaces what was read or set before (``claims`` all together); the rest is
    kept; and it is marked as set in review, so it is never read over again."""
    given = {name: value for name, value in (("motion", motion), ("disposition", disposition),
                                             ("fair_use", fair_use), ("holding", holding))
             if value is not None}
    if not given and claims is None:
        raise OutcomeError("no outcome given: use --motion, --disposition, --claim, --fair-use or --holding")
    if holding is not None and (len(holding) > MAX_HOLDING or "\n" in holding.strip()):
        raise OutcomeError(f"a holding is one line of at most {MAX_HOLDING} characters")
    with write_session(engine) as session:
        event = find_event(session)
        values = {k: str(v) if k in ("disposition", "fair_use") else v.strip() for k, v in given.items()}
        values |= {"read_from": FROM_REVIEW, "set_by": by, "set_at": now}
        connection = session.connection()
        if connection.execute(select(OUTCOMES.c.event_id).where(OUTCOMES.c.event_id == event.id)).first():
            connection.execute(update(OUTCOMES).where(OUTCOMES.c.event_id == event.id).values(values))
        else:
            connection.execute(insert(OUTCOMES).values(event_id=event.id, case_id=event.case_id,
                                                       document_url=event.source_url, **values))
        if claims is not None:
            connection.execute(delete(CLAIMS).where(CLAIMS.c.event_id == event.id))
            if claims:
                connection.execute(insert(CLAIMS), [{"event_id": event.id, "claim": str(c)}
                                                    for c in dict.fromkeys(claims)])
        return event.id


@dataclass
class RulingFilter:
    """What ``tracker rulings``, ``/rulings`` and ``/api/rulings`` select on."""

    fair_use: list[FairUse] = field(default_factory=list)
    disposition: list[Disposition] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # a ruling that reached any of them
    tag: str | None = None  # the sources' tags, or for staff (the CLI) staff's too
    staff_tags: bool = False
    since: date | None = None  # rulings on or after
    case_key: str | None = None


@dataclass
class RulingView:
    outcome: RulingOutcome
    event: Event
    case: Case
    claims: list[str]


def list_rulings(session: Session, filters: RulingFilter) -> list[RulingView]:
    """Recorded rulings matching every filter given, the latest first."""
    query = (select(RulingOutcome, Event, Case).join(Event, col(Event.id) == RulingOutcome.event_id)
             .join(Case, col(Case.id) == RulingOutcome.case_id))
    if filters.fair_use:
        query = query.where(col(RulingOutcome.fair_use).in_([str(v) for v in filters.fair_use]))
    if filters.disposition:
        query = query.where(col(RulingOutcome.disposition).in_([str(v) for v in filters.disposition]))
    if filters.claims:
        query = query.where(col(RulingOutcome.event_id).in_(
            select(RulingClaim.event_id).where(col(RulingClaim.claim).in_([str(c) for c in filters.claims]))))
    if filters.since:
        query = query.where(col(Event.date) >= filters.since)
    if filters.case_key:
        query = query.where(Case.key == filters.case_key)
    if filters.tag:
        query = case_where(query, CaseFilter(tag=filters.tag, staff_tags=filters.staff_tags))
    rows = session.execute(query.order_by(col(Event.date).desc(), col(Event.id).desc())).all()
    return [RulingView(outcome, event, case, claims) for (outcome, event, case), claims
            in zip(rows, claims_of(session, [o.event_id for o, _, _ in rows]), strict=True)]


def claims_of(session: Session, event_ids: list[int]) -> list[list[str]]:
    """Each ruling's claims, in the vocabulary's order, in the order of ``event_ids``."""
    found: dict[int, set[str]] = defaultdict(set)
    for event_id, claim in session.execute(select(RulingClaim.event_id, RulingClaim.claim)
                                           .where(col(RulingClaim.event_id).in_(event_ids or [-1]))):
        found[event_id].add(claim)
    return [[c.value for c in Claim if c.value in found[i]] for i in event_ids]


def outcomes_of(session: Session, event_ids: list[int]) -> dict[int, RulingView]:
    """The recorded outcome of each of these events that has one (for digests and pages)."""
    if not event_ids:
        return {}
    rows = session.execute(select(RulingOutcome, Event, Case)
                           .join(Event, col(Event.id) == RulingOutcome.event_id)
                           .join(Case, col(Case.id) == RulingOutcome.case_id)
                           .where(col(RulingOutcome.event_id).in_(event_ids))).all()
    claims = claims_of(session, [o.event_id for o, _, _ in rows])
    return {o.event_id: RulingView(o, e, c, cl) for (o, e, c), cl in zip(rows, claims, strict=True)}


def ruling_to_dict(view: RulingView) -> dict[str, Any]:
    """One ruling's JSON shape (``tracker rulings --json``, ``/api/rulings``)."""
    outcome, event = view.outcome, view.event
    return {"case": view.case.key, "case_title": view.case.title, "date": event.date.isoformat(),
            "text": event.text, "ruling": event.ruling, "motion": outcome.motion,
            "disposition": outcome.disposition, "claims": view.claims, "fair_use": outcome.fair_use,
            "holding": outcome.holding, "document_url": outcome.document_url,
            "read_from": outcome.read_from}


def describe(view: RulingView) -> str:
    """A ruling's outcome in a line: "Motion to dismiss: granted in part; fair use: for the defendant"."""
    outcome = view.outcome
    parts = []
    if outcome.motion or outcome.disposition:
        said = Disposition(outcome.disposition).label.lower() if outcome.disposition else "decided"
        parts.append(f"{(outcome.motion or 'motion').capitalize()}: {said}")
    if outcome.fair_use:
        parts.append(f"fair use: {FairUse(outcome.fair_use).label.lower()}")
    if view.claims:
        parts.append("claims: " + ", ".join(Claim(c).label for c in view.claims))
    return "; ".join(parts)
