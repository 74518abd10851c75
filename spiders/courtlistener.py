"""CourtListener: U.S. federal dockets in AI-copyright and AI-likeness suits.

Source: CourtListener REST API v4 (``search/``, ``dockets/``, ``docket-entries/``).
Auth: ``COURTLISTENER_TOKEN``, sent as ``Authorization: Token <token>``; without one the API
    allows anonymous reads at a much lower limit, and the spider says so once.
Limits: free tokens get 5/min, 50/hour and 125/day; ``[sources.courtlistener] daily_requests`` is the day's
    budget (the crawl stops cleanly when it is spent) and its ``delay`` spaces requests.
Notes:
    - Candidates come from search (``type=r``) with the queries in ``tracker.relevance``, plus
      every U.S. lawsuit on the watchlist (by CourtListener id, else by court and docket number).
      A search hit is kept only when it names an AI developer or an AI term: an ordinary
      copyright suit between two publishers is not tracked.
    - ``docket-entries/`` is restricted to some accounts; on 403 the history comes from search
      (``type=rd``, ``docket_id:<id>``), one result per document, folded into entries.
    - A refresh (a complete run before this one, no ``full``) asks what changed rather than
      visiting each docket: the dockets the store holds and the watchlist's go, fifty at a time,
      into one search for documents (``type=rd``, ``q=docket_id:(A OR B ...)``,
      ``entry_date_filed_after``): the v4 ``dockets/`` filter takes one ``id`` (its lookups are
      exact and ranges, no ``id__in``), the search takes many. A hit CourtListener created
      since the last run (``meta.date_created``, a Pacific-offset timestamp) marks its docket
      changed; only then are the docket and its entries modified since read (two requests).
      Searches stop paging at a page with nothing new. ``entry_date_filed`` is a day in the
      court's own zone, so the window opens a day early and the timestamps decide.
    - A docket not modified since the last complete run is yielded without its entries, so a
      re-crawl of it writes nothing.
    - v4's ``count`` is a URL, never a number: the spider only follows ``next`` (cursor paging).
    - Timestamps carry a US/Pacific offset (``-07:00``); they are compared as aware datetimes.
    - Entry descriptions can hold HTML and an ``(Entered: mm/dd/yyyy)`` suffix; both are removed.
    - Judges: ``assigned_to`` and ``referred_to`` are person URLs (``.../people/1124/``) or null;
      the id in the URL ties a judge across dockets, and a judge with only ``assigned_to_str``
      is kept by name on that docket alone. The lead defendant named in ``case_name`` ("X v.
      Y") is kept when the parties table knows it, so a company's new suits find it. No extra
      request either way.
History:
    - 2026-11-28: first version (issue #3).
"""

import logging
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import scrapy

from spiders.base import TrackerSpider
from spiders.items import CaseItem, EventItem
from tracker.docket_text import clean_text
from tracker.parties import known_party
from tracker.records import PersonRecord, lawsuit_key
from tracker.relevance import COURTLISTENER_QUERIES, Match, tracked_fields
from tracker.vocab import Kind

logger = logging.getLogger(__name__)
MDL_NUMBER = re.compile(r"\b(\d{3,5})\b")  # "MDL 3143", "3143"
PERSON_ID = re.compile(r"/people/(\d+)/?$")  # "https://www.courtlistener.com/api/rest/v4/people/1124/"
VERSUS = re.compile(r"\s+v(?:s)?\.\s+", re.IGNORECASE)

API = "/api/rest/v4/"
CHECK_BATCH = 50  # docket ids per change-check search


