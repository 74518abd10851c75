"""Rulings as records: outcomes read from the text where it says so (the watchlist's sourced
summaries, CourtListener's docket text), set by staff in review otherwise, and queried by
``tracker rulings`` with its filters."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tracker.db import make_engine
from tracker.errors import NotFoundError
from tracker.intake import intake
from tracker.models.cases import Event
from tracker.models.review import Change
from tracker.records import CaseRecord, EventRecord
from tracker.rulings import (
    OutcomeError,
    RulingFilter,
    list_rulings,
    read_outcome,
    set_outcome,
    set_ruling_outcome,
)
from tracker.vocab import Claim, Disposition, FairUse, Kind
from tracker.watchlist import load_watchlist

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ANDERSEN = "cand-3:23-cv-00201"
# Andersen v. Stability AI's docket, as CourtListener gives it (tracker/demo/fixtures/courtlistener/).
ANDERSEN_DISMISSAL = ("ORDER GRANTING IN PART AND DENYING IN PART <b>49</b> MOTIONS TO DISMISS AND STRIKE. "
                      "Signed by Judge William H. Orrick on 10/30/2023. (jmd, COURT STAFF) "
                      "(Filed on 10/30/2023)")
ANDERSEN_CLASS = ("ORDER granting 398 Motion to Certify Class. Signed by Judge William H. Orrick on "
                  "11/24/2026.")


def seeded(engine):
    return intake(engine, load_watchlist(), rules=[], similarity=0.8, now=NOW)


def rulings(engine, **filters):
    with Session(engine) as session:
        return {(v.case.key, v.event.date): v for v in list_rulings(session, RulingFilter(**filters))}


def test_fair_use_is_read_where_the_ruling_says_how_it_came_out(store_engine):
    """The watchlist's summaries of the three fair-use rulings on training (each from its sources)."""
    seeded(store_engine)
    assert set(rulings(store_engine, fair_use=[FairUse.FOR_DEFENDANT])) == {
        ("cand-3:23-cv-03417", date(2025, 6, 25))}  # Kadrey v. Meta: "training was fair use on this record"
    assert set(rulings(store_engine, fair_use=[FairUse.MIXED])) == {
        ("cand-3:24-cv-05417", date(2025, 6, 23))}  # Bartz: bought books fair use, a pirated library not
    assert set(rulings(store_engine, fair_use=[FairUse.AGAINST])) == {
        ("ded-1:20-cv-00613", date(2025, 2, 11))}  # Thomson Reuters v. ROSS: "fair use rejected"
    kadrey = rulings(store_engine, fair_use=[FairUse.FOR_DEFENDANT])["cand-3:23-cv-03417", date(2025, 6, 25)]
    assert kadrey.outcome.motion == "motion for summary judgment"
    assert kadrey.outcome.disposition is None  # cross-motions: one denied, one granted; staff say which
    assert kadrey.outcome.read_from == "text"
    assert "trademark" not in kadrey.claims  # "market dilution" is not a trademark claim


def test_claims_and_dispositions_are_filters(store_engine):
    seeded(store_engine)
    dmca_in_part = rulings(store_engine, claims=[Claim.DMCA_1202], disposition=[Disposition.GRANTED_IN_PART])
    # Ziff Davis v. OpenAI (2025-12-15): "contributory infringement and DMCA CMI claims survive; robots.txt
    # 1201 claim and unjust enrichment dismissed"
    ziff = dmca_in_part["nysd-1:25-cv-04315", date(2025, 12, 15)]
    assert {"copyright-infringement", "dmca-1202", "dmca-1201", "unjust-enrichment"} <= set(ziff.claims)
    assert all(v.outcome.disposition == "granted-in-part" and "dmca-1202" in v.claims
               for v in dmca_in_part.values())
    recent = rulings(store_engine, since=date(2025, 9, 1)).values()
    assert recent and all(v.event.date >= date(2025, 9, 1) for v in recent)
    assert set(rulings(store_engine, tag="fair-use")) >= {("cand-3:23-cv-03417", date(2025, 6, 25)),
                                                          ("cand-3:24-cv-05417", date(2025, 6, 23))}


