"""Links read from identifiers and titles, on SQLite and PostgreSQL: the cases that
``tracker.related`` once related at read time (companions, reintroductions, corrections,
dockets), now links proposed for review and let through by the default rule, with the same
relations; ``related`` is what the approved links say."""

from datetime import date, timedelta

from sqlmodel import Session, select

from tracker.approval_rules import DEFAULT_RULES
from tracker.linking import propose
from tracker.models.cases import Case
from tracker.models.matters import CaseLink
from tracker.models.review import Change
from tracker.queries import case_links, matter_of_case
from tracker.records import CaseRecord, EventRecord
from tracker.review import apply_rules
from tracker.store import ingest
from tracker.vocab import Kind

from .conftest import NOW

LATER = NOW + timedelta(days=1)


def bill(key, congress, number, title, **identifiers):
    bill_type, bill_number = key.split("-")[2:]
    return CaseRecord(key=key, kind=Kind.FEDERAL_BILL, jurisdiction="us", title=title, source="test",
                      identifiers={"congress": congress, "bill_type": bill_type,
                                   "bill_number": int(bill_number), **identifiers},
                      events=[EventRecord(date(2025, 1, 1), "Introduced in Senate", "test")])


def document(number, title, **identifiers):
    return CaseRecord(key=f"fr-{number}", kind=Kind.AGENCY_ACTION, jurisdiction="us", title=title,
                      source="test", identifiers={"fr_document_number": number, **identifiers})


def linked(engine, records, *, when=NOW):
    """Ingest, propose the links and apply the default rules, as a crawl does."""
    ingest(engine, records, now=when)
    propose(engine, [r.key for r in records], similarity=0.9, now=when)
    apply_rules(engine, list(DEFAULT_RULES), detected_at=when)


def related(engine, key):
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.key == key)).one()
        return {(r["relation"], r["key"]) for r in case_links(session, case)[1]}


def test_companions_and_reintroductions(store_engine):
    linked(store_engine, [
        bill("us-119-s-4591", 119, 4591, "NO FAKES Act of 2026", companion="H.R.8915"),
        bill("us-119-hr-8915", 119, 8915, "NO FAKES Act of 2026"),
        bill("us-118-hr-9551", 118, 9551, "NO FAKES Act of 2024"),
        bill("us-119-s-2455", 119, 2455, "TRAIN Act"),
    ])
    # The bill of the same title in an earlier congress is now told apart: a reintroduction.
    assert related(store_engine, "us-119-s-4591") == {
        ("companion", "us-119-hr-8915"), ("reintroduction of", "us-118-hr-9551")}
    # The House bill names no companion, but the Senate bill names it.
    assert ("companion", "us-119-s-4591") in related(store_engine, "us-119-hr-8915")
    assert related(store_engine, "us-119-s-2455") == set()


def test_corrections_and_shared_dockets(store_engine):
    linked(store_engine, [
        document("2023-18624", "Artificial Intelligence and Copyright",
                 corrections="fr-2023-19240", docket_ids="Docket No. 2023-6"),
        document("2023-19240", "Artificial Intelligence and Copyright; Correction",
                 correction_of="fr-2023-18624"),
        document("2025-01234", "Copyright and AI: report following the inquiry",
                 docket_ids="Docket No. 2023-6"),
        document("2024-18519", "Trade Regulation Rule on Consumer Reviews"),
    ])
    assert related(store_engine, "fr-2023-18624") == {
        ("corrected by", "fr-2023-19240"), ("same docket", "fr-2025-01234")}
    assert ("correction of", "fr-2023-18624") in related(store_engine, "fr-2023-19240")
    assert related(store_engine, "fr-2024-18519") == set()


def suit(key, title, **identifiers):
    return CaseRecord(key=key, kind=Kind.LAWSUIT, jurisdiction=key.split("-")[0], title=title,
                      source="courtlistener", identifiers=identifiers,
                      events=[EventRecord(date(2025, 1, 2), "COMPLAINT filed", "courtlistener")])


def state_bill(key, title):
    return CaseRecord(key=key, kind=Kind.STATE_BILL, jurisdiction=key.split("-")[0], title=title,
                      source="openstates", events=[EventRecord(date(2025, 3, 1), "Introduced", "openstates")])


