"""Congress.gov's committee meetings on tracked federal bills: the hearings and markups ahead.

Source: Congress.gov API v3 ``/committee-meeting/{congress}`` (the meetings updated in a window,
``fromDateTime`` on their ``updateDate``, 250 a page) and ``/committee-meeting/{congress}/
{chamber}/{eventId}`` (a meeting: ``date`` in UTC, ``meetingStatus`` Scheduled, Canceled,
Postponed or Rescheduled, ``type`` Hearing, Markup or Meeting, ``title``, ``location``,
``committees`` and ``relatedItems.bills``). ``/hearing`` is not read: it lists printed hearing
transcripts, months after the fact, never a date ahead.
Cost, and why it is bounded so:
    - The list does not name a meeting's bills (nor does a bill name its meetings: there is no
      ``/bill/.../committee-meetings``, LibraryOfCongress/api.congress.gov#364), so every meeting
      updated in the window costs one detail request, whatever bills it concerns. The count
      follows Congress's calendar (a session week updates some tens of meetings), not the
      watchlist.
    - So the sweep runs once a day: on a first crawl (meetings updated in the last 30 days) and
      on the first refresh of each UTC day, from midnight of the day of the last complete run.
      It needs no state of its own: a run whose last complete run was on an earlier day sweeps,
      and that window reaches back past the previous sweep. A refresh later the same day costs
      nothing more; the day's first no-change refresh costs one request (the empty list).
    - At most a fifth of ``[sources.congress] daily_requests`` goes on details in a sweep (10 of
      DEMO_KEY's 50), the newest meetings of each chamber first (its ``eventId`` rises: the
      meetings ahead are the newest, while old ones are updated for their videos and
      transcripts); the rest are logged as not read.
Notes:
    - A meeting keeps its ``eventId`` when it is rescheduled (held meetings read "Rescheduled",
      api.congress.gov#177), so a new date moves the same date ahead, under the same UID.
    - The Senate tags every meeting "Meeting" and often leaves ``relatedItems`` empty
      (api.congress.gov#176): its bills are then read from the title ("S. 4591", "H.R. 9912").
    - Each tracked bill the meeting names (or named when last read) gets its list of meetings
      (``identifiers["congress_meetings"]``, one summary per meeting, kept as last read), which
      ``tracker.calendar.congress_dates`` reads. A bill on the watchlist comes as a case of its
      own; a stored bill not on the watchlist costs its detail (to come with its stored title);
      a bill kept later in the same crawl gets its meetings when it is kept.
"""

import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import groupby

import scrapy

from spiders.items import CaseItem
from tracker.vocab import Kind

logger = logging.getLogger(__name__)

FIRST_WINDOW = timedelta(days=30)
SHARE = 5  # a sweep's details take at most this fraction of the daily quota
# "H.R. 9912", "S. 4591", "H.J.Res. 12", "S.Res. 33" in a meeting's title.
CITED = re.compile(r"(?<![.\w])(H\.\s?R|S|[HS]\.\s?J\.\s?Res|[HS]\.\s?Con\.\s?Res|[HS]\.\s?Res)"
                   r"\.\s?(\d+)\b")
WHITESPACE = re.compile(r"\s+")


def bill_key(congress, bill_type: str, number) -> str:
    """A federal bill's case key (``us-119-s-4591``), here and in ``spiders.congress``."""
    return f"us-{congress}-{bill_type.lower()}-{number}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def bills_named(meeting: dict) -> set[tuple[int, str, str]]:
    """``(congress, type, number)`` of the bills a meeting concerns: its ``relatedItems``, or,
    when it has none (the Senate's, often), the bills its title cites."""
    related = (meeting.get("relatedItems") or {}).get("bills") or []
    named = {(int(b["congress"]), str(b["type"]).lower(), str(b["number"])) for b in related
             if b.get("congress") and b.get("type") and b.get("number")}
    if named or not meeting.get("congress"):
        return named
    return {(int(meeting["congress"]), re.sub(r"[.\s]", "", kind).lower(), number)
            for kind, number in CITED.findall(meeting.get("title") or "")}


def summary(meeting: dict, web_url: str) -> dict:
    """What ``tracker.calendar.congress_dates`` reads of a meeting."""
    place = meeting.get("location") or {}
    address = place.get("address")
    if isinstance(address, dict):
        address = ", ".join(str(v) for v in address.values() if v)
    location = " ".join(str(place[k]) for k in ("room", "building") if place.get(k)) or address
    committees = [c.get("name") for c in meeting.get("committees") or [] if c.get("name")]
    title = WHITESPACE.sub(" ", meeting.get("title") or "").strip()
    return {"id": str(meeting.get("eventId")), "chamber": meeting.get("chamber"),
            "type": meeting.get("type") or "Meeting", "status": meeting.get("meetingStatus") or "Scheduled",
            "start": meeting.get("date") or "", "title": title,
            "committee": committees[0] if committees else None, "location": location or None,
            "url": web_url}


def newest_first(listed: list[dict]) -> list[dict]:
    """The listed meetings, the newest of each chamber first, the chambers taken in turn."""
    def chamber(meeting: dict) -> str:
        return str(meeting.get("chamber"))

    ranked = []
    for _, same in groupby(sorted(listed, key=chamber), key=chamber):
        newest = sorted(same, key=lambda m: int(m["eventId"]) if str(m.get("eventId")).isdigit() else 0,
                        reverse=True)
        ranked += [(rank, m) for rank, m in enumerate(newest)]
    return [m for _, m in sorted(ranked, key=lambda pair: (pair[0], str(pair[1].get("chamber"))))]