def test_docket_text_gives_motion_and_disposition():
    dismissal = read_outcome(ANDERSEN_DISMISSAL, ["motion-to-dismiss-granted-in-part"])
    assert (dismissal.motion, dismissal.disposition, dismissal.fair_use) == (
        "motion to dismiss", Disposition.GRANTED_IN_PART, None)
    certified = read_outcome(ANDERSEN_CLASS, ["class-certified"])
    assert (certified.motion, certified.disposition) == ("motion for class certification",
                                                         Disposition.GRANTED)


def andersen(*events: EventRecord) -> CaseRecord:
    return CaseRecord(key=ANDERSEN, kind=Kind.LAWSUIT, jurisdiction="cand",
                      title="Andersen v. Stability AI Ltd.", source="courtlistener",
                      identifiers={"court": "cand", "docket_number": "3:23-cv-00201"},
                      events=list(events))


def entry(day: date, text: str, number: int) -> EventRecord:
    return EventRecord(day, text, "courtlistener", sequence=number, entry_number=str(number),
                       external_id=f"entry-{number}",
                       source_url=f"https://www.courtlistener.com/docket/66732129/{number}/andersen-v-stability-ai-ltd/")


def test_an_outcome_set_in_review_wins_and_is_never_read_over(store_engine):
    complaint = entry(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd. Filed by Sarah Andersen.", 1)
    intake(store_engine, [andersen(complaint)], rules=[], similarity=0.8, now=NOW)
    ruling = entry(date(2023, 10, 30), ANDERSEN_DISMISSAL, 117)
    intake(store_engine, [andersen(complaint, ruling)], rules=[], similarity=0.8, now=NOW + timedelta(days=1))
    with Session(store_engine) as session:
        change = session.exec(select(Change).where(Change.event_id.is_not(None))).one()
    set_outcome(store_engine, change.id, by="ana", now=NOW, fair_use=FairUse.NOT_REACHED,
                claims=[Claim.DMCA_1202, Claim.COPYRIGHT_INFRINGEMENT],
                holding="Direct-infringement claim against Stability goes on; DMCA claims dismissed.")
    intake(store_engine, [andersen(complaint, ruling)], rules=[], similarity=0.8, now=NOW + timedelta(days=2))
    (view,) = rulings(store_engine, fair_use=[FairUse.NOT_REACHED]).values()
    assert (view.outcome.read_from, view.outcome.set_by) == ("review", "ana")
    assert view.outcome.disposition == "granted-in-part"  # read from the text, kept
    assert view.claims == ["copyright-infringement", "dmca-1202"]
    assert view.outcome.document_url == ruling.source_url
    assert view.outcome.holding.startswith("Direct-infringement claim")


KADREY = "cand-3:23-cv-03417"


def test_staff_set_the_outcome_of_a_seeded_ruling_by_its_day(store_engine):
    """A seeded case's rulings come with its ``new_case`` change alone: no change is about them, so
    staff name the ruling by case and day. What they give replaces what the text gave."""
    seeded(store_engine)
    set_ruling_outcome(store_engine, KADREY, date(2025, 6, 25), by="ana", now=NOW,
                       disposition=Disposition.GRANTED, claims=[Claim.COPYRIGHT_INFRINGEMENT],
                       holding="Training Llama on the plaintiffs' books was fair use on this record.")
    granted = rulings(store_engine, disposition=[Disposition.GRANTED], case_key=KADREY)
    kadrey = granted[KADREY, date(2025, 6, 25)]
    assert (kadrey.outcome.read_from, kadrey.outcome.set_by) == ("review", "ana")
    assert kadrey.outcome.fair_use == "for-defendant"  # read from the text, kept
    assert kadrey.claims == ["copyright-infringement"]
    assert kadrey.outcome.holding == "Training Llama on the plaintiffs' books was fair use on this record."
    seeded(store_engine)  # the next seed reads nothing over
    again = rulings(store_engine, case_key=KADREY)[KADREY, date(2025, 6, 25)]
    assert (again.outcome.disposition, again.claims) == ("granted", ["copyright-infringement"])

    with pytest.raises(NotFoundError, match=rf"no event of {KADREY} on 2025-06-24; its rulings: .*06-25"):
        set_ruling_outcome(store_engine, KADREY, date(2025, 6, 24), by="ana", now=NOW,
                           fair_use=FairUse.MIXED)
    with pytest.raises(NotFoundError, match="no case cand-9:99-cv-00001"):
        set_ruling_outcome(store_engine, "cand-9:99-cv-00001", date(2025, 6, 25), by="ana", now=NOW,
                           fair_use=FairUse.MIXED)


def test_of_two_rulings_on_one_day_the_docket_entry_picks_one(store_engine):
    complaint = entry(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd. Filed by Sarah Andersen.", 1)
    dismissal = entry(date(2023, 10, 30), ANDERSEN_DISMISSAL, 117)
    struck = entry(date(2023, 10, 30), "ORDER granting 52 Motion to Strike. Signed by Judge William H. "
                   "Orrick on 10/30/2023.", 118)
    intake(store_engine, [andersen(complaint, dismissal, struck)], rules=[], similarity=0.8, now=NOW)
    with pytest.raises(OutcomeError, match="2 rulings on 2023-10-30: --entry picks one of 117, 118"):
        set_ruling_outcome(store_engine, ANDERSEN, date(2023, 10, 30), by="ana", now=NOW,
                           fair_use=FairUse.MIXED)
    set_ruling_outcome(store_engine, ANDERSEN, date(2023, 10, 30), entry="117", by="ana", now=NOW,
                       fair_use=FairUse.NOT_REACHED)
    (view,) = rulings(store_engine, fair_use=[FairUse.NOT_REACHED]).values()
    assert view.event.entry_number == "117" and view.outcome.disposition == "granted-in-part"


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}", TRACKER_REVIEWER="ana",
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    return env


def tracker(*args, env) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_tracker_rulings_and_review_edit_outcome(cli_env):
    assert tracker("seed", env=cli_env).returncode == 0
    engine = make_engine(cli_env["TRACKER_DATABASE_URL"])
    complaint = entry(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd. Filed by Sarah Andersen.", 1)
    certified = entry(date(2026, 11, 24), ANDERSEN_CLASS, 398)
    intake(engine, [andersen(complaint, certified)], rules=[], similarity=0.8, now=NOW)
    with Session(engine) as session:
        change = session.exec(select(Change).join(Event, Event.id == Change.event_id)
                              .where(Event.entry_number == "398")).one()
    engine.dispose()

    done = tracker("review", "edit", str(change.id), "--fair-use", "not-reached", "--holding",
                   "A class of artists is certified.", env=cli_env)
    assert done.returncode == 0, done.stderr
    listed = json.loads(tracker("rulings", "--fair-use", "not-reached", "--json", env=cli_env).stdout)
    assert [(r["case"], r["date"], r["disposition"], r["holding"], r["read_from"]) for r in listed] == [
        (ANDERSEN, "2026-11-24", "granted", "A class of artists is certified.", "review")]
    table = tracker("rulings", "--fair-use", "not-reached", env=cli_env).stdout
    assert "Holding: A class of artists is certified." in table
    in_part = json.loads(tracker("rulings", "--disposition", "in-part", "--json", env=cli_env).stdout)
    assert in_part and all(r["disposition"] == "granted-in-part" for r in in_part)

    refused = tracker("review", "edit", "999999", "--fair-use", "mixed", env=cli_env)
    assert refused.returncode == 1 and refused.stderr.strip() == "error: no change #999999"
    bad = tracker("rulings", "--fair-use", "maybe", env=cli_env)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_tracker_outcome_sets_a_seeded_rulings_outcome(cli_env):
    assert tracker("seed", env=cli_env).returncode == 0
    holding = "Training was fair use on this record."
    done = tracker("outcome", KADREY, "--date", "2025-06-25", "--disposition", "granted", "--claim",
                   "copyright-infringement", "--holding", holding, env=cli_env)
    assert done.returncode == 0, done.stderr
    (kadrey,) = json.loads(tracker("rulings", "--case", KADREY, "--disposition", "granted", "--json",
                                   env=cli_env).stdout)
    assert (kadrey["date"], kadrey["fair_use"], kadrey["claims"], kadrey["holding"], kadrey["read_from"]) == (
        "2025-06-25", "for-defendant", ["copyright-infringement"], holding, "review")
    nothing = tracker("outcome", KADREY, "--date", "2025-06-25", env=cli_env)
    assert nothing.returncode == 2 and nothing.stderr.startswith("error: no outcome given")
    missing = tracker("outcome", KADREY, "--date", "2025-06-24", "--fair-use", "mixed", env=cli_env)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    bad_day = tracker("outcome", KADREY, "--date", "June 25", "--fair-use", "mixed", env=cli_env)
    assert bad_day.returncode == 2 and len(bad_day.stderr.strip().splitlines()) == 1
