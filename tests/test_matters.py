"""Matters, on SQLite and PostgreSQL: one dispute across dockets and bills, followed as one."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from tracker.digest import build_digests
from tracker.errors import NotFoundError
from tracker.matters import (
    MatterError,
    add_case,
    create_matter,
    list_matters,
    load_matters,
    matter_view,
    merge,
    remove_case,
)
from tracker.parties import normalise_party
from tracker.records import CaseRecord, EventRecord
from tracker.review import approve
from tracker.store import ingest
from tracker.subscriptions import Preferences, subscribe
from tracker.vocab import Kind
from tracker.watchlist import load_watchlist

from .spiders.crawling import crawl_environment, tracker

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
JPML = "JPML orders the case centralised in MDL No. 3143."


def suit(key: str, title: str, *events: EventRecord) -> CaseRecord:
    return CaseRecord(key=key, kind=Kind.LAWSUIT, jurisdiction="nysd", title=title,
                      source="courtlistener", defendants=["OpenAI, Inc.", "Microsoft Corporation"],
                      events=list(events))


MDL = suit("nysd-1:25-md-03143", "In re OpenAI Copyright Litigation",
           EventRecord(date(2025, 4, 3), JPML, "courtlistener"))
NYT = suit("nysd-1:23-cv-11195", "NYT v. Microsoft and OpenAI",
           EventRecord(date(2023, 12, 27), "COMPLAINT filed", "courtlistener"),
           EventRecord(date(2025, 4, 3), JPML, "courtlistener"))  # the same order, on the member
DAILY = suit("nysd-1:24-cv-03285", "Daily News v. Microsoft and OpenAI",
             EventRecord(date(2024, 4, 30), "COMPLAINT filed", "courtlistener"))


@pytest.fixture
def suits(store_engine):
    ingest(store_engine, [MDL, NYT, DAILY], now=NOW)
    return store_engine


def test_the_watchlist_seeds_the_well_known_matters(store_engine):
    ingest(store_engine, load_watchlist(), now=NOW)
    assert load_matters(store_engine, now=NOW) == (6, 18)
    assert load_matters(store_engine, now=NOW) == (0, 0)  # again: nothing
    with Session(store_engine) as session:
        openai = matter_view(session, "in-re-openai-copyright")
        assert openai.lead.key == "nysd-1:25-md-03143" and len(openai.members) == 6
        assert openai.members[0].role == "lead"
        no_fakes = matter_view(session, "no-fakes-act")
        assert {m.case.key for m in no_fakes.members} == {
            "us-118-hr-9551", "us-119-s-1367", "us-119-s-4591"}
        assert {s.matter.key for s in list_matters(session)} >= {"copyright-office-ai-inquiry"}


def test_one_merged_timeline_without_duplicates(suits):
    create_matter(suits, "OpenAI MDL", ["nysd-1:25-md-03143", "nysd-1:23-cv-11195"], by="maria",
                  now=NOW, key="openai-mdl")
    with Session(suits) as session:
        view = matter_view(session, "openai-mdl")
    assert [(str(e.date), case.key) for e, case in view.timeline] == [
        ("2023-12-27", "nysd-1:23-cv-11195"),
        ("2025-04-03", "nysd-1:25-md-03143"),  # told on both dockets: once
    ]
    assert view.lead.key == "nysd-1:25-md-03143"  # the MDL docket leads


def test_a_case_is_in_one_matter_at_most(suits):
    create_matter(suits, "OpenAI MDL", ["nysd-1:25-md-03143"], by="maria", now=NOW, key="openai-mdl")
    create_matter(suits, "News suits", [], by="maria", now=NOW, key="news")
    add_case(suits, "news", "nysd-1:23-cv-11195", role="member", by="maria", now=NOW)
    with pytest.raises(MatterError, match="already in the matter news"):
        add_case(suits, "openai-mdl", "nysd-1:23-cv-11195", role="member", by="maria", now=NOW)
    with pytest.raises(MatterError, match="unknown role 'cousin'"):
        add_case(suits, "news", "nysd-1:24-cv-03285", role="cousin", by="maria", now=NOW)
    with pytest.raises(NotFoundError, match="no matter nowhere"):
        add_case(suits, "nowhere", "nysd-1:24-cv-03285", role="member", by="maria", now=NOW)
    assert merge(suits, "openai-mdl", "news") == 1
    remove_case(suits, "openai-mdl", "nysd-1:25-md-03143")
    with Session(suits) as session:
        assert [m.case.key for m in matter_view(session, "openai-mdl").members] == ["nysd-1:23-cv-11195"]
        with pytest.raises(NotFoundError):
            matter_view(session, "news")


def test_following_a_matter_brings_members_added_later(suits):
    create_matter(suits, "OpenAI MDL", ["nysd-1:25-md-03143"], by="maria", now=NOW, key="openai-mdl")
    ana, _ = subscribe(suits, "ana@example.org", Preferences(follows=["openai-mdl"]), now=NOW,
                       confirmed=True)
    add_case(suits, "openai-mdl", "nysd-1:24-cv-03285", role="member", by="maria", now=NOW)
    approve(suits, [1, 2, 3], by="maria", now=NOW)  # the three new-case changes
    with Session(suits) as session:
        (digest,) = build_digests(session, [ana], now=NOW, cap_days=14)
    assert {item.case.key for item in digest.items} == {"nysd-1:25-md-03143", "nysd-1:24-cv-03285"}
    assert all(item.matched == ["you follow openai-mdl"] for item in digest.items)
    assert [label for label, _ in digest.groups()] == ["OpenAI MDL"]  # grouped by matter


@pytest.mark.parametrize(("name", "folded"), [
    ("OpenAI, Inc.", "OpenAI"), ("OpenAI OpCo LLC", "OpenAI"), ("OpenAI LP", "OpenAI"),
    ("Meta Platforms, Inc.", "Meta"), ("Uncharted Labs, Inc. (d/b/a Udio)", "Udio"),
    ("Metallica Inc.", "Metallica"), ("Acme Widgets, Inc. et al.", "Acme Widgets"),
])
def test_party_names_fold(name, folded):
    assert normalise_party(name) == folded


def test_cli_matters_and_suits_per_defendant(suits, database_url, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url, TRACKER_REVIEWER="maria")
    made = tracker("matter", "create", "OpenAI MDL", "--add", "nysd-1:25-md-03143", "--add",
                   "nysd-1:23-cv-11195", "--key", "openai-mdl", env=env)
    assert made.returncode == 0, made.stderr
    (listed,) = json.loads(tracker("matters", "--json", env=env).stdout)
    assert (listed["kind"], listed["members"], listed["latest_event"], listed["lead"]) == (
        "lawsuit", 2, "2025-04-03", "nysd-1:25-md-03143")
    shown = json.loads(tracker("matter", "show", "openai-mdl", "--json", env=env).stdout)
    assert shown["lead"] == "nysd-1:25-md-03143"
    assert [e["case"] for e in shown["timeline"]] == ["nysd-1:23-cv-11195", "nysd-1:25-md-03143"]
    case = tracker("show", "nysd-1:23-cv-11195", env=env).stdout
    assert "matter        openai-mdl (member): OpenAI MDL" in case
    taken = tracker("matter", "add", "openai-mdl", "nysd-1:23-cv-11195", "--as", "appeal", env=env)
    assert taken.returncode == 0  # a new role for a member
    missing = tracker("matter", "show", "nope", env=env)
    assert (missing.returncode, missing.stderr.strip()) == (
        1, "error: no matter nope (`tracker matters` lists them)")
    grouped = json.loads(tracker("cases", "--defendant", "openai", "--group-by", "party", "--json",
                                 env=env).stdout)
    assert grouped == [{"party": "OpenAI", "cases": grouped[0]["cases"]}]
    assert len(grouped[0]["cases"]) == 3


def test_blank_titles_are_refused_and_a_matter_can_be_deleted(suits, database_url, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url, TRACKER_REVIEWER="maria")
    for title in ("", "   ", "!!!"):
        blank = tracker("matter", "create", title, env=env)
        assert blank.returncode == 2 and blank.stderr.count("\n") == 1 and "Traceback" not in blank.stderr
    assert json.loads(tracker("matters", "--json", env=env).stdout) == []  # none with an empty key
    made = tracker("matter", "create", "OpenAI MDL", "--add", "nysd-1:25-md-03143", env=env)
    assert made.returncode == 0, made.stderr
    deleted = tracker("matter", "delete", "openai-mdl", env=env)
    assert deleted.returncode == 0 and "1 case now in no matter" in deleted.stdout
    assert json.loads(tracker("matters", "--json", env=env).stdout) == []
    assert tracker("show", "nysd-1:25-md-03143", env=env).returncode == 0  # the case stays
    again = tracker("matter", "delete", "openai-mdl", env=env)
    assert (again.returncode, again.stderr.strip()) == (
        1, "error: no matter openai-mdl (`tracker matters` lists them)")
