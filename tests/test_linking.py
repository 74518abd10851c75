"""Automatic links, on SQLite and PostgreSQL: found, proposed for review, placed in a matter."""

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from tracker.approval_rules import ApproveRule
from tracker.linking import propose
from tracker.matters import create_matter, matter_view
from tracker.models.cases import Case
from tracker.models.matters import CaseLink
from tracker.models.review import Change
from tracker.queries import case_links, matter_of_case
from tracker.records import CaseRecord, EventRecord
from tracker.review import apply_rules, approve
from tracker.store import ingest
from tracker.vocab import Kind

from .spiders.crawling import crawl_environment, open_spider, tracker

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def suit(key: str, title: str, *texts: str, **identifiers) -> CaseRecord:
    return CaseRecord(key=key, kind=Kind.LAWSUIT, jurisdiction="nysd", title=title, source="courtlistener",
                      identifiers=identifiers,
                      events=[EventRecord(date(2025, 1, 1 + n), text, "courtlistener")
                              for n, text in enumerate(texts or ["COMPLAINT filed"])])


def bill(key: str, kind: Kind, title: str, jurisdiction: str = "us", **identifiers) -> CaseRecord:
    return CaseRecord(key=key, kind=kind, jurisdiction=jurisdiction, title=title, source="congress",
                      identifiers=identifiers,
                      events=[EventRecord(date(2025, 3, 1), "Introduced", "congress")])


def document(key: str, kind: str, title: str, rin: str) -> CaseRecord:
    return CaseRecord(key=key, kind=Kind.AGENCY_ACTION, jurisdiction="us", title=title,
                      source="federal_register",
                      identifiers={"document_type": kind, "regulation_id_numbers": rin},
                      events=[EventRecord(date(2025, 5, 1), f"Published as a {kind}", "federal_register")])


