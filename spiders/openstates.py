"""Open States: state bills on AI and copyright, likeness and digital replicas, in all 50 states.

Source: Open States API v3 (``/bills`` search, ``/bills/{jurisdiction}/{session}/{identifier}``).
Auth: ``OPENSTATES_API_KEY`` in the ``X-API-KEY`` header. Without one the source is skipped,
    with the reason recorded for ``tracker sources``; a refused key (401/403) fails the run.
Limits: a free key allows 10 requests a minute and 250 a day (``[sources.openstates] delay``
    and ``daily_requests``).
Notes:
    - Keyword queries from ``tracker.relevance`` (``q=``, quoted phrases), ``updated_since`` the
      last complete run, ``sort=updated_asc``, 20 a page; a page past ``max_page`` is a 404, so
      paging stops at ``max_page``. A hit is kept when the relevance rules match its title,
      abstract or subjects.
    - Watchlist bills come in one search per jurisdiction and session (``identifier`` repeated,
      at most 20 a request), with their actions included; a refresh adds ``updated_since``, so
      an unchanged watched bill costs nothing and a changed one no more request.
    - ``updated_since`` is sent as a bare date: older API versions compared it as text with the
      database's ``2026-06-30 14:03:11+00`` (a space, not a ``T``), where a date-time with a
      ``T`` misses the rest of its day. A refresh on the same day sees that day's updates again,
      which cost no request and store nothing new.
    - Optional fields are omitted, not null, and the four summary dates are ``""`` when unknown.
    - Sponsorships come in the same responses (``include=sponsorships``, no extra request): one
      with a ``person`` carries its Open States person id; one without (``person`` null or
      missing: a committee, a name Open States did not match) is kept by its name alone.
    - Hearings ahead: one ``/events`` request per jurisdiction with watched bills
      (``after=`` today, ``require_bills=true``, ``include=agenda`` and ``sources``, 20 a page,
      the most the API gives). An agenda item's ``related_entities`` name its bills: with a
      ``bill`` (``session``, ``identifier``) when Open States linked it, else by ``name`` alone
      ("SB 1"), matched to a watched bill of that jurisdiction when only one has that number.
      Every watched bill of the jurisdiction then comes as a case carrying its list
      (``identifiers["openstates_events"]``, empty when none), which ``tracker.calendar``
      reads; it is the same list when nothing changed, so the case is unchanged.
    - Actions carry Open States' own classes (``introduction``, ``passage``,
      ``executive-signature``...), which the status fold reads; classes the tracker does not
      know are dropped, and an action left with none is classified from its text.
History:
    - 2026-11-28: first version (issue #4).
    - 2026-11-30: hearings ahead from ``/events`` (issue #20).
"""

import logging
import re
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import scrapy

from spiders.base import TrackerSpider
from spiders.items import CaseItem, EventItem
from spiders.middlewares import close_spider
from tracker.records import PersonRecord, state_bill_key
from tracker.relevance import OPENSTATES_QUERIES, Match, tracked_fields
from tracker.vocab import ActionClass, Kind

logger = logging.getLogger(__name__)

INCLUDES = ("actions", "sources", "abstracts", "related_bills", "sponsorships")
WATCHED_BATCH = 20  # identifiers a search takes, and bills a page holds
# "ocd-jurisdiction/country:us/state:ca/government" → "ca"
STATE = re.compile(r"/state:([a-z]{2})/")
EVENT_INCLUDES = ("agenda", "sources")
# Open States classes with another name in the tracker's vocabulary.
ALIASES = {"committee-passage-favorable": "committee-passage",
           "committee-passage-unfavorable": "committee-failure"}


def known_classes(classes: list[str]) -> tuple[str, ...] | None:
    """Open States' classes the tracker knows, or ``None`` to classify by the text instead."""
    kept = tuple(dict.fromkeys(ALIASES.get(c, c) for c in classes
                               if ALIASES.get(c, c) in ActionClass._value2member_map_))
    return kept or None


def sponsors(bill: dict, state: str) -> list[PersonRecord] | None:
    """``sponsorships[]`` → people; ``None`` when the response did not include them."""
    if "sponsorships" not in bill:
        return None
    people = []
    for sponsorship in bill["sponsorships"] or []:
        person = sponsorship.get("person") or {}
        name = (sponsorship.get("name") or person.get("name") or "").strip()
        if not name:
            continue
        role = (person.get("current_role") or {})
        seat = f"{role.get('title')}, district {role['district']}" if role.get("district") else None
        entity = sponsorship.get("entity_type")
        people.append(PersonRecord(
            role="sponsor" if sponsorship.get("primary") else "cosponsor",
            name=person.get("name") or name,
            identifiers={"openstates": person["id"]} if person.get("id") else {},
            party=person.get("party"), jurisdiction=state, seat=seat,
            detail=entity if entity and entity != "person" else None))
    return people


