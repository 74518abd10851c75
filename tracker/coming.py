"""Who gets which dates: a subscriber's filters met by a case, and the dates coming up for them
(a digest's "Coming up" section, a subscriber's own calendar feed).

``case_matches`` is the case half of a digest's matching (``tracker.digest.matches`` adds the
significance of the change): a followed case or matter always matches; otherwise every filter
the subscriber set (kinds, jurisdictions, topics) must.
"""

import json
from dataclasses import dataclass
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


@dataclass
class Dates:
    """The dates a calendar filter selects, with what a subscriber's filters are matched on:
    read once and shared by every subscriber it is matched for (``for_subscriber``)."""

    rows: list[tuple[DateAhead, Case]]
    staff: dict[int, dict[str, Any]]
    matters: dict[int, Matter]

    def for_subscriber(self, subscriber: Subscriber) -> list[tuple[DateAhead, Case]]:
        return [(when, case) for when, case in self.rows
                if case_matches(subscriber, case, self.matters.get(case.id), self.staff[case.id])]


def read_dates(session: Session, filters: CalendarFilter) -> Dates:
    rows = list_dates(session, filters)
    case_ids = list({case.id for _, case in rows})
    return Dates(rows, staff_of(session, case_ids), matters_of(session, case_ids))


# The subscriber columns that say who someone is and where their mail stands, not what they
# asked for. Subscribers alike in every other column are matched alike, so a digest run matches
# each change once per filter set; a new filter column is thereby in the set, as it must be.
NOT_FILTERS = {"id", "email", "name", "state", "cursor", "created_at", "confirmed_at", "unsubscribed_at",
               "last_sent_at", "hard_failures", "token_version", "last_failure"}
FILTER_COLUMNS = [column.name for column in Subscriber.__table__.columns if column.name not in NOT_FILTERS]


def filter_set(subscriber: Subscriber) -> str:
    """What a subscriber asked for, as a key: equal for subscribers whose filters are equal."""
    return json.dumps([getattr(subscriber, name) for name in FILTER_COLUMNS], default=str)


def dates_for(session: Session, subscriber: Subscriber,
              filters: CalendarFilter) -> list[tuple[DateAhead, Case]]:
    """The dates of the cases a subscriber's filters and follows select."""
    return read_dates(session, filters).for_subscriber(subscriber)


def coming_up(session: Session, *, today: date, days: int = COMING_DAYS) -> Dates:
    """The scheduled dates of the next ``days`` days, soonest first, to be matched to each
    subscriber of a digest run (``Dates.for_subscriber``)."""
    return read_dates(session, CalendarFilter(start=today, end=today + timedelta(days=days)))
