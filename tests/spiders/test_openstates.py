"""The Open States spider: callbacks on recorded API v3 responses, then real crawls, with and
without a key."""

import json
import re

import pytest
from scrapy.http import Request, TextResponse

from spiders.openstates import OpenStatesSpider, known_classes
from tests.golden import check_golden
from tests.spiders.crawling import counts, crawl_environment, open_spider, tracker
from tests.upstream import FIXTURES, Upstream
from tracker.records import state_bill_key
from tracker.relevance import OPENSTATES_QUERIES

BASE = "https://v3.openstates.org"
FOLDER = FIXTURES / "openstates"


@pytest.fixture
def spider(monkeypatch):
    return open_spider(OpenStatesSpider, monkeypatch, TRACKER_SOURCES__OPENSTATES__URL=BASE,
                       OPENSTATES_API_KEY="k3y", TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))


def respond(request: Request, name: str) -> TextResponse:
    return TextResponse(request.url, body=(FOLDER / name).read_bytes(), encoding="utf-8",
                        request=request)


def test_search_keeps_relevant_bills_and_pages_to_max_page(spider):
    request = spider.request(spider.search_url('"digital replica"', 1), spider.parse_search,
                             query='"digital replica"', page=1)
    first = list(spider.parse_search(respond(request, "search-replica-page1.json")))
    items = [o for o in first if not isinstance(o, Request)]
    (page2,) = [o for o in first if isinstance(o, Request)]
    assert "page=2" in page2.url and page2.headers["X-API-KEY"] == b"k3y"
    last = list(spider.parse_search(respond(page2, "search-replica-page2.json")))
    assert not any(isinstance(o, Request) for o in last)  # page 2 of 2: no request for page 3
    items += last
    check_golden("openstates", "search-replica", items)
    assert [i.key for i in items] == ["ca-20252026-ab-412", "la-2026-hb-154"]  # not the mail bill
    undated = [e for e in items[0].events if "postponed" in e.text]
    assert undated == []  # an action dated "" is left out


def test_keys_and_classes():
    assert state_bill_key("ca", "20252026", "AB 412") == "ca-20252026-ab-412"
    assert state_bill_key("ny", "2025-2026", "S 8420") == "ny-2025-2026-s-8420"
    assert known_classes(["reading-3", "passage"]) == ("reading-3", "passage")
    assert known_classes(["committee-passage-favorable"]) == ("committee-passage",)
    assert known_classes(["deferral"]) is None  # unknown to the tracker: classify the text


@pytest.fixture
def upstream():
    with Upstream("openstates") as server:
        yield server


def environment(upstream, tmp_path, **settings):
    return crawl_environment(tmp_path, TRACKER_SOURCES__OPENSTATES__URL=upstream.url,
                             TRACKER_SOURCES__OPENSTATES__DELAY="0",
                             TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"), **settings)


def test_crawl_folds_statuses_and_a_new_action_is_one_change(upstream, tmp_path):
    env = environment(upstream, tmp_path, OPENSTATES_API_KEY="k3y")
    first = tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    statuses = {c["key"]: c["status"] for c in json.loads(tracker("cases", "--json", env=env).stdout)}
    assert statuses == {"ca-20252026-ab-412": "passed_one_chamber", "la-2026-hb-154": "vetoed",
                        "il-103rd-hb-4875": "enacted"}
    assert all(h.get("X-Api-Key") == "k3y" for p, _, h in upstream.requests if p.startswith("/bills"))
    before = counts(env)

    # The watched Illinois bill came in a search of its jurisdiction and session, by identifier.
    (watched,) = [q for p, q, _ in upstream.requests if p == "/bills" and "jurisdiction" in q]
    assert (watched["jurisdiction"], watched["identifier"]) == ("il", "HB 4875")
    upstream.requests.clear()
    second = tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert second.returncode == 0
    assert counts(env) == before
    # A refresh: every query asks for what was updated since the last run's day (a bare date),
    # one a keyword (the recorded replica search has two pages) and one for the watched bills.
    bills = [q for p, q, _ in upstream.requests if p == "/bills"]
    assert len(bills) == len(OPENSTATES_QUERIES) + 1 + 1
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", q["updated_since"]) for q in bills)

    upstream.override("search-replica-page1.json", "search-replica-page1-new.json")
    third = tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert third.returncode == 0
    after = counts(env)
    assert (after["events"], after["changes"]) == (before["events"] + 1, before["changes"] + 1)
    shown = json.loads(tracker("show", "ca-20252026-ab-412", "--json", env=env).stdout)
    assert (shown["status"], shown["status_date"]) == ("passed_both", "2026-06-30")


def test_hearings_ahead_on_watched_bills_come_from_one_events_request_per_state(upstream, tmp_path):
    """Open States' events whose agenda names a watched bill, linked or by name alone, become its
    dates ahead; a cancelled one is vacated; a second crawl changes nothing and keeps the UIDs."""
    env = environment(upstream, tmp_path, OPENSTATES_API_KEY="k3y")
    assert tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path).returncode == 0
    (asked,) = [q for p, q, _ in upstream.requests if p == "/events"]
    assert (asked["jurisdiction"], asked["include"], asked["require_bills"]) == ("il", "agenda", "true")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", asked["after"])

    def dates():
        listed = tracker("calendar", "--case", "il-103rd-hb-4875", "--days", "3660", "--past", "3660",
                         "--vacated", "--json", env=env)
        return [(d["date"], d["time"], d["timezone"], d["kind"], d["title"], d["state"], d["origin"],
                 d["uid"], d["source_url"]) for d in json.loads(listed.stdout)]

    first = dates()
    assert [d[:7] for d in first] == [
        ("2026-12-08", "14:00", "America/Chicago", "hearing", "Judiciary - Civil Committee Hearing",
         "scheduled", "openstates"),
        ("2026-12-10", "09:30", "America/Chicago", "hearing", "Senate Executive Committee Hearing",
         "vacated", "openstates")]
    assert first[0][8] == "https://ilga.gov/House/Committees/Hearings?CommitteeID=2811"
    before = counts(env)
    upstream.requests.clear()
    assert tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path).returncode == 0
    assert dates() == first and counts(env) == before
    assert len([p for p, _, _ in upstream.requests if p == "/events"]) == 1


