"""The pictures drawn from a real store: the map's colours follow the stored bills' statuses,
its filters, page and file; suits per defendant; timelines. No network: the shapes ship with
the package."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlmodel import Session, select

from tracker.models.cases import Case
from tracker.pictures.statemap import map_svg, state_rows
from tracker.records import CaseRecord, EventRecord
from tracker.store import ingest
from tracker.vocab import Kind

from .test_web import SECRET

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def bill(state: str, number: int, session: str, classes: list[tuple[str, ...]], tags=("likeness",)):
    events = [EventRecord(date(2025, 1, 10 + i), f"step {i}", "openstates", classification=c)
              for i, c in enumerate(classes)]
    return CaseRecord(key=f"{state}-{session}-hb-{number}", kind=Kind.STATE_BILL, jurisdiction=state,
                      title=f"{state.upper()} HB {number}", source="openstates", tags=list(tags),
                      identifiers={"state": state, "session": session, "bill": f"HB {number}"},
                      events=events)


INTRODUCED = [("introduction",)]
PASSED = [("introduction",), ("passage",)]
ENACTED = [("introduction",), ("passage",), ("passage",), ("executive-signature",)]
VETOED = [("introduction",), ("passage",), ("passage",), ("executive-veto",)]
BILLS = [
    bill("ca", 1, "20252026", ENACTED), bill("ca", 2, "20252026", INTRODUCED, tags=("training-data",)),
    bill("ny", 3, "20252026", PASSED), bill("ny", 4, "20252026", INTRODUCED),
    bill("tx", 5, "89", INTRODUCED),
    bill("fl", 6, "2024", VETOED),
]
# What a reader should see, written out by hand from the bills above.
EXPECTED = {"ca": "enacted", "ny": "passed", "tx": "pending", "fl": "ended", "wy": "none", "ak": "none"}


@pytest.fixture
def bills(store_engine):
    ingest(store_engine, BILLS, now=NOW)
    return store_engine


def colours(svg: str) -> dict[str, str]:
    """Each state's stage, read back from the classes of the drawn paths."""
    root = ET.fromstring(svg)
    return {path.get("id").removeprefix("state-"): path.get("class").split("stage-")[1]
            for path in root.iter(f"{SVG}path") if (path.get("id") or "").startswith("state-")}


def test_the_maps_colours_match_the_statuses_of_the_stored_bills(bills):
    with Session(bills) as session:
        stored = {case.key: case.status for case in session.exec(select(Case))}
        svg = map_svg(state_rows(session))
    # The store folded the events as the bills' histories say.
    assert stored["ca-20252026-hb-1"] == "enacted" and stored["ny-20252026-hb-3"] == "passed_one_chamber"
    assert stored["fl-2024-hb-6"] == "vetoed" and stored["tx-89-hb-5"] == "introduced"
    drawn = colours(svg)
    assert len(drawn) == 51  # fifty states and DC
    assert {state: drawn[state] for state in EXPECTED} == EXPECTED
    assert sum(stage != "none" for stage in drawn.values()) == 4
    root = ET.fromstring(svg)
    titles = {p.get("id"): p.find(f"{SVG}title").text for p in root.iter(f"{SVG}path") if p.get("id")}
    assert titles["state-ca"] == "California: 2 bills (1 enacted, 1 pending); most advanced: Enacted"
    assert titles["state-wy"] == "Wyoming: no bill tracked"
    links = {a.find(f"{SVG}path").get("id"): a.get("href") for a in root.iter(f"{SVG}a")}
    assert links["state-ny"] == "/cases?kind=state_bill&jurisdiction=ny"


def test_the_map_filters_by_topic_status_and_session_year(bills):
    with Session(bills) as session:
        likeness = {r.code: (r.stage, r.count) for r in state_rows(session, topic="likeness") if r.count}
        enacted = {r.code for r in state_rows(session, status="enacted") if r.count}
        of_2024 = {r.code for r in state_rows(session, year=2024) if r.count}
        of_2025 = {r.code for r in state_rows(session, year=2025) if r.count}
    assert likeness == {"ca": ("enacted", 1), "ny": ("passed", 2), "tx": ("pending", 1), "fl": ("ended", 1)}
    assert enacted == {"ca"}
    assert of_2024 == {"fl"}
    assert of_2025 == {"ca", "ny", "tx"}  # Texas's session "89" is read from its events' year


