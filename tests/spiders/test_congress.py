"""The Congress.gov spider: callbacks on recorded API v3 responses, then real crawls; its committee
meetings as dates ahead on tracked bills, read back with `tracker calendar` and its iCalendar feed."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from scrapy.http import Request, TextResponse
from sqlalchemy import select, update

from spiders.committee_meetings import bills_named, newest_first
from spiders.congress import CongressSpider, changed_since, parse_update
from tests.golden import check_golden
from tests.spiders.crawling import counts, crawl_environment, open_spider, tracker
from tests.upstream import FIXTURES, Upstream
from tracker.db import make_engine
from tracker.models.runs import SourceRun

BASE = "https://api.congress.gov"
FOLDER = FIXTURES / "congress"


@pytest.fixture
def spider(monkeypatch):
    return open_spider(CongressSpider, monkeypatch, TRACKER_SOURCES__CONGRESS__URL=BASE,
                       TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))


def respond(request: Request, name: str) -> TextResponse:
    return TextResponse(request.url, body=(FOLDER / name).read_bytes(), encoding="utf-8",
                        request=request)


def test_list_keeps_relevant_titles_and_adds_the_key_to_next(spider):
    request = Request(spider.url("bill", limit=250), callback=spider.parse_list, meta={"page": 1})
    outputs = list(spider.parse_list(respond(request, "bills-page1.json")))
    urls = [o.url.removeprefix(BASE) for o in outputs]
    assert urls[0].startswith("/v3/bill/119/hr/9912?")  # "Digital Replica Disclosure Act"
    assert not any("/hr/8123" in u for u in urls)  # the postal reform bill
    assert not any("/s/4591" in u for u in urls)  # its title says nothing: found by the watchlist
    assert "offset=250" in urls[-1] and "format=json" in urls[-1]
    assert not any("api_key" in u for u in urls)  # the key goes in a header, never in a URL
    assert spider.crawler.stats.get_value("congress/not_relevant") == 2


def test_enacted_bill_with_duplicate_actions(spider):
    on_watchlist = Request(spider.url("bill/119/s/146"), meta={"watchlist": True})
    (actions,) = list(spider.parse_bill(respond(on_watchlist, "bill-s146.json")))
    (page2,) = list(actions.callback(respond(actions, "actions-s146-page1.json")))
    (case,) = list(page2.callback(respond(page2, "actions-s146-page2.json")))
    check_golden("congress", "bill-s146", case)
    assert case.key == "us-119-s-146" and case.identifiers["law"] == "Public Law 119-12"
    texts = [e.text for e in case.events]
    assert len(texts) == 6  # nine actions, three of them the same action from two systems
    assert "Passed/agreed to in House: On passage Passed without objection." in texts
    assert {e.actor for e in case.events if "Passed" in e.text} == {"upper", "lower"}


def test_a_changed_bill_with_related_bills_reads_them_for_the_linker(spider):
    bill = json.loads((FOLDER / "bill-s4591.json").read_text())["bill"]
    bill["relatedBills"] = {"count": 2, "url": f"{BASE}/v3/bill/119/s/4591/relatedbills?format=json"}
    (actions,) = list(spider.bill_case(bill, None))
    (related,) = list(actions.callback(respond(actions, "actions-s4591.json")))
    assert "/v3/bill/119/s/4591/relatedbills?" in related.url
    (cosponsors,) = list(related.callback(respond(related, "relatedbills-s4591.json")))
    assert "/v3/bill/119/s/4591/cosponsors?" in cosponsors.url  # it has three: one more request
    (case,) = list(cosponsors.callback(respond(cosponsors, "cosponsors-s4591.json")))
    assert case.identifiers["related_bills"] == "us-119-hr-8915 identical; us-119-s-1367 related"
    assert case.events  # the actions read before are kept
    assert [(p.role, p.identifiers["bioguide"]) for p in case.people] == [
        ("sponsor", "C001088"), ("cosponsor", "B001243"), ("cosponsor", "K000367"), ("cosponsor", "T000476")]


def test_sponsor_and_cosponsors_of_the_no_fakes_act_carry_bioguide_ids_party_and_seat(spider):
    """The House NO FAKES Act of 2025 as Congress.gov records it: Salazar and ten cosponsors."""
    (actions,) = list(spider.bill_case(json.loads((FOLDER / "bill-hr2794.json").read_text())["bill"],
                                       None))
    assert actions.meta["cosponsors"] == 10
    (cosponsors,) = list(spider.with_cosponsors(actions.meta["case"], 10))
    (case,) = list(cosponsors.callback(respond(cosponsors, "cosponsors-hr2794.json")))
    sponsor, *others = case.people
    assert (sponsor.role, sponsor.name, sponsor.identifiers, sponsor.party, sponsor.seat) == (
        "sponsor", "Maria Elvira Salazar", {"bioguide": "S000168"}, "R", "FL-27")
    assert len(others) == 10 and {p.role for p in others} == {"cosponsor"}
    dean = others[0]
    assert (dean.identifiers["bioguide"], dean.seat, dean.detail) == ("D000631", "PA-4", "original cosponsor")
    assert others[2].seat == "VT"  # Balint: an at-large seat is the state
    assert others[-1].detail == "since 2025-12-03"


def test_a_cosponsors_request_that_fails_keeps_the_bill_and_what_was_stored(spider):
    case = spider.case(json.loads((FOLDER / "bill-s4591.json").read_text())["bill"])
    (request,) = list(spider.with_cosponsors(case, 3))
    failed = TextResponse(request.url, status=500, body=b"", request=request)
    (kept,) = list(request.callback(failed))
    assert kept.key == "us-119-s-4591"
    assert [p.role for p in kept.people] == ["sponsor"]  # the cosponsors stored before stay


def test_both_update_date_forms_parse():
    assert parse_update("2023-12-29").isoformat() == "2023-12-29T00:00:00+00:00"
    assert parse_update("2025-05-20T12:45:12Z").isoformat() == "2025-05-20T12:45:12+00:00"


def test_a_bare_update_date_counts_as_changed_all_that_day():
    since = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    assert changed_since("2026-11-19", since)  # that day, at an hour the list does not say
    assert not changed_since("2026-11-18", since)
    assert not changed_since("2026-11-19T14:59:59Z", since)  # a timestamp decides to the second
    assert changed_since("2026-11-19T15:00:00Z", since)


def test_a_refresh_reads_only_the_listed_bills_that_changed(spider):
    """The list of a refresh (fromDateTime): the watched S. 4591, listed with a bare date of the
    day the last run began, is read again; the watched S. 146, not listed, costs nothing; the
    stored H.R. 9912, updated (to the second) before the last run, neither."""
    spider.since = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    spider.known_keys = {"us-119-hr-9912", "us-119-s-4591", "us-119-s-146"}
    request = Request(spider.url("bill", limit=250), callback=spider.parse_list, meta={"page": 8})
    page = json.loads((FOLDER / "bills-page1.json").read_text())
    for bill in page["bills"]:
        bill.pop("updateDateIncludingText")  # the list's own dates alone
        if bill["number"] == "9912":
            bill["updateDate"] = "2026-11-19T14:59:59Z"
    response = TextResponse(request.url, body=json.dumps(page).encode(), encoding="utf-8",
                            request=request)
    outputs = list(spider.parse_list(response))
    urls = [o.url.removeprefix(BASE).split("?")[0] for o in outputs]
    # Page 8 of 8 with a next link: cut short, so the unlisted watched S. 146 is read too.
    assert urls == ["/v3/bill/119/s/4591", "/v3/bill/119/s/146"]
    response.meta["page"] = 1  # the same list read to its end: S. 146 did not change
    spider.listed.clear()
    page["pagination"].pop("next")
    response = TextResponse(request.url, body=json.dumps(page).encode(), encoding="utf-8",
                            request=request.replace(meta={"page": 1}))
    assert [o.url.removeprefix(BASE).split("?")[0] for o in spider.parse_list(response)] == [
        "/v3/bill/119/s/4591"]


@pytest.fixture
def upstream():
    with Upstream("congress") as server:
        yield server


def test_crawl_folds_statuses_and_a_new_action_is_one_change(upstream, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_SOURCES__CONGRESS__URL=upstream.url,
                            TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))
    first = tracker("crawl", "--source", "congress", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "DEMO_KEY" in first.stderr  # the one-line notice of its limit
    statuses = {c["key"]: c["status"] for c in json.loads(
        tracker("cases", "--json", env=env).stdout)}
    assert statuses == {"us-119-s-146": "enacted", "us-119-hr-9912": "passed_one_chamber",
                        # reported by the Judiciary Committee and placed on the calendar:
                        "us-119-s-4591": "reported", "us-119-s-2455": "in_committee",
                        # its title only touched the subject; its subjects name AI:
                        "us-119-hr-7102": "in_committee"}
    # The Copyright Office bill's subjects say nothing of AI: read, not kept.
    assert "/v3/bill/119/hr/7350/subjects" in upstream.paths()
    why = json.loads(tracker("show", "us-119-hr-7102", "--json", env=env).stdout)["why_tracked"]
    assert why.startswith('Kept by the rule "AI and copyright or likeness": "Artificial intelligence"')
    assert '"Copyrights"' in why

    assert all("api_key" not in q and h.get("X-Api-Key") == "DEMO_KEY"
               for p, q, h in upstream.requests if p.startswith("/v3/"))
    before = counts(env)

    upstream.requests.clear()
    second = tracker("crawl", "--source", "congress", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert counts(env) == before
    # Nothing changed since: the list's two pages and nothing else, the watched bills included.
    assert [p for p in upstream.paths() if p.startswith("/v3/")] == ["/v3/bill", "/v3/bill"]

    # The Senate passes the bill: Congress.gov moves its update date on the list, and the bill
    # alone costs its detail and its actions.
    upstream.override("bills-page1.json", "bills-page1-updated.json")
    upstream.override("bill-s4591.json", "bill-s4591-updated.json")
    upstream.override("actions-s4591.json", "actions-s4591-new.json")
    upstream.requests.clear()
    third = tracker("crawl", "--source", "congress", env=env, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert sorted(p for p in upstream.paths() if p.startswith("/v3/")) == [
        "/v3/bill", "/v3/bill", "/v3/bill/119/s/4591", "/v3/bill/119/s/4591/actions"]
    after = counts(env)
    assert (after["events"], after["changes"]) == (before["events"] + 1, before["changes"] + 1)
    shown = json.loads(tracker("show", "us-119-s-4591", "--json", env=env).stdout)
    assert (shown["status"], shown["status_date"]) == ("passed_one_chamber", "2026-11-24")


def test_a_changed_bill_asks_for_its_cosponsors_only_when_their_number_moved(spider):
    """A refresh of a changed bill costs its detail and actions; its cosponsors one more request
    only when Congress.gov's count is not the number stored (someone joined or withdrew)."""
    case = spider.case(json.loads((FOLDER / "bill-s4591.json").read_text())["bill"])
    spider.known_people = {case.key: {"cosponsor": 3}}
    assert list(spider.with_cosponsors(case, 3)) == [case]  # the same three: no request
    (request,) = spider.with_cosponsors(case, 4)  # a fourth joined: the list is read again
    assert request.url.startswith(f"{BASE}/v3/bill/119/s/4591/cosponsors")


