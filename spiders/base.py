"""What every source's spider shares: its settings, incremental state, relevance rules, watchlist
records, and reading a response's JSON without ever crashing the crawl."""

import logging
from datetime import datetime
from json import JSONDecodeError

import scrapy

from tracker.config import load_settings
from tracker.records import CaseRecord
from tracker.relevance import Rules
from tracker.vocab import Kind
from tracker.watchlist import load_watchlist

logger = logging.getLogger(__name__)


class TrackerSpider(scrapy.Spider):
    """A source's spider. The pipeline sets ``since`` (the last complete run), ``known_keys``
    and ``request_budget`` before the crawl starts (spiders/pipelines.py); ``-a since=ISO`` and
    ``-a full=1`` override it from the command line."""

    since: datetime | None = None
    known_keys: set[str] = set()
    request_budget: int | None = None
    skip_reason: str | None = None

    def __init__(self, *args, since: str | None = None, full: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.config = load_settings()
        self.source = self.config.source(self.name)
        self.rules = Rules(self.config.relevance_settings)
        self.full = bool(full)
        if since:
            self.since = datetime.fromisoformat(since)

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Spacing between requests is the source's own setting ([sources.NAME] delay).
        delay = load_settings().source(cls.name).delay
        settings.set("DOWNLOAD_DELAY", delay, priority="spider")
        settings.set("AUTOTHROTTLE_START_DELAY", max(delay, 0.1), priority="spider")

    def watchlist_records(self, kind: Kind) -> list[CaseRecord]:
        return [r for r in load_watchlist(self.config.watchlist_file) if r.kind is kind]

    def json(self, response) -> dict | None:
        """The response's JSON object, or ``None`` (an error in the log and the stats) when the
        body is not JSON, so one bad response fails its own case and the crawl goes on."""
        try:
            data = response.json()
        except (JSONDecodeError, ValueError, AttributeError):
            url = response.url.split("api_key=")[0]  # never log a key
            logger.error("malformed JSON from %s (HTTP %s)", url, response.status)
            self.crawler.stats.inc_value(f"{self.name}/malformed_json")
            return None
        return data if isinstance(data, dict) else None
