"""Calendar feeds in iCalendar (RFC 5545), made with the ``icalendar`` library.

Each date is a VEVENT whose UID is the date's own (``tracker.calendar``): stable across crawls,
so a calendar app that subscribed moves the event when the court moves it, and its SEQUENCE
rises with each change. A vacated date stays in the feed as STATUS:CANCELLED, which is how a
calendar app learns to take it off. A date with a time carries the court's zone (with its
VTIMEZONE); one without is an all-day event.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from tracker.models.calendar import VACATED, DateAhead
from tracker.models.cases import Case
from tracker.vocab import DateKind

PRODUCT = "-//AI Copyright Tracker//Calendar//EN"
MEETING = timedelta(hours=1)  # a hearing's length when the docket gives none
MEDIA_TYPE = "text/calendar; charset=utf-8"


def calendar_feed(rows: list[tuple[DateAhead, Case]], *, name: str, base_url: str) -> bytes:
    """The iCalendar text of these dates."""
    base = base_url.rstrip("/")
    feed = Calendar()
    feed.add("prodid", PRODUCT)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    for when, case in rows:
        feed.add_component(_event(when, case, base))
    feed.add_missing_timezones()
    return feed.to_ical()


def _event(when: DateAhead, case: Case, base: str) -> CalendarEvent:
    event = CalendarEvent()
    event.add("uid", when.uid)
    event.add("dtstamp", when.updated_at)
    event.add("sequence", when.sequence)
    if when.time is not None:
        zone = ZoneInfo(when.timezone) if when.timezone else None  # floating: as given
        start = datetime.combine(when.day, when.time, tzinfo=zone)
        event.add("dtstart", start)
        event.add("dtend", start + MEETING)
    else:
        event.add("dtstart", when.day)
        event.add("dtend", when.day + timedelta(days=1))
    event.add("summary", f"{when.title}: {case.title}")
    page = f"{base}/cases/{case.key}"
    event.add("description", f"{when.text}\n\n{case.key}: {page}")
    event.add("url", page)
    event.add("categories", [DateKind(when.kind).label])
    if when.location:
        event.add("location", when.location)
    event.add("status", "CANCELLED" if when.state == VACATED else "CONFIRMED")
    return event