class CommitteeMeetings:
    """The Congress.gov spider's part that reads committee meetings (mixed into ``CongressSpider``,
    whose ``url``, ``follow_next``, ``json``, ``watchlist``, ``known_identifiers``, ``parse_bill``
    and its ``meetings``, ``kept`` and ``detailed`` it uses)."""

    def meeting_window(self, now: datetime) -> datetime | None:
        """Where this run's sweep starts, or ``None`` when it makes none (swept already today)."""
        if not self.refreshing:
            return now - FIRST_WINDOW
        last = self.since.astimezone(UTC).date()
        return None if last >= now.date() else datetime.combine(last, time(), tzinfo=UTC)

    def meeting_sweep(self, now: datetime):
        """The request for the day's list of updated meetings, if this run sweeps."""
        window = self.meeting_window(now)
        tracked = {r.identifiers.get("congress") for r in self.watchlist.values()}
        tracked |= {ids.get("congress") for ids in self.known_identifiers.values()}
        # The newest Congress among the tracked bills: only its bills can still meet (an older
        # Congress has ended). Read from the bills, not the calendar: a Congress starts on 3
        # January of an odd year, and until a bill of the new one is tracked there is nothing
        # of it to sweep for.
        congresses = {int(c) for c in tracked if c}
        if window is None or not congresses:
            return
        congress = max(congresses)
        yield scrapy.Request(self.url(f"committee-meeting/{congress}", limit=250,
                                      fromDateTime=window.strftime("%Y-%m-%dT%H:%M:%SZ")),
                             callback=self.parse_meetings, meta={"page": 1, "listed": []})

    def parse_meetings(self, response):
        """The updated meetings, page by page; then a detail request for each, within the cap."""
        data = self.json(response)
        if data is None:
            return
        listed = response.meta["listed"] + [m for m in data.get("committeeMeetings") or [] if m.get("url")]
        next_link = (data.get("pagination") or {}).get("next")
        if next_link and response.meta["page"] < self.list_pages:
            yield scrapy.Request(self.follow_next(next_link), callback=self.parse_meetings,
                                 meta={"page": response.meta["page"] + 1, "listed": listed})
            return
        if next_link:
            logger.warning("the committee meetings updated since the last sweep run past %d pages; "
                           "the rest are not read (raise [sources.congress] pages)", self.list_pages)
        cap = self.daily_request_budget // SHARE if self.daily_request_budget else len(listed)
        ordered = newest_first(listed)
        if len(ordered) > cap:
            self.crawler.stats.set_value("congress/meetings_not_read", len(ordered) - cap)
            logger.warning("%d committee meetings updated were not read (a fifth of the daily quota "
                           "goes on meetings): %s", len(ordered) - cap,
                           ", ".join(str(m.get("eventId")) for m in ordered[cap:]))
        for meeting in ordered[:cap]:
            yield scrapy.Request(self.follow_next(meeting["url"]), callback=self.parse_meeting)

    def parse_meeting(self, response):
        """A meeting: its summary on each tracked bill it names, and off each it no longer names."""
        meeting = ((self.json(response) or {}).get("committeeMeeting")) or {}
        event = str(meeting.get("eventId") or "")
        if not event or not meeting.get("congress"):
            return
        chamber = str(meeting.get("chamber") or "house").lower()
        web = f"https://www.congress.gov/event/{ordinal(int(meeting['congress']))}-congress/{chamber}-event/{event}"
        named = {bill_key(*bill) for bill in bills_named(meeting)}
        about = summary(meeting, web)
        for key in sorted(named | {k for k in self.tracked_keys() if event in self.stored_meetings(k)}):
            held = self.stored_meetings(key)
            if key in named:
                held[event] = about
            else:
                held.pop(event, None)
            yield from self.with_meetings(key)

    def tracked_keys(self) -> set[str]:
        return set(self.watchlist) | set(self.known_identifiers) | set(self.kept)

    def stored_meetings(self, key: str) -> dict[str, dict]:
        """The bill's meetings as stored (or as read this crawl), by event id."""
        if key not in self.meetings:
            stored = (self.known_identifiers.get(key) or {}).get("congress_meetings") or []
            self.meetings[key] = {str(m.get("id")): m for m in stored}
        return self.meetings[key]

    def meeting_list(self, key: str) -> list[dict]:
        return [m for _, m in sorted(self.stored_meetings(key).items())]

    def with_meetings(self, key: str):
        """The bill with its meetings: its case again if kept this crawl (the last record of a key
        in a batch wins), a case of its own for a watched one, else its detail (a stored bill)."""
        if key in self.kept:
            case = self.kept[key]
            case = self.kept[key] = replace(case, identifiers={**case.identifiers,
                                                                "congress_meetings": self.meeting_list(key)})
            yield case
        elif key in self.watchlist:
            record = self.watchlist[key]
            yield CaseItem(key=key, kind=Kind.FEDERAL_BILL, jurisdiction="us", title=record.title,
                           source="congress", identifiers={**record.identifiers,
                                                           "congress_meetings": self.meeting_list(key)})
        elif key in self.known_identifiers and key not in self.detailed:
            self.detailed.add(key)
            ids = self.known_identifiers[key]
            yield scrapy.Request(self.url(f"bill/{ids['congress']}/{ids['bill_type']}/{ids['bill_number']}"),
                                 callback=self.parse_bill, meta={"watchlist": True})
        # Any other bill is not tracked (yet): its meetings wait in self.meetings for keep().

    def keep(self, case: CaseItem) -> CaseItem:
        """A bill's case on its way out, with the meetings read for it this crawl."""
        stored = "congress_meetings" in (self.known_identifiers.get(case.key) or {})
        if self.meetings.get(case.key) or (case.key in self.meetings and stored):  # none: no empty list
            case.identifiers["congress_meetings"] = self.meeting_list(case.key)
        self.kept[case.key] = case
        return case
