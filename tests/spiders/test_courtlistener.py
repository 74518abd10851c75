"""The CourtListener spider: callbacks on recorded v4 responses, then real crawls against a
stand-in API on 127.0.0.1 (retries, 429, 403 fallback, malformed JSON, incremental re-crawl)."""

import json
import subprocess
import sys

import pytest
from scrapy.http import Request, TextResponse
from sqlalchemy import select

from spiders.courtlistener import CourtListenerSpider, clean_text
from tests.golden import check_golden
from tests.spiders.crawling import ROOT, counts, crawl_environment, open_spider, tracker
from tests.upstream import FIXTURES, Upstream
from tracker.db import make_engine
from tracker.models.runs import SourceRun
from tracker.watchlist import load_watchlist

BASE = "https://www.courtlistener.com"
WATCHLIST = FIXTURES / "courtlistener" / "watchlist.yaml"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def spider(monkeypatch):
    return open_spider(CourtListenerSpider, monkeypatch, TRACKER_SOURCES__COURTLISTENER__URL=BASE,
                       TRACKER_WATCHLIST_FILE=str(WATCHLIST))


def respond(request: Request, name: str, status: int = 200) -> TextResponse:
    body = (FIXTURES / "courtlistener" / name).read_bytes().replace(b"{base}", BASE.encode())
    return TextResponse(request.url, status=status, body=body, encoding="utf-8", request=request)


def follow(spider, request: Request, *pages: str, status: int = 200):
    """Feed recorded pages to a request chain; return the item it ends with."""
    outputs = list(request.callback(respond(request, pages[0], status)))
    for name in pages[1:]:
        (request,) = [o for o in outputs if isinstance(o, Request)]
        outputs = list(request.callback(respond(request, name)))
    return outputs


def test_search_keeps_ai_suits_and_follows_the_cursor(spider):
    request = spider.request(spider.api("search/", type="r", q="x"), spider.parse_search, page=1)
    parties = list(spider.parse_search(respond(request, "search-parties-page1.json")))
    terms = list(spider.parse_search(respond(request, "search-terms-page1.json")))
    urls = [r.url.removeprefix(BASE) for r in parties + terms]
    check_golden("courtlistener", "search", urls)
    assert "/api/rest/v4/dockets/69911204/" not in urls  # the cookbook suit: no AI party or term
    assert any("cursor=" in u for u in urls)


def test_docket_with_two_pages_of_entries(spider):
    (entries_request,) = list(spider.parse_docket(respond(
        Request(spider.api("dockets/66732129/")), "docket-andersen.json")))
    (case,) = follow(spider, entries_request, "entries-andersen-page1.json", "entries-andersen-page2.json")
    check_golden("courtlistener", "docket-andersen", case)
    assert case.key == "cand-3:23-cv-00201"
    assert case.title == "Andersen et al. v. Stability AI Ltd. et al."  # the watchlist's title
    texts = [e.text for e in case.events]
    assert "MOTION to Dismiss Plaintiffs' Complaint filed by" in texts[2]  # HTML and &#x27; gone
    assert not any("(Entered:" in t for t in texts)
    assert texts[4].startswith("FIRST AMENDED COMPLAINT")  # from the main document's description


def test_forbidden_docket_entries_fall_back_to_search(spider):
    (entries_request,) = list(spider.parse_docket(respond(
        Request(spider.api("dockets/68494041/")), "docket-lehrman.json")))
    (fallback,) = list(entries_request.callback(respond(entries_request, "forbidden.json", 403)))
    assert "type=rd" in fallback.url and "docket_id%3A68494041" in fallback.url
    (case,) = list(fallback.callback(respond(fallback, "search-entries-lehrman.json")))
    check_golden("courtlistener", "docket-lehrman", case)
    assert [e.entry_number for e in case.events] == ["58", "36", "24", "1"]  # attachment skipped


def test_malformed_json_yields_nothing_and_counts(spider):
    request = Request(spider.api("dockets/68889092/"))
    assert list(spider.parse_docket(respond(request, "docket-concord-malformed.json"))) == []
    assert spider.crawler.stats.get_value("courtlistener/malformed_json") == 1


def test_clean_text():
    assert clean_text("ORDER re <b>49</b> Motion &amp; stay (Entered: 10/30/2023)") == (
        "ORDER re 49 Motion & stay")


# Real crawls, each in its own process as `tracker crawl` runs them.

@pytest.fixture
def upstream():
    with Upstream("courtlistener") as server:
        yield server


@pytest.fixture
def crawl_env(upstream, tmp_path):
    return crawl_environment(tmp_path, TRACKER_SOURCES__COURTLISTENER__URL=upstream.url,
                             TRACKER_WATCHLIST_FILE=str(WATCHLIST),
                             TRACKER_SOURCES__COURTLISTENER__DELAY="0", COURTLISTENER_TOKEN=TOKEN)


