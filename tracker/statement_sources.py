"""Which guild, coalition and office pages the statements spider reads, and how.

``[[statements.sources]]`` in the configuration file lists them; a file that names any replaces
the defaults below. A source is a ``feed`` (RSS or Atom) or an ``html`` listing page read with
CSS or XPath selectors (an XPath starts with ``/``, ``./`` or ``(``). None of the default URLs
or selectors could be checked against a live page when they were written (no network where they were written);
the README marks each to be checked on the first run, and ``tracker sources`` names the
selector that found nothing when a layout changes.
"""

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from tracker.records import KEY_PATTERN


class StatementSource(BaseModel):
    name: str = Field(description="A slug used in keys and source health, e.g. sag-aftra")
    organisation: str
    url: str = ""
    type: Literal["feed", "html"] = "feed"
    jurisdiction: str = "us"
    enabled: bool = True
    # For html listings: one ``item`` per statement, and within it its title, link and date.
    item: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    teaser: str | None = Field(None, description="Within an item: the listing's summary, if any")
    next: str | None = Field(None, description="The listing's next-page link")
    max_pages: int = Field(3, ge=1, description="Listing pages read per crawl")
    body: str | None = Field(
        None, description="On an article page: its text (default: the article or main element)")

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not KEY_PATTERN.match(name) or ":" in name:
            raise ValueError("must be a lower-case slug such as sag-aftra")
        return name

    @model_validator(mode="after")
    def _complete(self) -> "StatementSource":
        if self.enabled and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"{self.name}: url must be an http(s) address")
        missing = [f for f in ("item", "title", "link", "date") if not getattr(self, f)]
        if self.type == "html" and missing:
            raise ValueError(f"{self.name}: an html source needs the selectors {', '.join(missing)}")
        return self


DEFAULT_SOURCES = (
    StatementSource(
        name="copyright-office", organisation="U.S. Copyright Office", type="feed",
        url="https://www.copyright.gov/rss/newsnet.xml"),
    StatementSource(
        name="sag-aftra", organisation="SAG-AFTRA", type="html",
        url="https://www.sagaftra.org/press-releases",
        item=".views-row", title="h3 a, .views-field-title a", link="h3 a, .views-field-title a",
        date="time, .views-field-created", teaser=".views-field-body, p",
        next="li.pager__item--next a"),
    StatementSource(
        name="authors-guild", organisation="Authors Guild", type="feed",
        url="https://authorsguild.org/feed/"),
    StatementSource(
        name="wga", organisation="Writers Guild of America West", type="html",
        url="https://www.wga.org/news-events/news/press",
        item="article, .news-item", title="h2 a, h3 a", link="h2 a, h3 a", date="time, .date"),
    StatementSource(
        name="dga", organisation="Directors Guild of America", type="html",
        url="https://www.dga.org/News",
        item="article, .news-item", title="h2 a, h3 a", link="h2 a, h3 a", date="time, .date"),
    StatementSource(
        name="human-artistry-campaign", organisation="Human Artistry Campaign", type="html",
        url="https://www.humanartistrycampaign.com/news",
        item="article", title="h1 a, h2 a", link="h1 a, h2 a", date="time"),
    # No official site was found for the Creators Coalition on AI in the research behind the defaults:
    # enable it with its URL and selectors once known.
    StatementSource(name="creators-coalition-on-ai", organisation="Creators Coalition on AI",
                    enabled=False),
)


class StatementsSettings(BaseModel):
    """The ``[statements]`` table of the configuration file."""

    sources: list[StatementSource] = Field(default_factory=lambda: list(DEFAULT_SOURCES))
    lookback_days: int = Field(
        30, ge=1, description="Articles listed more than this many days ago are not fetched")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts besides each source's own whose links may be followed (a CDN, www.)")
    allowed_networks: list[str] = Field(
        default_factory=list,
        description="Private networks that may be fetched (e.g. 10.1.0.0/16 for an intranet site); "
        "loopback, private, link-local and metadata addresses are refused otherwise")

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> list[str]:
        """A list, or one string of them (``TRACKER_STATEMENTS__ALLOWED_NETWORKS=127.0.0.1/32``)."""
        items = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
        for item in items:
            try:
                ipaddress.ip_network(item)
            except ValueError:
                raise ValueError(f"{item!r} is not a network such as 10.1.0.0/16") from None
        return items

    @field_validator("sources")
    @classmethod
    def _unique(cls, sources: list[StatementSource]) -> list[StatementSource]:
        names = [s.name for s in sources]
        if repeated := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"source names must be unique: {', '.join(repeated)}")
        return sources
