"""Dates ahead: read from what the sources say, stored apart from the events, and read back.

Three sources of dates, each refolded whole whenever its case changes, so a re-crawl gives the
same rows and the same UIDs:

- docket text (``tracker.scheduling``), folded in the docket's order: a setting that moves one
  still pending when the entry was filed (its name, or the earlier date the entry names)
  replaces it; a vacated one is kept and marked so; a setting whose day had passed when a new
  one came is history, and the new one is a new date;
- a Federal Register document's ``comments_close_on`` and ``effective_on``;
- the watchlist's curated ``dates``;
- Open States' events whose agenda names a watched state bill (``openstates_dates``). The spider
  asks only for events ahead, so one that has passed is kept as it was last read;
- Congress.gov's committee meetings that name a tracked federal bill (``congress_dates``): the
  spider keeps each meeting as last read, so a meeting canceled or postponed is vacated and one
  rescheduled moves (the same event, the same UID).

A row's UID comes from the case, the docket entry that first set it and its name, so a calendar
app that subscribed updates the event when it moves rather than adding another; its ``sequence``
rises with every change (iCalendar's SEQUENCE).
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import Session, col

from tracker.db import chunks, write_session
from tracker.docket import Head, head_of
from tracker.errors import NotFoundError
from tracker.models.calendar import (
    CONGRESS,
    DOCKET,
    FEDERAL_REGISTER,
    OPENSTATES,
    SCHEDULED,
    VACATED,
    WATCHLIST,
    DateAhead,
)
from tracker.models.cases import Case, Event
from tracker.models.matters import Matter, MatterMember
from tracker.queries import CaseFilter
from tracker.queries import _where as case_where
from tracker.records import CuratedDate
from tracker.scheduling import Action, Setting, identity_of, name_key, read_settings
from tracker.vocab import DateKind, Kind

DATES = DateAhead.__table__
UID_DOMAIN = "ai-copyright-tracker"
# The courts' time zones, for the courts AI-copyright suits are in; elsewhere a time is "floating"
# (a calendar shows it as given, in the reader's zone).
EASTERN, CENTRAL, MOUNTAIN, PACIFIC = ("America/New_York", "America/Chicago", "America/Denver",
                                       "America/Los_Angeles")
COURT_ZONES = {
    **dict.fromkeys(("cand", "cacd", "casd", "caed", "wawd", "waed", "ord", "nvd", "ca9"), PACIFIC),
    **dict.fromkeys(("nysd", "nyed", "nynd", "nywd", "ded", "mad", "njd", "dcd", "cadc", "cafc", "paed",
                     "pawd", "mdd", "vaed", "ctd", "flsd", "flmd", "gand", "mied", "ohsd", "ca1", "ca2",
                     "ca3", "ca4", "ca11", "jpml", "scotus"), EASTERN),
    **dict.fromkeys(("ilnd", "txsd", "txnd", "txwd", "mnd", "wied", "ca5", "ca7", "ca8", "laed"), CENTRAL),
    **dict.fromkeys(("cod", "azd", "utd", "ca10"), MOUNTAIN),
}
# The state capitols' time zones (Open States gives a time with its UTC offset alone).
STATE_ZONES = {
    **dict.fromkeys(("ct", "dc", "de", "fl", "ga", "in", "ky", "ma", "md", "me", "mi", "nc", "nh", "nj", "ny",
                     "oh", "pa", "ri", "sc", "va", "vt", "wv"), EASTERN),
    **dict.fromkeys(("al", "ar", "ia", "il", "ks", "la", "mn", "mo", "ms", "nd", "ne", "ok", "sd", "tn", "tx",
                     "wi"), CENTRAL),
    **dict.fromkeys(("co", "id", "mt", "nm", "ut", "wy"), MOUNTAIN),
    **dict.fromkeys(("ca", "nv", "or", "wa"), PACIFIC),
    "az": "America/Phoenix", "ak": "America/Juneau", "hi": "Pacific/Honolulu",
}
CAPITOL = EASTERN  # Congress.gov gives a meeting's time in UTC; the Capitol's clock is Eastern
# meetingStatus values that take a meeting off ("Scheduled" and "Rescheduled" keep it on).
CALLED_OFF = ("canceled", "cancelled", "postponed")
# Words that start an entry's scheduling: read no further in an entry without one (most entries).
SCHEDULING = re.compile("set for|reset|re-set|due by|due on|to be filed by|continued|vacat|cancel|stricken"
                        "|scheduled for|on the briefs|advanced to")
COMPARED = ("kind", "title", "day", "time", "timezone", "location", "state", "text", "source_url", "set_on")


@dataclass
class DateRow:
    """A date as derived, before it meets the stored row of the same UID."""

    uid: str
    kind: str
    title: str
    day: date
    origin: str
    text: str
    time: clock_time | None = None
    timezone: str | None = None
    location: str | None = None
    state: str = SCHEDULED
    source_url: str | None = None
    set_on: date | None = None


def make_uid(*parts: object) -> str:
    return f"{hashlib.sha1('|'.join(map(str, parts)).encode()).hexdigest()[:24]}@{UID_DOMAIN}"


def _related(a: str, b: str) -> bool:
    """Names that may be one setting: equal, or one within the other ("hearing", "motion hearing")."""
    return a == b or a in b or b in a


def _moved(rows: list[DateRow], setting: Setting, filed: date, motion: bool) -> DateRow | None:
    """The pending row a setting moves, or ``None`` when it is a new date."""
    pending = [r for r in rows if r.state == SCHEDULED and r.day >= filed and r.kind == setting.kind]
    wanted = name_key(setting.title)
    for row in reversed(pending):  # the latest set first
        related = _related(wanted, name_key(row.title))
        if related and row.day in (setting.previous, setting.day):
            return row  # moved from the date named, or said again ("... remains as scheduled")
        if setting.identity == identity_of(row.kind, row.title) and setting.previous is None and not motion:
            return row
    return None


def _apply(rows: list[DateRow], setting: Setting, event: Any, case_key: str, zone: str | None) -> None:
    filed, motion = event.date, head_of(event.text.lower()) is Head.MOTION
    if setting.action is Action.VACATE:
        for row in rows:
            if row.state != SCHEDULED or row.day < filed:
                continue
            if setting.day is None and row.kind != DateKind.DEADLINE:  # "all pending hearings"
                hit = True
            else:
                hit = row.day == setting.day and _related(name_key(setting.title), name_key(row.title)) \
                    or (row.day == setting.day and row.kind == setting.kind == DateKind.TRIAL)
            if hit:
                row.state, row.text, row.source_url, row.set_on = VACATED, event.text, event.source_url, filed
        return
    moved = _moved(rows, setting, filed, motion)
    if moved is not None:
        # "remains as scheduled" (same day, no time given) keeps the time already known.
        at = setting.time if setting.time or setting.day != moved.day else moved.time
        if (moved.day, moved.time) != (setting.day, at):
            moved.day, moved.time, moved.timezone = setting.day, at, zone if at else None
            moved.location = setting.location or moved.location
            moved.text, moved.source_url, moved.set_on = event.text, event.source_url, filed
        return
    uid = make_uid(case_key, event.fingerprint, setting.identity)
    if any(r.uid == uid for r in rows):  # one entry setting two of one name: the second by its day
        uid = make_uid(case_key, event.fingerprint, setting.identity, setting.day)
    rows.append(DateRow(uid, str(setting.kind), setting.title, setting.day, DOCKET, event.text,
                        time=setting.time, timezone=zone if setting.time else None,
                        location=setting.location, source_url=event.source_url, set_on=filed))


def docket_dates(case_key: str, court: str | None, events: Iterable[Any]) -> list[DateRow]:
    """The dates a docket's entries set, folded in the docket's order (date, then sequence).

    :param events: rows with ``date``, ``sequence``, ``text``, ``fingerprint``, ``source_url``
    """
    zone = COURT_ZONES.get((court or "").lower())
    rows: list[DateRow] = []
    for event in sorted(events, key=lambda e: (e.date, e.sequence if e.sequence is not None else -1)):
        if not SCHEDULING.search(event.text.lower()):
            continue
        for setting in read_settings(event.text):
            if setting.day is not None or setting.action is Action.VACATE:
                _apply(rows, setting, event, case_key, zone)
    return rows


def federal_register_dates(case_key: str, identifiers: dict[str, Any], url: str | None) -> list[DateRow]:
    """A document's comment period closing and its effective date."""
    rows = []
    number = identifiers.get("fr_document_number", case_key)
    for name, kind, title in (("comments_close_on", DateKind.COMMENTS_CLOSE, "Comment period closes"),
                              ("effective_on", DateKind.EFFECTIVE, "Effective date")):
        try:
            day = date.fromisoformat(str(identifiers.get(name) or ""))
        except ValueError:
            continue
        rows.append(DateRow(make_uid(case_key, name), str(kind), title, day, FEDERAL_REGISTER,
                            f"Federal Register document {number}: {name} {day.isoformat()}",
                            source_url=url))
    return rows


