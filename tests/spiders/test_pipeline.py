"""The store pipeline and the downloader middlewares, on their own."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from spiders.items import CaseItem, EventItem
from spiders.middlewares import retry_after_seconds
from spiders.pipelines import StorePipeline
from tracker.vocab import Kind

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    ("Sat, 28 Nov 2026 12:01:30 GMT", 90.0),
    ("Sat, 28 Nov 2026 11:00:00 GMT", 0.0),  # already past: retry now
    ("soon", None),
    (None, None),
])
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


def test_a_bad_item_is_dropped_with_its_reason_and_counted(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 't.db'}")
    crawler = get_crawler(Spider)
    pipeline = StorePipeline.from_crawler(crawler)
    bad = CaseItem(key="Not A Key", kind=Kind.LAWSUIT, jurisdiction="cand", title="x",
                   source="test", events=[EventItem(date(2025, 1, 1), "Complaint", "test")])
    with pytest.raises(DropItem, match="invalid item: .*key"):
        asyncio.run(pipeline.process_item(bad))
    assert crawler.stats.get_value("tracker/items_invalid") == 1
    assert pipeline.buffer == []