def test_crawl_stores_ai_suits_and_recrawl_changes_nothing(upstream, crawl_env, tmp_path):
    first = tracker("crawl", "--source", "courtlistener", env=crawl_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert counts(crawl_env) == {"cases": 3, "events": 13, "changes": 3}
    first_requests = len(upstream.requests)
    # Every API request carried the token; the cookbook suit's docket was never fetched.
    api = [(p, h) for p, _, h in upstream.requests if p.startswith("/api/")]
    assert all(h.get("Authorization") == f"Token {TOKEN}" for _, h in api)
    assert "/api/rest/v4/dockets/69911204/" not in upstream.paths()
    # The 429 (Retry-After: 1) and the 500 were each retried once, then answered.
    cursor = [q for p, q, _ in upstream.requests if q.get("cursor", "").startswith("cz0y")]
    assert len(cursor) == 2

    upstream.requests.clear()
    second = tracker("crawl", "--source", "courtlistener", env=crawl_env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert counts(crawl_env) == {"cases": 3, "events": 13, "changes": 3}
    # A refresh asks what changed: the three searches (one page each: nothing new on them) and
    # one change check naming every stored docket; no docket, no entries.
    assert not any(p.endswith("docket-entries/") or "/dockets/" in p for p in upstream.paths())
    (check,) = [q for p, q, _ in upstream.requests if q.get("type") == "rd"]
    assert check["q"] == "docket_id:(66732129 OR 68494041 OR 68889092)"
    assert len([p for p in upstream.paths() if p.startswith("/api/")]) == 3 + 1 < first_requests

    # A new entry on Andersen: the check names it (and an older Concord document, created
    # before the last run), so Andersen alone is read again: its docket, then its new entries.
    upstream.override("changes-none.json", "changes-andersen.json")
    upstream.override("docket-andersen.json", "docket-andersen-modified.json")
    upstream.override("entries-andersen-page2.json", "entries-andersen-page2-new-entry.json")
    upstream.requests.clear()
    third = tracker("crawl", "--source", "courtlistener", env=crawl_env, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert counts(crawl_env) == {"cases": 3, "events": 14, "changes": 4}
    read = [p for p in upstream.paths() if "/dockets/" in p or p.endswith("docket-entries/")]
    assert read[0] == "/api/rest/v4/dockets/66732129/" and "/api/rest/v4/dockets/68889092/" not in read
    entries = [q for p, q, _ in upstream.requests if p.endswith("docket-entries/")]
    assert "date_modified__gte" in entries[0]  # (the stand-in's next link is recorded)
    shown = json.loads(tracker("show", "cand-3:23-cv-00201", "--json", env=crawl_env).stdout)
    assert shown["status"] == "class_certified" and shown["status_date"] == "2026-11-24"


def test_failing_docket_fails_the_run_but_the_rest_land(upstream, crawl_env, tmp_path):
    upstream.override("docket-concord.json", "docket-concord-malformed.json")
    result = tracker("crawl", "--source", "courtlistener", env=crawl_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "malformed JSON" in result.stderr
    assert counts(crawl_env)["cases"] == 2
    health = json.loads(tracker("sources", "--json", env=crawl_env).stdout)
    (courtlistener,) = [h for h in health if h["source"] == "courtlistener"]
    # Minutes after a first crawl that failed, the source has yet to succeed; it is not stale.
    assert courtlistener["last_success"] is None and courtlistener["stale"] is False
    assert courtlistener["health"] == "never succeeded"
    assert courtlistener["last_failure"]["state"] == "failed"
    assert "malformed JSON" in courtlistener["last_failure"]["reason"]
    table = tracker("sources", env=crawl_env).stdout
    assert "malformed JSON" in table and "never succeeded" in table and "STALE" not in table


def test_scrapy_crawl_directly_records_the_run(upstream, crawl_env):
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "courtlistener", "-s",
                             "AUTOTHROTTLE_ENABLED=False"], cwd=ROOT, env=crawl_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    engine = make_engine(crawl_env["TRACKER_DATABASE_URL"])
    with engine.connect() as connection:
        run = connection.execute(select(SourceRun)).one()
    assert (run.state, run.cases_new, run.events_added) == ("ok", 3, 13)
    assert run.requests == len(upstream.requests)


def test_spent_budget_stops_cleanly_and_the_next_run_resumes(upstream, crawl_env, tmp_path):
    limited = {**crawl_env, "TRACKER_SOURCES__COURTLISTENER__DAILY_REQUESTS": "6"}
    result = tracker("crawl", "--source", "courtlistener", env=limited, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    health = json.loads(tracker("sources", "--json", env=limited).stdout)
    (courtlistener,) = [h for h in health if h["source"] == "courtlistener"]
    assert courtlistener["last_run"]["state"] == "partial"
    assert courtlistener["last_run"]["reason"] == "budget_exhausted"
    assert courtlistener["last_run"]["requests"] <= 6
    # A fresh day's budget: the next run starts over from the last complete run (none).
    resumed = tracker("crawl", "--source", "courtlistener", env=crawl_env, cwd=tmp_path)
    assert resumed.returncode == 0
    assert counts(crawl_env)["cases"] == 3


def test_crawl_rejects_an_unknown_source(crawl_env, tmp_path):
    result = tracker("crawl", "--source", "nowhere", env=crawl_env, cwd=tmp_path)
    assert result.returncode == 2 and "unknown source" in result.stderr


def test_unreachable_upstream_fails_fast_with_the_reason(crawl_env, tmp_path):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = {**crawl_env, "TRACKER_SOURCES__COURTLISTENER__URL": f"http://127.0.0.1:{closed_port}"}
    assert tracker("seed", env=env).returncode == 0
    result = tracker("crawl", "--source", "courtlistener", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert f"cannot reach 127.0.0.1:{closed_port}" in result.stderr
    health = json.loads(tracker("sources", "--json", env=env).stdout)
    (courtlistener,) = [h for h in health if h["source"] == "courtlistener"]
    assert courtlistener["last_run"]["reason"].startswith("cannot reach")
    assert counts(env)["cases"] == len(load_watchlist(WATCHLIST))  # the seeded cases are intact


def test_pacific_offsets_compare_as_instants():
    from datetime import UTC, datetime

    from spiders.courtlistener import parse_timestamp

    modified = parse_timestamp("2025-08-29T14:03:11.123456-07:00")
    assert modified == datetime(2025, 8, 29, 21, 3, 11, 123456, tzinfo=UTC)
    assert modified < datetime(2025, 8, 29, 21, 5, tzinfo=UTC)  # a run just after, in UTC
    assert parse_timestamp("not a time") is None and parse_timestamp(None) is None


def test_ctrl_c_stops_the_crawl_process_and_records_why(upstream, crawl_env, tmp_path):
    import signal
    import time

    slow = {**crawl_env, "TRACKER_SOURCES__COURTLISTENER__DELAY": "5"}
    crawl = subprocess.Popen([sys.executable, "-m", "tracker", "crawl", "--source", "courtlistener"],
                             env=slow, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(p.startswith("/api/") for p in upstream.paths()):  # the crawl is under way
        assert time.monotonic() < deadline and crawl.poll() is None, "the crawl never started"
        time.sleep(0.1)
    crawl.send_signal(signal.SIGINT)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 130 and "interrupted" in stderr
    health = json.loads(tracker("sources", "--json", env=crawl_env).stdout)
    (courtlistener,) = [h for h in health if h["source"] == "courtlistener"]
    assert courtlistener["last_run"]["state"] == "interrupted"
    assert courtlistener["last_run"]["reason"] == "interrupted (Ctrl-C)"
    assert courtlistener["last_run"]["finished_at"] is not None


def test_change_check_reads_pacific_timestamps_as_instants(spider):
    """A document created at 16:05 Pacific on the 23rd is news to a run that began at 00:00 UTC
    on the 24th (it was 00:05 UTC): the offset decides, not the local date."""
    from datetime import UTC, datetime

    spider.since = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    request = spider.request(spider.api("search/", type="rd"), spider.parse_changes, changed=set())
    body = (FIXTURES / "courtlistener" / "changes-andersen.json").read_text().replace(
        "{now_pacific}", "2026-11-23T15:59:59.999999-08:00")  # 23:59:59 UTC: before the run
    response = TextResponse(request.url, body=body.encode(), encoding="utf-8", request=request)
    urls = [r.url.removeprefix(BASE) for r in spider.parse_changes(response)]
    assert urls == ["/api/rest/v4/dockets/68889092/"]  # Concord's 16:05 Pacific, not Andersen's
    assert spider.crawler.stats.get_value("courtlistener/dockets_changed") == 1


def test_a_judge_linked_by_courtlistener_carries_the_person_id_and_a_lead_defendant_its_name(spider):
    (entries,) = list(spider.parse_docket(respond(Request(spider.api("dockets/4214664/")),
                                                  "docket-nvlsp-judge.json")))
    (judge,) = entries.meta["case"].people  # "United States" is no company the parties table knows
    assert (judge.role, judge.name, judge.identifiers, judge.jurisdiction) == (
        "judge", "Paul L. Friedman", {"courtlistener": "1124"}, "dcd")
    (request,) = list(spider.parse_docket(respond(Request(spider.api("dockets/68889092/")),
                                                  "docket-concord.json")))
    judge, defendant = request.meta["case"].people
    assert (judge.name, judge.identifiers) == ("Eumi K. Lee", {})  # assigned_to null: the name alone
    assert (defendant.role, defendant.name) == ("defendant", "Anthropic PBC")
