"""Checks on a curated watchlist before it ships (issue #16): pure, and told what day it is.

``check_watchlist(records, today=..., domains=...)`` returns findings, one per problem:

- errors: a source or URL over plain http, or outside the allowlist kept with the data
  (``tracker/data/source_domains.yaml``); a case with no source or no ``as_of``; a research
  note left in a public field; a bill of an ended session that is not marked dead; a case whose
  events give it no status, or whose hand-set classes silence an event that plainly ended it
  (a settlement classed as nothing); a summary that opens by claiming a status the case does
  not have;
- warnings: an active case with no event for 180 days, and an ``as_of`` older than 90 days.

The statuses come from ``tracker.status.fold_status`` over ``tracker.classify``, exactly as the
store folds them, so a check never disagrees with what ``tracker show`` prints.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tracker.classify import classify
from tracker.errors import ConfigError
from tracker.records import CaseRecord, CuratedRecord, is_mdl_docket
from tracker.status import FoldEvent, fold_status
from tracker.vocab import ActionClass as A
from tracker.vocab import Kind, Status

DOMAINS_FILE = Path(__file__).resolve().parent / "data" / "source_domains.yaml"
STALE_EVENTS = timedelta(days=180)
STALE_AS_OF = timedelta(days=90)

BILLS = (Kind.FEDERAL_BILL, Kind.STATE_BILL)
# Statuses after which nothing more is expected: such a case is not "active".
FINAL = frozenset({
    Status.ENACTED, Status.FAILED, Status.VETOED, Status.WITHDRAWN, Status.DISMISSED,
    Status.SETTLED, Status.JUDGMENT, Status.CLOSED,
})
BILL_DONE = frozenset({Status.ENACTED, Status.FAILED, Status.VETOED, Status.WITHDRAWN})
# Action classes that end a case (or a bill): a hand-set class may not silence one of them.
DISPOSITIONS = frozenset({
    A.SETTLEMENT, A.JUDGMENT, A.APPELLATE_DECISION, A.MOTION_TO_DISMISS_GRANTED,
    A.DISMISSAL_VOLUNTARY, A.CASE_CLOSED, A.BECAME_LAW, A.EXECUTIVE_SIGNATURE,
    A.EXECUTIVE_VETO, A.FAILURE, A.COMMITTEE_FAILURE,
})
# The status a summary claims in its opening words, as the action class that would give it, so
# the claim follows the fold when the vocabulary grows ("Reported" → whatever committee passage
# folds to). Checked for lawsuits and bills only; first match wins.
# "Settled ($1.5B class settlement)." / "In effect; ..." / "Died at the end of the 118th Congress"
SUMMARY_CLAIMS: tuple[tuple[re.Pattern[str], A], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), action) for pattern, action in (
        (r"(?:enacted|in effect|signed into law|became law|effective|operative)\b", A.BECAME_LAW),
        (r"(?:died|failed)\b", A.FAILURE),
        (r"vetoed\b", A.EXECUTIVE_VETO),
        (r"withdrawn\b", A.WITHDRAWAL),
        (r"reported\b", A.COMMITTEE_PASSAGE),
        (r"(?:in committee|referred)\b", A.REFERRAL_COMMITTEE),
        (r"introduced\b", A.INTRODUCTION),
        (r"settled\b", A.SETTLEMENT),
        (r"(?:dismissed in part|partially dismissed)\b", A.MOTION_TO_DISMISS_GRANTED_IN_PART),
        (r"(?:dismissed|voluntarily dismissed)\b", A.DISMISSAL_VOLUNTARY),
        (r"(?:on (?:interlocutory )?appeal|appealed)\b", A.APPEAL),
        (r"(?:judgment|concluded)\b", A.JUDGMENT),
        (r"transferred\b", A.TRANSFER),
        (r"(?:centrali[sz]ed|in (?:the )?mdl|consolidated into (?:the )?[\w ]*mdl)\b", A.MDL_CENTRALISATION),
        (r"consolidated\b", A.CONSOLIDATION),
        (r"(?:in )?discovery\b", A.DISCOVERY_ORDER),
        (r"class certified\b", A.CLASS_CERTIFIED),
        (r"summary judgment (?:granted|decided|ruling)\b", A.SUMMARY_JUDGMENT_RULING),
        (r"(?:filed|pending)\b", A.COMPLAINT_FILED),
    )
)
# Research notes that belong in `research_notes`, not in text the public reads.
# "(unverified)" / "(conflict)" / "a GitHub research note" / "per dataset" / "(low)"
RESEARCH_NOTE = re.compile(
    r"\((?:unverified|conflict|low|medium|high)\)|research note|per dataset|\bnot found\b"
    r"|\bnot read\b|public note", re.IGNORECASE)
# "4:22-cv-06823": the lead clause of a summary ends at the first ; . : or (
LEAD = re.compile(r"^[^;.:(]*")
# A state session named by its years: "20232024", "2023-2024", "2025"
SESSION_YEARS = re.compile(r"(\d{4})\D?(\d{4})?$")


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    level: Level
    key: str
    check: str
    message: str

    def line(self) -> str:
        return f"{self.level}: {self.key}: {self.message} [{self.check}]"


def load_domains(path: Path | None = None) -> frozenset[str]:
    """Read the allowlist: a mapping of group name to a list of domains.

    :raises ConfigError: when the file cannot be read or is not in that shape
    """
    path = path or DOMAINS_FILE
    try:
        groups = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the source allowlist {path}: {exc}") from None
    if not isinstance(groups, dict) or not all(isinstance(v, list) for v in groups.values()):
        raise ConfigError(f"{path}: expected groups, each a list of domains")
    return frozenset(str(d).lower().strip() for domains in groups.values() for d in domains)


def check_watchlist(records: Iterable[CuratedRecord], *, today: date,
                    domains: frozenset[str]) -> list[Finding]:
    """Every finding for every record, errors and warnings, in record order."""
    findings: list[Finding] = []
    for record in records:
        status = folded_status(record)
        for check in (_sources, _notes, _ended_session, _contradictions, _summary, _stale):
            findings.extend(check(record, status, today, domains))
    return findings


def folded_status(record: CaseRecord) -> Status | None:
    """The status the store would fold from the record's events."""
    events = [FoldEvent(e.date, tuple(c.value for c in _classes(record.kind, e.text, e.classification)),
                        e.sequence, e.fingerprint(record.key)) for e in record.events]
    return fold_status(record.kind, events, mdl_lead=is_mdl_docket(record.key)).status