def proposed(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.execute(select(Case.key, Change.after).join(Case, Case.id == Change.case_id)
                               .where(Change.kind == "new_link").order_by(Change.id)).all()
    return [(key, after) for key, after in rows]


def run(engine, records, *, similarity=0.9, when=NOW) -> int:
    ingest(engine, records, now=when)
    return propose(engine, [r.key for r in records], similarity=similarity, now=when)


def test_member_dockets_are_proposed_as_members_of_the_mdl(store_engine):
    records = [suit("nysd-1:25-md-03143", "In re OpenAI Copyright Infringement Litigation"),
               suit("nysd-1:23-cv-11195", "NYT v. Microsoft", mdl="MDL No. 3143"),
               suit("nysd-1:25-cv-04315", "Ziff Davis v. OpenAI", "COMPLAINT filed",
                    "CONDITIONAL TRANSFER ORDER (CTO-1) transferring the action to MDL No. 3143")]
    assert run(store_engine, records) == 2
    assert proposed(store_engine) == [
        ("nysd-1:23-cv-11195", "member of nysd-1:25-md-03143 (MDL No. 3143)"),
        ("nysd-1:25-cv-04315", "member of nysd-1:25-md-03143 (MDL No. 3143)")]
    assert propose(store_engine, [r.key for r in records], similarity=0.9, now=NOW) == 0  # once

    with Session(store_engine) as session:
        first, second = session.exec(select(Change.id).where(Change.kind == "new_link")
                                     .order_by(Change.id)).scalars().all()
        assert matter_of_case(session, 2) is None  # waiting for review, nothing placed yet
    approve(store_engine, [first], by="maria", now=NOW)
    approve(store_engine, [second], by="maria", now=NOW)
    with Session(store_engine) as session:
        placed = matter_of_case(session, 1)  # the MDL docket
        view = matter_view(session, placed["key"])
    assert placed["role"] == "lead" and view.lead.key == "nysd-1:25-md-03143"
    assert {(m.case.key, m.role) for m in view.members} == {
        ("nysd-1:25-md-03143", "lead"), ("nysd-1:23-cv-11195", "member"),
        ("nysd-1:25-cv-04315", "member")}


def test_a_bill_reintroduced_in_a_later_congress(store_engine):
    run(store_engine, [bill("us-118-s-5379", Kind.FEDERAL_BILL, "TRAIN Act of 2024", congress=118),
                       bill("us-119-s-2455", Kind.FEDERAL_BILL, "TRAIN Act of 2025", congress=119),
                       bill("us-119-hr-4000", Kind.FEDERAL_BILL, "Another Act of 2025", congress=119)])
    assert proposed(store_engine) == [
        ("us-119-s-2455", "reintroduction of us-118-s-5379 (same title as us-118-s-5379)")]


def test_an_approved_reintroduction_makes_the_latest_bill_the_lead(store_engine):
    run(store_engine, [bill("us-118-s-5379", Kind.FEDERAL_BILL, "TRAIN Act of 2024", congress=118),
                       bill("us-119-s-2455", Kind.FEDERAL_BILL, "TRAIN Act of 2025", congress=119)])
    with Session(store_engine) as session:
        (link,) = session.exec(select(Change.id).where(Change.kind == "new_link")).scalars().all()
    approve(store_engine, [link], by="maria", now=NOW)
    with Session(store_engine) as session:
        placed = matter_of_case(session, 2)
        view = matter_view(session, placed["key"])
    assert view.lead.key == "us-119-s-2455" and placed["title"] == "TRAIN Act of 2025"
    assert {(m.case.key, m.role) for m in view.members} == {
        ("us-119-s-2455", "lead"), ("us-118-s-5379", "reintroduction")}


def test_a_final_rule_follows_its_proposal(store_engine):
    run(store_engine, [document("fr-2024-00001", "Proposed Rule", "Registration of AI works", "0710-AA01"),
                       document("fr-2025-00002", "Rule", "Registration of AI works", "0710-AA01"),
                       document("fr-2025-00003", "Rule", "Something else", "0710-ZZ99")])
    assert proposed(store_engine) == [
        ("fr-2025-00002", "final_rule of fr-2024-00001 (RIN/docket 0710-AA01)")]


def test_a_state_bill_copied_in_another_state(store_engine):
    elvis = bill("tn-113-hb-2091", Kind.STATE_BILL, "Ensuring Likeness, Voice, and Image Security Act",
                 jurisdiction="tn")
    run(store_engine, [elvis])
    copy = bill("ky-2026rs-hb-500", Kind.STATE_BILL, "Ensuring Likeness Voice and Image Security Act",
                jurisdiction="ky")
    loose = bill("ga-20252026-hb-9", Kind.STATE_BILL, "Ensuring Fair Elections and Voter Security Act",
                 jurisdiction="ga")
    run(store_engine, [copy, loose], when=NOW + timedelta(days=1))
    assert proposed(store_engine) == [
        ("ky-2026rs-hb-500", "same_as of tn-113-hb-2091 (title 100% alike tn-113-hb-2091)")]


def test_a_rule_can_approve_links_and_then_they_are_placed(store_engine):
    run(store_engine, [suit("nysd-1:25-md-03143", "In re OpenAI Copyright Infringement Litigation"),
                       suit("nysd-1:23-cv-11195", "NYT v. Microsoft", mdl="MDL No. 3143")])
    rules = [ApproveRule(name="MDL links", changes=["new_link"], case_kinds=["lawsuit"])]
    (decision,) = apply_rules(store_engine, rules, detected_at=NOW)
    with Session(store_engine) as session:
        assert session.get(Change, decision.change_id).rule == "MDL links"
        assert matter_of_case(session, 2)["key"] == matter_of_case(session, 1)["key"]


def test_courtlistener_dockets_link_members_a_transfer_and_an_appeal(store_engine, monkeypatch):
    """From dockets and docket entries in CourtListener's format: ``mdl_status``, a transfer
    order in the docket text, and ``original_court_info``."""
    from scrapy.http import Request, TextResponse

    from spiders.courtlistener import CourtListenerSpider
    from tests.upstream import FIXTURES

    spider = open_spider(CourtListenerSpider, monkeypatch,
                         TRACKER_WATCHLIST_FILE=str(FIXTURES / "courtlistener" / "watchlist.yaml"))
    dockets = [json.loads((FIXTURES / "courtlistener" / f"{name}.json").read_text())
               for name in ("docket-mdl", "docket-mdl-member", "docket-mdl-member2",
                            "docket-ziff-delaware", "docket-andersen", "docket-appeal-ca9")]
    items = [spider.case(docket) for docket in dockets]
    assert items[2].identifiers["mdl"] == "MDL No. 3143"
    assert items[5].identifiers["original_docket_number"] == "3:23-cv-00201-WHO"
    for item in items:  # a case needs a history to be kept
        item.events.append(EventRecord(date(2025, 5, 1), "NOTICE", "courtlistener"))
    # Ziff Davis's New York docket: its entries say it came from Delaware and went to the MDL.
    url = f"{spider.base}/api/rest/v4/docket-entries/?docket=69012345"
    body = (FIXTURES / "courtlistener" / "entries-transferred-in.json").read_bytes()
    entries = TextResponse(url, body=body, encoding="utf-8", request=Request(
        url, meta={"case": items[1], "entries": {}, "docket_id": 69012345}))
    (ziff,) = [i for i in spider.parse_entries(entries) if not isinstance(i, Request)]
    items[1] = ziff
    ingest(store_engine, items, now=NOW)
    propose(store_engine, [item.key for item in items], similarity=0.9, now=NOW)
    assert sorted(proposed(store_engine)) == [
        ("ca9-25-1234", "appeal of cand-3:23-cv-00201 (appeal from 3:23-cv-00201-WHO)"),
        ("nysd-1:24-cv-03285", "member of nysd-1:25-md-03143 (MDL No. 3143)"),
        ("nysd-1:25-cv-04315", "member of nysd-1:25-md-03143 (MDL No. 3143)"),
        ("nysd-1:25-cv-04315", "transfer of ded-1:25-cv-00501 (transferred from 1:25-cv-00501)")]


def test_original_court_info_on_a_district_docket_is_a_transfer_not_an_appeal(store_engine, monkeypatch):
    """``original_court_info`` names the docket appealed from only on a court of appeals' docket;
    on a district docket it names the court the case came from. The same recorded docket, moved
    to a district court, must give a transfer."""
    from spiders.courtlistener import CourtListenerSpider
    from tests.upstream import FIXTURES

    spider = open_spider(CourtListenerSpider, monkeypatch,
                         TRACKER_WATCHLIST_FILE=str(FIXTURES / "courtlistener" / "watchlist.yaml"))
    andersen, appeal = (json.loads((FIXTURES / "courtlistener" / f"{name}.json").read_text())
                        for name in ("docket-andersen", "docket-appeal-ca9"))
    transferred = {**appeal, "court_id": "nysd", "docket_number": "1:25-cv-09999",
                   "court": appeal["court"].replace("/ca9/", "/nysd/")}
    items = [spider.case(docket) for docket in (andersen, transferred)]
    for item in items:
        item.events.append(EventRecord(date(2025, 5, 1), "NOTICE", "courtlistener"))
    ingest(store_engine, items, now=NOW)
    propose(store_engine, [item.key for item in items], similarity=0.9, now=NOW)
    assert proposed(store_engine) == [
        ("nysd-1:25-cv-09999", "transfer of cand-3:23-cv-00201 (transferred from 3:23-cv-00201-WHO)")]


def test_open_states_related_bills_are_proposed(store_engine, monkeypatch):
    """From bills in Open States' format: ``related_bills`` names a companion."""
    from spiders.openstates import OpenStatesSpider
    from tests.upstream import FIXTURES

    spider = open_spider(OpenStatesSpider, monkeypatch, OPENSTATES_API_KEY="k3y",
                         TRACKER_WATCHLIST_FILE=str(FIXTURES / "openstates" / "watchlist.yaml"))
    bills = [json.loads((FIXTURES / "openstates" / name).read_text())
             for name in ("bill-il-hb4875.json", "bill-il-sb3325-related.json")]
    items = [item for bill in bills for item in spider.case(bill)]
    assert items[1].identifiers["related_bills"] == "il-103rd-hb-4875 companion"
    ingest(store_engine, items, now=NOW)
    propose(store_engine, [item.key for item in items], similarity=0.99, now=NOW)
    assert ("il-103rd-sb-3325", "companion of il-103rd-hb-4875 (Open States: companion bill)") \
        in proposed(store_engine)


def test_show_lists_a_cases_links_and_their_review(store_engine, database_url, tmp_path):
    run(store_engine, [suit("nysd-1:25-md-03143", "In re OpenAI Copyright Infringement Litigation"),
                       suit("nysd-1:23-cv-11195", "NYT v. Microsoft", mdl="MDL No. 3143")])
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url)
    member = json.loads(tracker("show", "nysd-1:23-cv-11195", "--json", env=env).stdout)
    assert member["links"] == [{"direction": "to", "relation": "member", "key": "nysd-1:25-md-03143",
                                "reason": "MDL No. 3143", "review_state": "pending"}]
    mdl = tracker("show", "nysd-1:25-md-03143", env=env).stdout
    assert "pending       nysd-1:23-cv-11195 is its member (MDL No. 3143)" in mdl


