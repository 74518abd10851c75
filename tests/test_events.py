"""``tracker events``: every event across the cases in a window, newest first, filtered, as a
table that fits 80 columns, JSON and CSV (#18), through a real subprocess."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.db import open_store
from tracker.matters import create_matter
from tracker.records import CaseRecord, EventRecord
from tracker.store import ingest
from tracker.vocab import Kind

from .spiders.crawling import crawl_environment, tracker

TODAY = date.today()
LONG_KEY = "us-copyright-office-statement-on-ai-training-and-fair-use-part-three-prepublication"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


CASES = [
    CaseRecord(key="cand-3:23-cv-00201", kind=Kind.LAWSUIT, jurisdiction="cand",
               title="Andersen v. Stability AI Ltd.", source="courtlistener", tags=["training-data"],
               events=[EventRecord(ago(400), "COMPLAINT filed", "courtlistener"),
                       EventRecord(ago(2), "ORDER granting in part and denying in part the motion to "
                                   "dismiss the amended complaint, with leave to amend the DMCA claims",
                                   "courtlistener", source_url="https://www.courtlistener.com/docket/66732129/")]),
    CaseRecord(key="nysd-1:23-cv-11195", kind=Kind.LAWSUIT, jurisdiction="nysd",
               title="The New York Times Company v. Microsoft Corporation", source="courtlistener",
               events=[EventRecord(ago(5), "OPINION AND ORDER on the motion to dismiss", "courtlistener")]),
    CaseRecord(key="ca-20252026-ab-412", kind=Kind.STATE_BILL, jurisdiction="ca",
               title="AB 412: AI training data transparency", source="openstates", tags=["training-data"],
               events=[EventRecord(ago(0), "Read second time and amended", "openstates"),
                       EventRecord(ago(20), "Introduced", "openstates")]),
    CaseRecord(key=LONG_KEY, kind=Kind.STATEMENT, jurisdiction="us",
               title="Copyright and Artificial Intelligence, Part 3: Generative AI Training",
               source="statements", events=[EventRecord(ago(1), "Report published", "statements")]),
]


@pytest.fixture
def env(tmp_path):
    environment = crawl_environment(tmp_path, COLUMNS="80")
    engine = open_store(environment["TRACKER_DATABASE_URL"])
    ingest(engine, CASES, now=datetime.now(UTC))
    create_matter(engine, "The Times v. OpenAI and Microsoft", ["nysd-1:23-cv-11195"], by="maria",
                  now=datetime.now(UTC), key="nyt-v-openai")
    engine.dispose()
    return environment


def events(*args: str, env) -> list[dict]:
    result = tracker("events", *args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_week_newest_first_in_80_columns(env):
    shown = tracker("events", "--since", "7d", env=env)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["date", "case", "event"]
    assert [line[:10] for line in lines[1:]] == [ago(n).isoformat() for n in (0, 1, 2, 5)]
    assert all(len(line) <= 80 for line in lines), lines
    assert "ca-20252026-ab-412" in lines[1] and "Read second time and amended" in lines[1]
    assert LONG_KEY[:20] in lines[2] and LONG_KEY not in lines[2] and "…" in lines[2]  # shortened
    assert lines[3].rstrip().endswith("…")  # a long event cut with "…", not mid-air
    assert "4 events in 4 cases since" in shown.stderr


def test_a_date_or_a_number_of_days_opens_the_window(env):
    assert [e["date"] for e in events("--since", ago(20).isoformat(), env=env)] == [
        ago(n).isoformat() for n in (0, 1, 2, 5, 20)]
    assert [e["case_key"] for e in events("--since", "2d", env=env)] == ["ca-20252026-ab-412", LONG_KEY]
    assert len(events(env=env)) == 4  # the default: the last seven days
    assert len(events("--since", "60w", env=env)) == 6


def test_filters_by_kind_jurisdiction_topic_and_matter(env):
    assert {e["case_key"] for e in events("--kind", "lawsuit", env=env)} == {
        "cand-3:23-cv-00201", "nysd-1:23-cv-11195"}
    assert [e["case_key"] for e in events("--jurisdiction", "ca", env=env)] == ["ca-20252026-ab-412"]
    assert [e["case_key"] for e in events("--topic", "training-data", "--kind", "state_bill", env=env)] == [
        "ca-20252026-ab-412"]
    assert [e["text"] for e in events("--matter", "nyt-v-openai", env=env)] == [
        "OPINION AND ORDER on the motion to dismiss"]
    first = events(env=env)[2]
    assert first == {"date": ago(2).isoformat(), "case_key": "cand-3:23-cv-00201",
                     "case_title": "Andersen v. Stability AI Ltd.", "case_kind": "lawsuit",
                     "case_jurisdiction": "cand", "case_status": first["case_status"],
                     "text": CASES[0].events[1].text, "classification": first["classification"],
                     "significance": first["significance"], "ruling": first["ruling"], "entry_number": None,
                     "source": "courtlistener", "source_url": "https://www.courtlistener.com/docket/66732129/"}


def test_csv_has_a_row_per_event(env):
    result = tracker("events", "--since", "7d", "--csv", env=env)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["date"], r["case_key"]) for r in rows] == [
        (ago(0).isoformat(), "ca-20252026-ab-412"), (ago(1).isoformat(), LONG_KEY),
        (ago(2).isoformat(), "cand-3:23-cv-00201"), (ago(5).isoformat(), "nysd-1:23-cv-11195")]
    assert rows[2]["case_title"] == "Andersen v. Stability AI Ltd."
    assert rows[2]["text"] == CASES[0].events[1].text


@pytest.mark.parametrize(("args", "code", "said"), [
    (["--since", "2025-13-01"], 2, "'2025-13-01' is not a date (YYYY-MM-DD)"),
    (["--since", "soon"], 2, "'soon' is not a window (7d, 2w) or a date (YYYY-MM-DD)"),
    (["--matter", "nowhere"], 1, "no matter nowhere (`tracker matters` lists them)"),
    (["--topic", "trainingdata"], 2, "no case has the tag 'trainingdata' (did you mean training-data?)"),
    (["--json", "--csv"], 2, "give --json or --csv, not both"),
])
def test_bad_input_is_one_line(env, args, code, said):
    result = tracker("events", *args, env=env)
    assert result.returncode == code and said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_the_query_on_both_databases(store_engine):
    from sqlmodel import Session

    from tracker.errors import NotFoundError
    from tracker.queries import CaseFilter, events_since

    ingest(store_engine, CASES, now=datetime.now(UTC))
    create_matter(store_engine, "Andersen", ["cand-3:23-cv-00201"], by="maria", now=datetime.now(UTC))
    with Session(store_engine) as session:
        week = events_since(session, CaseFilter(), ago(6))
        assert [(e.date, c.key) for e, c in week] == [
            (ago(0), "ca-20252026-ab-412"), (ago(1), LONG_KEY), (ago(2), "cand-3:23-cv-00201"),
            (ago(5), "nysd-1:23-cv-11195")]
        assert [e.text for e, _ in events_since(session, CaseFilter(tag="training-data"), ago(400),
                                                matter="andersen")] == [
            CASES[0].events[1].text, "COMPLAINT filed"]
        with pytest.raises(NotFoundError, match="no matter nowhere"):
            events_since(session, CaseFilter(), ago(6), matter="nowhere")