def openstates_dates(case_key: str, state: str, events: Iterable[dict[str, Any]]) -> list[DateRow]:
    """A state bill's events ahead as the Open States spider summed them up (``event_summary``):
    a markup when the event says so, a vote when its agenda item is one, else a hearing."""
    rows = []
    zone = STATE_ZONES.get(state)
    for event in events:
        start, at = str(event.get("start") or ""), None
        try:
            if len(start) > 10:
                moment = datetime.fromisoformat(start)
                if moment.tzinfo and zone:
                    moment = moment.astimezone(ZoneInfo(zone))
                day, at = moment.date(), moment.time().replace(tzinfo=None)
            else:
                day = date.fromisoformat(start)
        except ValueError:
            continue
        said = " ".join(str(event.get(k) or "") for k in ("name", "classification", "item")).lower()
        kind = (DateKind.MARKUP if re.search(r"mark-?up|executive session", said)
                else DateKind.VOTE if re.search(r"\bvote\b|final action", said) else DateKind.HEARING)
        name = event.get("name") or "Committee hearing"
        rows.append(DateRow(make_uid(case_key, OPENSTATES, event.get("id")), str(kind), name, day, OPENSTATES,
                            f"{name}: {event['item']}" if event.get("item") else name,
                            time=at if at and at != clock_time(0) else None,
                            timezone=zone if at and at != clock_time(0) else None,
                            location=event.get("location"),
                            state=VACATED if event.get("status") == "cancelled" else SCHEDULED,
                            source_url=event.get("url")))
    return rows


