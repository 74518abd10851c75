"""The end of a bill's session or Congress as a dated event, and what the fold makes of it."""

from datetime import date

import pytest

from tracker.classify import classify
from tracker.sessions import session_end, session_table
from tracker.status import FoldEvent, fold_status
from tracker.vocab import Kind, Status
from tracker.watchlist import load_watchlist

TODAY = date(2026, 11, 30)


def test_a_bill_of_an_ended_congress_gets_the_event_of_its_end():
    event = session_end(Kind.FEDERAL_BILL, {"congress": 118, "bill_type": "hr", "bill_number": 7913}, TODAY)
    assert (event.date, event.text) == (date(2025, 1, 3), "Died at the end of the 118th Congress.")
    assert event.classification == ("session-end",) and event.external_id == "session-end"
    assert event.source_url.startswith("https://")


@pytest.mark.parametrize(("kind", "identifiers", "today"), [
    (Kind.FEDERAL_BILL, {"congress": 119}, TODAY),  # the 119th sits until January 3, 2027
    (Kind.FEDERAL_BILL, {"congress": 118}, date(2025, 1, 2)),
    (Kind.FEDERAL_BILL, {"congress": 99}, TODAY),  # not in the table: no guess
    (Kind.FEDERAL_BILL, {}, TODAY),
    (Kind.STATE_BILL, {"state": "ca", "session": "20252026"}, date(2026, 11, 29)),
    (Kind.STATE_BILL, {"state": "zz", "session": "2024"}, TODAY),
    (Kind.LAWSUIT, {"congress": 118}, TODAY),
])
def test_no_event_for_a_session_still_running_or_unknown(kind, identifiers, today):
    assert session_end(kind, identifiers, today) is None


def test_state_sessions_from_the_table_or_from_open_states():
    event = session_end(Kind.STATE_BILL, {"state": "ca", "session": "20232024"}, TODAY)
    assert event.date == date(2024, 11, 30)
    assert event.text == "Died at the end of the California Legislature's 20232024 session."
    known = session_end(Kind.STATE_BILL, {"state": "ga", "session": "2023_24", "session_end": "2024-03-28"},
                        TODAY)
    assert known.date == date(2024, 3, 28) and "openstates" in known.source_url
    assert session_end(Kind.STATE_BILL, {"state": "ga", "session": "x", "session_end": "soon"}, TODAY) is None


def test_every_shipped_session_has_a_source_and_dates_that_parse():
    table = session_table()
    assert table["congress"]["url"].startswith("https://")
    for state, entry in table["states"].items():
        assert entry["source"] and entry["url"].startswith("https://"), state
        assert all(date.fromisoformat(day) for day in entry["sessions"].values())


def test_no_bill_of_the_118th_congress_reads_introduced_today():
    bills = [r for r in load_watchlist()
             if r.kind == Kind.FEDERAL_BILL and r.identifiers.get("congress") == 118]
    assert bills, "the shipped watchlist has 118th-Congress bills"
    for record in bills:
        events = [*record.events, session_end(record.kind, record.identifiers, TODAY)]
        folded = fold_status(record.kind, [
            FoldEvent(e.date, tuple(classify(record.kind, e.text, e.classification).classes), e.sequence,
                      f"{record.key}-{n}") for n, e in enumerate(events)])
        assert folded.status in (Status.FAILED, Status.ENACTED, Status.VETOED, Status.WITHDRAWN), record.key
        assert folded.status is not Status.INTRODUCED