# Committee meetings: real crawls, each run in its own process as `tracker crawl` runs them.

MEETINGS = "/v3/committee-meeting/119"


@pytest.fixture
def env(upstream, tmp_path):
    return crawl_environment(tmp_path, TRACKER_SOURCES__CONGRESS__URL=upstream.url,
                             TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))


def crawl(env, tmp_path):
    result = tracker("crawl", "--source", "congress", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result


def a_day_later(env) -> None:
    """The next day's first run: the runs recorded so far moved a day back."""
    engine = make_engine(env["TRACKER_DATABASE_URL"])
    with engine.begin() as connection:
        for run_id, started in connection.execute(select(SourceRun.id, SourceRun.started_at)).all():
            connection.execute(update(SourceRun).where(SourceRun.id == run_id)
                               .values(started_at=started - timedelta(days=1)))
    engine.dispose()


def dates(env, case: str | None = None) -> list[dict]:
    args = ["calendar", "--days", "3660", "--past", "3660", "--vacated", "--json"]
    listed = tracker(*args, *(["--case", case] if case else []), env=env)
    return [d for d in json.loads(listed.stdout) if d["origin"] == "congress"]


def feed(env) -> dict[str, icalendar.Event]:
    text = tracker("calendar", "--days", "3660", "--vacated", "--ics", env=env).stdout
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def meeting_requests(upstream) -> list[str]:
    return [p for p in upstream.paths() if p.startswith(MEETINGS)]


def test_meetings_on_tracked_bills_become_dates_ahead_with_time_zone_and_text(upstream, env, tmp_path):
    """A scheduled hearing and a business meeting (its bill cited in the title alone, as the
    Senate's often are) become dates ahead on the bills they name; a canceled markup is vacated;
    a hearing on a bill nobody tracks adds nothing."""
    crawl(env, tmp_path)
    (asked,) = [q for p, q, _ in upstream.requests if p == MEETINGS]
    window = datetime.fromisoformat(asked["fromDateTime"].replace("Z", "+00:00"))
    assert timedelta(days=29) < datetime.now(UTC) - window < timedelta(days=31)
    got = [(d["case"], d["date"], d["time"], d["timezone"], d["kind"], d["state"], d["location"])
           for d in dates(env)]
    assert got == [
        ("us-119-hr-7102", "2026-12-08", "10:00", "America/New_York", "markup", "vacated",
         "2123 Rayburn House Office Building"),
        ("us-119-hr-9912", "2026-12-09", "10:00", "America/New_York", "hearing", "scheduled",
         "2141 Rayburn House Office Building"),
        ("us-119-s-4591", "2026-12-10", "10:00", "America/New_York", "markup", "scheduled",
         "G50 Dirksen Senate Office Building")]
    hearing = dates(env, "us-119-hr-9912")[0]
    assert hearing["text"].startswith("Artificial Intelligence and Intellectual Property: • H.R. 9912")
    assert hearing["title"].startswith("House Judiciary Subcommittee on Courts")
    assert hearing["source_url"] == "https://www.congress.gov/event/119th-congress/house-event/118730"
    # The postal bill's hearing was read, and is on no case.
    assert f"{MEETINGS}/house/118702" in upstream.paths()
    assert tracker("show", "us-119-hr-8123", "--json", env=env).returncode != 0
    # The meetings a bill keeps for the calendar are in its JSON, not in the identifiers people read.
    assert json.loads(tracker("show", "us-119-hr-9912", "--json", env=env).stdout)["identifiers"][
        "congress_meetings"]
    (identifiers,) = [line for line in tracker("show", "us-119-hr-9912", env=env).stdout.splitlines()
                      if line.startswith("identifiers")]
    assert "9912" in identifiers
    assert "meeting" not in identifiers and "{" not in identifiers
    exported = tracker("export", "--format", "csv", env=env).stdout
    assert "congress_meetings" not in exported and "118730" not in exported

    events = feed(env)
    markup = events[dates(env, "us-119-hr-7102")[0]["uid"]]
    assert str(markup["status"]) == "CANCELLED"
    start = events[hearing["uid"]].decoded("dtstart")
    assert start == datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


def test_a_rescheduled_meeting_moves_under_its_uid_and_a_postponed_one_is_vacated(upstream, env, tmp_path):
    crawl(env, tmp_path)
    before = {d["case"]: d for d in dates(env)}
    sequences = {uid: int(e["sequence"]) for uid, e in feed(env).items()}

    # The next day Congress.gov lists two meetings updated: the Senate one moved a week on, the
    # House hearing postponed. Each costs its detail, and only they are read again.
    a_day_later(env)
    upstream.override("meetings-119-none.json", "meetings-119-moved.json")
    upstream.override("meeting-senate-338410.json", "meeting-senate-338410-rescheduled.json")
    upstream.override("meeting-house-118730.json", "meeting-house-118730-postponed.json")
    upstream.requests.clear()
    crawl(env, tmp_path)
    assert sorted(meeting_requests(upstream)) == [MEETINGS, f"{MEETINGS}/house/118730",
                                                  f"{MEETINGS}/senate/338410"]
    after = {d["case"]: d for d in dates(env)}
    moved = after["us-119-s-4591"]
    assert (moved["uid"], moved["date"], moved["time"], moved["state"]) == (
        before["us-119-s-4591"]["uid"], "2026-12-17", "14:30", "scheduled")
    assert moved["text"].endswith("(Rescheduled)")
    postponed = after["us-119-hr-9912"]
    assert (postponed["uid"], postponed["date"], postponed["state"]) == (
        before["us-119-hr-9912"]["uid"], "2026-12-09", "vacated")
    assert after["us-119-hr-7102"] == before["us-119-hr-7102"]

    events = feed(env)
    assert len(events) == 3  # moved, not doubled
    assert events[moved["uid"]].decoded("dtstart") == datetime(2026, 12, 17, 19, 30, tzinfo=UTC)
    assert int(events[moved["uid"]]["sequence"]) == sequences[moved["uid"]] + 1
    assert str(events[postponed["uid"]]["status"]) == "CANCELLED"
    assert int(events[postponed["uid"]]["sequence"]) == sequences[postponed["uid"]] + 1


def test_meetings_are_swept_once_a_day_and_a_quiet_day_costs_the_list_alone(upstream, env, tmp_path):
    crawl(env, tmp_path)
    first = dates(env)
    upstream.requests.clear()
    crawl(env, tmp_path)  # later the same day: no sweep
    assert meeting_requests(upstream) == []

    a_day_later(env)
    upstream.requests.clear()
    crawl(env, tmp_path)  # the next day's first run: the list, empty
    assert meeting_requests(upstream) == [MEETINGS]
    (asked,) = [q for p, q, _ in upstream.requests if p == MEETINGS]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    assert asked["fromDateTime"] == f"{yesterday.isoformat()}T00:00:00Z"
    assert dates(env) == first


def test_bills_named_and_the_order_details_are_read_in():
    senate = json.loads((FOLDER / "meeting-senate-338410.json").read_text())["committeeMeeting"]
    assert bills_named(senate) == {(119, "s", "4591")}  # relatedItems empty: the title's citation
    house = json.loads((FOLDER / "meeting-house-118730.json").read_text())["committeeMeeting"]
    assert bills_named(house) == {(119, "hr", "9912")}
    listed = json.loads((FOLDER / "meetings-119.json").read_text())["committeeMeetings"]
    # The newest of each chamber first, the chambers in turn: meetings ahead before old ones.
    assert [m["eventId"] for m in newest_first(listed)] == ["118731", "338410", "118730", "118702"]


def test_a_sweep_reads_at_most_a_fifth_of_the_daily_quota_the_newest_first(monkeypatch):
    spider = open_spider(CongressSpider, monkeypatch, TRACKER_SOURCES__CONGRESS__URL="https://api.congress.gov",
                         TRACKER_SOURCES__CONGRESS__DAILY_REQUESTS="10",
                         TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))
    request = Request(spider.url("committee-meeting/119", limit=250), meta={"page": 1, "listed": []})
    listed = TextResponse(request.url, body=(FOLDER / "meetings-119.json").read_bytes(), encoding="utf-8",
                          request=request)
    asked = [r.url.split("?")[0] for r in spider.parse_meetings(listed)]
    assert asked == ["https://api.congress.gov/v3/committee-meeting/119/house/118731",
                     "https://api.congress.gov/v3/committee-meeting/119/senate/338410"]
    assert spider.crawler.stats.get_value("congress/meetings_not_read") == 2


def test_the_sweep_reads_the_newest_congress_among_the_tracked_bills_whatever_the_date(spider):
    """Only the newest tracked Congress's bills can still meet; the calendar does not decide it,
    so a crawl in 2027 (the 120th) with only 119th bills tracked still reads the 119th."""
    spider.known_identifiers = {"us-118-hr-1": {"congress": 118, "bill_type": "hr", "bill_number": "1"}}
    for when in (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)):
        (request,) = spider.meeting_sweep(when)
        assert urlsplit(request.url).path == MEETINGS
    spider.watchlist, spider.known_identifiers = {}, {}
    assert list(spider.meeting_sweep(datetime(2027, 2, 1, tzinfo=UTC))) == []  # no federal bill tracked
