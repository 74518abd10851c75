"""Statements: what guilds, coalitions and the Copyright Office say about AI and creators' rights.

Source: the pages configured as ``[[statements.sources]]`` (``tracker.statement_sources``):
RSS 2.0 or Atom feeds, or HTML listing pages read with CSS or XPath selectors.
Auth: none.
Notes:
    - Each source is one part of the crawl, with its own run record (``statements:<name>`` in
      ``tracker sources``): a 404, HTML where a feed should be, or a listing whose selectors
      find nothing fails that source with a reason naming the selector; the others still land.
    - Requests are conditional (``If-None-Match`` / ``If-Modified-Since`` from the last full
      read), so an unchanged feed costs one 304. The validators are kept only when everything
      the page led to was fetched and stored, so a failure is retried in full next time.
    - A feed gives each statement's text; a listing gives title, link and date, and each new
      article (not yet a case, listed within ``lookback_days``) is fetched once for its text.
      Most feeds carry only a cut summary ("[...]", "Continue reading", WordPress's "The post
      ... appeared first on ..."): such an entry is judged on its article, fetched the same way.
    - A statement is kept when its own title and text (never the site's menus) are about AI
      and creators' rights (``Rules.statement``). Its key is
      ``statement-<source>-<date>-<slug>``, the slug from the link's last path segment (stable
      when a headline is edited), or from the title when the link has none.
    - An entry whose date cannot be read (from the feed, the link or the article) is skipped
      and counted (``statements/undated``), with a warning naming it.
    - Only http(s) links on the source's own host (or a host in ``[statements] allowed_hosts``)
      are followed; others (``mailto:``, another site) are skipped and counted
      (``statements/offsite``). No request goes to a loopback, private, link-local or metadata
      address, redirects included (``spiders.middlewares.PublicAddressMiddleware``), unless it is
      in ``[statements] allowed_networks`` (an intranet site; the tests' local server).
    - A listing that cannot be read in full fails its source and keeps no validators, so the
      next run reads it again instead of getting a 304.
History:
    - 2026-11-28: first version (issue #5).
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from ipaddress import ip_network
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import scrapy
from dateutil import parser as dateparser
from w3lib.html import remove_tags_with_content, replace_entities, replace_tags

from spiders.base import TrackerSpider
from spiders.items import CaseItem, EventItem
from tracker.records import slug
from tracker.relevance import Match, tracked_fields
from tracker.runs import EMPTY, FAILED, OK, PartOutcome, Validators
from tracker.statement_sources import StatementSource
from tracker.vocab import Kind

logger = logging.getLogger(__name__)

SUMMARY_CHARS = 1000
SLUG_CHARS = 60
WHITESPACE = re.compile(r"\s+")
# Query parameters that only say how a reader arrived: utm_source, fbclid, mc_cid...
TRACKING = re.compile(r"^(?:utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|"
                      r"igshid|ref|cmpid|sr_share)$", re.IGNORECASE)
# "2025-10-10", "July 22, 2024", "Aug 14 2023", "10 Oct 2025", "Sept. 19, 2025", "10/03/2025"
DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|(?:\d{1,2}\s+)?[A-Z][a-z]{2,8}\.?\s+(?:\d{1,2},?\s+)?\d{4}"
                       r"|\d{1,2}/\d{1,2}/\d{4}")
# ".../2025/10/10/slug/" in a link
URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{2})/(\d{2})/")
XPATH_START = ("/", "./", "(")
# The marks of a feed summary cut short of its article: "[…]", "[...]", "…", "Continue reading",
# and WordPress's "The post <title> appeared first on <site>."
EXCERPT = re.compile(r"(?:\[(?:…|\.\.\.|&hellip;)\]|…|\.\.\.)\s*$|continue reading|read more\W*$"
                     r"|\bthe post .{1,300} appeared first on\b", re.IGNORECASE)
# Statuses the callbacks judge themselves; redirects are still followed.
OWN_STATUSES = [304, *range(400, 600)]


def canonical_url(url: str) -> str:
    """The link without tracking parameters or fragment, its scheme and host lower-cased."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def plain_text(html: str | None) -> str:
    """The words of an HTML fragment, without tags, scripts or entities, on one line."""
    if not html:
        return ""
    text = replace_tags(remove_tags_with_content(html, ("script", "style")), " ")
    return WHITESPACE.sub(" ", replace_entities(text)).strip()


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def parse_day(text: str | None, *, today: date) -> date | None:
    """The first plausible date written in ``text``; ``None`` rather than a guess."""
    for found in DATE_LIKE.finditer(text or ""):
        try:
            moment = dateparser.parse(found.group(0), default=datetime(2000, 1, 1))
        except (ValueError, OverflowError):
            continue
        if moment.year >= 1990 and moment.date() <= today + timedelta(days=1):
            return moment.date()
    return None