def test_a_transfer_in_from_another_court(store_engine):
    delaware = CaseRecord(key="ded-1:24-cv-01234", kind=Kind.LAWSUIT, jurisdiction="ded",
                          title="Ziff Davis v. OpenAI", source="courtlistener",
                          events=[EventRecord(date(2025, 4, 24), "COMPLAINT", "courtlistener")])
    transferred = suit("nysd-1:25-cv-04315", "Ziff Davis v. OpenAI",
                       "CASE TRANSFERRED IN from the District of Delaware; Case Number 1:24-cv-01234. "
                       "Original file certified copy of transfer order received.")
    run(store_engine, [delaware, transferred])
    assert proposed(store_engine) == [
        ("nysd-1:25-cv-04315", "transfer of ded-1:24-cv-01234 (transferred from 1:24-cv-01234)")]


def test_congress_related_bills_are_proposed(store_engine):
    run(store_engine, [bill("us-119-hr-8915", Kind.FEDERAL_BILL, "NO FAKES Act of 2026", congress=119),
                       bill("us-118-hr-9551", Kind.FEDERAL_BILL, "Digital replicas", congress=118),
                       bill("us-119-s-4591", Kind.FEDERAL_BILL, "NO FAKES Act of 2026", congress=119,
                            related_bills="us-119-hr-8915 identical; us-118-hr-9551 identical")])
    assert sorted(proposed(store_engine)) == [
        ("us-119-hr-8915", "companion of us-119-s-4591 (same title as us-119-s-4591)"),
        ("us-119-s-4591", "companion of us-119-hr-8915 (Congress.gov: identical bill)"),
        ("us-119-s-4591", "reintroduction of us-118-hr-9551 (Congress.gov: identical bill)")]