def bill_number(identifier: str) -> str:
    """``"HB 4875"``, ``"hb4875"`` → ``"HB4875"``."""
    return re.sub(r"\s+", "", identifier).upper()


def event_summary(event: dict, item: dict) -> dict:
    """What ``tracker.calendar`` reads of an event (``openstates_dates``)."""
    sources = [s.get("url") for s in event.get("sources") or [] if s.get("url")]
    return {"id": event.get("id"), "name": (event.get("name") or "").strip(),
            "classification": event.get("classification") or "", "start": event.get("start_date") or "",
            "status": event.get("status") or "", "location": (event.get("location") or {}).get("name"),
            "item": (item.get("description") or "").strip(), "url": sources[0] if sources else None}


class OpenStatesSpider(TrackerSpider):
    name = "openstates"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = self.source.url.rstrip("/")
        self.key = self.source.key.get_secret_value() if self.source.key else None
        self.daily_request_budget = self.source.daily_requests
        if not self.key:
            self.skip_reason = "no OPENSTATES_API_KEY (a free key: https://open.pluralpolicy.com/accounts/signup/)"
        self.watchlist = {r.key: r for r in self.watchlist_records(Kind.STATE_BILL)}

    def request(self, url: str, callback, **meta) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, headers={"X-API-KEY": self.key},
                              meta={"handle_httpstatus_list": [401, 403], **meta})

    def search_url(self, query: str, page: int) -> str:
        params = [("q", query), ("sort", "updated_asc"), ("per_page", 20), ("page", page)]
        params += [("include", name) for name in INCLUDES]
        if self.refreshing:
            params.append(("updated_since", self.since.date().isoformat()))
        return f"{self.base}/bills?{urlencode(params)}"

    async def start(self):
        if self.skip_reason:
            logger.warning("open states skipped: %s", self.skip_reason)
            return
        for query in OPENSTATES_QUERIES:
            yield self.request(self.search_url(query, 1), self.parse_search, query=query, page=1)
        for url in self.watched_urls():
            yield self.request(url, self.parse_watched)
        for state in sorted({r.identifiers["state"] for r in self.watched_bills()}):
            yield self.request(self.events_url(state, 1), self.parse_events, state=state, page=1, found=[])

    def watched_bills(self) -> list:
        return [r for r in self.watchlist.values() if {"state", "session", "bill"} <= r.identifiers.keys()]

    def events_url(self, state: str, page: int) -> str:
        params = [("jurisdiction", state), ("after", datetime.now(UTC).date().isoformat()),
                  ("require_bills", "true"), ("per_page", WATCHED_BATCH), ("page", page)]
        params += [("include", name) for name in EVENT_INCLUDES]
        return f"{self.base}/events?{urlencode(params)}"

    def watched_urls(self) -> list[str]:
        """One search per jurisdiction and session for the watched bills, 20 identifiers each."""
        groups: dict[tuple[str, str], list[str]] = {}
        for record in self.watched_bills():
            ids = record.identifiers
            groups.setdefault((ids["state"], str(ids["session"])), []).append(ids["bill"])
        urls = []
        for (state, session), bills in sorted(groups.items()):
            for start in range(0, len(bills), WATCHED_BATCH):
                params = [("jurisdiction", state), ("session", session), ("per_page", WATCHED_BATCH)]
                params += [("identifier", bill) for bill in bills[start:start + WATCHED_BATCH]]
                params += [("include", name) for name in INCLUDES]
                if self.refreshing:
                    params.append(("updated_since", self.since.date().isoformat()))
                urls.append(f"{self.base}/bills?{urlencode(params)}")
        return urls

    def json(self, response) -> dict | None:
        if response.status in (401, 403):
            detail = response.text[:200]
            logger.error("Open States refused the API key (HTTP %s): %s", response.status, detail)
            close_spider(self.crawler, "unauthorized")
            return None
        return super().json(response)

    def parse_search(self, response):
        data = self.json(response)
        if data is None:
            return
        for bill in data.get("results", []):
            texts = [bill.get("title", ""), *(a.get("abstract", "") for a in bill.get("abstracts") or []),
                     *(bill.get("subject") or [])]
            if match := self.rules.bill(*texts):
                yield from self.case(bill, match)
            else:
                self.crawler.stats.inc_value("openstates/not_relevant")
        pagination = data.get("pagination") or {}
        page = response.meta["page"]
        if page < (pagination.get("max_page") or 1):  # past max_page is a 404
            query = response.meta["query"]
            yield self.request(self.search_url(query, page + 1), self.parse_search, query=query,
                               page=page + 1)

    def parse_events(self, response):
        """A jurisdiction's events ahead, page by page; after the last, each watched bill of the
        jurisdiction with those whose agenda names it."""
        data = self.json(response)
        if data is None:
            return
        state, page = response.meta["state"], response.meta["page"]
        found = response.meta["found"] + list(data.get("results") or [])
        if page < ((data.get("pagination") or {}).get("max_page") or 1):
            yield self.request(self.events_url(state, page + 1), self.parse_events, state=state,
                               page=page + 1, found=found)
            return
        watched = [r for r in self.watched_bills() if r.identifiers["state"] == state]
        hearings: dict[str, list[dict]] = {r.key: [] for r in watched}
        for event in found:
            for key in dict.fromkeys(k for item in event.get("agenda") or []
                                     for k in self.bills_named(item, watched)):
                hearings[key].append(event_summary(event, next(
                    (i for i in event["agenda"] if key in self.bills_named(i, watched)), {})))
        for record in watched:
            ids = record.identifiers
            yield CaseItem(key=record.key, kind=Kind.STATE_BILL, jurisdiction=state, title=record.title,
                           source="openstates", events=[],
                           identifiers={"state": state, "session": str(ids["session"]), "bill": ids["bill"],
                                        "openstates_events": hearings[record.key]})

    @staticmethod
    def bills_named(item: dict, watched: list) -> list[str]:
        """The keys of the watched bills an agenda item names."""
        keys = []
        for entity in item.get("related_entities") or []:
            if entity.get("entity_type") != "bill":
                continue
            bill = entity.get("bill") or {}
            number = bill_number(bill.get("identifier") or entity.get("name") or "")
            same = [r for r in watched if bill_number(r.identifiers["bill"]) == number]
            if bill.get("session"):
                same = [r for r in same if str(r.identifiers["session"]) == bill["session"]]
            if len(same) == 1:  # by name alone, a number watched in two sessions is left out
                keys.append(same[0].key)
        return keys

    def parse_watched(self, response):
        """The watched bills of one jurisdiction and session (those changed, on a refresh)."""
        data = self.json(response)
        for bill in (data or {}).get("results", []):
            yield from self.case(bill)

    def case(self, bill: dict, match: Match | None = None):
        jurisdiction = STATE.search((bill.get("jurisdiction") or {}).get("id", ""))
        if not jurisdiction or not bill.get("session") or not bill.get("identifier"):
            logger.warning("Open States bill %s has no state, session or identifier", bill.get("id"))
            return
        state = jurisdiction.group(1)
        key = state_bill_key(state, bill["session"], bill["identifier"])
        curated = self.watchlist.get(key)
        abstracts = [a.get("abstract", "").strip() for a in bill.get("abstracts") or []]
        sources = [s.get("url") for s in bill.get("sources") or []]
        urls = [u for u in [bill.get("openstates_url"), *sources] if u]
        identifiers = {"state": state, "session": bill["session"], "bill": bill["identifier"],
                       "openstates_id": bill.get("id")}
        if bill.get("subject"):
            identifiers["subjects"] = "; ".join(bill["subject"])
        related = [f"{state_bill_key(state, r['legislative_session'], r['identifier'])} "
                   f"{r.get('relation_type') or 'related'}"
                   for r in bill.get("related_bills") or []
                   if r.get("identifier") and r.get("legislative_session")]
        if related:  # "ca-20232024-sb-1047 companion; ..." for tracker.linking
            identifiers["related_bills"] = "; ".join(related)
        yield CaseItem(key=key, kind=Kind.STATE_BILL, jurisdiction=state,
                       title=curated.title if curated else bill.get("title") or key,
                       source="openstates", identifiers=identifiers, urls=urls,
                       summary=next((a for a in abstracts if a), None),
                       **tracked_fields(match, curated=curated is not None),
                       events=self.events(bill, urls[0] if urls else None),
                       people=sponsors(bill, state))

    def events(self, bill: dict, url: str | None) -> list[EventItem]:
        events = []
        for action in bill.get("actions") or []:
            day, text = (action.get("date") or "")[:10], (action.get("description") or "").strip()
            if not day or not text:  # undated actions exist; "" is not a date
                continue
            try:
                when = date.fromisoformat(day)
            except ValueError:
                continue
            events.append(EventItem(
                when, text, "openstates", source_url=url,
                classification=known_classes(action.get("classification") or []),
                sequence=action.get("order"),
                actor=(action.get("organization") or {}).get("classification")))
        return events