def parse_timestamp(value: str | None) -> datetime | None:
    """``2025-08-29T14:03:11.123456-07:00`` → an aware datetime; ``None`` when absent."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def docket_people(docket: dict) -> list[PersonRecord]:
    """The judges a docket names (with their CourtListener person ids when it links them) and its
    lead defendant, when the parties table knows the company."""
    people = []
    for field, detail in (("assigned_to", None), ("referred_to", "referred")):
        name = (docket.get(f"{field}_str") or "").strip()
        person_id = PERSON_ID.search(str(docket.get(field) or ""))
        if name or person_id:
            people.append(PersonRecord(
                role="judge", name=name or f"CourtListener judge {person_id.group(1)}",
                identifiers={"courtlistener": person_id.group(1)} if person_id else {},
                jurisdiction=docket["court_id"], detail=detail))
    _, *defendants = VERSUS.split(docket.get("case_name") or "", maxsplit=1)
    if defendants and known_party(defendants[0]):
        people.append(PersonRecord(role="defendant", name=defendants[0].strip(),
                                   detail="named in the case name"))
    return people


class CourtListenerSpider(TrackerSpider):
    name = "courtlistener"
    known_kind = Kind.LAWSUIT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = self.source.url.rstrip("/")
        self.token = self.source.key.get_secret_value() if self.source.key else None
        self.daily_request_budget = self.source.daily_requests
        self.search_pages = self.source.pages
        self.watchlist = {record.key: record for record in self.watchlist_records(Kind.LAWSUIT)
                          if "court" in record.identifiers and "docket_number" in record.identifiers}

    def api(self, endpoint: str, **params) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base}{API}{endpoint}{query}"

    def request(self, url: str, callback, **meta) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        return scrapy.Request(url, callback=callback, headers=headers, meta=meta)

    async def start(self):
        if not self.token:
            logger.warning("no COURTLISTENER_TOKEN: reading anonymously, which CourtListener "
                           "limits to about 100 requests a day")
        for query in COURTLISTENER_QUERIES:
            yield self.request(self.api("search/", type="r", q=query, order_by="dateFiled desc"),
                               self.parse_search, page=1)
        checked = self.checked_ids() if self.refreshing else {}
        for record in self.watchlist.values():
            ids = record.identifiers
            if record.key in checked.values():
                continue
            if "courtlistener_id" in ids:
                yield self.request(self.api(f"dockets/{ids['courtlistener_id']}/"),
                                   self.parse_docket)
            else:
                yield self.request(self.api("dockets/", court=ids["court"],
                                            docket_number=ids["docket_number"]),
                                   self.parse_docket_list)
        numbers = sorted(checked)
        for start in range(0, len(numbers), CHECK_BATCH):
            batch = " OR ".join(str(n) for n in numbers[start:start + CHECK_BATCH])
            yield self.request(self.api("search/", type="rd", q=f"docket_id:({batch})",
                                        entry_date_filed_after=(self.since - timedelta(days=1))
                                        .date().isoformat(),
                                        order_by="entry_date_filed desc"),
                               self.parse_changes, changed=set())

    def checked_ids(self) -> dict[int, str]:
        """``{docket id: key}`` of the dockets a refresh checks in batches: every stored lawsuit
        with a CourtListener id, and every watchlist docket that names one."""
        checked = {}
        for key, ids in [*self.known_identifiers.items(),
                         *((r.key, r.identifiers) for r in self.watchlist.values())]:
            if str(ids.get("courtlistener_id", "")).isdigit():
                checked[int(ids["courtlistener_id"])] = key
        return checked

    def parse_changes(self, response):
        """The change check: the dockets with a document CourtListener created since the last
        run are read again (the docket, then its entries); the others cost nothing more."""
        data = self.json(response)
        if data is None:
            return
        changed: set[int] = response.meta["changed"]
        for hit in data.get("results", []):
            created = parse_timestamp((hit.get("meta") or {}).get("date_created"))
            if hit.get("docket_id") and (created is None or created >= self.since):
                changed.add(int(hit["docket_id"]))
        if data.get("next"):
            yield self.request(data["next"], self.parse_changes, changed=changed)
            return
        self.crawler.stats.inc_value("courtlistener/dockets_changed", len(changed))
        for docket_id in sorted(changed):
            yield self.request(self.api(f"dockets/{docket_id}/"), self.parse_docket)

    def parse_search(self, response):
        """Search (``type=r``): keep the hits that are about AI, follow the cursor."""
        data = self.json(response)
        if data is None:
            return
        found_new = False
        for hit in data.get("results", []):
            documents = hit.get("recap_documents") or []
            texts = [hit.get("caseName", ""), *(hit.get("party") or []),
                     *(clean_text(d.get("description") or d.get("snippet")) for d in documents)]
            if not hit.get("docket_id"):
                continue
            if self.refreshing and self.hit_key(hit) in self.known_keys:
                continue  # the change check covers it
            match = self.rules.suit(*texts)
            if match is None:
                self.crawler.stats.inc_value("courtlistener/not_relevant")
                logger.debug("not about AI, skipped: %s", hit.get("caseName"))
                continue
            yield self.request(self.api(f"dockets/{hit['docket_id']}/"), self.parse_docket,
                               match=match)
            found_new = True
        page = response.meta["page"]
        if self.refreshing and not found_new:
            return  # newest filed first: a page with nothing new ends the search
        if data.get("next") and page < self.search_pages:
            yield self.request(data["next"], self.parse_search, page=page + 1)

    def parse_docket_list(self, response):
        """``dockets/?court=&docket_number=``: a watchlist lawsuit found by its number."""
        data = self.json(response)
        if data is None:
            return
        results = data.get("results") or []
        if not results:
            logger.warning("no CourtListener docket for %s", response.url)
            return
        yield from self.docket(results[0])

    def parse_docket(self, response):
        data = self.json(response)
        if data is not None:
            yield from self.docket(data, response.meta.get("match"))

    def docket(self, docket: dict, match: Match | None = None):
        """One docket: yield it at once when unchanged since the last run, else read its entries."""
        if not docket.get("court_id") or not docket.get("docket_number"):
            logger.error("docket %s has no court or docket number", docket.get("id"))
            return
        case = self.case(docket, match)
        modified = parse_timestamp(docket.get("date_modified"))
        if (self.since and modified and modified < self.since and case.key in self.known_keys):
            self.crawler.stats.inc_value("courtlistener/dockets_unchanged")
            yield case
            return
        since = {"date_modified__gte": self.since.isoformat()} if (
            self.refreshing and case.key in self.known_keys) else {}
        yield self.request(self.api("docket-entries/", docket=docket["id"], **since,
                                    order_by="recap_sequence_number,entry_number"),
                           self.parse_entries, case=case, docket_id=docket["id"], entries={},
                           handle_httpstatus_list=[403])

    @staticmethod
    def hit_key(hit: dict) -> str | None:
        if hit.get("court_id") and hit.get("docketNumber"):
            return lawsuit_key(hit["court_id"], hit["docketNumber"])
        return None

    def case(self, docket: dict, match: Match | None = None) -> CaseItem:
        key = lawsuit_key(docket["court_id"], docket["docket_number"])
        curated = self.watchlist.get(key)
        identifiers = {"court": docket["court_id"], "docket_number": docket["docket_number"],
                       "courtlistener_id": docket["id"]}
        for field in ("nature_of_suit", "cause", "assigned_to_str", "date_filed", "appeal_from_str",
                      "mdl_status"):
            if docket.get(field):
                identifiers[field.removesuffix("_str")] = docket[field]
        # What tracker.linking reads: the MDL a docket belongs to, the docket an appeal is from.
        mdl = MDL_NUMBER.search(str(docket.get("mdl_status") or ""))
        if mdl:
            identifiers["mdl"] = f"MDL No. {mdl.group(1)}"
        original = docket.get("original_court_info")
        if isinstance(original, dict) and original.get("docket_number"):
            identifiers["original_docket_number"] = original["docket_number"]
        events = []
        terminated = parse_day(docket.get("date_terminated"))
        if terminated:
            events.append(EventItem(terminated, "Docket terminated.", "courtlistener",
                                    classification=("case-closed",), external_id="date-terminated"))
        return CaseItem(
            key=key, kind=Kind.LAWSUIT, jurisdiction=docket["court_id"],
            title=curated.title if curated else (docket.get("case_name") or key),
            source="courtlistener", identifiers=identifiers, people=docket_people(docket),
            urls=[f"{self.base}{docket['absolute_url']}"] if docket.get("absolute_url") else [],
            **tracked_fields(match, curated=curated is not None),
            events=events)

    def parse_entries(self, response):
        """``docket-entries/`` pages, or on 403 the search route for the same docket."""
        meta = response.meta
        if response.status == 403:
            self.crawler.stats.inc_value("courtlistener/docket_entries_forbidden")
            yield self.request(self.api("search/", type="rd", q=f"docket_id:{meta['docket_id']}",
                                        order_by="entry_date_filed desc"),
                               self.parse_entry_search, case=meta["case"], entries={})
            return
        data = self.json(response)
        if data is None:
            return
        for entry in data.get("results", []):
            documents = entry.get("recap_documents") or []
            main = next((d for d in documents if not d.get("attachment_number")), None)
            text = entry.get("description") or (main or {}).get("description")
            self.add_event(meta["entries"], meta["case"], number=entry.get("entry_number"),
                           filed=entry.get("date_filed"), text=text,
                           link=(main or {}).get("absolute_url"), entry_id=entry.get("id"))
        yield from self.next_or_done(response, data, self.parse_entries)

    def parse_entry_search(self, response):
        """Search ``type=rd``: one hit per document; the main document stands for its entry."""
        data = self.json(response)
        if data is None:
            return
        for hit in data.get("results", []):
            if hit.get("attachment_number"):
                continue
            self.add_event(response.meta["entries"], response.meta["case"],
                           number=hit.get("entry_number"), filed=hit.get("entry_date_filed"),
                           text=hit.get("description") or hit.get("short_description"),
                           link=hit.get("absolute_url"), entry_id=hit.get("id"))
        yield from self.next_or_done(response, data, self.parse_entry_search)

    def add_event(self, entries: dict, case: CaseItem, *, number, filed, text, link, entry_id):
        day, text = parse_day(filed), clean_text(text)
        if day is None or not text:
            self.crawler.stats.inc_value("courtlistener/entries_skipped")
            return
        identity = f"entry-{number}" if number is not None else f"id-{entry_id}"
        if identity in entries:
            return
        entries[identity] = EventItem(
            day, text, "courtlistener",
            source_url=f"{self.base}{link}" if link else (case.urls[0] if case.urls else None),
            sequence=int(number) if isinstance(number, int) or str(number).isdigit() else None,
            entry_number=str(number) if number is not None else None, external_id=identity)

    def next_or_done(self, response, data: dict, callback):
        if data.get("next"):
            yield self.request(data["next"], callback, **{
                k: response.meta[k] for k in ("case", "entries", "docket_id") if k in response.meta})
            return
        case = response.meta["case"]
        case.events = case.events + list(response.meta["entries"].values())
        yield case
