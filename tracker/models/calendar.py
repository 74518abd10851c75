"""Dates ahead: hearings, arguments, trials, deadlines, comment periods closing, effective dates
(``tracker.calendar`` writes them, ``tracker calendar`` and the feeds read them).

A table of their own, apart from the events: a trial set for next year is not something that
happened, so it never folds into a status. A date that has passed stays (the case's history of
settings); one vacated is kept, marked so, so that calendar feeds can cancel it.
"""

from datetime import date, datetime
from datetime import time as clock_time

from sqlalchemy import Index
from sqlmodel import Field

from tracker.models import Table

SCHEDULED, VACATED = "scheduled", "vacated"
# Where a date was read: a docket entry's text, a Federal Register document's dates, the watchlist,
# Open States' events, Congress.gov's committee meetings.
DOCKET, FEDERAL_REGISTER, WATCHLIST, OPENSTATES = "docket", "federal_register", "watchlist", "openstates"
CONGRESS = "congress"


class DateAhead(Table, table=True):
    __tablename__ = "dates_ahead"
    __table_args__ = (Index("ix_dates_ahead_day_state", "day", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    uid: str = Field(unique=True, description="Stable across crawls: a calendar app updates, not duplicates")
    kind: str = Field(index=True, description="A tracker.vocab.DateKind value")
    title: str = Field(description="As the source names it: 'Motion Hearing', 'Jury Trial'")
    day: date
    time: clock_time | None = Field(default=None, description="Local time at the court, when given")
    timezone: str | None = Field(default=None, description="IANA zone of the court, when known")
    location: str | None = None
    state: str = Field(default=SCHEDULED, description="scheduled or vacated")
    origin: str = Field(description="docket, federal_register, watchlist, openstates or congress")
    text: str = Field(description="The text it was read from (the latest that set or moved it)")
    source_url: str | None = None
    set_on: date | None = Field(default=None, description="The day of the entry that last set or moved it")
    sequence: int = Field(default=0, description="Raised on every change (iCalendar SEQUENCE)")
    updated_at: datetime
