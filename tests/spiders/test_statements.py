"""The statements spider: recorded feeds and pages fed to its callbacks, then real crawls."""

import json
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

from spiders.statements import StatementsSpider, canonical_url, parse_day, statement_key
from tests.golden import check_golden
from tests.spiders.crawling import crawl_environment, open_spider, tracker
from tests.upstream import CONTENT_TYPES, FIXTURES, Upstream

BASE = "https://example.org"
FOLDER = FIXTURES / "statements"
TODAY = date(2026, 11, 28)


@pytest.fixture
def spider(monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text((FOLDER / "config.toml").read_text().replace("{base}", BASE))
    return open_spider(StatementsSpider, monkeypatch, TRACKER_CONFIG=str(config))


def respond(spider, source: str, name: str, url: str, *, status: int = 200, **meta):
    body = (FOLDER / name).read_bytes().replace(b"{base}", BASE.encode())
    kind = HtmlResponse if name.endswith(".html") else XmlResponse
    request = Request(url, meta={"source": source, "page": 1, **meta})
    return kind(url, body=body, status=status, request=request, headers={
        "Content-Type": CONTENT_TYPES[Path(name).suffix], "ETag": '"v1"',
        "Last-Modified": "Fri, 10 Oct 2025 23:24:11 GMT"})


def outcome(spider, name: str):
    return next(part for part in spider.part_outcomes() if part.name == name)


def test_rss_with_html_in_cdata_and_rfc822_dates(spider):
    outputs = list(spider.parse_listing(respond(
        spider, "authors-guild", "authors-guild-feed.xml", f"{BASE}/authors-guild/feed/")))
    # The gala's entry is WordPress's excerpt ("The post ... appeared first on"): its article is
    # fetched and judged instead.
    (gala,) = [o for o in outputs if isinstance(o, Request)]
    assert gala.url.endswith("/authors-guild-foundation-announces-2025-gala-honorees/")
    items = [o for o in outputs if not isinstance(o, Request)]
    assert list(spider.parse_article(respond(
        spider, "authors-guild", "authors-guild-article-gala.html", gala.url,
        listed=gala.meta["listed"]))) == []
    check_golden("statements", "authors-guild-feed", items)
    settlement, testimony = items
    # Tracking parameters are gone from the link; the summary is plain text, scripts and all.
    assert settlement.urls == [f"{BASE}/authors-guild/news/what-authors-need-to-know-about-the-"
                               "anthropic-settlement/"]
    assert "<" not in settlement.summary and "trackPageview" not in settlement.summary
    assert settlement.events[0].date == date(2025, 9, 5)
    # A garbled pubDate: the date in the link stands in for it...
    assert testimony.key == "statement-authors-guild-2025-07-16-ag-testifies-on-ai-training-licensing"
    # ...and with no date anywhere, the entry is skipped and counted, not guessed.
    stats = spider.crawler.stats
    assert stats.get_value("statements/undated") == 1
    assert stats.get_value("statements/not_relevant") == 1  # the gala honorees
    assert outcome(spider, "authors-guild").reason == "finished"
    assert spider.validators_to_save()[f"{BASE}/authors-guild/feed/"] == (
        '"v1"', "Fri, 10 Oct 2025 23:24:11 GMT")


def test_a_feed_excerpt_is_judged_on_its_article(spider, monkeypatch):
    monkeypatch.setattr(spider, "full", True)  # the excerpts are older than the lookback
    requests = list(spider.parse_listing(respond(
        spider, "authors-guild", "excerpt-feed.xml", f"{BASE}/authors-guild/feed/")))
    assert [r.url for r in requests] == [
        f"{BASE}/authors-guild/news/bartz-settlement-preliminary-approval/",
        f"{BASE}/authors-guild/news/summer-reading/"]
    listed = requests[0].meta["listed"]
    # The excerpt names an AI developer but no right; the article says what is at stake.
    assert spider.rules.statement(listed.title, listed.teaser) is None
    (item,) = spider.parse_article(respond(spider, "authors-guild", "excerpt-article-bartz.html",
                                           requests[0].url, listed=listed))
    assert item.key == "statement-authors-guild-2025-09-25-bartz-settlement-preliminary-approval"
    assert '"Anthropic"' in item.why_tracked and '"licensing"' in item.why_tracked
    assert "appeared first on" not in listed.teaser


def test_atom_feed(spider):
    items = list(spider.parse_listing(respond(
        spider, "copyright-office", "copyright-office-newsnet.atom",
        f"{BASE}/copyright-office/newsnet.atom")))
    check_golden("statements", "copyright-office-newsnet", items)
    assert [item.key for item in items] == [
        # "1071.html" says nothing, so the title gives the slug; the fee study is not about AI.
        "statement-copyright-office-2025-05-09-copyright-office-releases-pre-publication-version-of-"
        "part-3",
        "statement-copyright-office-2025-01-29-copyright-office-releases-part-2-of-artificial-"
        "intelligence",
    ]
    assert items[0].urls == [f"{BASE}/copyright-office/newsnet/2025/1071.html"]  # no #fragment
    assert items[1].events[0].date == date(2025, 1, 29)  # from <updated>: no <published>


def test_html_listing_fetches_each_new_article_and_the_next_page(spider):
    outputs = list(spider.parse_listing(respond(
        spider, "sag-aftra", "sag-aftra-page1.html", f"{BASE}/sag-aftra/press-releases")))
    articles, pages = outputs[:-1], outputs[-1:]
    assert [r.url for r in articles] == [
        f"{BASE}/sag-aftra-statement-synthetic-performers",  # tracking parameters dropped
        f"{BASE}/sag-aftra-members-approve-2025-interactive-media-agreement",
        f"{BASE}/sag-aftra-foundation-announces-scholarship-winners",
    ]
    assert [r.url for r in pages] == [f"{BASE}/sag-aftra/press-releases?page=1"]
    assert articles[0].meta["listed"].day == date(2025, 9, 30)  # from <time datetime>


def test_a_statement_already_tracked_is_not_fetched_again(spider):
    spider.known_keys = {"statement-sag-aftra-2025-09-30-sag-aftra-statement-synthetic-performers"}
    outputs = list(spider.parse_listing(respond(
        spider, "sag-aftra", "sag-aftra-page1.html", f"{BASE}/sag-aftra/press-releases")))
    assert f"{BASE}/sag-aftra-statement-synthetic-performers" not in [r.url for r in outputs]


def article(spider, request, name: str):
    return list(spider.parse_article(respond(spider, "sag-aftra", name, request.url,
                                             listed=request.meta["listed"])))


def test_articles_are_judged_by_their_own_text_not_the_menus(spider):
    requests = list(spider.parse_listing(respond(
        spider, "sag-aftra", "sag-aftra-page1.html", f"{BASE}/sag-aftra/press-releases")))
    items = (article(spider, requests[0], "sag-aftra-article-synthetic-performers.html")
             + article(spider, requests[1], "sag-aftra-article-interactive-media.html"))
    # The scholarships page's menus, sidebar and footer say AI, copyright and likeness; the
    # article itself does not.
    assert article(spider, requests[2], "sag-aftra-article-scholarships.html") == []
    check_golden("statements", "sag-aftra-articles", items)
    # The agreement's headline says nothing of AI; its text does.
    assert items[1].title == "SAG-AFTRA Members Approve 2025 Interactive Media Agreement"
    assert "digital replica" in items[1].why_tracked and "likeness" in items[1].tags


def test_a_page_whose_layout_changed_fails_naming_the_selector(spider):
    url = f"{BASE}/wga/news-events/news/press"
    assert list(spider.parse_listing(respond(spider, "wga", "wga-press-redesigned.html", url))) == []
    failed = outcome(spider, "wga")
    assert failed.state == "failed"
    assert failed.reason == f'the item selector "article.news-item" found nothing on {url}'
    assert url not in spider.validators_to_save()  # read again in full next time


def test_html_where_a_feed_should_be_fails_the_source(spider):
    url = f"{BASE}/human-artistry/feed"
    assert list(spider.parse_listing(respond(
        spider, "human-artistry-campaign", "human-artistry-home.html", url))) == []
    failed = outcome(spider, "human-artistry-campaign")
    assert failed.state == "failed"
    assert failed.reason == f"{url} is not an RSS or Atom feed (text/html; charset=utf-8)"


def test_an_empty_feed_is_ok_but_empty(spider):
    assert list(spider.parse_listing(respond(spider, "dga", "empty-feed.xml", f"{BASE}/dga/rss"))) == []
    assert (outcome(spider, "dga").state, outcome(spider, "dga").reason) == ("ok", "empty")


def test_a_failed_article_keeps_the_listing_for_next_time(spider):
    requests = list(spider.parse_listing(respond(
        spider, "sag-aftra", "sag-aftra-page1.html", f"{BASE}/sag-aftra/press-releases")))
    broken = respond(spider, "sag-aftra", "sag-aftra-article-scholarships.html", requests[0].url,
                     status=500, listed=requests[0].meta["listed"])
    assert list(spider.parse_article(broken)) == []
    failed = outcome(spider, "sag-aftra")
    assert failed.state == "failed" and "HTTP 500" in failed.reason
    assert f"{BASE}/sag-aftra/press-releases" not in spider.validators_to_save()


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://Example.org/news/a/?utm_source=rss&utm_medium=rss&p=12#comments",
     "https://example.org/news/a/?p=12"),
    ("https://example.org/a?fbclid=x&gclid=y&mc_cid=z", "https://example.org/a"),
    ("https://example.org", "https://example.org/"),
])
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(("text", "day"), [
    ("Fri, 10 Oct 2025 23:24:11 +0000", date(2025, 10, 10)),
    ("Issue No. 1047 - July 22, 2024", date(2024, 7, 22)),
    ("Aug 14 2023", date(2023, 8, 14)),
    ("Friday, Sept. 19, 2025", date(2025, 9, 19)),
    ("2025-10-10T12:00:00-04:00", date(2025, 10, 10)),
    ("next Tuesday", None),
    ("Wednesday, 16th of Julember 2025", None),
    ("March 3, 2031", None),  # a date in the future is a typo, not a statement
])
def test_parse_day(text, day):
    assert parse_day(text, today=TODAY) == day


