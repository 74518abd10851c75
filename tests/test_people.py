"""People: one record per identifier across sources (never by name alone), parties folded by the
parties table, links with roles, ``--sponsor``/``--judge``, and following a person by mail
through a real SMTP server. Runs on SQLite and PostgreSQL."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.intake import intake
from tracker.matters import create_matter
from tracker.models.people import CasePerson, Person
from tracker.models.review import Change
from tracker.people import record_people
from tracker.people_queries import case_ids_of, list_people, people_of, person_detail
from tracker.queries import CaseFilter, list_cases
from tracker.records import CaseRecord, EventRecord, PersonRecord
from tracker.review import approve
from tracker.vocab import Frequency, Kind

from .mailserver import MailServer
from .spiders.crawling import crawl_environment, tracker
from .test_mail import body, send, subscriber
from .test_mail import settings as settings  # noqa: F401 - the fixture, for the digest tests

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CRUZ = PersonRecord("sponsor", "Ted Cruz", {"bioguide": "C001098"}, "R", "us", "TX")
COONS = PersonRecord("sponsor", "Christopher A. Coons", {"bioguide": "C001088"}, "D", "us", "DE")
BLACKBURN = PersonRecord("cosponsor", "Marsha Blackburn", {"bioguide": "B001243"}, "R", "us", "TN",
                         "original cosponsor")
GONG = PersonRecord("sponsor", "Jen Gong-Gershowitz",
                    {"openstates": "ocd-person/cf97f459-e1cd-474b-8306-3c55d7c009b0"}, "Democratic", "il")
FRIEDMAN = PersonRecord("judge", "Paul L. Friedman", {"courtlistener": "1124"}, jurisdiction="dcd")


def bill(key: str, *people: PersonRecord, title: str = "NO FAKES Act", source: str = "congress",
         jurisdiction: str = "us", kind: Kind = Kind.FEDERAL_BILL) -> CaseRecord:
    return CaseRecord(key=key, kind=kind, jurisdiction=jurisdiction, title=title, source=source,
                      people=list(people),
                      events=[EventRecord(date(2026, 5, 20), "Introduced in Senate", source)])


def suit(key: str, court: str, defendants: list[str], *people: PersonRecord) -> CaseRecord:
    return CaseRecord(key=key, kind=Kind.LAWSUIT, jurisdiction=court, title=f"Authors v. {defendants[0]}",
                      source="watchlist", defendants=defendants, plaintiffs=["Authors Guild"],
                      people=list(people) or None,
                      events=[EventRecord(date(2026, 6, 1), "COMPLAINT filed", "watchlist")])


def take_in(engine, *records: CaseRecord):
    return intake(engine, list(records), rules=[], similarity=0.9, now=NOW)


def people_rows(engine) -> dict[str, Person]:
    with Session(engine) as session:
        return {p.key: p for p in session.exec(select(Person)).scalars()}


def test_a_legislator_is_one_person_across_bills_by_bioguide_id(store_engine):
    take_in(store_engine, bill("us-119-s-4591", COONS, BLACKBURN),
            bill("us-118-s-4875", PersonRecord("sponsor", "Sen. Coons, Christopher A. [D-DE]",
                                               {"bioguide": "C001088"}, "D", "us", "DE")))
    people = people_rows(store_engine)
    assert set(people) == {"bioguide-c001088", "bioguide-b001243"}
    assert people["bioguide-c001088"].identifiers == {"bioguide": "C001088"}
    with Session(store_engine) as session:
        assert len(case_ids_of(session, "bioguide-c001088")) == 2
        listed = {row["key"]: row["cases"] for row in list_people(session, roles=("sponsor", "cosponsor"))}
    assert listed == {"bioguide-c001088": {"sponsor": 2}, "bioguide-b001243": {"cosponsor": 1}}


def test_names_alone_never_join_people(store_engine):
    """Two legislators of the same name with different ids are two people; a name with no id is
    kept on its bill and joined to nobody."""
    namesake = PersonRecord("sponsor", "Jen Gong-Gershowitz", {"openstates": "ocd-person/other-one"},
                            "Democratic", "ky")
    unlinked = PersonRecord("cosponsor", "Jen Gong-Gershowitz")  # Open States' "person": null
    take_in(store_engine,
            bill("il-103rd-hb-4875", GONG, source="openstates", jurisdiction="il", kind=Kind.STATE_BILL),
            bill("ky-2026rs-hb-512", namesake, unlinked, source="openstates", jurisdiction="ky",
                 kind=Kind.STATE_BILL))
    people = people_rows(store_engine)
    assert set(people) == {"openstates-cf97f459-e1cd-474b-8306-3c55d7c009b0", "openstates-other-one"}
    with Session(store_engine) as session:
        links = session.exec(select(CasePerson).order_by(CasePerson.id)).scalars().all()
        assert [(link.name, link.person_id is None) for link in links if link.role == "cosponsor"] == [
            ("Jen Gong-Gershowitz", True)]
        (ky_id,) = case_ids_of(session, "openstates-other-one")
        assert [m.key for m in people_of(session, [ky_id])[ky_id]] == ["openstates-other-one", None]


def test_parties_are_joined_by_the_names_the_parties_table_folds(store_engine):
    take_in(store_engine, suit("nysd-1:23-cv-11195", "nysd", ["Microsoft Corporation", "OpenAI, Inc."]),
            suit("cand-3:23-cv-03223", "cand", ["OpenAI OpCo, LLC", "OpenAI, L.P."]))
    people = people_rows(store_engine)
    assert people["party-openai"].name == "OpenAI" and people["party-openai"].kind == "party"
    with Session(store_engine) as session:
        assert len(case_ids_of(session, "party-openai", ("defendant",))) == 2
        by_court = list_people(session, roles=("defendant",), jurisdictions=["cand"])
        assert [row["key"] for row in by_court] == ["party-openai"]  # Microsoft is sued in nysd only
        (cand,) = case_ids_of(session, "party-openai", ("defendant",))[1:]
        # Two entities of one company are one defendant on the case.
        assert [m.key for m in people_of(session, [cand])[cand] if m.role == "defendant"] == ["party-openai"]


def test_a_source_replaces_only_the_roles_it_names_and_a_repeat_writes_nothing(store_engine):
    take_in(store_engine, bill("us-119-s-4591", COONS, BLACKBURN))
    again = bill("us-119-s-4591", COONS, BLACKBURN)
    assert record_people(store_engine, [again], now=NOW) == 0  # nothing new: nothing written
    # An unchanged bill is read without its cosponsors: they stay.
    assert record_people(store_engine, [bill("us-119-s-4591", COONS)], now=NOW) == 0
    klobuchar = PersonRecord("cosponsor", "Amy Klobuchar", {"bioguide": "K000367"}, "D", "us", "MN")
    assert record_people(store_engine, [bill("us-119-s-4591", COONS, klobuchar)], now=NOW) == 1
    with Session(store_engine) as session:
        roles = {(m.key, m.role) for m in people_of(session, [1])[1]}
    assert roles == {("bioguide-c001088", "sponsor"), ("bioguide-k000367", "cosponsor")}


def test_a_judge_is_one_person_across_dockets_by_courtlistener_id_and_cases_filter_on_them(store_engine):
    unlinked_namesake = PersonRecord("judge", "Paul L. Friedman", jurisdiction="dcd")
    take_in(store_engine, suit("dcd-1:16-cv-00745", "dcd", ["United States"], FRIEDMAN),
            suit("dcd-1:25-cv-00001", "dcd", ["Meta Platforms, Inc."], FRIEDMAN),
            suit("dcd-1:25-cv-00002", "dcd", ["Google LLC"], unlinked_namesake))
    with Session(store_engine) as session:
        judged = list_cases(session, CaseFilter(person="courtlistener-1124", person_roles=("judge",)))
        assert [c.key for c in judged] == ["dcd-1:16-cv-00745", "dcd-1:25-cv-00001"]
        assert list_cases(session, CaseFilter(person="courtlistener-1124", person_roles=("sponsor",))) == []
        detail = person_detail(session, "courtlistener-1124")
    assert detail["identifiers"] == {"courtlistener": "1124"}
    assert [c["key"] for c in detail["roles"]["judge"]] == ["dcd-1:16-cv-00745", "dcd-1:25-cv-00001"]
    assert detail["recent_events"][0]["text"] == "COMPLAINT filed"


# Following a person, by mail through the real SMTP server.


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


def approve_all(engine) -> None:
    with Session(engine) as session:
        pending = list(session.exec(select(Change.id).where(Change.review_state == "pending")).scalars())
    approve(engine, pending, by="maria", now=datetime.now(UTC))


def test_a_person_followed_before_their_new_case_arrives_gets_it_in_the_digest(
        store_engine, settings, server):  # noqa: F811 - the fixture imported above
    take_in(store_engine, bill("us-119-s-4591", COONS),
            suit("nysd-1:23-cv-11195", "nysd", ["OpenAI, Inc."]),
            bill("us-119-s-146", CRUZ, title="TAKE IT DOWN Act"))
    approve_all(store_engine)
    # Immediate: due again as soon as there is news, so the second digest is sent at once.
    subscriber(store_engine, "ana@example.org", follows_people=["bioguide-c001088", "party-openai"],
               frequency=Frequency.IMMEDIATE)
    subscriber(store_engine, "ben@example.org", follows=["us-119-s-146"], frequency=Frequency.IMMEDIATE)
    send(store_engine, settings)  # the digest of what is there now
    assert "TAKE IT DOWN Act" not in body(server.to("ana@example.org")[0], "plain")
    server.messages.clear()

    # Later: Coons sponsors a bill in the next Congress; OpenAI is sued in another court.
    take_in(store_engine, bill("us-120-s-12", COONS, title="NO FAKES Act of 2027"),
            suit("cand-3:27-cv-00042", "cand", ["OpenAI OpCo, LLC"]),
            bill("us-120-s-99", CRUZ, title="Another bill"))
    approve_all(store_engine)
    send(store_engine, settings)
    (mail,) = server.to("ana@example.org")
    text = body(mail, "plain")
    assert "NO FAKES Act of 2027" in text
    assert "Sent because: you follow Christopher A. Coons (sponsor)" in text
    assert "Authors v. OpenAI OpCo, LLC" in text and "you follow OpenAI (defendant)" in text
    assert "Another bill" not in text  # Cruz is not followed
    assert server.to("ben@example.org") == []  # following a case is not following its sponsor


def test_following_a_person_who_does_not_exist_is_refused(store_engine):
    from tracker.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no person bioguide-x000000 to follow"):
        subscriber(store_engine, "ana@example.org", follows_people=["bioguide-x000000"])


# The commands, through a real subprocess.


def test_people_person_show_and_cases_by_sponsor_and_judge_from_the_command_line(tmp_path):
    env = crawl_environment(tmp_path)
    from tracker.db import open_store

    engine = open_store(env["TRACKER_DATABASE_URL"])
    take_in(engine, bill("us-119-s-4591", COONS, BLACKBURN), bill("us-118-s-4875", COONS),
            suit("dcd-1:16-cv-00745", "dcd", ["United States"], FRIEDMAN))
    engine.dispose()

    listed = json.loads(tracker("people", "--role", "sponsor", "--json", env=env).stdout)
    assert [(p["key"], p["cases"]) for p in listed] == [
        ("bioguide-c001088", {"sponsor": 2}), ("bioguide-b001243", {"cosponsor": 1})]
    table = tracker("people", "--role", "judge", env=env).stdout
    assert "courtlistener-1124" in table and "Paul L. Friedman" in table and "1 judge" in table

    shown = tracker("person", "show", "bioguide-c001088", env=env)
    assert shown.returncode == 0 and "Sponsor (2)" in shown.stdout and "us-119-s-4591" in shown.stdout
    as_json = json.loads(tracker("person", "show", "bioguide-c001088", "--json", env=env).stdout)
    assert sorted(c["key"] for c in as_json["roles"]["sponsor"]) == ["us-118-s-4875", "us-119-s-4591"]

    cases = json.loads(tracker("cases", "--sponsor", "bioguide-b001243", "--json", env=env).stdout)
    assert [c["key"] for c in cases] == ["us-119-s-4591"]
    cases = json.loads(tracker("cases", "--judge", "courtlistener-1124", "--json", env=env).stdout)
    assert [c["key"] for c in cases] == ["dcd-1:16-cv-00745"]
    show = json.loads(tracker("show", "us-119-s-4591", "--json", env=env).stdout)
    assert [(p["key"], p["role"]) for p in show["people"]] == [
        ("bioguide-c001088", "sponsor"), ("bioguide-b001243", "cosponsor")]

    engine = open_store(env["TRACKER_DATABASE_URL"])
    create_matter(engine, "NO FAKES Act, across congresses", ["us-119-s-4591", "us-118-s-4875"], by="maria",
                  now=NOW, key="no-fakes")
    engine.dispose()
    matter = tracker("matter", "show", "no-fakes", env=env).stdout
    side = matter.split("Sponsors side by side")[1].split("Timeline")[0]
    assert "us-119-s-4591" in side and "Christopher A. Coons (D, DE); Marsha Blackburn (R, TN) (co)" in side
    matter_json = json.loads(tracker("matter", "show", "no-fakes", "--json", env=env).stdout)
    assert {m["key"]: [s["key"] for s in m["sponsors"]] for m in matter_json["members"]} == {
        "us-119-s-4591": ["bioguide-c001088", "bioguide-b001243"], "us-118-s-4875": ["bioguide-c001088"]}

    unknown = tracker("person", "show", "bioguide-c001089", env=env)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no person bioguide-c001089")
    assert "did you mean: bioguide-c001088" in unknown.stderr
    assert tracker("cases", "--judge", "courtlistener-9", env=env).returncode == 1
    both = tracker("cases", "--sponsor", "bioguide-c001088", "--judge", "courtlistener-1124", env=env)
    assert both.returncode == 2 and "not both" in both.stderr
    follow = tracker("subscribers", "add", "ana@example.org", "--confirmed",
                     "--follow-person", "party-nobody", env=env)
    assert follow.returncode == 1 and "no person party-nobody to follow" in follow.stderr
    assert json.loads(tracker("subscribers", "list", "--json", env=env).stdout) == []  # nobody half-added
