"""Fold a case's classified events, in date order, into its current status.

The status is never scraped: it is recomputed from the whole history every time the history
grows, so events that arrive late or out of order give the same answer, and better rules in
``tracker.classify`` can rebuild every status.

Each family has a small rule on top of "the latest event wins":

- bills only move forward (a referral in the second chamber does not undo "passed one
  chamber"; a report from committee, or a place on the calendar, is "reported"), a failure or
  veto applies at any time, progress after one revives the bill, and enactment is final; the
  end of the bill's session or Congress (an event ``tracker.sessions`` adds) kills a bill that
  was not enacted, vetoed, withdrawn or already failed;
- lawsuits: once disposed of (dismissed, settled, judgment, closed, on appeal) only another
  disposition moves the status, so a fee motion after judgment does not reopen the case; and
  routine discovery orders move an early case into discovery without undoing a later stage.
  A ruling on a motion to dismiss moves the case once per round of motions: an opinion that
  gives the reasons for an order already entered is not a new ruling. A member case of an MDL
  stays "in_mdl" while the MDL's pretrial proceedings go on (its stage is the MDL lead's:
  :func:`mdl_stage`); only what ends or sends back the member itself moves it;
- agency actions and statements: the latest event wins.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from tracker.vocab import ActionClass as A
from tracker.vocab import Kind, Status


class FoldEvent(NamedTuple):
    """What the fold needs from one event (a tuple: an ingest builds one per event)."""

    date: date
    classes: tuple[str, ...]
    sequence: int | None = None
    fingerprint: str = ""
    actor: str | None = None


class Folded(NamedTuple):
    status: Status | None
    status_date: date | None
    decided_by: str | None  # fingerprint of the event that set the status


def history_order(event: FoldEvent) -> tuple:
    """Sort key: date, then the source's own order on that date, then a stable tie-break."""
    return (event.date, event.sequence if event.sequence is not None else -1, event.fingerprint)


BILL_PROGRESS = (
    Status.INTRODUCED, Status.IN_COMMITTEE, Status.REPORTED, Status.PASSED_ONE_CHAMBER, Status.PASSED_BOTH,
    Status.SENT_TO_EXECUTIVE, Status.ENACTED,
)
BILL_SETBACKS = {
    A.FAILURE: Status.FAILED,
    A.COMMITTEE_FAILURE: Status.FAILED,
    A.EXECUTIVE_VETO: Status.VETOED,
    A.WITHDRAWAL: Status.WITHDRAWN,
}
# A session's end kills the bills it leaves behind, but not one already vetoed, withdrawn or failed.
BILL_ENDED = frozenset({Status.ENACTED, Status.VETOED, Status.WITHDRAWN, Status.FAILED})
BILL_STEPS = {
    A.FILING: Status.INTRODUCED,
    A.INTRODUCTION: Status.INTRODUCED,
    A.READING_1: Status.INTRODUCED,
    A.REFERRAL_COMMITTEE: Status.IN_COMMITTEE,
    A.COMMITTEE_PASSAGE: Status.REPORTED,
    A.PLACED_ON_CALENDAR: Status.REPORTED,
    A.EXECUTIVE_RECEIPT: Status.SENT_TO_EXECUTIVE,
    A.EXECUTIVE_SIGNATURE: Status.ENACTED,
    A.BECAME_LAW: Status.ENACTED,
}

LAWSUIT_STEPS = {
    A.COMPLAINT_FILED: Status.FILED,
    A.MOTION_TO_DISMISS: Status.MOTION_TO_DISMISS_PENDING,
    A.MOTION_TO_DISMISS_GRANTED: Status.DISMISSED,
    A.MOTION_TO_DISMISS_GRANTED_IN_PART: Status.DISMISSED_IN_PART,
    A.MOTION_TO_DISMISS_DENIED: Status.DISCOVERY,
    A.ANSWER: Status.DISCOVERY,
    A.DISCOVERY_ORDER: Status.DISCOVERY,
    A.CLASS_CERTIFIED: Status.CLASS_CERTIFIED,
    A.SUMMARY_JUDGMENT_MOTION: Status.SUMMARY_JUDGMENT_PENDING,
    A.SUMMARY_JUDGMENT_RULING: Status.SUMMARY_JUDGMENT_DECIDED,
    A.TRIAL_BEGUN: Status.TRIAL,
    A.VERDICT: Status.TRIAL,
    A.SETTLEMENT: Status.SETTLED,
    A.JUDGMENT: Status.JUDGMENT,
    A.APPELLATE_DECISION: Status.JUDGMENT,
    A.APPEAL: Status.ON_APPEAL,
    A.TRANSFER: Status.TRANSFERRED,
    A.MDL_CENTRALISATION: Status.IN_MDL,
    A.CONSOLIDATION: Status.CONSOLIDATED,
    A.DISMISSAL_VOLUNTARY: Status.DISMISSED,
    A.DISMISSAL: Status.DISMISSED,
    A.CASE_CLOSED: Status.CLOSED,
}
LAWSUIT_DISPOSED = frozenset({
    Status.DISMISSED, Status.SETTLED, Status.JUDGMENT, Status.CLOSED, Status.ON_APPEAL,
})
LAWSUIT_EARLY = frozenset({
    None, Status.FILED, Status.DISMISSED_IN_PART, Status.TRANSFERRED, Status.CONSOLIDATED,
})
# Classes that only say "the case is in discovery" when nothing later has happened yet.
LAWSUIT_ROUTINE = frozenset({A.ANSWER, A.DISCOVERY_ORDER})
MTD_RULINGS = frozenset({A.MOTION_TO_DISMISS_GRANTED, A.MOTION_TO_DISMISS_GRANTED_IN_PART,
                         A.MOTION_TO_DISMISS_DENIED})