def test_a_final_rule_and_its_proposal_from_federal_register_documents(store_engine, monkeypatch):
    """From documents in the Federal Register API's format, sharing a RIN."""
    from scrapy.http import Request, TextResponse

    from spiders.federal_register import FederalRegisterSpider
    from tests.upstream import FIXTURES

    spider = open_spider(FederalRegisterSpider, monkeypatch,
                         TRACKER_WATCHLIST_FILE=str(FIXTURES / "federal_register" / "watchlist.yaml"))
    url = "https://www.federalregister.gov/api/v1/documents/2025-04101,2025-19876.json"
    body = (FIXTURES / "federal_register" / "documents-rin.json").read_bytes()
    items = list(spider.parse_documents(TextResponse(url, body=body, encoding="utf-8",
                                                     request=Request(url))))
    ingest(store_engine, items, now=NOW)
    propose(store_engine, [item.key for item in items], similarity=0.9, now=NOW)
    assert proposed(store_engine) == [
        ("fr-2025-19876", "final_rule of fr-2025-04101 (RIN/docket 0710-AA01)")]


def test_open_states_bills_copied_across_states_above_the_threshold_only(store_engine, monkeypatch,
                                                                        tmp_path):
    """From bills in Open States' format, titled as Open States titles them: Illinois's
    digital-replica bill, Kentucky's copy of it (linked), and a Georgia bill on something else
    (not linked)."""
    from spiders.openstates import OpenStatesSpider
    from tests.upstream import FIXTURES

    (tmp_path / "watchlist.yaml").write_text("[]\n")  # no curated titles in the way
    spider = open_spider(OpenStatesSpider, monkeypatch, OPENSTATES_API_KEY="k3y",
                         TRACKER_WATCHLIST_FILE=str(tmp_path / "watchlist.yaml"))

    def items(name):
        return list(spider.case(json.loads((FIXTURES / "openstates" / name).read_text())))

    illinois = items("bill-il-hb4875.json")
    run(store_engine, illinois)
    later = items("bill-ky-hb512-copy.json") + items("bill-ga-sb77-unlike.json")
    run(store_engine, later, when=NOW + timedelta(days=1))
    assert proposed(store_engine) == [
        ("ky-2026rs-hb-512", "same_as of il-103rd-hb-4875 (title 100% alike il-103rd-hb-4875)")]


