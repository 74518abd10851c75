"""Scrapy settings for the tracker's spiders: identify ourselves, be polite, retry sanely.

Upstream URLs and keys are not here: they are tracker settings (``tracker.config``), read when a
spider starts, so tests can point every spider at a local server.
"""

from tracker import __version__

BOT_NAME = "ai-copyright-tracker"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = f"ai-copyright-tracker/{__version__} (open-source AI-copyright litigation tracker)"
ROBOTSTXT_OBEY = True

# One request at a time per host, with AutoThrottle backing off when an upstream slows down.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's list less the failures that say the host cannot be reached: a name that does not
# resolve (no network, or a wrong URL setting), a refused connection (nothing listens there) and a
# timeout (a host silent for DOWNLOAD_TIMEOUT). Retrying them, spaced by the source's delay, only
# delays saying so by minutes; UnreachableMiddleware stops the crawl at the first, and the next
# run tries again.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
DOWNLOAD_TIMEOUT = 60  # each source's own [sources.NAME] timeout (spiders/base.py)
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024

# Only http(s): a page or a redirect must not make a spider read local files (file:), carry
# data of its own (data:) or reach other services (ftp:, s3:).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# Scrapy 2.19's RemoteControl runs code sent to it, and the telnet console opens a shell: off.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {"spiders.pipelines.StorePipeline": 300}
# Begins each source's run record when the spider opens and finishes it when the spider closes.
EXTENSIONS = {"spiders.extensions.RunRecorder": 500}
DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.RequestBudgetMiddleware": 50,
    # Before every other: keys on for the source's own host, off for any other (redirects too).
    "spiders.middlewares.CredentialsMiddleware": 10,
    "spiders.middlewares.PublicAddressMiddleware": 20,
    # Below RetryMiddleware (550), which passes on the failures it acts on without retrying.
    "spiders.middlewares.UnreachableMiddleware": 540,
    # After RetryMiddleware (550) on the way in, so it sees a 429 first on the way out.
    "spiders.middlewares.RetryAfterMiddleware": 560,
}
RETRY_AFTER_MAX = 900  # seconds: a longer wait stops the source until its next run
RETRY_AFTER_DEFAULT = 60

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