def _classes(kind: Kind, text: str, given: tuple[str, ...] | None) -> tuple[A, ...]:
    return classify(kind, text, given).classes


def _status_of(kind: Kind, action: A) -> Status | None:
    return fold_status(kind, [FoldEvent(date.min, (action.value,))]).status


def _error(record: CaseRecord, check: str, message: str) -> Finding:
    return Finding(Level.ERROR, record.key, check, message)


def _sources(record, status, today, domains):
    if not record.sources:
        yield _error(record, "source", "no source: every curated fact needs one")
    urls = [*record.sources, *record.urls, *(e.source_url for e in record.events if e.source_url)]
    for url in dict.fromkeys(urls):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            yield _error(record, "source", f"{url}: not over https")
        elif not any(host == d or host.endswith("." + d) for d in domains):
            yield _error(record, "source", f"{url}: {host} is not in the source allowlist")
    if getattr(record, "as_of", None) is None:
        yield _error(record, "as-of", "no as_of: say the day its facts were last checked")


def _notes(record, status, today, domains):
    public = [("summary", record.summary), ("why_tracked", record.why_tracked),
              ("title", record.title), *((f"event of {e.date}", e.text) for e in record.events)]
    for field, text in public:
        match = RESEARCH_NOTE.search(text or "")
        if match:
            yield _error(record, "research-note",
                         f"{field} holds a research note ({match.group(0)!r}); "
                         "move it to research_notes")


def _ended_session(record, status, today, domains):
    ended = _session_end(record)
    if ended is not None and today > ended and status not in BILL_DONE:
        yield _error(record, "ended-session",
                     f"its session ended on {ended} but it shows {_label(status)}; add the event "
                     "that ended it (\"Died at the end of the session\", classed failure)")


def _session_end(record: CaseRecord) -> date | None:
    """The last day of the bill's session, where the identifiers say it."""
    ids = record.identifiers
    if record.kind is Kind.FEDERAL_BILL and str(ids.get("congress", "")).isdigit():
        return date(2 * int(ids["congress"]) + 1789, 1, 3)  # the 118th ended on 2025-01-03
    if record.kind is Kind.STATE_BILL:
        match = SESSION_YEARS.search(str(ids.get("session", "")))
        if match:
            return date(int(match.group(2) or match.group(1)), 12, 31)
    return None


def _contradictions(record, status, today, domains):
    if record.events and status is None:
        yield _error(record, "status", "its events give it no status; add the event that "
                     "explains where it stands (the complaint, the introduction, the signature)")
        return
    for event in record.events:
        if event.classification is None:
            continue
        read = set(classify(record.kind, event.text).classes) & DISPOSITIONS
        silenced = read - {A(c) for c in event.classification}
        for action in sorted(silenced):
            wanted = _status_of(record.kind, action)
            if wanted is not None and wanted is not status:
                yield _error(record, "status",
                             f"the event of {event.date} reads as {action.label.lower()} but is "
                             f"classed otherwise, and the case shows {_label(status)}")


def _summary(record, status, today, domains):
    # A member held in an MDL is at its MDL's stage: "In discovery in the MDL", "Dismissed in
    # part" (its claims, by the MDL court) describe that stage, which the member's own status
    # (in_mdl) does not repeat.
    if record.kind not in (Kind.LAWSUIT, *BILLS) or not record.summary or status is Status.IN_MDL:
        return
    lead = LEAD.match(record.summary.strip()).group(0).strip()
    for pattern, action in SUMMARY_CLAIMS:
        if pattern.match(lead):
            claimed = _status_of(record.kind, action)
            if claimed is not None and claimed is not status:
                yield _error(record, "summary",
                             f"the summary opens {lead!r} ({claimed.label.lower()}) but the "
                             f"case shows {_label(status)}")
            return


def _stale(record, status, today, domains):
    if record.kind in (Kind.LAWSUIT, *BILLS) and status not in FINAL and record.events:
        latest = max(e.date for e in record.events)
        if today - latest > STALE_EVENTS:
            yield Finding(Level.WARNING, record.key, "stale",
                          f"active ({_label(status)}) with no event since {latest}")
    as_of = getattr(record, "as_of", None)
    if as_of is not None and today - as_of > STALE_AS_OF:
        yield Finding(Level.WARNING, record.key, "as-of",
                      f"facts last checked on {as_of}, over 90 days ago")


def _label(status: Status | None) -> str:
    return status.label.lower() if status is not None else "no status"
