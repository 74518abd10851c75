"""Dates ahead: read from real docket texts (set, moved, vacated), Federal Register dates and the
watchlist's; stored apart from the events; fed as iCalendar with UIDs that survive a re-crawl."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
import yaml
from sqlmodel import Session, select

from tracker.calendar import CalendarFilter, list_dates, make_uid
from tracker.ics import calendar_feed
from tracker.intake import intake
from tracker.models.calendar import DateAhead
from tracker.models.cases import Case
from tracker.records import CaseRecord, EventRecord, lawsuit_key
from tracker.scheduling import read_settings
from tracker.vocab import Kind, Status
from tracker.watchlist import parse_entry

DATA = Path(__file__).parent / "data" / "calendar"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LABELLED = yaml.safe_load((DATA / "settings.yaml").read_text())["items"]
DOCKETS = {docket["source"].rsplit("/", 1)[1]: docket
           for docket in yaml.safe_load((DATA / "dockets.yaml").read_text())["dockets"]}


@pytest.mark.parametrize("item", LABELLED, ids=lambda item: item["text"][:50])
def test_the_reader_reads_what_each_entry_sets_moves_or_vacates(item):
    got = [{"action": str(s.action), "kind": str(s.kind), "title": s.title,
            **({"date": s.day.isoformat()} if s.day else {}),
            **({"time": s.time.strftime("%H:%M")} if s.time else {}),
            **({"location": s.location} if s.location else {}),
            **({"previous": s.previous.isoformat()} if s.previous else {})}
           for s in read_settings(item["text"])]
    assert got == item["settings"]


def docket(name: str, *, through: str | None = None) -> CaseRecord:
    """A lawsuit with the recorded docket's entries (up to entry ``through``), as the
    CourtListener spider hands them over."""
    data = DOCKETS[name]
    entries = data["entries"]
    if through is not None:
        entries = entries[:[e["entry"] for e in entries].index(through) + 1]
    return CaseRecord(
        key=lawsuit_key(data["court"], data["docket_number"]), kind=Kind.LAWSUIT, jurisdiction=data["court"],
        title=data["title"], source="courtlistener",
        identifiers={"court": data["court"], "docket_number": data["docket_number"]},
        events=[EventRecord(date.fromisoformat(e["date"]), e["text"], "courtlistener",
                            source_url=f"https://www.courtlistener.com/docket/1/entry-{e['entry']}/",
                            sequence=int(e["entry"]), entry_number=e["entry"],
                            external_id=f"entry-{e['entry']}")
                for e in entries])


def store(engine, *records, now=NOW):
    return intake(engine, list(records), rules=[], similarity=0.8, now=now)


def dates(engine, key: str) -> list[DateAhead]:
    with Session(engine) as session:
        case_id = session.exec(select(Case.id).where(Case.key == key)).one()
        return list(session.exec(select(DateAhead).where(DateAhead.case_id == case_id)
                                 .order_by(DateAhead.day, DateAhead.title)))


def test_a_docket_s_settings_fold_into_its_dates(store_engine):
    """Dediol v. Best Chevrolet (E.D. La.): conferences reset, a trial continued, hearings put on
    the briefs, and a new schedule two years later."""
    record = docket("laed_127926")
    store(store_engine, record)
    rows = {(r.title, r.day): r for r in dates(store_engine, record.key)}

    # "Telephone Scheduling Conference reset for 9/10/2009" moved the one set for 9/3/2009.
    moved = rows["Scheduling Conference", date(2009, 9, 10)]
    assert moved.time == time(10, 45) and moved.state == "scheduled"
    assert moved.text.startswith("ORDER Telephone Scheduling Conference reset for 9/10/2009")
    assert ("Scheduling Conference", date(2009, 9, 3)) not in rows
    # "...trial set for 11/30/09 is continued" and "the hearing set for 2/17/10 will be on the briefs"
    assert rows["Jury Trial", date(2009, 11, 30)].state == "vacated"
    assert rows["Motion Hearing", date(2010, 2, 17)].state == "vacated"
    assert rows["Motion Hearing", date(2010, 2, 17)].text.startswith("ORDER that the hearing set for 2/17/10")
    # Two motions in limine noticed for one hearing make one date, vacated once.
    assert [r.state for (title, day), r in rows.items() if day == date(2010, 4, 14)] == ["vacated"]
    # The pretrial conference moved by the second scheduling order, then continued with the trial.
    assert rows["Final Pretrial Conference", date(2010, 5, 11)].state == "vacated"
    assert rows["Jury Trial", date(2010, 6, 1)].state == "vacated"
    # The 2011 schedule: new dates, since the earlier ones had passed or were vacated.
    trial = rows["Jury Trial", date(2012, 5, 21)]
    assert (trial.state, trial.kind, trial.time, trial.timezone) == (
        "scheduled", "trial", time(10), "America/Chicago")
    assert rows["Settlement Conference", date(2011, 11, 22)].state == "scheduled"
    # A trial date is not a trial: the dates never fold into the status.
    with Session(store_engine) as session:
        case = session.exec(select(Case).where(Case.key == record.key)).one()
    assert case.status != Status.TRIAL


def test_a_reset_moves_the_same_event_and_the_feed_keeps_its_uid(store_engine):
    """RJ v. Jones (N.D. Ill.): a status hearing set for 8/28/2014, then vacated and reset for
    9/4/2014 in a later crawl. The feed parsed back has one event with the same UID, the new
    date and a higher SEQUENCE; a crawl that finds nothing new changes nothing."""
    first = docket("ilnd_274007", through="86")
    store(store_engine, first)
    (before,) = [r for r in dates(store_engine, first.key) if r.day >= date(2014, 8, 1)]
    assert (before.day, before.time) == (date(2014, 8, 28), time(9, 30))
    feed_before = feed(store_engine, first.key)

    store(store_engine, docket("ilnd_274007", through="86"), now=NOW + timedelta(hours=1))
    assert feed(store_engine, first.key) == feed_before  # the same crawl again: the same feed

    store(store_engine, docket("ilnd_274007", through="88"), now=NOW + timedelta(days=1))
    (after,) = [r for r in dates(store_engine, first.key) if r.day >= date(2014, 8, 1)]
    assert after.uid == before.uid
    assert (after.day, after.time, after.sequence) == (date(2014, 9, 4), time(9, 30), before.sequence + 1)

    old = {e["UID"]: e for e in icalendar.Calendar.from_ical(feed_before).walk("VEVENT")}
    new = {e["UID"]: e for e in icalendar.Calendar.from_ical(feed(store_engine, first.key)).walk("VEVENT")}
    assert set(old) == set(new)
    event = new[before.uid]
    assert event.decoded("DTSTART") == datetime(2014, 9, 4, 9, 30, tzinfo=event.decoded("DTSTART").tzinfo)
    assert str(event.decoded("DTSTART").tzinfo) == "America/Chicago"
    assert event["SEQUENCE"] > old[before.uid]["SEQUENCE"]
    assert "reset for 9/4/2014" in str(event["DESCRIPTION"])


def feed(engine, key: str) -> bytes:
    with Session(engine) as session:
        rows = list_dates(session, CalendarFilter(case_key=key, vacated=True))
    return calendar_feed(rows, name=key, base_url="https://tracker.example.org")


def test_a_vacated_date_stays_in_the_feed_as_cancelled(store_engine):
    store(store_engine, docket("laed_127926"))
    events = icalendar.Calendar.from_ical(feed(store_engine, "laed-2:08-cv-04256")).walk("VEVENT")
    status = {(str(e["SUMMARY"]).split(":")[0], e.decoded("DTSTART").date()): str(e["STATUS"])
              for e in events}
    assert status["Motion Hearing", date(2010, 2, 17)] == "CANCELLED"
    assert status["Jury Trial", date(2012, 5, 21)] == "CONFIRMED"


def test_federal_register_comment_and_effective_dates(store_engine):
    """``comments_close_on`` and ``effective_on`` (as spiders/federal_register.py keeps them)."""
    record = CaseRecord(
        key="fr-2023-18624", kind=Kind.AGENCY_ACTION, jurisdiction="us",
        title="Artificial Intelligence and Copyright", source="federal_register",
        identifiers={"fr_document_number": "2023-18624", "comments_close_on": "2023-10-18"},
        urls=["https://www.federalregister.gov/documents/2023/08/30/2023-18624/artificial-intelligence-and-copyright"],
        events=[EventRecord(date(2023, 8, 30), "Published in the Federal Register as a Notice.",
                            "federal_register", classification=("notice-of-inquiry",))])
    store(store_engine, record)
    (closes,) = dates(store_engine, record.key)
    assert (closes.kind, closes.day, closes.time) == ("comments-close", date(2023, 10, 18), None)
    assert closes.source_url == record.urls[0]

    record.identifiers["comments_close_on"] = "2023-11-30"  # the Office extended the period
    record.identifiers["effective_on"] = "2024-01-02"
    store(store_engine, record, now=NOW + timedelta(days=1))
    closes_later, effective = dates(store_engine, record.key)
    assert (closes_later.uid, closes_later.day, closes_later.sequence) == (closes.uid, date(2023, 11, 30), 1)
    assert (effective.kind, effective.day) == ("effective", date(2024, 1, 2))


def test_curated_dates_come_from_the_watchlist_and_a_crawl_keeps_them(store_engine):
    entry = {"key": "ded-1:20-cv-00613", "kind": "lawsuit", "jurisdiction": "ded", "confidence": "high",
             "title": "Thomson Reuters v. ROSS Intelligence",
             "identifiers": {"court": "ded", "docket_number": "1:20-cv-00613"},
             "dates": [{"kind": "oral-argument", "title": "Oral argument (Third Circuit)",
                        "date": "2026-12-09",
                        "time": "09:30", "timezone": "America/New_York",
                        "source_url": "https://www2.ca3.uscourts.gov/oralargument/"}]}
    store(store_engine, parse_entry(entry))
    (argued,) = dates(store_engine, "ded-1:20-cv-00613")
    assert (argued.kind, argued.origin, argued.time, argued.timezone) == (
        "oral-argument", "watchlist", time(9, 30), "America/New_York")
    crawl = CaseRecord(key="ded-1:20-cv-00613", kind=Kind.LAWSUIT, jurisdiction="ded",
                       title="Thomson Reuters", source="courtlistener",
                       events=[EventRecord(date(2026, 11, 2), "NOTICE of Appearance", "courtlistener")])
    store(store_engine, crawl, now=NOW + timedelta(days=1))
    assert [d.uid for d in dates(store_engine, "ded-1:20-cv-00613")] == [argued.uid]


def test_a_bad_curated_date_is_refused_with_its_name():
    entry = {"key": "x-1", "kind": "lawsuit", "jurisdiction": "ded", "confidence": "high", "title": "X",
             "dates": [{"kind": "picnic", "title": "Picnic", "date": "2026-12-09"}]}
    with pytest.raises(ValueError, match="picnic"):
        parse_entry(entry)


def test_open_states_events_a_passed_one_stays_and_one_no_longer_listed_ahead_goes(store_engine):
    """The spider asks Open States for events ahead only: an event that has passed drops out of
    the list but stays in the bill's history; one ahead that drops out (deleted upstream) goes.
    A markup and a vote are read from the event's name and its agenda item."""
    def bill(*events):
        return CaseRecord(key="il-103rd-hb-4875", kind=Kind.STATE_BILL, jurisdiction="il", title="HB 4875",
                          source="openstates",
                          identifiers={"state": "il", "session": "103rd", "bill": "HB 4875",
                                       "openstates_events": list(events)})
    passed = {"id": "ocd-event/1", "name": "Judiciary - Civil Committee Hearing", "item": "HB 4875",
              "start": "2026-11-17T14:00:00-06:00", "status": "passed", "url": "https://ilga.gov/h"}
    markup = {"id": "ocd-event/2", "name": "Executive Session", "start": "2026-12-02", "item": "HB 4875"}
    vote = {"id": "ocd-event/3", "name": "Senate Executive Committee", "start": "2026-12-03T09:00:00-06:00",
            "item": "HB 4875 - final action"}
    store(store_engine, bill(passed, markup, vote), now=datetime(2026, 11, 10, tzinfo=UTC))
    assert [(d.kind, d.day, d.time) for d in dates(store_engine, "il-103rd-hb-4875")] == [
        ("hearing", date(2026, 11, 17), time(14, 0)), ("markup", date(2026, 12, 2), None),
        ("vote", date(2026, 12, 3), time(9, 0))]
    store(store_engine, bill(vote), now=NOW)  # the hearing has passed; the markup was deleted upstream
    assert [d.uid for d in dates(store_engine, "il-103rd-hb-4875")] == [
        make_uid("il-103rd-hb-4875", "openstates", "ocd-event/1"),
        make_uid("il-103rd-hb-4875", "openstates", "ocd-event/3")]