def congress_dates(case_key: str, meetings: Iterable[dict[str, Any]]) -> list[DateRow]:
    """A federal bill's committee meetings as the Congress.gov spider summed them up
    (``spiders.committee_meetings.summary``): a markup when Congress.gov's type or the title says
    so (the Senate tags every meeting "Meeting"), else a hearing; the time on the Capitol's clock."""
    rows = []
    for meeting in meetings:
        try:
            moment = datetime.fromisoformat(str(meeting.get("start") or "").replace("Z", "+00:00"))
        except ValueError:
            continue
        at = None
        if moment.tzinfo:
            moment = moment.astimezone(ZoneInfo(CAPITOL))
            at = moment.time().replace(tzinfo=None)
        said = f"{meeting.get('type') or ''} {meeting.get('title') or ''}".lower()
        markup = re.search(r"mark-?up|business meeting|executive session", said)
        kind = DateKind.MARKUP if markup else DateKind.HEARING
        name = " ".join(p for p in (meeting.get("committee"), kind.label.lower()) if p) or "Committee meeting"
        status = str(meeting.get("status") or "Scheduled")
        rows.append(DateRow(make_uid(case_key, CONGRESS, meeting.get("id")), str(kind), name, moment.date(),
                            CONGRESS, f"{meeting.get('title') or name} ({status})", time=at,
                            timezone=CAPITOL if at else None, location=meeting.get("location"),
                            state=VACATED if status.lower() in CALLED_OFF else SCHEDULED,
                            source_url=meeting.get("url")))
    return rows


def curated_dates(case_key: str, dates: Iterable[CuratedDate]) -> list[DateRow]:
    return [DateRow(make_uid(case_key, WATCHLIST, name_key(d.title), d.day), str(d.kind), d.title, d.day,
                    WATCHLIST, d.text or f"{d.title}: {d.day.isoformat()}", time=d.time,
                    timezone=d.timezone, location=d.location, source_url=d.source_url)
            for d in dates]


def refresh_dates(engine: Engine, case_keys: Sequence[str], *, now: datetime,
                  curated: dict[str, list[CuratedDate]] | None = None) -> int:
    """Refold the dates of these cases from their events and identifiers (and, for the keys in
    ``curated``, their curated dates): a date that changed is updated with its sequence raised,
    one no longer read is removed. Dates of an origin not refolded (the watchlist's, in a crawl)
    are kept.

    :return: how many rows were added, changed or removed
    """
    curated = curated or {}
    touched = 0
    with write_session(engine) as session:
        connection = session.connection()
        for chunk in chunks(list(dict.fromkeys(case_keys))):
            touched += _refresh_chunk(connection, chunk, curated, now)
    return touched