def link_changes(engine):
    """Each proposed link: its case, relation, other case, what it was read from, its review."""
    with Session(engine) as session:
        rows = session.execute(
            select(Case.key, CaseLink.relation, CaseLink.other_key, Change.source, Change.review_state)
            .join(CaseLink, CaseLink.id == Change.link_id).join(Case, Case.id == CaseLink.case_id)
            .order_by(Case.key)).all()
    return [tuple(row) for row in rows]


def test_the_default_rule_lets_deterministic_links_through_and_nothing_else(store_engine):
    linked(store_engine, [
        document("2023-19240", "Correction", correction_of="fr-2023-18624"),
        document("2023-18624", "Artificial Intelligence and Copyright"),
        bill("us-118-s-5379", 118, 5379, "TRAIN Act of 2024"),
        bill("us-119-s-2455", 119, 2455, "TRAIN Act of 2025"),
        suit("nysd-1:25-md-03143", "In re OpenAI Copyright Infringement Litigation"),
        suit("nysd-1:23-cv-11195", "NYT v. Microsoft", mdl="MDL No. 3143"),
        state_bill("tn-113-hb-2091", "Ensuring Likeness, Voice, and Image Security Act"),
    ])
    linked(store_engine, [state_bill("ky-2026rs-hb-500", "Ensuring Likeness Voice and Image Security Act")],
           when=LATER)
    assert link_changes(store_engine) == [
        ("fr-2023-19240", "correction", "fr-2023-18624", "identifiers", "approved"),
        ("ky-2026rs-hb-500", "same_as", "tn-113-hb-2091", "similar_title", "pending"),
        ("nysd-1:23-cv-11195", "member", "nysd-1:25-md-03143", "docket", "pending"),
        ("us-119-s-2455", "reintroduction", "us-118-s-5379", "same_title", "approved")]


def test_a_link_points_the_same_way_whichever_case_arrives_first(store_engine):
    # The later bill, the final rule and the later document come first, then what they follow.
    linked(store_engine, [bill("us-119-s-2455", 119, 2455, "TRAIN Act of 2025"),
                          document("2025-00002", "Registration of AI works", document_type="Rule",
                                   regulation_id_numbers="0710-AA01"),
                          document("2025-01234", "Report", docket_ids="Docket No. 2023-6")])
    linked(store_engine, [bill("us-118-s-5379", 118, 5379, "TRAIN Act of 2024"),
                          document("2024-00001", "Registration of AI works", document_type="Proposed Rule",
                                   regulation_id_numbers="0710-AA01"),
                          document("2023-18624", "Notice of inquiry", docket_ids="Docket No. 2023-6")])
    assert [row[:3] for row in link_changes(store_engine)] == [
        ("fr-2025-00002", "final_rule", "fr-2024-00001"),
        ("fr-2025-01234", "same_docket", "fr-2023-18624"),
        ("us-119-s-2455", "reintroduction", "us-118-s-5379")]


def test_a_statement_naming_a_case_is_about_it_and_forms_no_matter(store_engine):
    statement = CaseRecord(key="statement-sag-aftra-2025-05-01", kind=Kind.STATEMENT, jurisdiction="us",
                           title="SAG-AFTRA on the NO FAKES Act", source="statements",
                           identifiers={"related_case": "us-119-s-1367"})
    linked(store_engine, [bill("us-119-s-1367", 119, 1367, "NO FAKES Act of 2025"), statement])
    assert related(store_engine, statement.key) == {("statement about", "us-119-s-1367")}
    assert related(store_engine, "us-119-s-1367") == {("subject of statement", statement.key)}
    with Session(store_engine) as session:
        assert all(matter_of_case(session, case_id) is None for case_id in (1, 2))


def test_titles_that_are_an_acronym_and_act_are_no_reintroduction(store_engine):
    linked(store_engine, [bill("us-118-s-4569", 118, 4569, "(TAKE IT DOWN) Act"),
                          bill("us-119-s-146", 119, 146, "(NO FAKES) Act")])
    assert link_changes(store_engine) == []
