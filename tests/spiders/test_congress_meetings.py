"""Congress.gov's committee meetings as dates ahead on tracked federal bills: real crawls against
the stand-in upstream serving the committee-meeting API's format, read back with `tracker
calendar` and its iCalendar feed."""

import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select, update

from spiders.committee_meetings import bills_named, newest_first
from tests.spiders.crawling import crawl_environment, tracker
from tests.upstream import FIXTURES, Upstream
from tracker.db import make_engine
from tracker.models.runs import SourceRun

FOLDER = FIXTURES / "congress"
MEETINGS = "/v3/committee-meeting/119"


@pytest.fixture
def upstream():
    with Upstream("congress") as server:
        yield server


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
    from scrapy.http import Request, TextResponse

    from spiders.congress import CongressSpider
    from tests.spiders.crawling import open_spider

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
