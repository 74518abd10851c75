"""Related cases, on SQLite and PostgreSQL: companions, reintroductions, corrections, dockets."""

from datetime import date

from sqlmodel import Session, select

from tracker.models.cases import Case
from tracker.records import CaseRecord, EventRecord
from tracker.related import related_cases
from tracker.store import ingest
from tracker.vocab import Kind

from .conftest import NOW


def bill(key, congress, number, title, **identifiers):
    bill_type, bill_number = key.split("-")[2:]
    return CaseRecord(key=key, kind=Kind.FEDERAL_BILL, jurisdiction="us", title=title, source="test",
                      identifiers={"congress": congress, "bill_type": bill_type,
                                   "bill_number": int(bill_number), **identifiers},
                      events=[EventRecord(date(2025, 1, 1), "Introduced in Senate", "test")])


def document(number, title, **identifiers):
    return CaseRecord(key=f"fr-{number}", kind=Kind.AGENCY_ACTION, jurisdiction="us", title=title,
                      source="test", identifiers={"fr_document_number": number, **identifiers})


def related(engine, key):
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.key == key)).one()
        return {(r.relation, r.key) for r in related_cases(session, case)}


def test_companions_and_reintroductions(store_engine):
    ingest(store_engine, [
        bill("us-119-s-4591", 119, 4591, "NO FAKES Act of 2026", companion="H.R.8915"),
        bill("us-119-hr-8915", 119, 8915, "NO FAKES Act of 2026"),
        bill("us-118-hr-9551", 118, 9551, "NO FAKES Act of 2024"),
        bill("us-119-s-2455", 119, 2455, "TRAIN Act"),
    ], now=NOW)
    assert related(store_engine, "us-119-s-4591") == {
        ("companion", "us-119-hr-8915"),
        ("same title (reintroduction or companion)", "us-118-hr-9551")}
    # The House bill names no companion, but the Senate bill names it.
    assert ("companion", "us-119-s-4591") in related(store_engine, "us-119-hr-8915")
    assert related(store_engine, "us-119-s-2455") == set()


def test_corrections_and_shared_dockets(store_engine):
    ingest(store_engine, [
        document("2023-18624", "Artificial Intelligence and Copyright",
                 corrections="fr-2023-19240", docket_ids="Docket No. 2023-6"),
        document("2023-19240", "Artificial Intelligence and Copyright; Correction",
                 correction_of="fr-2023-18624"),
        document("2025-01234", "Copyright and AI: report following the inquiry",
                 docket_ids="Docket No. 2023-6"),
        document("2024-18519", "Trade Regulation Rule on Consumer Reviews"),
    ], now=NOW)
    assert related(store_engine, "fr-2023-18624") == {
        ("corrected by", "fr-2023-19240"), ("same docket", "fr-2025-01234")}
    assert ("correction of", "fr-2023-18624") in related(store_engine, "fr-2023-19240")
    assert related(store_engine, "fr-2024-18519") == set()
