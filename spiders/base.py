"""What every source's spider shares: its settings, what it is told and tells the crawl (declared
with defaults), relevance rules, watchlist records, and reading a response's JSON without ever
crashing the crawl."""

import logging
from datetime import datetime
from json import JSONDecodeError

import scrapy

from tracker.config import load_settings
from tracker.records import CaseRecord
from tracker.relevance import Rules
from tracker.runs import PartOutcome, Validators
from tracker.vocab import Kind
from tracker.watchlist import load_watchlist

logger = logging.getLogger(__name__)


class TrackerSpider(scrapy.Spider):
    """A source's spider: it turns responses into records and never touches the database.

    Everything the crawl's other parts read from a spider is declared here, with a default that
    suits a spider with nothing to say. The run-record extension (``spiders/extensions.py``)
    sets the first group before the crawl starts; a spider sets or overrides the rest.
    ``-a since=ISO`` and ``-a full=1`` override the incremental start from the command line.
    """

    # Set by the extension before the crawl starts.
    since: datetime | None = None  # ask for changes since: the last ok run (None: everything)
    known_keys: set[str] = set()  # the cases the store has already
    # {key: identifiers} of the stored cases of ``known_kind``: what a refresh asks the upstream
    # about in one batched query (CourtListener's docket ids) rather than case by case.
    known_identifiers: dict[str, dict] = {}
    # {key: {role: how many}}: the people stored on those cases, so that a refresh asks for a
    # list of them (Congress.gov's cosponsors) only when the upstream's count differs.
    known_people: dict[str, dict[str, int]] = {}
    request_budget: int | None = None  # what is left of today's daily_request_budget, if any
    validators: Validators = {}  # {url: (etag, last_modified)} saved after the last full read

    # Told by the spider.
    full: bool = False  # fetch everything again, whatever the last run (-a full=1)
    daily_request_budget: int | None = None  # requests a day the upstream allows (None: no limit)
    many_hosts: bool = False  # reads many sites: one unreachable site stops only itself
    skip_reason: str | None = None  # why this run fetches nothing (no key, nothing configured)
    known_kind: Kind | None = None  # the kind whose stored identifiers the spider is given

    @property
    def refreshing(self) -> bool:
        """Asking what changed since the last complete run, rather than reading everything."""
        return self.since is not None and not self.full

    def part_outcomes(self) -> list[PartOutcome]:
        """How each part of a crawl made of parts went, each recorded as a run of its own
        (``source:part``); a spider of one part has none."""
        return []

    def validators_to_save(self) -> Validators:
        """The validators of the pages read in full this crawl, saved when every item was stored;
        a spider that makes no conditional requests has none."""
        return {}

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
        # Spacing between requests and patience are the source's own ([sources.NAME] delay, timeout).
        source = load_settings().source(cls.name)
        settings.set("DOWNLOAD_DELAY", source.delay, priority="spider")
        settings.set("AUTOTHROTTLE_START_DELAY", max(source.delay, 0.1), priority="spider")
        settings.set("DOWNLOAD_TIMEOUT", source.timeout, priority="spider")

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