def test_without_a_key_the_source_is_skipped_with_the_reason(upstream, tmp_path):
    env = environment(upstream, tmp_path)
    result = tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OPENSTATES_API_KEY" in result.stderr
    assert upstream.requests == []
    health = json.loads(tracker("sources", "--json", env=env).stdout)
    (openstates,) = [h for h in health if h["source"] == "openstates"]
    assert openstates["last_run"]["state"] == "skipped"
    assert "no OPENSTATES_API_KEY" in openstates["last_run"]["reason"]


def test_a_refused_key_fails_the_run_with_the_reason(upstream, tmp_path):
    upstream.refuse(401, "unauthorized.json")
    env = environment(upstream, tmp_path, OPENSTATES_API_KEY="expired")
    result = tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert result.returncode == 1
    health = json.loads(tracker("sources", "--json", env=env).stdout)
    (openstates,) = [h for h in health if h["source"] == "openstates"]
    assert openstates["last_run"]["state"] == "failed"
    assert "refused the API key (HTTP 401)" in openstates["last_run"]["reason"]


def test_sponsorships_with_a_person_carry_its_id_and_those_without_keep_only_the_name(spider):
    """Illinois HB 4875 (103rd) as Open States gives it with include=sponsorships, in the one
    search that brings a state's watched bills."""
    request = spider.request(f"{BASE}/bills?jurisdiction=il&session=103rd", spider.parse_watched)
    (case,) = [item for item in spider.parse_watched(respond(request, "watched-il.json"))
               if item.identifiers["bill"] == "HB 4875"]
    assert "include=sponsorships" in spider.search_url("x", 1)  # no extra request: the same search
    chief, didech, williams, edly_allen = case.people
    assert (chief.role, chief.name, chief.identifiers, chief.party, chief.seat) == (
        "sponsor", "Jen Gong-Gershowitz", {"openstates": "ocd-person/cf97f459-e1cd-474b-8306-3c55d7c009b0"},
        "Democratic", "Representative, district 17")
    assert didech.role == "cosponsor" and didech.identifiers["openstates"].endswith("372187dde261")
    assert (williams.name, williams.identifiers) == ("Jawaharial Williams", {})  # "person": null
    assert edly_allen.seat == "Senator, district 31" and edly_allen.jurisdiction == "il"


def test_a_committee_sponsor_is_kept_by_name_and_a_bill_without_sponsorships_says_nothing(spider):
    (copy,) = list(spider.case(json.loads((FOLDER / "bill-ky-hb512-copy.json").read_text())))
    (judiciary,) = copy.people
    assert (judiciary.name, judiciary.identifiers, judiciary.detail) == ("Judiciary", {}, "organization")
    (unlike,) = list(spider.case(json.loads((FOLDER / "bill-ga-sb77-unlike.json").read_text())))
    assert unlike.people is None  # not included: the sponsors stored before are kept
