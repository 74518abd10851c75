"""The curated watchlist shipped with the package, and seeding it through the store."""

import re
from datetime import date, timedelta

import pytest
import yaml

from tracker.errors import ConfigError
from tracker.records import CuratedRecord, EventRecord, lawsuit_key
from tracker.store import Outcome, ingest
from tracker.vocab import Kind
from tracker.watchlist import WATCHLIST_FILE, load_watchlist
from tracker.watchlist_check import Level, check_watchlist, load_domains

from .conftest import NOW

RECORDS = load_watchlist()
# Natural keys, one pattern per kind (the README's "Keys").
LAWSUIT_KEY = re.compile(r"^[a-z]{2,6}-\d:\d{2}-(?:cv|md)-\d{5}$")
FEDERAL_BILL_KEY = re.compile(r"^us-\d{3}-(?:s|hr|sres|hres|sjres|hjres)-\d+$")
STATE_BILL_KEY = re.compile(r"^[a-z]{2}-[a-z0-9-]+-(?:ab|sb|hb|s|a)-\d+$")


def test_watchlist_covers_every_kind():
    kinds = {r.kind for r in RECORDS}
    assert kinds == set(Kind)
    assert len(RECORDS) >= 60


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.key)
def test_every_entry_has_sources_and_a_reason(record):
    assert record.sources and all(url.startswith("http") for url in record.sources)
    assert record.why_tracked and record.tags
    assert record.on_watchlist


@pytest.mark.parametrize("record", [r for r in RECORDS if r.kind is Kind.LAWSUIT
                                    and r.jurisdiction not in {"gb", "de"}], ids=lambda r: r.key)
def test_us_lawsuit_keys_are_court_and_docket(record):
    assert LAWSUIT_KEY.match(record.key)
    assert record.key == lawsuit_key(record.identifiers["court"], record.identifiers["docket_number"])


@pytest.mark.parametrize("record", [r for r in RECORDS if r.kind is Kind.FEDERAL_BILL],
                         ids=lambda r: r.key)
def test_federal_bill_keys_are_congress_type_number(record):
    ids = record.identifiers
    assert FEDERAL_BILL_KEY.match(record.key)
    assert record.key == f"us-{ids['congress']}-{ids['bill_type']}-{ids['bill_number']}"


@pytest.mark.parametrize("record", [r for r in RECORDS if r.kind is Kind.STATE_BILL],
                         ids=lambda r: r.key)
def test_state_bill_keys_are_state_session_identifier(record):
    assert STATE_BILL_KEY.match(record.key)
    assert record.key.startswith(f"{record.identifiers['state']}-")


def test_no_low_confidence_entry_is_shipped():
    entries = yaml.safe_load(WATCHLIST_FILE.read_text())
    assert {e["confidence"] for e in entries} <= {"high", "medium"}


def test_a_low_confidence_entry_is_refused(tmp_path):
    entries = yaml.safe_load(WATCHLIST_FILE.read_text())[:1]
    entries[0]["confidence"] = "low"
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(entries))
    with pytest.raises(ConfigError, match="confidence"):
        load_watchlist(path)


def test_a_malformed_watchlist_is_a_clear_error(tmp_path):
    path = tmp_path / "watchlist.yaml"
    path.write_text("- key: [unclosed")
    with pytest.raises(ConfigError, match="cannot read the watchlist"):
        load_watchlist(path)


def test_seeding_twice_changes_nothing(store_engine):
    first = ingest(store_engine, load_watchlist(), now=NOW)
    assert first.count(Outcome.INSERTED) == len(RECORDS)
    second = ingest(store_engine, load_watchlist(), now=NOW)
    assert second.count(Outcome.UNCHANGED) == len(RECORDS)
    assert (second.events_added, second.changes_added) == (0, 0)


# --- The staff fields and `tracker watchlist check` (issue #16) ---------------------------------

CHECK_DAY = date(2026, 11, 30)
DOMAINS = frozenset({"courtlistener.com", "congress.gov"})
DOCKET = "https://www.courtlistener.com/docket/1/a-v-b/"


def suit(**fields) -> CuratedRecord:
    """A clean lawsuit record; each test plants one fault in it."""
    base = {"key": "cand-3:26-cv-00001", "kind": Kind.LAWSUIT, "jurisdiction": "cand",
            "title": "A v. B", "source": "watchlist", "sources": [DOCKET],
            "as_of": date(2026, 11, 1), "summary": "Filed (2026).", "on_watchlist": True,
            "events": [EventRecord(date(2026, 10, 1), "Complaint filed.", "watchlist")]}
    return CuratedRecord(**{**base, **fields})


def bill(congress: int, *events: EventRecord, summary: str | None = None) -> CuratedRecord:
    return CuratedRecord(key=f"us-{congress}-hr-1", kind=Kind.FEDERAL_BILL, jurisdiction="us",
                      title="A bill", source="watchlist", identifiers={"congress": congress},
                      sources=["https://www.congress.gov/bill/1"], as_of=date(2026, 11, 1),
                      summary=summary, events=list(events))


