"""Who gets which dates: a subscriber's filters met by a case, and the dates coming up for them
(a digest's "Coming up" section, a subscriber's own calendar feed).

``case_matches`` is the case half of a digest's matching (``tracker.digest.matches`` adds the
significance of the change): a followed case or matter always matches; otherwise every filter
the subscriber set (kinds, jurisdictions, topics) must.
"""

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from tracker.calendar import CalendarFilter, list_dates
from tracker.matters import matters_of
from tracker.models.calendar import DateAhead
from tracker.models.cases import Case
from tracker.models.matters import Matter
from tracker.models.subscribers import Subscriber
from tracker.queries import staff_of
from tracker.vocab import Kind

COMING_DAYS = 30  # how far ahead a digest's "Coming up" looks


def case_matches(subscriber: Subscriber, case: Case, matter: Matter | None,
                 staff: dict[str, Any]) -> list[str]:
    """Which of the subscriber's filters a case meets ("everything" when they set none); empty
    when the case is not for them."""
    if case.key in subscriber.follows:
        return [f"you follow {case.key}"]
    if matter is not None and matter.key in subscriber.follows:
        return [f"you follow {matter.key}"]
    if subscriber.follows and not (subscriber.kinds or subscriber.jurisdictions or subscriber.topics):
        return []  # someone who only follows cases wants only those
    matched = []
    if subscriber.kinds:
        if case.kind not in subscriber.kinds:
            return []
        matched.append(f"kind: {Kind(case.kind).label.lower()}")
    if subscriber.jurisdictions:
        if case.jurisdiction not in subscriber.jurisdictions:
            return []
        matched.append(f"jurisdiction: {case.jurisdiction}")
    if subscriber.topics:
        topics = [t for t in subscriber.topics if t in set(case.tags) | set(staff["staff_tags"])]
        if not topics:
            return []
        matched.append("topic: " + ", ".join(topics))
    return matched or ["everything"]


def dates_for(session: Session, subscriber: Subscriber,
              filters: CalendarFilter) -> list[tuple[DateAhead, Case]]:
    """The dates of the cases a subscriber's filters and follows select."""
    rows = list_dates(session, filters)
    case_ids = list({case.id for _, case in rows})
    staff, matters = staff_of(session, case_ids), matters_of(session, case_ids)
    return [(when, case) for when, case in rows
            if case_matches(subscriber, case, matters.get(case.id), staff[case.id])]


def coming_up(session: Session, subscriber: Subscriber, *, today: date,
              days: int = COMING_DAYS) -> list[tuple[DateAhead, Case]]:
    """The scheduled dates of the next ``days`` days for a subscriber, soonest first."""
    return dates_for(session, subscriber, CalendarFilter(start=today, end=today + timedelta(days=days)))