def statement_key(source: str, day: date, link: str, title: str) -> str:
    """``statement-sag-aftra-2025-10-10-sag-aftra-statement-on-ai-voice-clones``."""
    segment = slug(PurePosixPath(urlsplit(link).path).stem)
    words = segment if re.search(r"[a-z]{3}", segment) else slug(title)
    if len(words) > SLUG_CHARS:
        words = words[:SLUG_CHARS].rsplit("-", 1)[0]
    return f"statement-{source}-{day.isoformat()}-{words or 'untitled'}"


def select(node, query: str):
    return node.xpath(query) if query.startswith(XPATH_START) else node.css(query)


def _value(found) -> str:
    """A selected attribute or text as it is; an element as all the text inside it."""
    raw = found.get() if isinstance(found.root, str) else " ".join(found.xpath(".//text()").getall())
    return WHITESPACE.sub(" ", raw).strip()


def first_text(node, query: str) -> str | None:
    return next((value for found in select(node, query) if (value := _value(found))), None)


def first_link(node, query: str) -> str | None:
    for found in select(node, query):
        href = found.get() if isinstance(found.root, str) else (
            found.attrib.get("href") or found.xpath(".//a/@href").get())
        if href and href.strip():
            return href.strip()
    return None


def first_date(node, query: str, *, today: date) -> date | None:
    for found in select(node, query):
        attrs = {} if isinstance(found.root, str) else found.attrib
        for raw in (attrs.get("datetime"), attrs.get("content"), _value(found)):
            if day := parse_day(raw, today=today):
                return day
    return None


@dataclass
class Listed:
    """A statement as its feed or listing gives it."""

    title: str
    link: str
    day: date | None
    teaser: str = ""


@dataclass
class Progress:
    """How one source is going in this crawl."""

    source: StatementSource
    requests: int = 0
    entries: int = 0
    kept: int = 0
    failure: str | None = None
    not_modified: bool = False
    article_failures: list[str] = field(default_factory=list)
    validators: tuple[str | None, str | None] | None = None

    def outcome(self) -> PartOutcome:
        name = self.source.name
        if self.failure or self.article_failures:
            reason = self.failure or (f"{len(self.article_failures)} article(s) could not be "
                                      f"fetched: {self.article_failures[0]}")
            return PartOutcome(name, FAILED, reason, self.kept, self.requests)
        reason = "not_modified" if self.not_modified else (EMPTY if not self.entries else "finished")
        return PartOutcome(name, OK, reason, self.kept, self.requests)


