"""The review queue's first-run chores (#18): the baseline, approving what a filter selects, and
reopening a decision; on SQLite and PostgreSQL, and through the CLI."""

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.digest import build_digests
from tracker.errors import NotFoundError
from tracker.models.review import Change
from tracker.records import CaseRecord, EventRecord
from tracker.review import ReviewError, approve, reject
from tracker.review_chores import Selection, baseline, reopen, select_pending
from tracker.runs import FAILED, OK, begin_run, finish_run
from tracker.store import Link, ingest, propose_links
from tracker.subscriptions import Preferences, subscribe
from tracker.vocab import ChangeKind, Kind, ReviewState
from tracker.watchlist import SOURCE as SEED

from .conftest import NOW
from .spiders.crawling import crawl_environment, tracker
from .test_store import COMPLAINT, KEY, MOTION, ORDER, andersen

BILL = CaseRecord(key="ca-20252026-ab-412", kind=Kind.STATE_BILL, jurisdiction="ca",
                  title="AB 412: AI training data transparency", source="openstates",
                  events=[EventRecord(date(2025, 2, 10), "Introduced", "openstates")])
SEEDED = replace(andersen(COMPLAINT), key="nysd-1:23-cv-11195", title="The New York Times v. Microsoft",
                 source=SEED, on_watchlist=True, events=[])


def minutes(n: int):
    return NOW + timedelta(minutes=n)


def crawl(engine, source: str, records, *, at: int, state: str = OK) -> None:
    """A crawl of ``source`` as the crawl command records it: a run begun, the items stored
    while it runs, the run finished."""
    run = begin_run(engine, source, now=minutes(at), since=None)
    if records:
        ingest(engine, records, now=minutes(at + 1))
    finish_run(engine, run, now=minutes(at + 2), state=state)


def changes(engine) -> dict[int, Change]:
    with Session(engine) as session:
        return {c.id: c for c in session.exec(select(Change).order_by(Change.id)).scalars()}


@pytest.fixture
def first_run(store_engine):
    """A fresh tracker: the seed, a courtlistener crawl that failed, then its first success
    (Andersen, with a status change and an event), Open States' first crawl (a bill), a link
    proposed, and then, a day later, real news: a ruling on Andersen."""
    ingest(store_engine, [SEEDED], now=minutes(0))
    crawl(store_engine, "courtlistener", [], at=5, state=FAILED)
    crawl(store_engine, "courtlistener", [andersen(COMPLAINT, MOTION)], at=10)
    crawl(store_engine, "openstates", [BILL], at=20)
    propose_links(store_engine, [Link(KEY, SEEDED.key, "related", "same parties", "docket")],
                  now=minutes(30))
    crawl(store_engine, "courtlistener", [andersen(COMPLAINT, MOTION, ORDER)], at=24 * 60)
    return store_engine


def test_baseline_records_the_seed_and_first_crawls_and_leaves_the_news(first_run):
    before = changes(first_run)
    news = {i for i, c in before.items() if c.detected_at == minutes(24 * 60 + 1)}
    links = {i for i, c in before.items() if c.kind == ChangeKind.NEW_LINK}
    assert news and links
    report = baseline(first_run, by="lead", now=minutes(2000))
    after = changes(first_run)
    recorded = {i for i, c in after.items() if c.review_state == ReviewState.BASELINE}
    assert recorded == set(before) - news - links
    assert (report.changes, report.cases) == (len(recorded), 3)
    assert report.by_source == {SEED: 1, "courtlistener": len(recorded) - 2, "openstates": 1}
    assert (report.left, report.links_left) == (len(news) + 1, 1)
    assert all(after[i].reviewed_by == "lead" and after[i].approval_seq is None for i in recorded)
    assert baseline(first_run, by="lead", now=minutes(2001)).changes == 0  # again: nothing more


def test_a_digest_carries_the_news_and_not_the_baseline(first_run):
    baseline(first_run, by="lead", now=minutes(2000))
    pending = [i for i, c in changes(first_run).items() if c.review_state == ReviewState.PENDING]
    approve(first_run, pending, by="lead", now=minutes(2001))
    ana, _ = subscribe(first_run, "ana@example.org", Preferences(), now=NOW, confirmed=True)
    with Session(first_run) as session:
        (digest,) = build_digests(session, [ana], now=minutes(2002), cap_days=7)
    assert {item.change.id for item in digest.items} <= set(pending)
    assert {item.change.detected_at for item in digest.items if item.change.kind != "new_link"} == {
        minutes(24 * 60 + 1)}


