"""The store's ingest, on SQLite and PostgreSQL: idempotent, order-independent, one change per change."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker.errors import InvalidRecord
from tracker.models.cases import Case, Event, Party
from tracker.models.review import Change
from tracker.records import CaseRecord, EventRecord
from tracker.store import Outcome, ingest
from tracker.vocab import Kind

from .conftest import NOW

KEY = "cand-3:23-cv-00201"
COMPLAINT = EventRecord(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd.", "courtlistener",
                        entry_number="1", external_id="entry-1")
MOTION = EventRecord(date(2023, 4, 18), "MOTION to Dismiss filed by Stability AI Ltd.", "courtlistener",
                     entry_number="49", external_id="entry-49")
APPEARANCE = EventRecord(date(2023, 4, 20), "NOTICE of Appearance by Jane Doe", "courtlistener",
                         entry_number="52", external_id="entry-52")
ORDER = EventRecord(date(2023, 10, 30),
                    "ORDER granting in part and denying in part 49 Motion to Dismiss", "courtlistener",
                    entry_number="117", external_id="entry-117")


def andersen(*events, **fields) -> CaseRecord:
    record = CaseRecord(key=KEY, kind=Kind.LAWSUIT, jurisdiction="cand",
                        title="Andersen v. Stability AI Ltd.", source="courtlistener",
                        identifiers={"court": "cand", "docket_number": "3:23-cv-00201"},
                        plaintiffs=["Sarah Andersen", "Kelly McKernan"],
                        defendants=["Stability AI Ltd.", "Midjourney, Inc."],
                        urls=["https://www.courtlistener.com/docket/66732129/andersen-v-stability-ai-ltd/"],
                        tags=["training-data"], events=list(events))
    return replace(record, **fields)


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def changes(engine) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(select(Change.kind, Change.before, Change.after).order_by(Change.id))
        return [tuple(row) for row in rows]


def stored_case(engine, key=KEY):
    with engine.connect() as connection:
        return connection.execute(select(Case).where(Case.key == key)).one()


def test_new_case_is_inserted_with_its_folded_status(store_engine):
    report = ingest(store_engine, [andersen(COMPLAINT, MOTION)], now=NOW)
    assert report.outcomes == {KEY: Outcome.INSERTED}
    assert report.events_added == 2
    case = stored_case(store_engine)
    assert (case.status, case.status_date) == ("motion_to_dismiss_pending", date(2023, 4, 18))
    assert changes(store_engine) == [("new_case", None, "motion_to_dismiss_pending")]


def test_same_batch_twice_writes_nothing(store_engine):
    batch = [andersen(COMPLAINT, MOTION, APPEARANCE),
             andersen(key="us-119-s-1367", kind=Kind.FEDERAL_BILL, jurisdiction="us",
                      title="NO FAKES Act of 2025", plaintiffs=None, defendants=None,
                      events=[EventRecord(date(2025, 4, 9), "Introduced in Senate", "congress")])]
    ingest(store_engine, batch, now=NOW)
    counts = [count(store_engine, m) for m in (Case, Event, Change, Party)]
    with store_engine.connect() as connection:
        before = connection.execute(select(Case).order_by(Case.id)).all()

    report = ingest(store_engine, batch, now=NOW)

    assert report.count(Outcome.UNCHANGED) == 2
    assert (report.events_added, report.changes_added) == (0, 0)
    assert [count(store_engine, m) for m in (Case, Event, Change, Party)] == counts
    with store_engine.connect() as connection:
        assert connection.execute(select(Case).order_by(Case.id)).all() == before


def test_status_change_makes_exactly_one_change_row(store_engine):
    ingest(store_engine, [andersen(COMPLAINT, MOTION)], now=NOW)
    report = ingest(store_engine, [andersen(ORDER)], now=NOW + timedelta(days=1))
    assert report.outcomes == {KEY: Outcome.UPDATED}
    assert changes(store_engine)[1:] == [
        ("status_change", "motion_to_dismiss_pending", "dismissed_in_part")]
    with store_engine.connect() as connection:
        change = connection.execute(select(Change).where(Change.kind == "status_change")).one()
        event = connection.execute(select(Event).where(Event.id == change.event_id)).one()
    assert event.entry_number == "117"
    assert change.review_state == "pending"


def test_minor_event_changes_no_status_and_makes_no_change_row(store_engine):
    ingest(store_engine, [andersen(COMPLAINT, MOTION)], now=NOW)
    report = ingest(store_engine, [andersen(APPEARANCE)], now=NOW)
    assert report.outcomes == {KEY: Outcome.UPDATED}
    assert changes(store_engine) == [("new_case", None, "motion_to_dismiss_pending")]


def test_major_event_that_keeps_the_status_is_a_change(store_engine):
    ingest(store_engine, [andersen(COMPLAINT, ORDER)], now=NOW)
    renewed = EventRecord(date(2024, 8, 12), "ORDER granting in part and denying in part "
                          "186 Motion to Dismiss First Amended Complaint", "courtlistener")
    ingest(store_engine, [andersen(renewed)], now=NOW)
    assert changes(store_engine)[1:] == [("new_major_event", None, renewed.text)]
    assert stored_case(store_engine).status_date == date(2023, 10, 30)


def test_events_out_of_order_across_batches_give_the_same_history(store_engine, database_url):
    in_order = [andersen(COMPLAINT), andersen(MOTION), andersen(ORDER)]
    for record in reversed(in_order):
        ingest(store_engine, [record], now=NOW)
    case = stored_case(store_engine)
    assert (case.status, case.status_date) == ("dismissed_in_part", date(2023, 10, 30))
    assert count(store_engine, Event) == 3
    # The late complaint and motion were folded in behind the order: no status moved backwards.
    assert [c for c in changes(store_engine) if c[0] == "status_change"] == []


def test_same_key_twice_in_one_batch_is_one_case(store_engine):
    report = ingest(store_engine, [andersen(COMPLAINT), andersen(MOTION, title="Andersen v. Stability AI")],
                    now=NOW)
    assert report.outcomes == {KEY: Outcome.INSERTED}
    case = stored_case(store_engine)
    assert (case.title, case.status) == ("Andersen v. Stability AI", "motion_to_dismiss_pending")


def test_title_change_is_a_change_row(store_engine):
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    ingest(store_engine, [andersen(title="Andersen et al. v. Stability AI Ltd. et al.")], now=NOW)
    assert changes(store_engine)[1:] == [
        ("title_change", "Andersen v. Stability AI Ltd.", "Andersen et al. v. Stability AI Ltd. et al.")]


def test_a_source_that_says_less_keeps_what_others_said(store_engine):
    ingest(store_engine, [andersen(COMPLAINT, summary="Artists v. image generators.",
                                   why_tracked="Lead image case.", on_watchlist=True)], now=NOW)
    report = ingest(store_engine, [andersen(plaintiffs=None, defendants=None, summary=None,
                                            why_tracked=None, on_watchlist=False, tags=[],
                                            identifiers={"courtlistener_id": 66732129},
                                            urls=["https://example.org/andersen"])], now=NOW)
    assert report.outcomes == {KEY: Outcome.UPDATED}
    case = stored_case(store_engine)
    assert (case.summary, case.why_tracked, case.on_watchlist) == (
        "Artists v. image generators.", "Lead image case.", True)
    assert case.identifiers == {"court": "cand", "docket_number": "3:23-cv-00201",
                                "courtlistener_id": 66732129}
    assert case.urls[-1] == "https://example.org/andersen" and len(case.urls) == 2
    assert case.tags == ["training-data"]
    assert count(store_engine, Party) == 4


def test_parties_are_replaced_when_a_source_lists_them_anew(store_engine):
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    ingest(store_engine, [andersen(defendants=["Stability AI Ltd.", "Midjourney, Inc.",
                                              "DeviantArt, Inc.", "Runway AI, Inc."])], now=NOW)
    with store_engine.connect() as connection:
        names = connection.execute(select(Party.name).where(Party.role == "defendant")
                                   .order_by(Party.position)).scalars().all()
    assert names == ["Stability AI Ltd.", "Midjourney, Inc.", "DeviantArt, Inc.", "Runway AI, Inc."]


def test_a_later_day_updates_last_seen_but_reports_unchanged(store_engine):
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    report = ingest(store_engine, [andersen(COMPLAINT)], now=NOW + timedelta(days=3))
    assert report.outcomes == {KEY: Outcome.UNCHANGED}
    case = stored_case(store_engine)
    assert (case.first_seen.date(), case.last_seen) == (NOW.date(), NOW.date() + timedelta(days=3))
    assert len(changes(store_engine)) == 1


def test_an_edited_docket_entry_with_the_same_id_is_not_a_new_event(store_engine):
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    edited = replace(COMPLAINT, text=COMPLAINT.text + " (Attachments: # 1 Civil Cover Sheet)")
    ingest(store_engine, [andersen(edited)], now=NOW)
    assert count(store_engine, Event) == 1


def test_invalid_record_is_refused_before_anything_is_written(store_engine):
    bad = andersen(MOTION, key="Not A Key!")
    with pytest.raises(InvalidRecord, match="key"):
        ingest(store_engine, [andersen(COMPLAINT), bad], now=NOW)
    assert count(store_engine, Case) == 0


def test_unknown_source_classification_is_refused(store_engine):
    odd = replace(COMPLAINT, classification=("not-a-class",))
    with pytest.raises(InvalidRecord, match="not-a-class"):
        ingest(store_engine, [andersen(odd)], now=NOW)


def test_large_batch_spans_several_chunks(store_engine):
    records = [andersen(COMPLAINT, key=f"cand-3:23-cv-{n:05d}") for n in range(4500)]
    assert ingest(store_engine, records, now=NOW).count(Outcome.INSERTED) == 4500
    assert ingest(store_engine, records, now=NOW).count(Outcome.UNCHANGED) == 4500
    assert count(store_engine, Event) == 4500