class StatementsSpider(TrackerSpider):
    name = "statements"
    many_hosts = True  # one unreachable site stops only itself (spiders/middlewares.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = datetime.now(UTC).date()
        statements = self.config.statement_settings
        self.lookback = timedelta(days=statements.lookback_days)
        self.progress = {source.name: Progress(source)
                         for source in statements.sources if source.enabled}
        self.allowed_hosts = {host.lower() for host in statements.allowed_hosts}
        # Read by spiders.middlewares.PublicAddressMiddleware.
        self.public_addresses_only = True
        self.allowed_networks = [ip_network(n) for n in statements.allowed_networks]
        if not self.progress:
            self.skip_reason = "no statement sources are configured"

    async def start(self):
        for progress in self.progress.values():
            yield self.request(progress, progress.source.url, self.parse_listing, page=1)

    def request(self, progress: Progress, url: str, callback, **meta) -> scrapy.Request:
        headers = {}
        if meta.get("page") == 1 and (known := self.validators.get(url)):
            etag, modified = known
            headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        progress.requests += 1
        return scrapy.Request(url, callback=callback, errback=self.failed, headers=headers,
                              meta={"source": progress.source.name,
                                    "handle_httpstatus_list": OWN_STATUSES, **meta})

    def failed(self, failure):
        """A request that got no response at all (refused, unreachable, timed out)."""
        request = failure.request
        progress = self.progress[request.meta["source"]]
        error = str(failure.value) or failure.type.__name__
        # "cannot reach 127.0.0.1:9: Connection was refused by other side: 111: ..." is enough.
        reason = error if error.startswith("cannot reach") else f"cannot fetch {request.url}: {error}"
        if "listed" in request.meta:
            progress.article_failures.append(reason)
        else:
            progress.failure = progress.failure or reason
        logger.warning("%s: %s", progress.source.name, reason)

    def answered(self, response, progress: Progress) -> bool:
        """Whether the response holds a page; records a failure when it does not."""
        if response.status < 400:
            return True
        reason = f"HTTP {response.status} from {response.url}"
        if "listed" in response.meta:
            progress.article_failures.append(reason)
        else:
            progress.failure = progress.failure or reason
        logger.warning("%s: %s", progress.source.name, reason)
        return False

    def may_follow(self, progress: Progress, url: str) -> bool:
        """An http(s) link on the source's own host or an allowed one; counted when not."""
        parts = urlsplit(url)
        home = urlsplit(progress.source.url).hostname
        if parts.scheme in ("http", "https") and parts.hostname in {home, *self.allowed_hosts}:
            return True
        self.crawler.stats.inc_value("statements/offsite")
        return False

    def parse_listing(self, response):
        """The listing; anything that stops it being read in full fails the source."""
        progress = self.progress[response.meta["source"]]
        try:
            yield from self._parse_listing(response, progress)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the page was not read in full
            progress.failure = f"could not read all of {response.url}: {exc}"
            logger.warning("%s: %s", progress.source.name, progress.failure)

    def _parse_listing(self, response, progress: Progress):
        source = progress.source
        if response.status == 304:
            progress.not_modified = True
            return
        if not self.answered(response, progress):
            return
        if response.meta["page"] == 1:
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            if etag or modified:
                progress.validators = (etag and etag.decode("latin-1"),
                                       modified and modified.decode("latin-1"))
        if source.type == "feed":
            yield from self.parse_feed(response, progress)
        else:
            yield from self.parse_html_listing(response, progress)

    def parse_feed(self, response, progress: Progress):
        feed = feedparser.parse(response.body, response_headers={
            "content-location": response.url,
            "content-type": (response.headers.get("Content-Type") or b"").decode("latin-1")})
        if not feed.version and not feed.entries:
            kind = (response.headers.get("Content-Type") or b"no content type").decode("latin-1")
            progress.failure = f"{response.url} is not an RSS or Atom feed ({kind})"
            logger.warning("%s: %s", progress.source.name, progress.failure)
            return
        for entry in feed.entries:
            progress.entries += 1
            link = entry.get("link") or entry.get("id") or ""
            title = plain_text(entry.get("title"))
            if not (title and link.startswith(("http://", "https://"))):
                self.crawler.stats.inc_value("statements/incomplete")
                continue
            link = canonical_url(link)
            content = (entry.get("content") or [{}])[0].get("value")
            text = plain_text(content or entry.get("summary"))
            # dict.get: feedparser's own get() stands one date in for the other, with a warning.
            moment = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
            day = date(*moment[:3]) if moment else (
                parse_day(dict.get(entry, "published") or dict.get(entry, "updated"), today=self.today)
                or self.date_in_link(link))
            row = Listed(title, link, day)
            if not content and EXCERPT.search(text):  # judged on the article, fetched once
                row.teaser = EXCERPT.sub("", text).strip()
                if self.wanted(progress.source, row):
                    yield self.request(progress, link, self.parse_article, listed=row)
                continue
            if item := self.statement(progress, row, text):
                yield item

    def parse_html_listing(self, response, progress: Progress):
        source = progress.source
        nodes = select(response, source.item)
        if not nodes:
            self.layout_changed(progress, "item", source.item, response.url)
            return
        listed = []
        for node in nodes:
            title, href = first_text(node, source.title), first_link(node, source.link)
            day = first_date(node, source.date, today=self.today)
            teaser = first_text(node, source.teaser) if source.teaser else None
            if title and href and self.may_follow(progress, response.urljoin(href)):
                link = canonical_url(response.urljoin(href))
                listed.append(Listed(title, link, day or self.date_in_link(link), teaser or ""))
        for role in ("title", "link", "date"):
            if not any(first_text(node, getattr(source, role)) for node in nodes):
                self.layout_changed(progress, role, getattr(source, role), response.url, len(nodes))
                return
        progress.entries += len(listed)
        fresh = [row for row in listed if self.fresh(row)]
        for row in fresh:
            if self.wanted(source, row):
                yield self.request(progress, row.link, self.parse_article, listed=row)
        page = response.meta["page"]
        following = first_link(response, source.next) if source.next else None
        following = following and urljoin(response.url, following)
        if following and fresh and page < source.max_pages and self.may_follow(progress, following):
            yield self.request(progress, following, self.parse_listing, page=page + 1)

    def fresh(self, row: Listed) -> bool:
        return self.full or row.day is None or row.day >= self.today - self.lookback

    def wanted(self, source: StatementSource, row: Listed) -> bool:
        """Whether a listed article is worth a request: fresh, and not a statement already kept."""
        known = row.day and not self.full and self.key(source, row) in self.known_keys
        return self.fresh(row) and not known

    def layout_changed(self, progress: Progress, role: str, query: str, url: str,
                       items: int | None = None) -> None:
        where = f"in the {items} items" if items else "on"
        progress.failure = f'the {role} selector "{query}" found nothing {where} {url}'
        logger.warning("%s: %s (has the page's layout changed?)", progress.source.name,
                       progress.failure)

    def parse_article(self, response):
        progress = self.progress[response.meta["source"]]
        if not self.answered(response, progress):
            return
        row: Listed = response.meta["listed"]
        query = progress.source.body
        nodes = select(response, query) if query else (
            response.css("article") or response.css("main") or response.css("[role=main]"))
        # The paragraphs, when there are any: the headline above them is the title already.
        text = " ".join(_value(p) for p in nodes.css("p")) or " ".join(_value(n) for n in nodes)
        description = (response.css('meta[name="description"]::attr(content)').get()
                       or response.css('meta[property="og:description"]::attr(content)').get() or "")
        if row.day is None:
            row.day = parse_day(response.css(
                'meta[property="article:published_time"]::attr(content)').get(), today=self.today)
        if item := self.statement(progress, row, text or plain_text(description), teaser=row.teaser):
            yield item

    def date_in_link(self, link: str) -> date | None:
        found = URL_DATE.search(urlsplit(link).path)
        return date(*map(int, found.groups())) if found else None

    def key(self, source: StatementSource, row: Listed) -> str:
        return statement_key(source.name, row.day, row.link, row.title)

    def statement(self, progress: Progress, row: Listed, text: str, teaser: str = "") -> CaseItem | None:
        source = progress.source
        match = self.rules.statement(row.title, teaser, text)
        if match is None:
            self.crawler.stats.inc_value("statements/not_relevant")
            return None
        if row.day is None:
            self.crawler.stats.inc_value("statements/undated")
            logger.warning("%s: no readable date for %s; skipped", source.name, row.link)
            return None
        progress.kept += 1
        return self.case(source, row, shorten(text or teaser), match)

    def case(self, source: StatementSource, row: Listed, summary: str, match: Match) -> CaseItem:
        return CaseItem(
            key=self.key(source, row), kind=Kind.STATEMENT, jurisdiction=source.jurisdiction,
            title=row.title, source="statements",
            identifiers={"organisation": source.organisation, "statement_source": source.name},
            urls=[row.link], summary=summary or None, **tracked_fields(match, curated=False),
            events=[EventItem(row.day, f"{source.organisation} published: {row.title}",
                              "statements", source_url=row.link, classification=("publication",),
                              external_id="published")])

    def part_outcomes(self) -> list[PartOutcome]:
        return [progress.outcome() for progress in self.progress.values()]

    def validators_to_save(self) -> Validators:
        """The new validators of each source read in full without a failure."""
        return {p.source.url: p.validators for p in self.progress.values()
                if p.validators and p.outcome().state == OK}
