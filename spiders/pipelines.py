"""The pipeline between the spiders and the store: validate, batch, take in off the reactor thread.

A bad item is dropped with its reason (and counted); it never stops the crawl. Good items are
handed to ``tracker.intake`` in batches, in a worker thread, so a slow or locked database never
stalls the downloads: each batch is stored, its cases' links are proposed, and the staff's
auto-approve rules decide what of it may skip review. What was stored is counted in the crawl's
stats (``tracker/<count>``, and ``tracker/store_errors`` for a batch that could not be), which is
where the run record (spiders/extensions.py) reads it.
"""

import logging
from datetime import UTC, datetime

from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import run_in_thread

from tracker.approval_rules import ApproveRule
from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import InvalidRecord, TrackerError
from tracker.intake import IntakeReport, intake
from tracker.records import CaseRecord, check_record

logger = logging.getLogger(__name__)
BATCH_SIZE = 200
STORE_ERRORS = "tracker/store_errors"


class StorePipeline:
    def __init__(self, crawler, database_url: str, *, rules: list[ApproveRule], similarity: float,
                 batch_size: int = BATCH_SIZE):
        self.crawler = crawler
        self.database_url = database_url
        self.rules = rules
        self.similarity = similarity
        self.batch_size = batch_size
        self.buffer: list[CaseRecord] = []
        self.report = IntakeReport()
        self.engine = None

    @classmethod
    def from_crawler(cls, crawler):
        try:
            settings = load_settings()
        except TrackerError as exc:
            raise RuntimeError(str(exc)) from None
        return cls(crawler, settings.database_url, rules=settings.auto_approve_rules,
                   similarity=settings.link_title_similarity,
                   batch_size=crawler.settings.getint("TRACKER_BATCH_SIZE", BATCH_SIZE))

    async def open_spider(self, spider=None):
        self.engine = await run_in_thread(open_store, self.database_url)

    async def process_item(self, item, spider=None):
        try:
            check_record(item)
        except (InvalidRecord, AttributeError, TypeError) as exc:
            self.crawler.stats.inc_value("tracker/items_invalid")
            raise DropItem(f"invalid item: {exc}") from None
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            await self._flush()
        return item

    async def _flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        stats = self.crawler.stats
        try:
            report = await run_in_thread(intake, self.engine, batch, rules=self.rules,
                                         similarity=self.similarity, now=datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - any store failure fails the run, not the crawl
            stats.inc_value(STORE_ERRORS)
            logger.error("could not store %d cases: %s", len(batch), exc)
            return
        self.report.merge(report)
        for name, value in self.report.counts().items():
            stats.set_value(f"tracker/{name}", value)
        stats.set_value("tracker/links_proposed", self.report.links_proposed)
        stats.set_value("tracker/people_linked", self.report.people_linked)
        stats.set_value("tracker/changes_auto_approved", self.report.auto_approved)

    async def close_spider(self, spider=None):
        await self._flush()
        if self.engine is not None:
            self.engine.dispose()
