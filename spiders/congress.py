"""Congress.gov: federal bills on AI and copyright, likeness and digital replicas.

Source: Congress.gov API v3 (``/bill``, ``/bill/{congress}/{type}/{number}``, its ``/actions`` and,
for a changed bill that has any, its ``/relatedbills`` and ``/cosponsors``; once a day the
committee meetings, ``spiders.committee_meetings``).
Auth: ``CONGRESS_API_KEY`` in the ``X-Api-Key`` header (never in the URL, which is logged and may
    end up in a stored error); ``DEMO_KEY`` by default, which
    api.data.gov limits to 30 requests an hour and 50 a day (``[sources.congress] daily_requests``).
Notes:
    - There is no full-text search: the spider reads the bills updated since the last complete
      run (``fromDateTime``, at most ``[sources.congress] pages`` pages of 250) and keeps those whose
      titles the relevance rules match, plus every federal bill on the watchlist by number.
    - The default format is XML: every request says ``format=json``. A ``next`` link's host is
      replaced by the configured one, and a key in it is dropped.
    - ``updateDate`` is a bare date on lists and a timestamp on details: both are parsed.
    - The same action often comes twice, from the House or Senate and from the Library of
      Congress; duplicates (same day, same text) are collapsed, and each passage is tied to its
      chamber so that two records of one passage are not read as two chambers.
    - A refresh reads only the list: a watched or stored bill it holds changed, and costs its
      detail and actions; one it does not hold costs nothing. Only when the list was cut short
      (more pages than ``pages``) are the unlisted watched bills read one by one. A bare-date
      ``updateDate`` cannot tell the hour, so it counts as changed all that day.
    - Sponsors come with the detail (bioguide id, party, state); cosponsors cost one request
      (``/cosponsors``, 250 a page), made only for a changed bill whose cosponsor count is not
      the number stored. A cosponsor who
      withdrew is left out. A bill read without its cosponsors keeps those stored before.
History:
    - 2026-11-28: first version (issue #4).
    - 2026-11-30: committee meetings on tracked bills, as dates ahead (issue #20).
"""

import logging
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy

from spiders.base import TrackerSpider
from spiders.committee_meetings import FIRST_WINDOW, CommitteeMeetings, bill_key, ordinal
from spiders.items import CaseItem, EventItem
from tracker.records import PersonRecord
from tracker.relevance import Match, tracked_fields
from tracker.vocab import Kind

logger = logging.getLogger(__name__)

API = "/v3/"
WEB_TYPES = {"hr": "house-bill", "s": "senate-bill", "hjres": "house-joint-resolution",
             "sjres": "senate-joint-resolution", "hconres": "house-concurrent-resolution",
             "sconres": "senate-concurrent-resolution", "hres": "house-resolution",
             "sres": "senate-resolution"}
# "Passed/agreed to in Senate: Passed Senate without amendment by Unanimous Consent."
SENATE = re.compile(r"\bSenate\b")
HOUSE = re.compile(r"\bHouse\b")
WHITESPACE = re.compile(r"\s+")
# The Library of Congress repeats a chamber's own action behind this prefix.
LOC_PREFIX = re.compile(r"^Passed/agreed to in (?:House|Senate):\s*", re.IGNORECASE)


def parse_update(value: str | None) -> datetime | None:
    """``2023-12-29`` (lists) or ``2025-05-20T12:45:12Z`` (details) → an aware datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def changed_since(value: str | None, since: datetime) -> bool:
    """Whether an ``updateDate`` is on or after ``since``: a timestamp to the second, a bare
    date (lists) to the day, since it cannot say at what hour that day it changed."""
    moment = parse_update(value)
    if moment is None:
        return True  # an unreadable date: read the bill rather than miss it
    if len(value) <= 10:
        return moment.date() >= since.astimezone(UTC).date()
    return moment >= since


def bill_changed(bill: dict, since: datetime) -> bool:
    """Whether the bill's record or its text changed since ``since`` (either date will do)."""
    dates = [bill[name] for name in ("updateDate", "updateDateIncludingText") if bill.get(name)]
    return not dates or any(changed_since(value, since) for value in dates)


