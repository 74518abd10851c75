"""tracker refold: statuses recomputed from the stored events as the tracker now reads them."""

from datetime import date, datetime

from sqlalchemy import func, select, update

from tracker.models.cases import Case, Event
from tracker.models.review import Change
from tracker.records import CaseRecord, EventRecord
from tracker.refold import add_session_ends, refold
from tracker.store import ingest
from tracker.vocab import ChangeKind, Kind

from .conftest import NOW

TODAY = date(2026, 11, 30)
KEY = "nysd-1:23-cv-08292"
ENTRIES = [
    EventRecord(date(2023, 9, 19), "COMPLAINT against OpenAI, Inc. filed by Authors Guild.", "courtlistener",
                external_id="1"),
    EventRecord(date(2024, 2, 12), "MOTION to Dismiss filed by OpenAI, Inc.", "courtlistener",
                external_id="2"),
    EventRecord(date(2024, 4, 1), "OPINION & ORDER denying the California Plaintiffs' motions to intervene "
                "and to dismiss, stay, or transfer the New York Actions.", "courtlistener", external_id="3"),
]
BILL = CaseRecord(key="us-118-hr-7913", kind=Kind.FEDERAL_BILL, jurisdiction="us",
                  title="Generative AI Copyright Disclosure Act of 2024", source="congress",
                  identifiers={"congress": 118, "bill_type": "hr", "bill_number": 7913},
                  events=[EventRecord(date(2024, 4, 9), "Introduced in House", "congress"),
                          EventRecord(date(2024, 4, 9), "Referred to the House Committee on the Judiciary.",
                                      "congress")])


def lawsuit() -> CaseRecord:
    return CaseRecord(key=KEY, kind=Kind.LAWSUIT, jurisdiction="nysd", title="Authors Guild v. OpenAI Inc.",
                      source="courtlistener", events=list(ENTRIES))


def read_the_old_way(engine) -> None:
    """What the classifier before #15 stored: the denial read as a transfer, the case 'transferred'."""
    with engine.begin() as connection:
        connection.execute(update(Event).where(Event.text.like("OPINION & ORDER%"))
                           .values(classification="transfer", significance="major"))
        connection.execute(update(Case).where(Case.key == KEY)
                           .values(status="transferred", status_date=date(2024, 4, 1)))


def statuses(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Case.key, Case.status)).all())


def corrections(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(select(Change.kind, Change.before, Change.after, Change.review_state)
                                  .where(Change.correction.is_(True)).order_by(Change.id)).all()


def test_a_status_read_wrong_is_corrected_and_waits_for_review(store_engine):
    ingest(store_engine, [lawsuit(), BILL], now=NOW)
    read_the_old_way(store_engine)
    report = refold(store_engine, now=NOW, today=TODAY)
    assert statuses(store_engine) == {KEY: "motion_to_dismiss_pending", "us-118-hr-7913": "failed"}
    assert (report.events_reclassified, report.session_ends_added, report.corrections) == (1, 1, 2)
    assert corrections(store_engine) == [
        (ChangeKind.STATUS_CHANGE, "transferred", "motion_to_dismiss_pending", "pending"),
        (ChangeKind.STATUS_CHANGE, "in_committee", "failed", "pending")]
    with store_engine.connect() as connection:
        ruling = connection.execute(select(Event.classification, Event.ruling)
                                    .where(Event.text.like("OPINION & ORDER%"))).one()
        died = connection.execute(select(Event.text, Event.date).where(Event.source == "sessions")).one()
        assert connection.execute(select(func.count()).select_from(Event)).scalar_one() == 6  # nothing lost
    assert tuple(ruling) == ("", "interim")
    assert tuple(died) == ("Died at the end of the 118th Congress.", date(2025, 1, 3))


def test_refold_twice_changes_nothing_the_second_time(store_engine):
    ingest(store_engine, [lawsuit(), BILL], now=NOW)
    read_the_old_way(store_engine)
    refold(store_engine, now=NOW, today=TODAY)
    again = refold(store_engine, now=datetime(2026, 12, 1, tzinfo=NOW.tzinfo), today=TODAY)
    assert (again.events_reclassified, again.session_ends_added, again.corrections) == (0, 0, 0)
    assert len(corrections(store_engine)) == 2


def test_the_daily_session_end_is_news_not_a_correction(store_engine):
    ingest(store_engine, [BILL], now=NOW)
    assert add_session_ends(store_engine, now=NOW, today=TODAY) == 1
    assert statuses(store_engine) == {"us-118-hr-7913": "failed"}
    assert corrections(store_engine) == []
    with store_engine.connect() as connection:
        change = connection.execute(select(Change.kind, Change.after).order_by(Change.id.desc())).first()
    assert tuple(change) == (ChangeKind.STATUS_CHANGE, "failed")
    assert add_session_ends(store_engine, now=NOW, today=TODAY) == 0
