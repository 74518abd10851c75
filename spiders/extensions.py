"""The run record of every crawl, kept by a Scrapy extension (``EXTENSIONS`` in spiders/settings.py).

When the spider opens, ``RunRecorder`` begins the source's run (``tracker.runs``) and tells the
spider what it needs to crawl incrementally: the last complete run, the known cases, what is left
of the day's request budget, the conditional-request validators. When the spider closes, after the
store pipeline has stored its last batch, it judges the run by the crawl's own stats, where the
pipeline counts what it stored, and finishes the run with its state, counts and last error. A
spider made of parts (the statements' sites) has each part's outcome recorded as its own run; the
validators are saved only when every item was stored, so nothing a 304 would hide next time is
lost. What a spider may tell the extension is declared on ``TrackerSpider`` (spiders/base.py).
"""

import logging
from collections import defaultdict
from datetime import UTC, datetime, time

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.asyncio import run_in_thread
from sqlalchemy import func, select
from sqlmodel import Session, col

from spiders.base import TrackerSpider
from spiders.pipelines import STORE_ERRORS
from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import TrackerError
from tracker.intake import COUNTS
from tracker.models.cases import Case
from tracker.models.people import CasePerson
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

logger = logging.getLogger(__name__)


class LastErrorHandler(logging.Handler):
    """Keeps the last ERROR logged during the crawl, for the run record."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage()[:500]


class RunRecorder:
    """Begins a source's run when its spider opens and finishes it when the spider closes."""

    def __init__(self, crawler, database_url: str):
        self.crawler = crawler
        self.database_url = database_url
        self.errors = LastErrorHandler()
        self.engine = None
        self.run_id: int | None = None
        self.started: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not issubclass(crawler.spidercls, TrackerSpider):
            raise NotConfigured("runs are recorded for the tracker's spiders (TrackerSpider) only")
        try:
            settings = load_settings()
        except TrackerError as exc:
            raise RuntimeError(str(exc)) from None
        recorder = cls(crawler, settings.database_url)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    async def spider_opened(self, spider: TrackerSpider) -> None:
        logging.getLogger().addHandler(self.errors)
        try:
            await run_in_thread(self._open, spider, datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - a crawl without its run record is not started
            logger.error("could not begin the %s run: %s", spider.name, exc)
            raise CloseSpider("no_run_record") from None

    def _open(self, spider: TrackerSpider, now: datetime) -> None:
        self.engine = open_store(self.database_url)
        if spider.since is None and not spider.full:
            previous = last_success(self.engine, spider.name)
            spider.since = previous.started_at if previous else None
        with Session(self.engine) as session:
            spider.known_keys = set(session.execute(select(Case.key)).scalars())
            if spider.known_kind is not None:
                spider.known_identifiers = dict(session.execute(
                    select(Case.key, Case.identifiers).where(Case.kind == spider.known_kind.value)).all())
                spider.known_people = defaultdict(dict)
                for key, role, count in session.execute(
                        select(Case.key, CasePerson.role, func.count())
                        .join(CasePerson, col(CasePerson.case_id) == col(Case.id))
                        .where(Case.kind == spider.known_kind.value).group_by(Case.key, CasePerson.role)):
                    spider.known_people[key][role] = count
        if spider.daily_request_budget is not None:
            midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
            used = requests_since(self.engine, spider.name, midnight)
            spider.request_budget = max(0, spider.daily_request_budget - used)
        spider.validators = load_validators(self.engine, spider.name)
        self.started = now
        self.run_id = begin_run(self.engine, spider.name, now=now, since=spider.since,
                                scrapyd_job=getattr(spider, "_job", None))  # Scrapyd's -a _job=

    async def spider_closed(self, spider: TrackerSpider, reason: str) -> None:
        logging.getLogger().removeHandler(self.errors)
        if self.run_id is not None:
            await run_in_thread(self._finish, spider, reason, datetime.now(UTC))
        if self.engine is not None:
            self.engine.dispose()

    def _finish(self, spider: TrackerSpider, reason: str, now: datetime) -> None:
        stats = self.crawler.stats
        errors = stats.get_value("log_count/ERROR", 0)
        store_errors = stats.get_value(STORE_ERRORS, 0)
        parts = spider.part_outcomes()
        failed_parts = [part for part in parts if part.state == FAILED]
        # A spider made of parts is judged by them: one dead site's logged errors are its own.
        sound = not (store_errors or stats.get_value("spider_exceptions/count"))
        if spider.skip_reason:
            state, reason = SKIPPED, spider.skip_reason
        elif reason == "budget_exhausted" and not errors:
            state = PARTIAL
        elif reason == "finished" and parts and sound:
            state = OK if not failed_parts else FAILED if len(failed_parts) == len(parts) else PARTIAL
        elif reason == "finished" and not errors:
            state = OK
        else:
            state = FAILED
        if parts:
            record_parts(self.engine, spider.name, parts, started=self.started, now=now)
        if not store_errors:
            save_validators(self.engine, spider.name, spider.validators_to_save(), now=now)
        last_error = stats.get_value("unreachable") or self.errors.last
        if failed_parts and sound:
            last_error = "; ".join(f"{part.name}: {part.reason}" for part in failed_parts)[:500]
        finish_run(
            self.engine, self.run_id, now=now, state=state, finish_reason=reason,
            requests=stats.get_value("downloader/request_count", 0),
            items=stats.get_value("item_scraped_count", 0),
            dropped=stats.get_value("item_dropped_count", 0), errors=errors, last_error=last_error,
            **{name: stats.get_value(f"tracker/{name}", 0) for name in COUNTS})