def test_select_pending_filters_by_case_kind_source_and_change_kind(first_run):
    with Session(first_run) as session:
        every = select_pending(session, Selection())
        bills = select_pending(session, Selection(case_kinds=[Kind.STATE_BILL]))
        seeded = select_pending(session, Selection(sources=[SEED]))
        new = select_pending(session, Selection(change_kinds=[ChangeKind.NEW_CASE],
                                                sources=["courtlistener", "openstates"]))
    assert len(every) == len(changes(first_run))
    assert [key for *_, key in bills] == [BILL.key]
    assert [key for *_, key in seeded] == [SEEDED.key]
    assert sorted(key for *_, key in new) == sorted([KEY, BILL.key])


def test_reopen_puts_a_decision_back_and_refuses_what_it_cannot_undo(first_run):
    baseline(first_run, by="lead", now=minutes(2000))
    rows = changes(first_run)
    seeded = next(i for i, c in rows.items() if c.source == SEED)
    assert reopen(first_run, seeded, by="maria", now=minutes(2001)).review_state == ReviewState.PENDING
    with pytest.raises(ReviewError, match=f"change #{seeded} is pending already"):
        reopen(first_run, seeded, by="maria", now=minutes(2002))
    (decision,) = approve(first_run, [seeded], by="maria", now=minutes(2003), note="Kept")
    reopened = reopen(first_run, seeded, by="maria", now=minutes(2004))
    assert (reopened.review_state, reopened.approval_seq, reopened.note) == ("pending", None, "Kept")
    approve(first_run, [seeded], by="maria", now=minutes(2005))
    assert changes(first_run)[seeded].review_state == ReviewState.APPROVED
    link = next(i for i, c in rows.items() if c.kind == ChangeKind.NEW_LINK)
    approve(first_run, [link], by="maria", now=minutes(2006))
    with pytest.raises(ReviewError, match=f"change #{link} is an approved link"):
        reopen(first_run, link, by="maria", now=minutes(2007))
    news = [i for i, c in rows.items() if c.review_state == ReviewState.PENDING
            and c.kind == ChangeKind.STATUS_CHANGE]
    reject(first_run, news, by="maria", now=minutes(2008), reason="not yet")
    assert reopen(first_run, news[0], by="bob", now=minutes(2009)).review_state == ReviewState.PENDING
    with pytest.raises(NotFoundError, match="no change #999"):
        reopen(first_run, 999, by="maria", now=minutes(2010))
    assert decision.change_id == seeded


def test_the_cli_baseline_approve_all_and_reopen(tmp_path):
    env = crawl_environment(tmp_path, TRACKER_REVIEWER="lead")
    assert tracker("seed", env=env).returncode == 0
    queue = json.loads(tracker("review", "--json", env=env).stdout)
    assert len(queue) > 20
    refused = tracker("review", "approve", "--all", env=env)  # not a terminal: nobody to ask
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: --all would approve {len(queue)} changes on ")
    assert "add --yes" in refused.stderr and len(refused.stderr.splitlines()) == 1
    links = tracker("review", "approve", "--all", "--change-kind", "new_link", env=env)
    linked = [c for c in queue if c["kind"] == "new_link"]
    assert links.returncode == 0 and len(links.stdout.splitlines()) == len(linked)
    assert tracker("review", "approve", "--kind", "lawsuit", env=env).returncode == 2  # needs --all
    done = tracker("review", "baseline", env=env)
    cases = len(queue) - len(linked)
    assert done.stdout.strip() == (f"{cases} changes on {cases} cases recorded as the baseline, not "
                                   f"sent to digests: {cases} from the watchlist seed")
    assert tracker("review", env=env).stderr.strip() == "nothing is waiting for review"
    first = queue[-1]["id"] if queue[-1]["kind"] == "new_case" else queue[0]["id"]
    assert tracker("review", "reopen", str(first), env=env).stdout.strip() == f"#{first} is pending again"
    approved = tracker("review", "approve", "--all", "--source", "watchlist", "--yes", env=env)
    assert approved.stdout.strip().startswith(f"#{first} approved on ")
    again = tracker("review", "approve", "--all", env=env)
    assert (again.returncode, again.stderr.strip()) == (
        1, "error: nothing pending matches; `tracker review` lists the queue")
