"""Downloader middlewares: honour ``Retry-After`` on 429, keep to a request budget, and send a
source's key to its own host only (``CredentialsMiddleware``).

Scrapy retries a 429 but ignores its ``Retry-After`` (scrapy#3849), which hammers an API that
asked us to wait. ``RetryAfterMiddleware`` waits as asked (clamped), then retries through
Scrapy's own retry accounting. ``RequestBudgetMiddleware`` stops a crawl cleanly once the
source's request budget (a spider's ``request_budget``, e.g. what is left of CourtListener's
125 a day) is spent; the run is recorded as partial and the next run picks up from the last
complete one.
"""

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import deferred_from_coro

from tracker.addresses import not_public
from tracker.redact import RedactingFilter

logger = logging.getLogger(__name__)
# Connection failures that say the host cannot be reached, not that one request went wrong.
UNREACHABLE = (CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError)


def close_spider(crawler, reason: str) -> None:
    """Ask the engine to close the crawl with ``reason`` (recorded as the run's finish reason)."""
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason)).addErrback(
        lambda failure: logger.error("could not close the crawl: %s", failure.value))


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class RetryAfterMiddleware:
    """On 429 (and 503 with Retry-After), wait as the server asks, then retry."""

    def __init__(self, crawler, max_wait: float, default_wait: float):
        self.crawler = crawler
        self.max_wait = max_wait
        self.default_wait = default_wait

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, settings.getfloat("RETRY_AFTER_MAX", 900.0),
                   settings.getfloat("RETRY_AFTER_DEFAULT", 60.0))

    async def process_response(self, request, response, spider=None):
        header = response.headers.get("Retry-After")
        if response.status != 429 and not (response.status == 503 and header):
            return response
        wait = retry_after_seconds(header.decode("latin-1") if header else None,
                                   now=datetime.now(UTC))
        wait = self.default_wait if wait is None else wait
        if wait > self.max_wait:
            logger.error("%s asks us to wait %.0f s (more than %.0f s); stopping this source",
                         request.url, wait, self.max_wait)
            self.crawler.stats.set_value("retry_after/rate_limited", wait)
            close_spider(self.crawler, "rate_limited")
            raise IgnoreRequest(f"rate limited for {wait:.0f} s")
        self.crawler.stats.inc_value("retry_after/waits")
        logger.info("HTTP %s from %s: waiting %.1f s as Retry-After asks", response.status,
                    request.url, wait)
        await sleep(wait)
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"{response.status} Retry-After")
        return retry or response


class UnreachableMiddleware:
    """Stop the crawl when the upstream cannot be reached at all (no network, DNS, refused, silent).

    These failures are not retried (``RETRY_EXCEPTIONS``); without this, every remaining request
    would be tried and spaced out in turn, minutes of waiting to learn what the first one said. A
    spider that reads many sites (``many_hosts``) loses only the site that cannot be reached.

    The failure is said once: here for a spider of one host (an error, the run's last error), in
    the spider's errback for one of many. It goes on as ``IgnoreRequest``, which neither the
    robots.txt middleware nor the engine logs again.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.dead_hosts: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if self.crawler.stats.get_value("unreachable"):
            raise IgnoreRequest("the upstream cannot be reached")  # no need to wait its turn
        if message := self.dead_hosts.get(urlsplit(request.url).netloc):
            raise IgnoreRequest(message)
        return None

    def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, UNREACHABLE):
            return None
        host = urlsplit(request.url).netloc
        message = f"cannot reach {host}: {exception or exception.__class__.__name__}"
        if self.crawler.spider.many_hosts:
            self.dead_hosts.setdefault(host, message)  # the spider's errback records it for that site
        elif not self.crawler.stats.get_value("unreachable"):
            self.crawler.stats.set_value("unreachable", message)
            logger.error(message)
            close_spider(self.crawler, "unreachable")
        raise IgnoreRequest(message)


class RequestBudgetMiddleware:
    """Stop the crawl cleanly once the spider's ``request_budget`` is spent."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        budget = self.crawler.spider.request_budget
        if budget is None:
            return None
        if self.sent >= budget:
            if not self.crawler.stats.get_value("budget/exhausted"):
                self.crawler.stats.set_value("budget/exhausted", budget)
                logger.warning("request budget of %d spent; stopping until the next run", budget)
                close_spider(self.crawler, "budget_exhausted")
            raise IgnoreRequest("request budget spent")
        self.sent += 1
        return None


class CredentialsMiddleware:
    """A source's key goes to its own host only.

    A spider's ``key_headers`` (Congress.gov's ``X-Api-Key``) are added to each request for its
    ``key_host``; key headers (those, Open States' ``X-API-KEY``, ``Authorization``) are taken off
    any request for another host, a redirect to another host included, which Scrapy would
    otherwise send them to. It also masks keys in the crawl's log lines (``tracker.redact``).
    """

    SECRET_HEADERS = ("X-Api-Key", "Authorization")

    def __init__(self, crawler):
        self.crawler = crawler
        for handler in logging.getLogger().handlers:  # Scrapy's log handler, set up by now
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = self.crawler.spider
        host = urlsplit(request.url).hostname
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        home = getattr(spider, "key_host", None) or urlsplit(first).hostname
        if host != home or urlsplit(first).hostname != home:
            for name in (*self.SECRET_HEADERS, *getattr(spider, "key_headers", {})):
                request.headers.pop(name, None)
            return None
        for name, value in getattr(spider, "key_headers", {}).items():
            request.headers[name] = value
        return None


class PublicAddressMiddleware:
    """No request of a spider that sets ``public_addresses_only`` reaches a loopback, private,
    link-local (the cloud metadata service, 169.254.169.254), multicast or reserved address,
    except in the spider's ``allowed_networks``.

    Checked on every request, so a redirect to such an address is refused too: a page we were
    pointed at cannot make the crawler read the host it runs on or its network. The name is
    resolved here; a name that then resolves differently (DNS rebinding) is not caught.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if not getattr(self.crawler.spider, "public_addresses_only", False):
            return None
        host = urlsplit(request.url).hostname or ""
        if host not in self.verdicts:
            self.verdicts[host] = not_public(host, getattr(self.crawler.spider, "allowed_networks", ()))
        if reason := self.verdicts[host]:
            self.crawler.stats.inc_value("refused/not_public")
            raise IgnoreRequest(f"refused {request.url}: {reason}")
        return None