def _refresh_chunk(connection, keys: list[str], curated: dict[str, list[CuratedDate]], now: datetime) -> int:
    table = Case.__table__
    cases = connection.execute(select(table.c.id, table.c.key, table.c.kind, table.c.jurisdiction,
                                      table.c.identifiers, table.c.urls)
                               .where(table.c.key.in_(keys))).all()
    lawsuits = [c.id for c in cases if c.kind == Kind.LAWSUIT]
    events: dict[int, list[Any]] = defaultdict(list)
    if lawsuits:
        events_table = Event.__table__
        columns = ("case_id", "date", "sequence", "text", "fingerprint", "source_url")
        for row in connection.execute(select(*(events_table.c[name] for name in columns))
                                      .where(events_table.c.case_id.in_(lawsuits))):
            events[row.case_id].append(row)
    stored: dict[int, dict[str, Any]] = defaultdict(dict)  # by case, by uid
    for row in connection.execute(select(DATES).where(DATES.c.case_id.in_([c.id for c in cases] or [-1]))):
        stored[row.case_id][row.uid] = row
    touched, seen, new = 0, set(), []
    for case in cases:
        derived = docket_dates(case.key, case.identifiers.get("court") or case.jurisdiction, events[case.id])
        if case.kind == Kind.AGENCY_ACTION:
            derived += federal_register_dates(case.key, case.identifiers, (case.urls or [None])[0])
        origins = {DOCKET, FEDERAL_REGISTER, OPENSTATES, CONGRESS}
        if case.kind == Kind.STATE_BILL:
            hearings = case.identifiers.get("openstates_events") or []
            derived += openstates_dates(case.key, case.jurisdiction, hearings)
        if case.kind == Kind.FEDERAL_BILL:
            derived += congress_dates(case.key, case.identifiers.get("congress_meetings") or [])
        if case.key in curated:
            derived += curated_dates(case.key, curated[case.key])
            origins.add(WATCHLIST)
        for row in derived:
            seen.add(row.uid)
            values = asdict(row)
            before = stored[case.id].get(row.uid)
            if before is None:
                new.append({"case_id": case.id, "sequence": 0, "updated_at": now, **values})
            elif any(getattr(before, name) != values[name] for name in COMPARED):
                connection.execute(update(DATES).where(DATES.c.id == before.id).values(
                    sequence=before.sequence + 1, updated_at=now, **values))
                touched += 1
        stale = [r.id for r in stored[case.id].values() if r.origin in origins and r.uid not in seen
                 and not (r.origin == OPENSTATES and r.day < now.date())]  # asked for events ahead only
        if stale:
            connection.execute(delete(DATES).where(DATES.c.id.in_(stale)))
            touched += len(stale)
    if new:
        connection.execute(insert(DATES), new)
    return touched + len(new)


@dataclass
class CalendarFilter:
    """What ``tracker calendar``, ``/calendar`` and the feeds select on."""

    start: date | None = None  # on or after
    end: date | None = None  # on or before
    kinds: list[DateKind] = field(default_factory=list)
    case_key: str | None = None
    matter_key: str | None = None
    tag: str | None = None  # the sources' tags, or for staff (the CLI) staff's too
    staff_tags: bool = False
    vacated: bool = False  # include vacated dates


def list_dates(session: Session, filters: CalendarFilter) -> list[tuple[DateAhead, Case]]:
    """Dates with their cases, soonest first.

    :raises NotFoundError: for a case or matter key that does not exist
    """
    query = select(DateAhead, Case).join(Case, col(Case.id) == DateAhead.case_id)
    if filters.start:
        query = query.where(col(DateAhead.day) >= filters.start)
    if filters.end:
        query = query.where(col(DateAhead.day) <= filters.end)
    if filters.kinds:
        query = query.where(col(DateAhead.kind).in_([str(k) for k in filters.kinds]))
    if not filters.vacated:
        query = query.where(DateAhead.state == SCHEDULED)
    if filters.case_key:
        if session.execute(select(Case.id).where(Case.key == filters.case_key)).first() is None:
            raise NotFoundError(f"There is no case {filters.case_key}.")
        query = query.where(Case.key == filters.case_key)
    if filters.matter_key:
        matter = session.execute(select(Matter.id).where(Matter.key == filters.matter_key)).scalar()
        if matter is None:
            raise NotFoundError(f"There is no matter {filters.matter_key}.")
        members = select(MatterMember.case_id).where(MatterMember.matter_id == matter)
        query = query.where(col(Case.id).in_(members))
    if filters.tag:
        query = case_where(query, CaseFilter(tag=filters.tag, staff_tags=filters.staff_tags))
    return sorted(session.execute(query).all(), key=_soonest)


def _soonest(row: tuple[DateAhead, Case]) -> tuple:
    when, case = row
    return when.day, when.time or clock_time(0), case.key, when.title


def case_dates(session: Session, case_id: int) -> list[DateAhead]:
    """All of a case's dates, past and vacated ones too, in date order (its page's list)."""
    return list(session.execute(select(DateAhead).where(DateAhead.case_id == case_id)
                                .order_by(col(DateAhead.day), col(DateAhead.time))).scalars())


def date_to_dict(when: DateAhead, case: Case) -> dict[str, Any]:
    """One date's JSON shape (``tracker calendar --json``, ``/api/calendar``)."""
    return {"uid": when.uid, "date": when.day.isoformat(),
            "time": when.time.strftime("%H:%M") if when.time else None, "timezone": when.timezone,
            "kind": when.kind, "title": when.title, "location": when.location, "state": when.state,
            "case": case.key, "case_title": case.title, "origin": when.origin, "text": when.text,
            "source_url": when.source_url, "set_on": when.set_on and when.set_on.isoformat(),
            "sequence": when.sequence}
