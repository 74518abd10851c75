"""The pipeline between the spiders and the store: validate, batch, ingest off the reactor thread.

A bad item is dropped with its reason (and counted); it never stops the crawl. Good items are
handed to ``tracker.store.ingest`` in batches, in a worker thread, so a slow or locked database
never stalls the downloads; the staff's auto-approve rules then decide what each batch's new
changes may skip review. The pipeline also keeps the source's run record: it opens the run,
tells the spider what it needs to crawl incrementally (the last complete run, the known cases,
what is left of the day's request budget, a source's conditional-request validators), and at the
end judges the run by the crawl's own stats. A spider made of parts (the statements' sites)
reports each part's outcome, recorded as its own run; the validators are saved only when every
item was stored, so nothing a 304 would hide next time is lost.
"""

import logging
from datetime import UTC, datetime, time

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import run_in_thread
from sqlalchemy import select
from sqlmodel import Session

from tracker.approval_rules import ApproveRule
from tracker.config import load_settings
from tracker.db import ensure_schema, make_engine
from tracker.errors import InvalidRecord, TrackerError
from tracker.linking import propose
from tracker.models.cases import Case
from tracker.records import CaseRecord, check_record
from tracker.review import apply_rules
from tracker.runs import (
    FAILED,
    OK,
    PARTIAL,
    SKIPPED,
    begin_run,
    finish_run,
    last_success,
    load_validators,
    record_parts,
    requests_since,
    save_validators,
)
from tracker.store import IngestReport, Outcome, ingest

logger = logging.getLogger(__name__)
BATCH_SIZE = 200


class LastErrorHandler(logging.Handler):
    """Keeps the last ERROR logged during the crawl, for the run record."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage()[:500]


class StorePipeline:
    def __init__(self, crawler, database_url: str, batch_size: int = BATCH_SIZE):
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.buffer: list[CaseRecord] = []
        self.report = IngestReport()
        self.store_errors = 0
        self.errors = LastErrorHandler()
        self.engine = None
        self.run_id: int | None = None
        self.started: datetime | None = None
        self.rules: list[ApproveRule] = []
        self.similarity = 0.9

    @classmethod
    def from_crawler(cls, crawler):
        try:
            settings = load_settings()
        except TrackerError as exc:
            raise RuntimeError(str(exc)) from None
        pipeline = cls(crawler, settings.database_url,
                       crawler.settings.getint("TRACKER_BATCH_SIZE", BATCH_SIZE))
        pipeline.rules = settings.auto_approve_rules
        pipeline.similarity = settings.link_title_similarity
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def open_spider(self, spider=None):
        spider = self.crawler.spider
        logging.getLogger().addHandler(self.errors)
        self.engine = make_engine(self.database_url)
        await run_in_thread(ensure_schema, self.engine)
        now = datetime.now(UTC)
        if getattr(spider, "since", None) is None and not getattr(spider, "full", False):
            previous = await run_in_thread(last_success, self.engine, spider.name)
            spider.since = previous.started_at if previous else None
        spider.known_keys = await run_in_thread(self._known_keys)
        daily = getattr(spider, "daily_request_budget", None)
        if daily is not None:
            midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
            used = await run_in_thread(requests_since, self.engine, spider.name, midnight)
            spider.request_budget = max(0, daily - used)
        if hasattr(spider, "validators"):
            spider.validators = await run_in_thread(load_validators, self.engine, spider.name)
        self.started = now
        self.run_id = await run_in_thread(begin_run, self.engine, spider.name, now=now,
                                          since=spider.since)

    def _known_keys(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.execute(select(Case.key)).scalars())

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
        now = datetime.now(UTC)
        try:
            report = await run_in_thread(ingest, self.engine, batch, now=now)
        except Exception as exc:  # noqa: BLE001 - any store failure fails the run, not the crawl
            self.store_errors += 1
            logger.error("could not store %d cases: %s", len(batch), exc)
            return
        self.report.merge(report)
        links = await run_in_thread(propose, self.engine, [r.key for r in batch],
                                    similarity=self.similarity, now=now)
        self.crawler.stats.inc_value("tracker/links_proposed", links)
        if (report.changes_added or links) and self.rules:
            approved = await run_in_thread(apply_rules, self.engine, self.rules, detected_at=now)
            self.crawler.stats.inc_value("tracker/changes_auto_approved", len(approved))

    async def close_spider(self, spider=None):
        await self._flush()

    async def spider_closed(self, spider, reason):
        logging.getLogger().removeHandler(self.errors)
        if self.run_id is None:
            return
        stats = self.crawler.stats
        errors = stats.get_value("log_count/ERROR", 0)
        skip_reason = getattr(spider, "skip_reason", None)
        parts = spider.part_outcomes() if hasattr(spider, "part_outcomes") else []
        failed_parts = [part for part in parts if part.state == FAILED]
        now = datetime.now(UTC)
        # A spider made of parts is judged by them: one dead site's logged errors are its own.
        sound = not (self.store_errors or stats.get_value("spider_exceptions/count"))
        if skip_reason:
            state, reason = SKIPPED, skip_reason
        elif reason == "budget_exhausted" and not errors:
            state = PARTIAL
        elif reason == "finished" and parts and sound:
            state = OK if not failed_parts else FAILED if len(failed_parts) == len(parts) else PARTIAL
        elif reason == "finished" and not errors:
            state = OK
        else:
            state = FAILED
        if parts:
            await run_in_thread(record_parts, self.engine, spider.name, parts,
                                started=self.started, now=now)
        if hasattr(spider, "validators_to_save") and not self.store_errors:
            await run_in_thread(save_validators, self.engine, spider.name,
                                spider.validators_to_save(), now=now)
        last_error = stats.get_value("unreachable") or self.errors.last
        if failed_parts and sound:
            last_error = "; ".join(f"{part.name}: {part.reason}" for part in failed_parts)[:500]
        await run_in_thread(
            finish_run, self.engine, self.run_id, now=now, state=state,
            finish_reason=reason, requests=stats.get_value("downloader/request_count", 0),
            items=stats.get_value("item_scraped_count", 0),
            dropped=stats.get_value("item_dropped_count", 0), errors=errors,
            cases_new=self.report.count(Outcome.INSERTED),
            cases_updated=self.report.count(Outcome.UPDATED),
            cases_unchanged=self.report.count(Outcome.UNCHANGED),
            events_added=self.report.events_added, changes_added=self.report.changes_added,
            last_error=last_error)
        self.engine.dispose()
