"""The run record (spiders/extensions.py): crawls played through Scrapy's signals and the store
pipeline, in the order Scrapy runs them, without a network."""

import asyncio
import logging
from datetime import date

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlmodel import Session, col

from spiders.base import TrackerSpider
from spiders.items import CaseItem, EventItem
from spiders.pipelines import StorePipeline
from spiders.settings import EXTENSIONS
from tracker.db import make_engine
from tracker.models.runs import SourceRun
from tracker.vocab import Kind

URL = "https://www.courtlistener.com/api/rest/v4/dockets/66732129/"


class PlainSpider(TrackerSpider):
    """Declares nothing but its name: every default of TrackerSpider applies."""

    name = "plain"


class BudgetedSpider(TrackerSpider):
    name = "budgeted"
    daily_request_budget = 10


@pytest.fixture
def database(monkeypatch, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    return url


def open_crawl(spidercls) -> TrackerSpider:
    crawler = get_crawler(spidercls, {"EXTENSIONS": EXTENSIONS})
    crawler.spider = spidercls.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler.spider


def crawl(spider: TrackerSpider, items=(), *, reason="finished", during=lambda stats: None) -> None:
    """One crawl as Scrapy runs it: the pipeline opens, then spider_opened; the items; the pipeline
    closes (its last batch), then spider_closed."""
    crawler = spider.crawler

    async def run():
        pipeline = StorePipeline.from_crawler(crawler)
        await pipeline.open_spider()
        await crawler.signals.send_catch_log_async(signals.spider_opened, spider=spider)
        for item in items:
            await pipeline.process_item(item)
        during(crawler.stats)
        await pipeline.close_spider()
        await crawler.signals.send_catch_log_async(signals.spider_closed, spider=spider, reason=reason)

    asyncio.run(run())


def last_run(database: str) -> SourceRun:
    engine = make_engine(database)
    with Session(engine) as session:
        run = session.exec(select(SourceRun).order_by(col(SourceRun.id).desc()).limit(1)).scalars().one()
    engine.dispose()
    return run


def suit(key: str, *texts: str) -> CaseItem:
    return CaseItem(key=key, kind=Kind.LAWSUIT, jurisdiction="cand", title=f"Suit {key}",
                    source="courtlistener", events=[EventItem(date(2025, 1, 1 + n), text, "courtlistener")
                                                    for n, text in enumerate(texts)])


def test_a_spider_with_no_declarations_gets_the_defaults_and_its_run_counts(database):
    spider = open_crawl(PlainSpider)
    crawl(spider, [suit("cand-3:23-cv-00201", "COMPLAINT filed"),
                   suit("cand-3:23-cv-00202", "COMPLAINT filed")])
    first = last_run(database)
    assert (spider.since, spider.known_keys, spider.request_budget, spider.validators) == (
        None, set(), None, {})
    assert (first.source, first.state, first.finish_reason, first.last_error) == (
        "plain", "ok", "finished", None)
    assert (first.cases_new, first.cases_updated, first.cases_unchanged) == (2, 0, 0)
    assert (first.events_added, first.changes_added) == (2, 2)

    again = open_crawl(PlainSpider)
    crawl(again, [suit("cand-3:23-cv-00201", "COMPLAINT filed", "ORDER granting motion"),
                  suit("cand-3:23-cv-00202", "COMPLAINT filed")])
    second = last_run(database)
    # The next crawl starts from the last complete run and knows the stored cases.
    assert again.since == first.started_at
    assert again.known_keys == {"cand-3:23-cv-00201", "cand-3:23-cv-00202"}
    assert (second.since, second.state) == (first.started_at, "ok")
    assert (second.cases_new, second.cases_updated, second.cases_unchanged) == (0, 1, 1)
    assert second.events_added == 1


def test_a_failed_run_keeps_its_last_error_on_one_line(database):
    def docket_fails(stats):
        try:
            {}["docket_number"]
        except KeyError:
            logging.getLogger("spiders.plain").exception("could not read the docket at %s", URL)

    crawl(open_crawl(PlainSpider), [suit("cand-3:23-cv-00201", "COMPLAINT filed")], during=docket_fails)
    run = last_run(database)
    assert (run.state, run.finish_reason, run.errors) == ("failed", "finished", 1)
    assert run.last_error == f"could not read the docket at {URL}"  # the traceback stays in the log
    assert run.cases_new == 1  # what was read still landed


def test_a_declared_daily_budget_leaves_what_todays_runs_did_not_use(database):
    def four_requests(stats):
        stats.set_value("downloader/request_count", 4)

    crawl(open_crawl(BudgetedSpider), during=four_requests)
    assert last_run(database).requests == 4
    spider = open_crawl(BudgetedSpider)
    crawl(spider, reason="budget_exhausted")
    run = last_run(database)
    assert spider.request_budget == 6
    assert (run.state, run.finish_reason) == ("partial", "budget_exhausted")