def test_a_link_change_refers_to_its_link_by_key_not_by_its_sentence(store_engine):
    run(store_engine, [suit("nysd-1:25-md-03143", "In re OpenAI Copyright Infringement Litigation"),
                       suit("nysd-1:23-cv-11195", "NYT v. Microsoft", mdl="MDL No. 3143")])
    with Session(store_engine) as session:
        (change,) = session.exec(select(Change).where(Change.kind == "new_link")).scalars().all()
        (link,) = session.exec(select(CaseLink)).scalars().all()
    assert change.link_id == link.id
    with store_engine.begin() as connection:  # a sentence that no longer says the link
        connection.execute(update(Change).where(Change.id == change.id).values(after="reworded"))
    approve(store_engine, [change.id], by="maria", now=NOW)
    with Session(store_engine) as session:
        assert matter_of_case(session, 2)["key"] == matter_of_case(session, 1)["key"]


def test_a_link_without_a_dispute_shows_on_both_cases_and_forms_no_matter(store_engine):
    run(store_engine, [document("fr-2023-18624", "Notice", "Artificial Intelligence and Copyright", "2023-6"),
                       document("fr-2025-01234", "Notice", "Copyright and AI: the report", "2023-6")])
    assert proposed(store_engine) == [("fr-2025-01234", "same_docket of fr-2023-18624 (RIN/docket 2023-6)")]
    with Session(store_engine) as session:
        (change,) = session.exec(select(Change.id).where(Change.kind == "new_link")).scalars().all()
    approve(store_engine, [change], by="maria", now=NOW)
    with Session(store_engine) as session:
        assert matter_of_case(session, 1) is None and matter_of_case(session, 2) is None
        notice, report = (session.get(Case, case_id) for case_id in (1, 2))
        assert [(r["relation"], r["key"]) for r in case_links(session, notice)[1]] == [
            ("same docket", "fr-2025-01234")]
        assert [(r["relation"], r["key"]) for r in case_links(session, report)[1]] == [
            ("same docket", "fr-2023-18624")]


def test_cases_one_matter_already_holds_are_still_linked(store_engine):
    records = [bill("us-118-s-5379", Kind.FEDERAL_BILL, "TRAIN Act of 2024", congress=118),
               bill("us-119-s-2455", Kind.FEDERAL_BILL, "TRAIN Act of 2025", congress=119)]
    ingest(store_engine, records, now=NOW)
    create_matter(store_engine, "TRAIN Act", [r.key for r in records], by="maria", now=NOW)
    assert propose(store_engine, [r.key for r in records], similarity=0.9, now=NOW) == 1
    with Session(store_engine) as session:
        (change,) = session.exec(select(Change.id).where(Change.kind == "new_link")).scalars().all()
    approve(store_engine, [change], by="maria", now=NOW)  # the matter stays as the person made it
    with Session(store_engine) as session:
        assert matter_view(session, "train-act").lead is not None
        assert {m.role for m in matter_view(session, "train-act").members} == {"member"}