def tracker(*args, database_url: str, tmp_path):
    """The ``tracker`` command in a real subprocess, on the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=database_url, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_tracker_map_writes_the_svg_file(bills, database_url, tmp_path):
    out = tmp_path / "map.svg"
    made = tracker("map", "--output", str(out), "--topic", "likeness", "--status", "enacted",
                   database_url=database_url, tmp_path=tmp_path)
    assert made.returncode == 0, made.stderr
    drawn = colours(out.read_text())
    assert (drawn["ca"], drawn["ny"]) == ("enacted", "none")
    bad = tracker("map", "--output", str(tmp_path / "no" / "map.svg"), database_url=database_url,
                  tmp_path=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: cannot write")
    assert bad.stderr.count("\n") == 1


def test_the_pages_light_map_with_table_and_defendants(bills, database_url, tmp_path, monkeypatch):
    from tracker.config import load_settings

    from .webserver import WebServer

    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    def settings(url):
        return load_settings(database_url=database_url, secret_key=SECRET, base_url=url)

    with WebServer(settings) as web:
        page = httpx.get(f"{web.url}/map?topic=likeness&status=enacted", timeout=30)
        everything = httpx.get(f"{web.url}/map", timeout=30)
        ingest(bills, SUITS, now=NOW)
        defendants = httpx.get(f"{web.url}/defendants", timeout=30)
        openai = httpx.get(f"{web.url}/defendants/OpenAI", timeout=30)
        nobody = httpx.get(f"{web.url}/defendants/Nobody%20Inc", timeout=30)
        case = httpx.get(f"{web.url}/cases/nysd-1:23-cv-00002", timeout=30)
        timeline = httpx.get(f"{web.url}/cases/nysd-1:23-cv-00002/timeline.svg", timeout=30)
        no_matter = httpx.get(f"{web.url}/matters/nope/timeline.svg", timeout=30)
        png = httpx.get(f"{web.url}/map.png?topic=likeness", timeout=30)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert 'src="/cases/nysd-1:23-cv-00002/timeline.svg"' in case.text
    assert timeline.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in timeline.headers["content-security-policy"]
    assert ET.fromstring(timeline.text).tag == f"{SVG}svg" and "Dismissal granted" in timeline.text
    assert no_matter.status_code == 404
    assert defendants.status_code == 200 and '<tr data-defendant="OpenAI">' in defendants.text
    assert 'href="/defendants/OpenAI"' in defendants.text
    assert openai.text.count('<tr data-group=') == 2 and "B v. OpenAI" in openai.text
    assert nobody.status_code == 404
    assert page.status_code == 200 and len(everything.content) < 200_000
    assert 'class="state stage-enacted" id="state-ca"' in page.text
    assert 'class="state stage-none" id="state-ny"' in page.text
    assert '<tr data-state="ca" data-stage="enacted">' in page.text and 'data-state="ny"' not in page.text
    assert "<script" not in everything.text and "http" not in everything.text.split("<svg", 1)[1].split(
        "</svg>")[0].replace("http://www.w3.org/", "")  # nothing in the map asks another site


SUITS = [
    CaseRecord(key="nysd-1:23-cv-00001", kind=Kind.LAWSUIT, jurisdiction="nysd", title="A v. OpenAI",
               source="courtlistener", defendants=["OpenAI, Inc.", "OpenAI OpCo, LLC", "Microsoft Corp."],
               events=[EventRecord(date(2023, 1, 1), "Complaint", "courtlistener",
                                   classification=("complaint-filed",))]),
    CaseRecord(key="nysd-1:23-cv-00002", kind=Kind.LAWSUIT, jurisdiction="nysd", title="B v. OpenAI",
               source="courtlistener", defendants=["OpenAI LP"],
               events=[EventRecord(date(2023, 2, 1), "Complaint", "courtlistener",
                                   classification=("complaint-filed",)),
                       EventRecord(date(2024, 2, 1), "Order granting motion to dismiss", "courtlistener",
                                   classification=("motion-to-dismiss-granted",))]),
    CaseRecord(key="cand-3:24-cv-00003", kind=Kind.LAWSUIT, jurisdiction="cand", title="C v. Anthropic",
               source="courtlistener", defendants=["Anthropic PBC"],
               events=[EventRecord(date(2024, 3, 1), "Complaint", "courtlistener",
                                   classification=("complaint-filed",)),
                       EventRecord(date(2025, 9, 1), "Settlement approved", "courtlistener",
                                   classification=("settlement",))]),
]


def test_suits_per_defendant_fold_entities_and_split_by_status(store_engine):
    from tracker.pictures.defendants import defendant_rows, defendants_svg

    ingest(store_engine, SUITS, now=NOW)
    with Session(store_engine) as session:
        rows = defendant_rows(session)
    assert [(r.name, r.count, r.counts()) for r in rows] == [
        ("OpenAI", 2, {"active": 1, "decided": 1, "settled": 0}),  # two entities in one suit: once
        ("Anthropic", 1, {"active": 0, "decided": 0, "settled": 1}),
        ("Microsoft", 1, {"active": 1, "decided": 0, "settled": 0})]
    root = ET.fromstring(defendants_svg(rows))
    bars = {(a.get("href"), r.get("data-group")): int(r.get("data-count"))
            for a in root.iter(f"{SVG}a") for r in a.iter(f"{SVG}rect")}
    assert bars == {("/defendants/OpenAI", "active"): 1, ("/defendants/OpenAI", "decided"): 1,
                    ("/defendants/Anthropic", "settled"): 1, ("/defendants/Microsoft", "active"): 1}


def test_a_matters_timeline_has_a_row_per_member_labelled_rulings_and_today(store_engine):
    from tracker.matters import create_matter
    from tracker.pictures.timeline import matter_rows, timeline_svg

    ahead = CaseRecord(key="nysd-1:23-cv-00009", kind=Kind.LAWSUIT, jurisdiction="nysd", title="D v. OpenAI",
                       source="courtlistener", defendants=["OpenAI"],
                       events=[EventRecord(date(2026, 12, 20), "Hearing set", "courtlistener")])
    ingest(store_engine, [*SUITS[:2], ahead], now=NOW)
    create_matter(store_engine, "OpenAI suits", ["nysd-1:23-cv-00001", "nysd-1:23-cv-00002",
                                                 "nysd-1:23-cv-00009"], by="test", now=NOW)
    with Session(store_engine) as session:
        title, rows = matter_rows(session, "openai-suits")
    assert title == "OpenAI suits" and len(rows) == 3
    root = ET.fromstring(timeline_svg(rows, today=date(2026, 11, 30), caption=title))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "row"]
    assert sorted(labels) == ["nysd-1:23-cv-00001", "nysd-1:23-cv-00002", "nysd-1:23-cv-00009"]
    dots = {c.find(f"{SVG}title").text: c.get("class") for c in root.iter(f"{SVG}circle")
            if c.find(f"{SVG}title") is not None}
    assert dots["2024-02-01: Order granting motion to dismiss (Dismissal granted)"] == "major"
    assert dots["2026-12-20: Hearing set"] == "ahead"  # after the today line, hollow
    outcomes = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "outcome"]
    assert outcomes == ["Dismissal granted"]
    today = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "today")
    (line,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "today-line"]
    hearing = next(c for c in root.iter(f"{SVG}circle") if c.get("class") == "ahead")
    assert today.text == "today" and float(line.get("d")[1:].split(",")[0]) < float(hearing.get("cx"))


def test_the_weekly_digest_carries_the_map_for_who_follows_state_bills(bills):
    from sqlmodel import col

    from tracker.config import load_settings
    from tracker.digest import build_digests, render_digest
    from tracker.models.review import Change
    from tracker.pictures.png import can_convert
    from tracker.review import approve
    from tracker.subscriptions import Preferences, subscribe
    from tracker.tokens import Tokens

    with Session(bills) as session:
        pending = list(session.exec(select(Change.id).where(col(Change.review_state) == "pending")))
    approve(bills, pending, by="maria", now=NOW)
    states, _ = subscribe(bills, "states@example.org", Preferences(kinds=[Kind.STATE_BILL]), now=NOW,
                          confirmed=True)
    suits, _ = subscribe(bills, "suits@example.org", Preferences(kinds=[Kind.LAWSUIT]), now=NOW,
                         confirmed=True)
    settings = load_settings(database_url="sqlite://", base_url="https://tracker.example.org",
                             secret_key=SECRET)
    with Session(bills) as session:
        digests = build_digests(session, [states, suits], now=NOW, cap_days=3650)
    assert digests[0].items and not digests[1].items  # the lawsuit follower has no news
    mail = render_digest(digests[0], settings, Tokens(SECRET))
    assert "Where state bills stand, on the map: https://tracker.example.org/map" in mail.text
    assert can_convert()  # cairosvg is a test dependency; Chromium brings the cairo library
    assert '<img src="https://tracker.example.org/map.png"' in mail.html
    from tracker.pictures.png import digest_map

    assert digest_map("https://tracker.example.org", ["lawsuit"], {"lawsuit"}) is None  # no map for them


def test_the_map_as_png_for_mail_clients(bills, database_url, tmp_path):
    out = tmp_path / "map.png"
    made = tracker("map", "--output", str(out), database_url=database_url, tmp_path=tmp_path)
    assert made.returncode == 0, made.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
