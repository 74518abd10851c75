"""What a source hands the store: a case record with its event records.

This is the one contract between the sources (the spiders, the watchlist) and
``tracker.store``. The spiders' items are these dataclasses, so a spider never needs to know
about tables, and the store never needs to know about Scrapy.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock_time
from urllib.parse import urlsplit

from tracker.errors import InvalidRecord
from tracker.vocab import ActionClass, DateKind, Kind, Role

# "cand-3:23-cv-00201", "us-119-s-1367", "ca-20252026-ab-412", "fr-2023-18624"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9:._-]*$")
WHITESPACE = re.compile(r"\s+")
# "3:23-cv-00201-WHO" → "3:23-cv-00201": judges' initials are not part of the number.
DOCKET_NUMBER = re.compile(r"^(\d+:\d{2}-[a-z]{2,4}-\d+)", re.IGNORECASE)


SLUG = re.compile(r"[^a-z0-9]+")
WEB_SCHEMES = ("http", "https")


def is_web_url(url: str | None) -> bool:
    """An absolute http(s) URL with a host: nothing a browser would run (``javascript:``) or
    read from elsewhere (``data:``, ``file:``)."""
    try:
        parts = urlsplit(str(url or "").strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def safe_url(url: str | None) -> str:
    """The Jinja2 filter on every ``href``: a web URL or a path of this site as it is, anything
    else (``javascript:``, ``data:``, ``//other.host``) as ``#``."""
    text = str(url or "").strip()
    if is_web_url(text):
        return text
    if text.startswith("/") and not text.startswith(("//", "/\\")):
        return text
    return "#"


def slug(value: str) -> str:
    return SLUG.sub("-", value.lower()).strip("-")


def state_bill_key(state: str, session: str, identifier: str) -> str:
    """``ca``, ``20252026``, ``AB 412`` → ``ca-20252026-ab-412``."""
    return f"{state.lower()}-{slug(str(session))}-{slug(identifier)}"


def lawsuit_key(court_id: str, docket_number: str) -> str:
    """``cand`` + ``3:23-cv-00201-WHO`` → ``cand-3:23-cv-00201``."""
    number = docket_number.strip().lower()
    match = DOCKET_NUMBER.match(number)
    return f"{court_id.strip().lower()}-{match.group(1) if match else number.replace(' ', '-')}"


# "nysd-1:25-md-03143": the docket of a multidistrict litigation itself.
MDL_DOCKET = re.compile(r"-\d+:\d{2}-md-")


def is_mdl_docket(key: str) -> bool:
    """Whether a case key is an MDL's own docket, whose stage its member cases follow."""
    return bool(MDL_DOCKET.search(key))


@dataclass
class EventRecord:
    """One dated entry of a case's history as a source reports it."""

    date: date
    text: str
    source: str
    source_url: str | None = None
    # The source's own ActionClass values; None lets the rule tables classify the text, and an
    # empty tuple says the source classified it as nothing (Open States' unclassified actions).
    classification: tuple[str, ...] | None = None
    sequence: int | None = None  # the source's order within the day
    entry_number: str | None = None
    actor: str | None = None  # chamber or body that acted: upper, lower, executive...
    external_id: str | None = None  # the source's stable id, when it has one

    def fingerprint(self, case_key: str) -> str:
        """A stable identity, so that seeing the same event again never stores it twice.

        The source's own id wins when there is one (a docket entry is the same entry when
        its text is corrected); otherwise the date and the whitespace-folded text.
        """
        if self.external_id:
            basis = f"{case_key}|id|{self.external_id}"
        else:
            basis = f"{case_key}|{self.date.isoformat()}|{WHITESPACE.sub(' ', self.text).strip().lower()}"
        return hashlib.sha1(basis.encode()).hexdigest()


@dataclass
class PersonRecord:
    """A person a source names on a case, with the role they play in it (a ``tracker.vocab.Role``).

    ``identifiers`` are the source's own ids (``bioguide``, ``openstates``, ``courtlistener``):
    people are the same person only when an identifier says so, never by name. A person with no
    identifier (Open States' sponsorship without a ``person``, a judge CourtListener has not
    linked) is kept on the case by name alone. Parties are the exception: they carry no
    identifier and are joined by their names as ``tracker/data/parties.yaml`` folds them.
    """

    role: str
    name: str
    identifiers: dict[str, str] = field(default_factory=dict)
    party: str | None = None  # a legislator's political party: D, R, Democratic...
    jurisdiction: str | None = None  # where they serve: us, a state, a court id
    seat: str | None = None  # DE, FL-27, a state district; a judge's title
    detail: str | None = None  # of the role: "original cosponsor", "referred", "withdrawn 2025-06-01"


@dataclass
class CaseRecord:
    """One matter as a source reports it. ``None`` and empty lists mean "this source does not say"."""

    key: str
    kind: Kind
    jurisdiction: str
    title: str
    source: str
    identifiers: dict[str, str | int] = field(default_factory=dict)
    plaintiffs: list[str] | None = None
    defendants: list[str] | None = None
    urls: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    why_tracked: str | None = None
    on_watchlist: bool = False
    events: list[EventRecord] = field(default_factory=list)
    # The sponsors, judges and parties the source names; None: "this source does not say". A list
    # replaces, for each role it names, what this source said of that role on the case before.
    people: list[PersonRecord] | None = None


@dataclass
class CuratedDate:
    """A date ahead staff put on the watchlist (a case's ``dates:``), for ``tracker.calendar``."""

    kind: DateKind
    title: str
    day: date
    time: clock_time | None = None
    timezone: str | None = None
    location: str | None = None
    text: str | None = None
    source_url: str | None = None


@dataclass
class CuratedRecord(CaseRecord):
    """A case from the curated watchlist, with its staff-only fields.

    The day its facts were last checked, how sure the research was, and its notes: shown by the
    CLI (a staff tool), never on public pages, digests or feeds. A subclass, so the spiders'
    items (and their golden files) stay as they are.
    """

    as_of: date | None = None
    confidence: str | None = None
    research_notes: str | None = None
    dates: list[CuratedDate] = field(default_factory=list)


MAX_TITLE = 1000  # characters; the longest bill title on record is about 700
MAX_TEXT = 20_000  # characters of a summary or an event's text
FUTURE_DAYS = 366  # an event may be scheduled up to a year ahead; 2099 is a typo or a trick


def check_record(record: CaseRecord, *, today: date | None = None) -> None:
    """Refuse a record the store cannot keep.

    :raises InvalidRecord: naming the case key, the field and the reason
    """
    def refuse(reason: str) -> None:
        raise InvalidRecord(f"{record.key or '<no key>'}: {reason}")

    if not record.key or not KEY_PATTERN.match(record.key):
        refuse("key must be lower-case letters, digits and : . _ - (e.g. cand-3:23-cv-00201)")
    try:
        Kind(record.kind)
    except ValueError:
        refuse(f"unknown kind {record.kind!r}")
    if not record.jurisdiction:
        refuse("missing jurisdiction")
    if not record.title or not record.title.strip():
        refuse("missing title")
    if len(record.title) > MAX_TITLE or len(record.summary or "") > MAX_TEXT:
        refuse(f"title or summary too long (at most {MAX_TITLE} and {MAX_TEXT} characters)")
    for person in record.people or ():
        if person.role not in Role._value2member_map_ or not (person.name or "").strip():
            refuse(f"person {person.name!r} needs a name and a role ({', '.join(Role)})")
    latest = (today or date.today()) + timedelta(days=FUTURE_DAYS)
    for url in [*record.urls, *record.sources]:
        if not is_web_url(url):
            refuse(f"link {url[:80]!r} is not an http(s) URL")
    for event in record.events:
        if not isinstance(event.date, date):
            refuse(f"event date {event.date!r} is not a date")
        if not event.text or not event.text.strip():
            refuse(f"event on {event.date} has no text")
        if event.date > latest or event.date.year < 1900:
            refuse(f"event date {event.date} is not plausible")
        if len(event.text) > MAX_TEXT:
            refuse(f"event on {event.date} has more than {MAX_TEXT} characters of text")
        if event.source_url is not None and not is_web_url(event.source_url):
            refuse(f"event on {event.date} has a source_url that is not an http(s) URL")
        for value in event.classification or ():
            try:
                ActionClass(value)
            except ValueError:
                refuse(f"event on {event.date} has unknown classification {value!r}")