# What opens a new round of motions to dismiss: the motion itself, or a new pleading to attack.
MTD_ROUND = frozenset({A.MOTION_TO_DISMISS, A.AMENDED_COMPLAINT, A.COMPLAINT_FILED})
# What moves a member case out of its MDL: its own end, a remand, an appeal.
MDL_EXITS = LAWSUIT_DISPOSED | {Status.TRANSFERRED}

AGENCY_STEPS = {
    A.NOTICE: Status.NOTICE,
    A.NOTICE_OF_INQUIRY: Status.INQUIRY,
    A.COMMENT_PERIOD_OPENED: Status.COMMENT_PERIOD_OPEN,
    A.COMMENT_PERIOD_CLOSED: Status.COMMENT_PERIOD_CLOSED,
    A.PROPOSED_RULE: Status.PROPOSED_RULE,
    A.FINAL_RULE: Status.FINAL_RULE,
    A.PRESIDENTIAL_DOCUMENT: Status.PRESIDENTIAL_DOCUMENT,
    A.REPORT: Status.REPORT_ISSUED,
}
STATEMENT_STEPS = {A.PUBLICATION: Status.PUBLISHED}


ACTIONS = {action.value: action for action in A}  # a dict lookup: Enum's own is ~10x slower


def _bill_step(current: Status | None, reached: Status | None, action: A,
               chambers: set[str]) -> Status | None:
    """The bill's next status; ``reached`` is the furthest progress so far, setbacks aside."""
    if current is Status.ENACTED:
        return None
    if action is A.SESSION_END:
        return None if current in BILL_ENDED else Status.FAILED
    if action in BILL_SETBACKS:
        return BILL_SETBACKS[action]
    if action is A.PASSAGE:
        candidate = Status.PASSED_BOTH if len(chambers) >= 2 else Status.PASSED_ONE_CHAMBER
    else:
        candidate = BILL_STEPS.get(action)
    if candidate is None:
        return None
    if reached is not None and BILL_PROGRESS.index(candidate) < BILL_PROGRESS.index(reached):
        candidate = reached  # progress after a setback revives the bill where it had got to
    return candidate if current is None or current not in BILL_PROGRESS or (
        BILL_PROGRESS.index(candidate) > BILL_PROGRESS.index(current)) else None


def _lawsuit_step(current: Status | None, action: A, mdl_lead: bool) -> Status | None:
    if mdl_lead and action is A.MDL_CENTRALISATION:  # the MDL opens; its members' arrivals move nothing
        return Status.FILED if current is None else None
    candidate = LAWSUIT_STEPS.get(action)
    if candidate is None:
        return None
    if current in LAWSUIT_DISPOSED and candidate not in LAWSUIT_DISPOSED:
        return None
    if current is Status.IN_MDL and not mdl_lead and candidate not in MDL_EXITS:
        return None
    if action in LAWSUIT_ROUTINE and current not in LAWSUIT_EARLY:
        return None
    return candidate


def mdl_stage(member: Status | None, lead: Status | None) -> Status | None:
    """The stage a member case is at: its MDL lead's while it is in the MDL, else its own."""
    return lead if member is Status.IN_MDL and lead is not None else member


def fold_status(kind: Kind | str, events: Iterable[FoldEvent], *, mdl_lead: bool = False) -> Folded:
    """Fold events (in any order) into the case's status, its date and the deciding event.

    :param mdl_lead: the case is an MDL's own docket (``1:25-md-03143``), whose stage its
        members follow; its centralisation does not hold it the way it holds a member
    """
    kind = Kind(kind)
    ordered: Sequence[FoldEvent] = sorted(events, key=history_order)
    status: Status | None = None
    status_date: date | None = None
    decided_by: str | None = None
    chambers: set[str] = set()
    latest_wins = AGENCY_STEPS if kind is Kind.AGENCY_ACTION else STATEMENT_STEPS
    bill = kind in (Kind.FEDERAL_BILL, Kind.STATE_BILL)
    reached: Status | None = None
    mtd_decided = False  # a ruling on the current round of motions to dismiss has been folded
    for event in ordered:
        for value in event.classes:
            action = ACTIONS.get(value)
            if action is None:  # a class from a newer vocabulary: kept, but not folded
                continue
            if bill:
                if action is A.WITHDRAWAL and A.REFERRAL_COMMITTEE in event.classes:
                    continue  # "Withdrawn from committee. Re-referred to ...": not the bill
                if action is A.COMMITTEE_PASSAGE and A.REFERRAL_COMMITTEE in event.classes:
                    continue  # "Do pass and re-refer to Com. on APPR.": still in committee
                if action is A.PASSAGE:
                    # Without a named chamber, each passage counts as another chamber's.
                    chambers.add(event.actor or f"passage-{len(chambers)}")
                new = _bill_step(status, reached, action, chambers)
                if new in BILL_PROGRESS:
                    reached = new
            elif kind is Kind.LAWSUIT:
                if action in MTD_ROUND:
                    mtd_decided = False
                elif action in MTD_RULINGS:
                    if mtd_decided:
                        continue  # the reasons for an order already folded, not a new ruling
                    mtd_decided = True
                new = _lawsuit_step(status, action, mdl_lead)
            else:
                new = latest_wins.get(action)
            if new is not None and new is not status:
                status, status_date, decided_by = new, event.date, event.fingerprint
    return Folded(status, status_date, decided_by)
