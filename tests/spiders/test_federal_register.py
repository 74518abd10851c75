"""The Federal Register spider: callbacks on recorded API v1 responses, then real crawls."""

import json

import pytest
from scrapy.http import Request, TextResponse

from spiders.federal_register import FederalRegisterSpider
from tests.golden import check_golden
from tests.spiders.crawling import counts, crawl_environment, open_spider, tracker
from tests.upstream import FIXTURES, Upstream

BASE = "https://www.federalregister.gov"
FOLDER = FIXTURES / "federal_register"


@pytest.fixture
def spider(monkeypatch):
    return open_spider(FederalRegisterSpider, monkeypatch, TRACKER_SOURCES__FEDERAL_REGISTER__URL=BASE,
                       TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))


def respond(name: str, url: str = f"{BASE}/api/v1/documents.json") -> TextResponse:
    body = (FOLDER / name).read_bytes().replace(b"{base}", BASE.encode())
    return TextResponse(url, body=body, encoding="utf-8", request=Request(url))


def test_search_pages_keep_ai_copyright_documents(spider):
    first = list(spider.parse_search(respond("search-ai-copyright-page1.json")))
    second = list(spider.parse_search(respond("search-ai-copyright-page2.json")))
    items = [o for o in first + second if not isinstance(o, Request)]
    (next_page,) = [o for o in first if isinstance(o, Request)]
    assert "search_after_cursor=WzE2OTMzNjk2MDAwMDAsIjIwMjMtMTg2MjQiXQ%3D%3D" in next_page.url
    check_golden("federal_register", "search-ai-copyright", items)
    noi, correction = items[1], items[2]
    assert noi.key == "fr-2023-18624" and noi.identifiers["corrections"] == "fr-2023-19240"
    assert correction.identifiers["correction_of"] == "fr-2023-18624"
    assert [e.classification for e in noi.events] == [
        ("notice-of-inquiry",), ("comment-period-opened",), ("comment-period-closed",)]


def test_unrelated_rule_is_not_kept(spider):
    # The FTC's rule on fake reviews mentions AI-generated reviews, not copyright or likeness.
    assert list(spider.parse_search(respond("search-ftc.json"))) == []
    assert spider.crawler.stats.get_value("federal_register/not_relevant") == 1


def test_zero_results_page_has_no_results_key(spider):
    assert "results" not in json.loads((FOLDER / "search-none.json").read_text())
    assert list(spider.parse_search(respond("search-none.json"))) == []


def test_watchlist_document_is_kept_and_dated_by_signing(spider):
    (order,) = list(spider.parse_documents(respond(
        "documents-watchlist.json", f"{BASE}/api/v1/documents/2025-23092.json")))
    assert order.key == "fr-2025-23092"
    assert order.identifiers["executive_order_number"] == 14365
    assert [str(e.date) for e in order.events] == ["2025-12-16", "2025-12-11"]


@pytest.fixture
def upstream():
    with Upstream("federal_register") as server:
        yield server


def test_crawl_twice_then_one_new_document(upstream, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_SOURCES__FEDERAL_REGISTER__URL=upstream.url,
                            TRACKER_WATCHLIST_FILE=str(FOLDER / "watchlist.yaml"))
    first = tracker("crawl", "--source", "federal_register", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    # Five new cases, and the correction proposed as a link to the notice it corrects, which
    # the default rule lets through (it is read from identifiers): nothing of it waits.
    assert counts(env) == {"cases": 5, "events": 10, "changes": 6}
    links = [c for c in json.loads(tracker("review", "--json", env=env).stdout) if c["kind"] == "new_link"]
    assert links == []
    shown = json.loads(tracker("show", "fr-2023-18624", "--json", env=env).stdout)
    assert shown["links"] == [{"direction": "from", "relation": "correction", "key": "fr-2023-19240",
                               "reason": "correction", "review_state": "approved"}]
    assert [(r["relation"], r["key"]) for r in shown["related"]] == [("corrected by", "fr-2023-19240")]
    assert (shown["status"], shown["status_date"]) == ("comment_period_closed", "2023-10-18")
    assert tracker("show", "fr-2024-18519", env=env).returncode == 1  # the FTC rule

    upstream.requests.clear()
    second = tracker("crawl", "--source", "federal_register", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert counts(env) == {"cases": 5, "events": 10, "changes": 6}
    # Every search the spider builds asks only for what was published lately.
    searches = [q for p, q, _ in upstream.requests
                if p == "/api/v1/documents.json" and "search_after_cursor" not in q]
    assert len(searches) == 8
    assert all("conditions[publication_date][gte]" in q for q in searches)

    upstream.override("search-ai-copyright-page2.json", "search-ai-copyright-page2-new.json")
    third = tracker("crawl", "--source", "federal_register", env=env, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert counts(env) == {"cases": 6, "events": 11, "changes": 7}
