"""Federal Register: agency actions and presidential documents on AI and copyright.

Source: Federal Register API v1 (``documents.json`` search, ``documents/<number>.json``).
Auth: none. No documented rate limit; requests are spaced all the same.
Notes:
    - Documents come from full-text terms and from the AI documents of the Copyright Office,
      the USPTO, the FTC and the Executive Office of the President (``tracker.relevance``),
      plus every Federal Register document on the watchlist. A hit is kept when it is about AI
      *and* copyright, likeness or authorship; an FTC rule on AI-written reviews is not.
    - There is no "modified since" filter: searches ask for documents published since the last
      complete run, less ``LOOKBACK`` days so that comment periods closing since are seen.
    - A search with no matches has no ``results`` (and no ``total_pages``) at all.
    - ``next_page_url`` carries a ``search_after_cursor``; it is followed exactly as given.
    - Status comes from the document's type and dates: a notice of inquiry, a comment period open
      until ``comments_close_on`` (its closing is an event once the date has passed), a proposed
      or final rule, a presidential document. A correction names what it corrects
      (``correction_of``); both carry the link.
History:
    - 2026-11-28: first version (issue #4).
"""

import logging
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import scrapy

from spiders.base import TrackerSpider
from spiders.items import CaseItem, EventItem
from tracker.classify import classify_document
from tracker.relevance import (
    FEDERAL_REGISTER_AGENCIES,
    FEDERAL_REGISTER_TERMS,
    Match,
    tracked_fields,
)
from tracker.vocab import Kind

logger = logging.getLogger(__name__)

API = "/api/v1/"
LOOKBACK = timedelta(days=120)
FIELDS = ("abstract", "action", "agencies", "citation", "comments_close_on", "correction_of",
          "corrections", "dates", "docket_ids", "document_number", "effective_on",
          "executive_order_number", "html_url", "publication_date", "regulation_id_numbers",
          "signing_date", "subtype", "title", "type")
# "https://www.federalregister.gov/documents/2023/09/06/2023-19240/..." → "2023-19240"
DOCUMENT_NUMBER = re.compile(r"\b(?:19|20)\d{2}-\d{5}\b")


def document_key(number: str) -> str:
    return f"fr-{number.strip().lower()}"


class FederalRegisterSpider(TrackerSpider):
    name = "federal_register"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = self.source.url.rstrip("/")
        self.today = datetime.now(UTC).date()
        self.watchlist = {record.identifiers["fr_document_number"]: record
                          for record in self.watchlist_records(Kind.AGENCY_ACTION)
                          if "fr_document_number" in record.identifiers}

    def search_url(self, *conditions: tuple[str, str]) -> str:
        """``documents.json`` for ``conditions`` such as ``("term", "...")`` or
        ``("agencies][", "copyright-office-library-of-congress")``."""
        params = [("per_page", 100), ("order", "newest")]
        params += [("fields[]", field) for field in FIELDS]
        if self.since and not self.full:
            params.append(("conditions[publication_date][gte]",
                           (self.since.date() - LOOKBACK).isoformat()))
        params += [(f"conditions[{name}]", value) for name, value in conditions]
        return f"{self.base}{API}documents.json?{urlencode(params)}"

    async def start(self):
        for term in FEDERAL_REGISTER_TERMS:
            yield scrapy.Request(self.search_url(("term", term)), callback=self.parse_search)
        for agency in FEDERAL_REGISTER_AGENCIES:
            yield scrapy.Request(self.search_url(("agencies][", agency),
                                                 ("term", "artificial intelligence")),
                                 callback=self.parse_search)
        numbers = ",".join(sorted(self.watchlist))
        if numbers:
            query = urlencode([("fields[]", field) for field in FIELDS])
            yield scrapy.Request(f"{self.base}{API}documents/{numbers}.json?{query}",
                                 callback=self.parse_documents)

    def parse_search(self, response):
        data = self.json(response)
        if data is None:
            return
        for document in data.get("results", []):  # absent when nothing matched
            match = self.rules.document(document.get("title", ""), document.get("abstract") or "",
                                        document.get("action") or "")
            if match:
                yield self.case(document, match)
            else:
                self.crawler.stats.inc_value("federal_register/not_relevant")
        if data.get("next_page_url"):
            yield scrapy.Request(data["next_page_url"], callback=self.parse_search)

    def parse_documents(self, response):
        """``documents/<n1>,<n2>.json``: the watchlist's documents, kept whatever they say."""
        data = self.json(response)
        if data is None:
            return
        for document in data.get("results", [data] if "document_number" in data else []):
            yield self.case(document)

    def case(self, document: dict, match: Match | None = None) -> CaseItem:
        number = document["document_number"]
        curated = self.watchlist.get(number)
        agencies = [a.get("name") or a.get("raw_name") for a in document.get("agencies") or []]
        identifiers = {"fr_document_number": number, "document_type": document.get("type")}
        if agencies:
            identifiers["agency"] = "; ".join(a for a in agencies if a)
        for field in ("citation", "executive_order_number", "comments_close_on", "effective_on"):
            if document.get(field):
                identifiers[field] = document[field]
        for field in ("docket_ids", "regulation_id_numbers"):
            if document.get(field):
                identifiers[field] = ", ".join(document[field])
        if document.get("correction_of"):
            identifiers["correction_of"] = document_key(document["correction_of"])
        corrected_by = [DOCUMENT_NUMBER.search(str(c)) for c in document.get("corrections") or []]
        if any(corrected_by):
            identifiers["corrections"] = ", ".join(document_key(m.group(0)) for m in corrected_by if m)
        return CaseItem(
            key=document_key(number), kind=Kind.AGENCY_ACTION, jurisdiction="us",
            title=curated.title if curated else document.get("title") or number,
            source="federal_register", identifiers=identifiers,
            urls=[document["html_url"]] if document.get("html_url") else [],
            summary=(document.get("abstract") or "").strip() or None,
            **tracked_fields(match, curated=curated is not None),
            events=self.events(document))

    def events(self, document: dict) -> list[EventItem]:
        published = date.fromisoformat(document["publication_date"])
        kind = document.get("type") or "Document"
        cls = classify_document(document.get("type"), document.get("action"), document.get("title"),
                                document.get("correction_of")).value
        url = document.get("html_url")
        citation = f" ({document['citation']})" if document.get("citation") else ""
        events = [EventItem(published, f"Published in the Federal Register as a {kind}{citation}: "
                            f"{document.get('title', '')}", "federal_register", source_url=url,
                            classification=(cls,), sequence=0, external_id="published")]
        signed = document.get("signing_date")
        if signed and kind == "Presidential Document":
            events.append(EventItem(date.fromisoformat(signed), "Signed.", "federal_register",
                                    source_url=url, classification=(cls,), external_id="signed"))
        closes = document.get("comments_close_on")
        if closes:
            close_day = date.fromisoformat(closes)
            events.append(EventItem(published, f"Comment period open until {closes}.",
                                    "federal_register", source_url=url, sequence=1,
                                    classification=("comment-period-opened",),
                                    external_id="comments-open"))
            if close_day < self.today:
                events.append(EventItem(close_day, "Comment period closed.", "federal_register",
                                        source_url=url, classification=("comment-period-closed",),
                                        external_id="comments-closed"))
        return events