def findings(record: CuratedRecord, today: date = CHECK_DAY) -> list[tuple[str, str]]:
    return [(f.level, f.check) for f in check_watchlist([record], today=today, domains=DOMAINS)]


def test_the_shipped_watchlist_passes_its_check():
    found = check_watchlist(RECORDS, today=CHECK_DAY, domains=load_domains())
    errors = [f.line() for f in found if f.level is Level.ERROR]
    assert errors == []


def test_the_shipped_allowlist_has_no_wiki_or_aggregator():
    domains = load_domains()
    assert "courtlistener.com" in domains and "congress.gov" in domains
    assert not domains & {"wikipedia.org", "en.wikipedia.org", "aiwiki.ai", "mondaq.com",
                          "particle.news", "legiscan.com", "scribd.com", "docs.google.com"}


def test_every_shipped_case_says_when_its_facts_were_checked():
    assert all(r.as_of is not None and r.as_of <= CHECK_DAY for r in RECORDS)
    assert all(r.confidence in {"high", "medium"} for r in RECORDS)


def test_the_loader_reads_the_staff_fields(tmp_path):
    entries = yaml.safe_load(WATCHLIST_FILE.read_text())[:1]
    entries[0].update(as_of="2026-10-02", research_notes=["one note", "another"])
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(entries))
    record = load_watchlist(path)[0]
    assert record.as_of == date(2026, 10, 2)
    assert record.research_notes == "one note\nanother"
    assert record.confidence == entries[0]["confidence"]


def test_a_clean_record_has_no_finding():
    assert findings(suit()) == []


def test_a_source_over_plain_http_is_an_error():
    assert findings(suit(sources=[DOCKET.replace("https", "http")])) == [("error", "source")]


def test_a_source_outside_the_allowlist_is_an_error_but_a_subdomain_is_not():
    assert findings(suit(urls=["https://aiwiki.ai/wiki/a_v_b"])) == [("error", "source")]
    assert findings(suit(urls=["https://storage.courtlistener.com/recap/1.pdf"])) == []
    assert findings(suit(urls=["https://notcourtlistener.com/x"])) == [("error", "source")]


def test_a_case_without_source_or_as_of_is_an_error():
    assert findings(suit(sources=[])) == [("error", "source")]
    assert findings(suit(as_of=None)) == [("error", "as-of")]


def test_a_research_note_in_a_public_field_is_an_error():
    assert findings(suit(summary="Filed; trial reset to 2027 (unverified).")) == [
        ("error", "research-note")]


def test_a_bill_of_an_ended_congress_must_be_marked_died():
    introduced = EventRecord(date(2024, 12, 9), "Introduced in House.", "watchlist")
    died = EventRecord(date(2025, 1, 3), "Died at the end of the 118th Congress.", "watchlist",
                       classification=("failure",))
    assert findings(bill(118, introduced), today=date(2025, 1, 4)) == [("error", "ended-session")]
    assert findings(bill(118, introduced, died), today=date(2025, 1, 4)) == []
    assert findings(bill(118, introduced), today=date(2025, 1, 3)) == []


def test_events_that_give_no_status_are_an_error():
    motion = EventRecord(date(2026, 10, 15), "MOTION to Certify Class filed by plaintiffs.",
                         "watchlist")
    assert findings(suit(events=[motion], summary="Class certification motion pending.")) == [
        ("error", "status")]


def test_a_settlement_classed_as_nothing_is_an_error():
    settled = EventRecord(date(2026, 10, 20), "Settlement between Warner and the defendant.", "watchlist",
                          classification=())
    assert findings(suit(events=[*suit().events, settled])) == [("error", "status")]


def test_a_summary_claiming_another_status_is_an_error():
    assert findings(suit(summary="Settled (a class settlement).")) == [("error", "summary")]
    assert findings(suit(summary="Transferred into the MDL.")) == [("error", "summary")]
    introduced = EventRecord(date(2026, 10, 9), "Introduced in House.", "watchlist")
    assert findings(bill(119, introduced, summary="In effect; ...")) == [("error", "summary")]
    assert findings(bill(119, introduced, summary="Introduced 2026-04-09.")) == []


def test_an_active_case_quiet_for_180_days_is_a_warning():
    last = suit().events[0].date
    quiet = suit(as_of=last + timedelta(days=180))
    assert findings(quiet, today=last + timedelta(days=180)) == []
    assert findings(quiet, today=last + timedelta(days=181)) == [("warning", "stale")]


def test_an_as_of_older_than_90_days_is_a_warning():
    checked = suit(as_of=date(2026, 9, 1), events=[], summary=None)
    assert findings(checked, today=date(2026, 11, 30)) == []
    assert findings(checked, today=date(2026, 12, 1)) == [("warning", "as-of")]


def test_each_finding_is_one_line():
    found = check_watchlist([suit(summary="Settled\n(unverified).", sources=[])],
                            today=CHECK_DAY, domains=DOMAINS)
    assert found and all("\n" not in f.line() for f in found)


def test_a_malformed_allowlist_is_a_clear_error(tmp_path):
    path = tmp_path / "domains.yaml"
    path.write_text("- just-a-list.com\n")
    with pytest.raises(ConfigError, match="expected groups"):
        load_domains(path)
