"""Staff review, on SQLite and PostgreSQL: decisions made once, kept in a log, rules that approve."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.approval_rules import DEFAULT_RULES, ApproveRule
from tracker.errors import NotFoundError
from tracker.models.review import Change
from tracker.queries import CaseFilter, get_case, list_cases
from tracker.review import (
    ReviewError,
    add_note,
    apply_rules,
    approve,
    approve_case,
    edit,
    get_change,
    pending,
    reject,
    set_stance,
    set_tags,
)
from tracker.store import ingest
from tracker.vocab import ChangeKind, Priority, ReviewState, Stance

from .conftest import NOW
from .spiders.crawling import crawl_environment, tracker
from .test_store import COMPLAINT, KEY, MOTION, ORDER, andersen

LATER = NOW + timedelta(hours=1)
MUCH_LATER = NOW + timedelta(hours=2)


def change_rows(engine) -> list[Change]:
    with Session(engine) as session:
        return list(session.exec(select(Change).order_by(Change.id)).scalars())


def by_kind(engine, kind: ChangeKind) -> Change:
    return next(c for c in change_rows(engine) if c.kind == kind)


@pytest.fixture
def filed(store_engine):
    """Andersen, filed: one pending new-case change (#1)."""
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    return store_engine


def test_approve_records_who_when_and_what_they_said(filed):
    (change,) = change_rows(filed)
    (decision,) = approve(filed, [change.id], by="maria", now=LATER,
                          note="First suit by visual artists", priority=Priority.HIGH)
    assert (decision.case_key, decision.state) == (KEY, ReviewState.APPROVED)
    (approved,) = change_rows(filed)
    assert (approved.review_state, approved.reviewed_by, approved.reviewed_at) == ("approved", "maria", LATER)
    assert (approved.note, approved.priority, approved.approval_seq) == (
        "First suit by visual artists", "high", 1)
    with Session(filed) as session:
        assert pending(session) == []


def test_a_second_approval_is_refused_and_says_who_decided(filed):
    (change,) = change_rows(filed)
    approve(filed, [change.id], by="maria", now=LATER)
    with pytest.raises(ReviewError, match=rf"change #{change.id} is already approved by maria"):
        approve(filed, [change.id], by="bob", now=MUCH_LATER)
    with pytest.raises(ReviewError, match="already approved"):
        reject(filed, [change.id], by="bob", now=MUCH_LATER, reason="no")
    assert change_rows(filed)[0].reviewed_by == "maria"


def test_reject_with_a_reason(filed):
    (change,) = change_rows(filed)
    reject(filed, [change.id], by="bob", now=LATER, reason="duplicate of #41")
    (rejected,) = change_rows(filed)
    assert (rejected.review_state, rejected.reason, rejected.approval_seq) == (
        "rejected", "duplicate of #41", None)


def test_edits_keep_the_earlier_version_in_the_log(filed):
    (change,) = change_rows(filed)
    approve(filed, [change.id], by="maria", now=LATER, note="Matters", headline="Artists sue")
    edit(filed, change.id, by="ana", now=MUCH_LATER, headline="Artists sue Stability AI")
    with Session(filed) as session:
        detail = get_change(session, change.id)
    assert detail.change.headline == "Artists sue Stability AI"
    assert detail.change.review_state == "approved"  # an edit does not undo the approval
    assert [(e.action, e.actor, e.headline, e.note) for e in detail.log] == [
        ("approved", "maria", "Artists sue", "Matters"),
        ("edited", "ana", "Artists sue Stability AI", None),
    ]
    with pytest.raises(ReviewError, match="nothing to edit"):
        edit(filed, change.id, by="ana", now=MUCH_LATER)


def test_unknown_change_is_not_found(filed):
    with pytest.raises(NotFoundError, match="no change #999"):
        approve(filed, [999], by="maria", now=LATER)
    with Session(filed) as session, pytest.raises(NotFoundError):
        get_change(session, 999)


def test_one_refusal_leaves_the_other_decisions_made(filed):
    (change,) = change_rows(filed)
    with pytest.raises(ReviewError) as refused:
        approve(filed, [999, change.id], by="maria", now=LATER)
    assert "no change #999" in str(refused.value)
    assert [d.change_id for d in refused.value.decisions] == [change.id]
    assert change_rows(filed)[0].review_state == "approved"


def test_two_status_changes_before_anyone_looked_are_approved_as_one(filed):
    ingest(filed, [andersen(COMPLAINT, MOTION)], now=LATER)        # filed -> motion pending
    ingest(filed, [andersen(COMPLAINT, MOTION, ORDER)], now=MUCH_LATER)  # -> ruled on
    with Session(filed) as session:
        (group,) = pending(session)
    status = [item for item in group.changes if item.change.kind == ChangeKind.STATUS_CHANGE]
    (net,) = status  # shown together: one line, the net effect
    first, second = [c for c in change_rows(filed) if c.kind == ChangeKind.STATUS_CHANGE]
    assert net.change.id == second.id and [c.id for c in net.folds] == [first.id]
    assert (net.before, net.change.after) == ("filed", second.after)

    (decision,) = approve(filed, [first.id], by="maria", now=MUCH_LATER)  # either id will do
    assert (decision.change_id, decision.superseded) == (second.id, [first.id])
    rows = {c.id: c for c in change_rows(filed)}
    assert (rows[second.id].review_state, rows[second.id].before) == ("approved", "filed")
    assert (rows[first.id].review_state, rows[first.id].superseded_by) == ("superseded", second.id)


def test_approvals_are_numbered_in_the_order_they_were_made(filed):
    ingest(filed, [andersen(COMPLAINT, MOTION, key="cand-3:24-cv-00001")], now=LATER)
    first, second = change_rows(filed)
    approve(filed, [second.id], by="maria", now=LATER)
    approve(filed, [first.id], by="maria", now=MUCH_LATER)  # the older change, approved late
    rows = {c.id: c.approval_seq for c in change_rows(filed)}
    assert (rows[second.id], rows[first.id]) == (1, 2)


def test_approve_everything_pending_on_one_case(filed):
    ingest(filed, [andersen(COMPLAINT, MOTION, ORDER)], now=LATER)
    decisions = approve_case(filed, KEY, by="maria", now=LATER, note="Ruling")
    assert {c.review_state for c in change_rows(filed)} <= {"approved", "superseded"}
    assert decisions and all(d.case_key == KEY for d in decisions)
    with pytest.raises(ReviewError, match=f"nothing is pending on {KEY}"):
        approve_case(filed, KEY, by="maria", now=LATER)
    with pytest.raises(NotFoundError, match="no case nowhere-1"):
        approve_case(filed, "nowhere-1", by="maria", now=LATER)


def test_default_rule_approves_major_events_on_watchlist_cases_only(store_engine):
    watched = andersen(COMPLAINT, on_watchlist=True)
    unwatched = andersen(COMPLAINT, key="cand-3:24-cv-00001")
    ingest(store_engine, [watched, unwatched], now=NOW)
    assert apply_rules(store_engine, list(DEFAULT_RULES), detected_at=NOW) == []  # new cases wait

    ingest(store_engine, [andersen(COMPLAINT, ORDER, on_watchlist=True),
                          andersen(COMPLAINT, ORDER, key="cand-3:24-cv-00001")], now=LATER)
    decisions = apply_rules(store_engine, list(DEFAULT_RULES), detected_at=LATER)
    assert [d.case_key for d in decisions] == [KEY]
    approved = [c for c in change_rows(store_engine) if c.review_state == "approved"]
    assert [(c.kind, c.significance, c.rule, c.reviewed_by) for c in approved] == [
        ("status_change", "major", "major events on watchlist cases",
         "rule major events on watchlist cases")]
    with Session(store_engine) as session:
        log = get_change(session, approved[0].id).log
    assert [(e.action, e.actor, e.rule) for e in log] == [
        ("approved", "rule major events on watchlist cases", "major events on watchlist cases")]


def test_rules_by_source_kind_and_staff_tag(store_engine):
    ingest(store_engine, [andersen(COMPLAINT)], now=NOW)
    set_tags(store_engine, KEY, ["priority-suit"], [], by="maria", now=NOW)
    rules = [ApproveRule(name="congress only", sources=["congress"]),
             ApproveRule(name="tagged suits", case_kinds=["lawsuit"], tags=["priority-suit"],
                         changes=["status_change"])]
    ingest(store_engine, [andersen(COMPLAINT, MOTION)], now=LATER)
    (decision,) = apply_rules(store_engine, rules, detected_at=LATER)
    assert by_kind(store_engine, ChangeKind.STATUS_CHANGE).rule == "tagged suits"
    assert by_kind(store_engine, ChangeKind.NEW_CASE).review_state == "pending"  # not at LATER
    assert decision.case_key == KEY


def test_notes_tags_and_stance_live_on_the_case(filed):
    add_note(filed, KEY, "Watch for the fair-use ruling", by="maria", now=LATER)
    assert set_tags(filed, KEY, ["Training-Data", "artists"], [], by="maria", now=LATER) == [
        "artists", "training-data"]
    assert set_tags(filed, KEY, [], ["artists"], by="maria", now=LATER) == ["training-data"]
    set_stance(filed, KEY, Stance.SUPPORT, by="maria", now=LATER)
    set_stance(filed, KEY, Stance.WATCH, by="bob", now=MUCH_LATER)
    with Session(filed) as session:
        staff = get_case(session, KEY).staff
        assert staff["stance"] == "watch" and staff["staff_tags"] == ["training-data"]
        assert [(n["author"], n["text"]) for n in staff["notes"]] == [
            ("maria", "Watch for the fair-use ruling")]
        assert [c.key for c in list_cases(session, CaseFilter(stance=Stance.WATCH))] == [KEY]
        assert list_cases(session, CaseFilter(stance=Stance.OPPOSE)) == []
    with pytest.raises(NotFoundError):
        add_note(filed, "nowhere-1", "x", by="maria", now=LATER)


APPROVE = """
import sys
from datetime import UTC, datetime
from tracker.db import make_engine
from tracker.review import ReviewError, approve
try:
    approve(make_engine(sys.argv[1]), [1], by=sys.argv[2], now=datetime.now(UTC))
except ReviewError as exc:
    print(exc)
    sys.exit(1)
"""


def test_concurrent_approvals_from_two_processes_one_wins(filed, database_url):
    # Whichever process gets there first wins; the other is told, whatever the interleaving.
    racers = [subprocess.Popen([sys.executable, "-c", APPROVE, database_url, name],
                               stdout=subprocess.PIPE, text=True) for name in ("maria", "bob")]
    results = [(racer.wait(timeout=60), racer.stdout.read()) for racer in racers]
    assert sorted(code for code, _ in results) == [0, 1]
    winner = change_rows(filed)[0].reviewed_by
    (told,) = [out for code, out in results if code == 1]
    assert f"change #1 is already approved by {winner}" in told
    assert change_rows(filed)[0].approval_seq == 1


def test_cli_review_routine(filed, database_url, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url, TRACKER_REVIEWER="maria")
    listed = tracker("review", env=env)
    assert listed.returncode == 0 and KEY in listed.stdout and "#1" in listed.stdout
    approved = tracker("review", "approve", "1", "--note", "First suit by visual artists",
                       "--priority", "high", env=env)
    assert approved.returncode == 0 and "#1 approved on cand-3:23-cv-00201" in approved.stdout
    again = tracker("review", "approve", "1", "--as", "bob", env=env)
    assert again.returncode == 1
    assert again.stderr.startswith("error: change #1 is already approved by maria")
    missing = tracker("review", "show", "42", env=env)
    assert (missing.returncode, missing.stderr.strip()) == (
        1, "error: no change #42; `tracker review` lists the pending ones")
    rules = tracker("review", "rules", env=env)
    assert rules.stdout.strip() == ("major events on watchlist cases: major new major event or "
                                    "status change on watchlist cases\n"
                                    "deterministic links: new link from identifiers or same title")
    shown = tracker("review", "show", "1", env=env)
    assert "approved   maria  (note: First suit by visual artists; priority: high)" in shown.stdout
    noted = tracker("note", KEY, "Hearing set for January", "--public", env=env)
    assert noted.stdout.strip() == (f"note added to {KEY} by maria (public: the case page and "
                                    "digests show it)")
    internal = tracker("note", KEY, "Counsel leans our way", env=env)
    assert internal.stdout.strip() == f"note added to {KEY} by maria (internal: staff only)"
    assert tracker("stance", KEY, "support", env=env).returncode == 0
    assert tracker("stance", KEY, "maybe", env=env).returncode == 2
    case = tracker("show", KEY, env=env).stdout
    assert "stance        support" in case
    assert "maria         public    Hearing set for January" in case
    assert "maria         internal  Counsel leans our way" in case
    supported = tracker("cases", "--stance", "support", "--json", env=env)
    assert [c["key"] for c in json.loads(supported.stdout)] == [KEY]