def member(entry: dict, role: str) -> PersonRecord:
    """A sponsor or cosponsor: ``{bioguideId, fullName, firstName, lastName, party, state,
    district, isOriginalCosponsor, sponsorshipDate}`` → a person record with the bioguide id."""
    name = " ".join(p for p in (entry.get("firstName"), entry.get("middleName"), entry.get("lastName")) if p)
    district = str(entry.get("district") or "").strip()
    state = entry.get("state") or ""
    if role == "sponsor":
        detail = "by request" if entry.get("isByRequest") == "Y" else None
    elif entry.get("isOriginalCosponsor") in (True, "True"):
        detail = "original cosponsor"
    else:
        detail = f"since {entry['sponsorshipDate']}" if entry.get("sponsorshipDate") else None
    bioguide = entry.get("bioguideId")
    return PersonRecord(role=role, name=name or entry.get("fullName") or bioguide or "?",
                        identifiers={"bioguide": bioguide} if bioguide else {}, party=entry.get("party"),
                        jurisdiction="us", seat=f"{state}-{district}" if district not in ("", "0") else state,
                        detail=detail)


class CongressSpider(CommitteeMeetings, TrackerSpider):
    name = "congress"
    known_kind = Kind.FEDERAL_BILL  # its stored cosponsor counts (known_people)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = self.source.url.rstrip("/")
        self.key = self.source.key.get_secret_value() if self.source.key else "DEMO_KEY"
        # Sent by spiders.middlewares.CredentialsMiddleware, to this host only.
        self.key_headers, self.key_host = {"X-Api-Key": self.key}, urlsplit(self.base).hostname
        self.daily_request_budget = self.source.daily_requests
        self.list_pages = self.source.pages
        self.watchlist = {r.key: r for r in self.watchlist_records(Kind.FEDERAL_BILL)}
        self.listed: set[str] = set()  # watched or stored bills the refresh's list held
        self.meetings: dict[str, dict[str, dict]] = {}  # committee meetings by bill key, by event id
        self.kept: dict[str, CaseItem] = {}  # the bills' cases yielded so far this crawl
        self.detailed: set[str] = set()  # stored bills asked for again, to carry their meetings

    def url(self, path: str, **params) -> str:
        query = urlencode({"format": "json", **params})
        return f"{self.base}{API}{path}?{query}"

    def follow_next(self, link: str) -> str:
        """A ``next`` link on our host, without a key (the header carries it)."""
        parts = urlsplit(link)
        query = dict(parse_qsl(parts.query))
        query.pop("api_key", None)
        query.update(format="json")
        return f"{self.base}{parts.path}?{urlencode(query)}"

    async def start(self):
        if self.key == "DEMO_KEY":
            logger.warning("CONGRESS_API_KEY is DEMO_KEY, which allows 30 requests an hour and "
                           "50 a day; get a free key at api.data.gov")
        now = datetime.now(UTC)
        window_start = self.since if self.refreshing else now - FIRST_WINDOW
        yield scrapy.Request(self.url("bill", limit=250, sort="updateDate desc",
                                      fromDateTime=window_start.strftime("%Y-%m-%dT%H:%M:%SZ")),
                             callback=self.parse_list, meta={"page": 1})
        if not self.refreshing:  # a refresh finds its changed watched bills in the list
            for request in self.watched_bills(self.watchlist):
                yield request
        for request in self.meeting_sweep(now):
            yield request

    def watched_bills(self, keys):
        for key in keys:
            ids = self.watchlist[key].identifiers
            yield scrapy.Request(self.url(f"bill/{ids['congress']}/{ids['bill_type']}/{ids['bill_number']}"),
                                 callback=self.parse_bill, meta={"watchlist": True})

    def parse_list(self, response):
        """``/bill``: the recently updated bills; keep the relevant ones, read the next page."""
        data = self.json(response)
        if data is None:
            return
        for bill in data.get("bills", []):
            title = bill.get("title", "")
            key = bill_key(bill["congress"], bill["type"], bill["number"])
            if self.refreshing:
                self.listed.add(key)
                # The server filters on fromDateTime already; this holds the day-only dates to it.
                if not bill_changed(bill, self.since):
                    continue
                if key in self.watchlist or key in self.known_keys:  # tracked: no subjects needed
                    yield scrapy.Request(self.url(f"bill/{bill['congress']}/{bill['type'].lower()}/"
                                                  f"{bill['number']}"), callback=self.parse_bill,
                                         meta={"watchlist": True, "match": self.rules.bill(title)})
                    continue
            match = self.rules.bill(title)
            if match is None and not self.rules.touches(title):
                self.crawler.stats.inc_value("congress/not_relevant")
                continue
            # A title that only touches the subject ("Protecting Creative Works Act") is
            # decided by the bill's policy area and subjects, read after its detail.
            yield scrapy.Request(self.url(f"bill/{bill['congress']}/{bill['type'].lower()}/"
                                          f"{bill['number']}"), callback=self.parse_bill,
                                 meta={"match": match})
        page = response.meta["page"]
        next_link = (data.get("pagination") or {}).get("next")
        if next_link and page < self.list_pages:
            yield scrapy.Request(self.follow_next(next_link), callback=self.parse_list,
                                 meta={"page": page + 1})
        elif next_link and self.refreshing:  # cut short: an unlisted watched bill may have changed
            yield from self.watched_bills(sorted(set(self.watchlist) - self.listed))

    def parse_bill(self, response):
        """Bill detail: a bill whose title only touched the subject goes on to its subjects."""
        data = self.json(response)
        bill = (data or {}).get("bill")
        if not bill:
            return
        match = response.meta.get("match")
        if match is None and not response.meta.get("watchlist"):
            path = f"bill/{bill['congress']}/{bill['type'].lower()}/{bill['number']}/subjects"
            yield scrapy.Request(self.url(path), callback=self.parse_subjects, meta={"bill": bill})
            return
        yield from self.bill_case(bill, match)

    def parse_subjects(self, response):
        """``/subjects``: keep a bill whose title only touched the subject if its policy area or
        legislative subjects match the rules."""
        bill = response.meta["bill"]
        subjects = ((self.json(response) or {}).get("subjects") or {})
        names = [s.get("name", "") for s in subjects.get("legislativeSubjects") or []]
        policy = (subjects.get("policyArea") or bill.get("policyArea") or {}).get("name", "")
        match = self.rules.bill(bill.get("title", ""), policy, *names)
        if match is None:
            self.crawler.stats.inc_value("congress/not_relevant")
            return
        yield from self.bill_case(bill, match)

    def bill_case(self, bill: dict, match: Match | None):
        """The bill at once when unchanged since the last run, else a request for its actions."""
        case = self.case(bill, match)
        if self.since and not bill_changed(bill, self.since) and case.key in self.known_keys:
            yield self.keep(case)
            return
        path = f"bill/{bill['congress']}/{bill['type'].lower()}/{bill['number']}/actions"
        related = (bill.get("relatedBills") or {}).get("count") or 0
        cosponsors = (bill.get("cosponsors") or {}).get("count") or 0
        yield scrapy.Request(self.url(path, limit=250), callback=self.parse_actions,
                             meta={"case": case, "actions": {}, "related": related,
                                   "cosponsors": cosponsors})

    def case(self, bill: dict, match: Match | None = None) -> CaseItem:
        bill_type = bill["type"].lower()
        key = bill_key(bill["congress"], bill_type, bill["number"])
        curated = self.watchlist.get(key)
        number = int(bill["number"]) if str(bill["number"]).isdigit() else bill["number"]
        identifiers = {"congress": bill["congress"], "bill_type": bill_type, "bill_number": number}
        if (bill.get("policyArea") or {}).get("name"):
            identifiers["policy_area"] = bill["policyArea"]["name"]
        sponsors = [s for s in bill.get("sponsors") or [] if s.get("fullName")]
        if sponsors:
            identifiers["sponsor"] = "; ".join(s["fullName"] for s in sponsors)
        laws = [f"{law.get('type', 'Public Law')} {law.get('number')}" for law in bill.get("laws") or []]
        if laws:
            identifiers["law"] = "; ".join(laws)
        web = bill.get("legislationUrl") or (
            f"https://www.congress.gov/bill/{ordinal(int(bill['congress']))}-congress/"
            f"{WEB_TYPES.get(bill_type, bill_type)}/{bill['number']}")
        return CaseItem(key=key, kind=Kind.FEDERAL_BILL, jurisdiction="us",
                        title=curated.title if curated else bill.get("title") or key,
                        source="congress", identifiers=identifiers, urls=[web],
                        people=[member(s, "sponsor") for s in sponsors],
                        **tracked_fields(match, curated=curated is not None))

    def parse_actions(self, response):
        data = self.json(response)
        if data is None:
            return
        seen: dict = response.meta["actions"]
        position = response.meta.get("position", 0)
        for action in data.get("actions", []):
            # Newest first: a later position is an earlier action on the same day.
            position += 1
            text = WHITESPACE.sub(" ", action.get("text") or "").strip()
            day = action.get("actionDate")
            if not text or not day:
                continue
            identity = (day, LOC_PREFIX.sub("", text).lower().rstrip("."))
            earlier = seen.get(identity)
            if earlier is not None:
                self.crawler.stats.inc_value("congress/duplicate_actions")
                if len(earlier.text) >= len(text):  # keep the fuller wording
                    continue
            seen[identity] = EventItem(date.fromisoformat(day), text, "congress",
                                       source_url=response.meta["case"].urls[0],
                                       sequence=-position, actor=self.chamber(action, text))
        next_link = (data.get("pagination") or {}).get("next")
        if next_link:
            yield scrapy.Request(self.follow_next(next_link), callback=self.parse_actions,
                                 meta={"case": response.meta["case"], "actions": seen, "position": position,
                                       "related": response.meta.get("related"),
                                       "cosponsors": response.meta.get("cosponsors")})
            return
        case = response.meta["case"]
        case.events = list(seen.values())
        ids = case.identifiers
        bill_path = f"bill/{ids['congress']}/{ids['bill_type']}/{ids['bill_number']}"
        if response.meta.get("related"):  # one more request, only for a bill that changed
            yield scrapy.Request(self.url(f"{bill_path}/relatedbills", limit=50), callback=self.parse_related,
                                 meta={"case": case, "cosponsors": response.meta.get("cosponsors")})
            return
        yield from self.with_cosponsors(case, response.meta.get("cosponsors"))

    def with_cosponsors(self, case: CaseItem, count: int | None):
        """The case, or first a request for its cosponsors when it has any (a changed bill only)
        and their number is not the one stored: the request is skipped when nobody joined or left."""
        if not count or self.known_people.get(case.key, {}).get("cosponsor") == count:
            yield self.keep(case)
            return
        ids = case.identifiers
        path = f"bill/{ids['congress']}/{ids['bill_type']}/{ids['bill_number']}/cosponsors"
        # Any answer comes back here (a 404 or a 500 after the retries too): the bill is kept.
        yield scrapy.Request(self.url(path, limit=250), callback=self.parse_cosponsors,
                             meta={"case": case, "handle_httpstatus_all": True})

    def parse_cosponsors(self, response):
        """``/cosponsors``: the members who joined the bill, bar those who withdrew."""
        case = response.meta["case"]
        data = self.json(response) if response.status == 200 else None
        if data is None:
            logger.warning("no cosponsors for %s (HTTP %s): those stored before are kept",
                           case.key, response.status)
        else:
            case.people = [*(case.people or []),
                           *(member(c, "cosponsor") for c in data.get("cosponsors") or []
                             if c.get("bioguideId") and not c.get("sponsorshipWithdrawnDate"))]
        yield self.keep(case)

    def parse_related(self, response):
        """``/relatedbills``: what Congress.gov relates the bill to, for ``tracker.linking``
        (``us-118-hr-9551 identical; ...``). A failure here keeps the bill all the same."""
        case = response.meta["case"]
        data = self.json(response) or {}
        related = []
        for other in data.get("relatedBills") or []:
            if other.get("congress") and other.get("type") and other.get("number"):
                kinds = [d.get("type", "") for d in other.get("relationshipDetails") or []]
                kind = "identical" if "Identical bill" in kinds else "related"
                other_key = bill_key(other["congress"], other["type"].lower(), other["number"])
                related.append(f"{other_key} {kind}")
        if related:
            case.identifiers["related_bills"] = "; ".join(related)
        yield from self.with_cosponsors(case, response.meta.get("cosponsors"))

    @staticmethod
    def chamber(action: dict, text: str) -> str | None:
        """Which chamber acted: from the source system, else from the text ("in Senate")."""
        system = ((action.get("sourceSystem") or {}).get("name") or "")
        for source in (system, text):
            senate, house = bool(SENATE.search(source)), bool(HOUSE.search(source))
            if senate != house:
                return "upper" if senate else "lower"
        return None