def test_statement_key_prefers_the_links_slug_to_the_title():
    day = date(2025, 4, 9)
    assert statement_key("sag-aftra", day, "https://x.org/sag-aftra-applauds-no-fakes", "Edited") \
        == "statement-sag-aftra-2025-04-09-sag-aftra-applauds-no-fakes"
    assert statement_key("copyright-office", day, "https://x.org/newsnet/2025/1060.html",
                         "Part 2 Released") == "statement-copyright-office-2025-04-09-part-2-released"


@pytest.fixture
def upstream():
    with Upstream("statements") as server:
        yield server


def crawl_env(upstream, tmp_path):
    config = tmp_path / "statements.toml"
    config.write_text((FOLDER / "config.toml").read_text().replace("{base}", upstream.url))
    return crawl_environment(tmp_path, TRACKER_CONFIG=str(config), TRACKER_SOURCES__STATEMENTS__DELAY="0")


def sources(env) -> dict[str, dict]:
    return {row["source"]: row for row in json.loads(tracker("sources", "--json", env=env).stdout)}


def test_crawl_twice_then_one_new_statement(upstream, tmp_path):
    env = crawl_env(upstream, tmp_path)
    first = tracker("crawl", "--source", "statements", env=env, cwd=tmp_path)
    # Three sites are broken; the others land, and the crawl says which failed and why.
    assert first.returncode == 0, first.stderr
    assert "partial" in first.stderr
    listed = json.loads(tracker("cases", "--kind", "statement", "--json", env=env).stdout)
    keys = sorted(case["key"] for case in listed)
    assert len(keys) == 7, keys  # 2 Authors Guild, 2 Copyright Office, 3 SAG-AFTRA
    health = sources(env)
    assert health["statements"]["last_run"]["state"] == "partial"
    assert health["statements:authors-guild"]["last_run"]["state"] == "ok"
    assert health["statements:wga"]["last_failure"]["reason"].startswith(
        'the item selector "article.news-item" found nothing on')
    assert health["statements:human-artistry-campaign"]["last_failure"]["reason"].endswith(
        "is not an RSS or Atom feed (text/html; charset=utf-8)")
    assert health["statements:gone"]["last_failure"]["reason"].startswith("HTTP 404 from")

    shown = json.loads(tracker("show", "statement-sag-aftra-2025-04-09-sag-aftra-applauds-"
                               "reintroduction-no-fakes-act", "--json", env=env).stdout)
    assert (shown["status"], shown["status_date"]) == ("published", "2025-04-09")
    assert shown["identifiers"]["organisation"] == "SAG-AFTRA"

    # Again: every feed and listing answers 304 to its conditional request; nothing is new.
    upstream.requests.clear()
    second = tracker("crawl", "--source", "statements", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    conditional = {path: headers.get("If-None-Match") for path, _, headers in upstream.requests}
    assert conditional["/authors-guild/feed/"] and conditional["/sag-aftra/press-releases"]
    assert "/sag-aftra-statement-synthetic-performers" not in conditional  # no article refetched
    assert health_reason(env, "statements:authors-guild") == "not_modified"
    again = json.loads(tracker("cases", "--kind", "statement", "--json", env=env).stdout)
    assert sorted(case["key"] for case in again) == keys

    # A new item in the feed: a new ETag, one new case and one change.
    upstream.override("authors-guild-feed.xml", "authors-guild-feed-new.xml")
    third = tracker("crawl", "--source", "statements", env=env, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    latest = json.loads(tracker("cases", "--kind", "statement", "--json", env=env).stdout)
    new = {case["key"] for case in latest} - set(keys)
    assert new == {"statement-authors-guild-2025-10-20-ag-urges-congress-to-require-consent-"
                   "before-ai-training"}
    run = sources(env)["statements"]["last_run"]
    assert (run["cases_new"], run["changes_added"]) == (1, 1)


def health_reason(env, source: str) -> str:
    return sources(env)[source]["last_run"]["reason"]


def test_a_site_that_brings_nothing_run_after_run_is_stale(upstream, tmp_path):
    config = tmp_path / "empty.toml"
    config.write_text(f'[[statements.sources]]\nname = "dga"\norganisation = "DGA"\n'
                      f'url = "{upstream.url}/dga/rss"\n')
    env = crawl_environment(tmp_path, TRACKER_CONFIG=str(config), TRACKER_STALE_RUNS="2",
                            TRACKER_SOURCES__STATEMENTS__DELAY="0")
    assert tracker("crawl", "--source", "statements", env=env, cwd=tmp_path).returncode == 0
    assert sources(env)["statements:dga"]["stale"] is False
    assert tracker("crawl", "--source", "statements", env=env, cwd=tmp_path).returncode == 0
    dga = sources(env)["statements:dga"]
    assert dga["stale"] is True and dga["stale_reason"] == "nothing in the last 2 runs"
