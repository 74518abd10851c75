"""The curated watchlist shipped with the package, and seeding it through the store."""

import re

import pytest
import yaml

from tracker.errors import ConfigError
from tracker.records import lawsuit_key
from tracker.store import Outcome, ingest
from tracker.vocab import Kind
from tracker.watchlist import WATCHLIST_FILE, load_watchlist

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
