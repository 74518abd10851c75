"""The web app over real HTTP: sign-up to unsubscribe, one-click, tokens, CSRF, staff login."""

import re
from datetime import UTC, datetime
from urllib.parse import quote

import feedparser
import httpx
import pytest
from sqlmodel import Session

from tracker.config import load_settings
from tracker.db import open_store
from tracker.models.review import Change
from tracker.models.subscribers import Subscriber
from tracker.records import CaseRecord, CuratedRecord, EventRecord
from tracker.review import approve
from tracker.staff import add_staff
from tracker.store import ingest
from tracker.vocab import Kind

from .mailserver import MailServer
from .webserver import WebServer

HOSTILE = '<script>alert("pwned")</script> Hostile v. AI'
RESEARCH_NOTE = "Trial date conflict (unverified): a staff-only research note"
CASES = [
    CuratedRecord(key="cand-3:23-cv-00201", kind=Kind.LAWSUIT, jurisdiction="cand",
               title="Andersen v. Stability AI Ltd.", source="courtlistener", tags=["training-data"],
               as_of=datetime(2026, 11, 30).date(), confidence="medium", research_notes=RESEARCH_NOTE,
               events=[EventRecord(datetime(2023, 1, 13).date(), "COMPLAINT filed", "courtlistener",
                                   source_url="https://example.org/docket/1")]),
    CaseRecord(key="cand-3:26-cv-00666", kind=Kind.LAWSUIT, jurisdiction="cand", title=HOSTILE,
               source="courtlistener", tags=["likeness"],
               events=[EventRecord(datetime(2026, 1, 5).date(), "<b>COMPLAINT</b>", "courtlistener")]),
]

SECRET = "web-secret-for-the-tests-0123456789"  # at least 32 bytes, as every secret key must be

def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def mail():
    with MailServer() as server:
        yield server


@pytest.fixture
def site(monkeypatch, tmp_path, sqlite_url, mail):
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    engine = open_store(sqlite_url)
    ingest(engine, CASES, now=now())
    add_staff(engine, "maria", "correct horse battery", now=now())

    def settings(base_url):
        return load_settings(database_url=sqlite_url, smtp_url=mail.url, secret_key=SECRET,
                             base_url=base_url, smtp_retry_delay=0,
                             mail_from="AI Copyright Tracker <digest@tracker.example.org>")

    with WebServer(settings) as web:
        web.engine = engine
        yield web


def client(site) -> httpx.Client:
    return httpx.Client(base_url=site.url, follow_redirects=False, timeout=30)


def csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def subscriber(site, email: str) -> Subscriber:
    with Session(site.engine) as session:
        from sqlalchemy import select

        return session.exec(select(Subscriber).where(Subscriber.email == email)).scalar_one()


def test_sign_up_confirm_preferences_and_unsubscribe(site, mail):
    browser = client(site)
    form = browser.get("/subscribe")
    signed = browser.post("/subscribe", data={
        "csrf": csrf(form), "email": "ana@example.org", "frequency": "daily", "kind": "lawsuit",
        "topic": "likeness"})
    assert signed.status_code == 200 and "Check your inbox" in signed.text
    (confirmation,) = mail.to("ana@example.org")
    link = re.search(r"(http://\S+/confirm/\S+)", confirmation.get_body(("plain",)).get_content()).group(1)
    assert link.startswith(site.url)

    asked = browser.get(link.removeprefix(site.url))  # what a mail scanner would fetch
    assert asked.status_code == 200 and "Confirm my subscription" in asked.text
    assert subscriber(site, "ana@example.org").state == "unconfirmed"  # a GET confirms nothing
    confirmed = browser.post(link.removeprefix(site.url))
    assert "Subscribed" in confirmed.text and subscriber(site, "ana@example.org").state == "active"

    preferences = re.search(r'href="(/preferences/[^"]+)"', confirmed.text).group(1)
    page = browser.get(preferences)
    assert 'value="lawsuit" checked' in page.text and 'value="likeness" checked' in page.text
    saved = browser.post(preferences, data={"csrf": csrf(page), "frequency": "weekly",
                                            "kind": "state_bill", "jurisdictions": "ca ny"})
    assert "Saved." in saved.text
    ana = subscriber(site, "ana@example.org")
    assert (ana.frequency, ana.kinds, ana.jurisdictions, ana.topics) == (
        "weekly", ["state_bill"], ["ca", "ny"], [])

    unsubscribe = re.search(r'href="(/unsubscribe/[^"]+)"', saved.text).group(1)
    assert "Stop sending" in browser.get(unsubscribe).text
    assert subscriber(site, "ana@example.org").state == "active"  # a GET changes nothing
    gone = browser.post(unsubscribe)
    assert "Unsubscribed" in gone.text and subscriber(site, "ana@example.org").state == "unsubscribed"


def test_the_sign_up_form_cannot_change_someone_elses_subscription(site, mail):
    from tracker.subscriptions import Preferences, subscribe

    subscribe(site.engine, "ana@example.org", Preferences(kinds=[Kind.LAWSUIT]), now=now(),
              confirmed=True)
    browser = client(site)
    form = browser.get("/subscribe")
    answer = browser.post("/subscribe", data={"csrf": csrf(form), "email": "ana@example.org",
                                              "frequency": "immediate", "kind": "statement"})
    assert "Check your inbox" in answer.text  # the same answer: it says nothing of who subscribed
    ana = subscriber(site, "ana@example.org")
    assert (ana.kinds, ana.frequency) == (["lawsuit"], "weekly")  # untouched
    (link,) = mail.to("ana@example.org")  # she gets a link to her own preferences instead
    assert "/confirm/" in link.get_body(("plain",)).get_content()


def test_one_click_unsubscribe_from_a_mail_client(site, mail):
    from tracker.subscriptions import Preferences, subscribe
    from tracker.tokens import UNSUBSCRIBE, Tokens

    bo, _ = subscribe(site.engine, "bo@example.org", Preferences(), now=now(), confirmed=True)
    token = Tokens(SECRET).make(UNSUBSCRIBE, bo.id)
    # No cookie, no CSRF token: what Gmail sends for List-Unsubscribe-Post (RFC 8058).
    answer = httpx.post(f"{site.url}/unsubscribe/{token}", content=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    assert subscriber(site, "bo@example.org").state == "unsubscribed"


@pytest.mark.parametrize("path", ["/unsubscribe/forged", "/confirm/WyJjb25maXJtIiwxXQ.x.y",
                                  "/preferences/"])
def test_a_forged_or_altered_token_gets_a_clear_400(site, path):
    answer = client(site).get(path + ("x" if path.endswith("/") else ""))
    assert answer.status_code == 400
    assert "This link does not work" in answer.text and "Traceback" not in answer.text


def test_staff_pages_need_a_login(site):
    for path in ("/staff/review", "/staff/sources", "/staff/cases/cand-3:23-cv-00201"):
        answer = client(site).get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/staff/login?next={quote(path)}"


def test_a_post_without_the_csrf_token_is_refused(site):
    browser = client(site)
    browser.get("/subscribe")  # a session, but no token in the form
    refused = browser.post("/subscribe", data={"email": "eve@example.org"})
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    login = browser.post("/staff/login", data={"name": "maria", "password": "correct horse battery"})
    assert login.status_code == 403


def test_scraped_text_is_escaped_everywhere(site):
    browser = client(site)
    for path in ("/cases", "/cases/cand-3:26-cv-00666"):
        page = browser.get(path).text
        assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;pwned&#34;)" in page
    assert "<b>COMPLAINT</b>" not in browser.get("/cases/cand-3:26-cv-00666").text


def log_in(browser, password="correct horse battery"):
    page = browser.get("/staff/login")
    return browser.post("/staff/login?next=/staff/review",
                        data={"csrf": csrf(page), "name": "maria", "password": password})


def test_staff_log_in_and_approve_a_change(site):
    browser = client(site)
    assert log_in(browser, "wrong password").status_code == 401
    answer = log_in(browser)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/review"
    queue = browser.get("/staff/review")
    assert "Andersen v. Stability AI Ltd." in queue.text and "&lt;script&gt;" in queue.text
    decided = browser.post("/staff/review/1", data={
        "csrf": csrf(queue), "action": "approve", "note": "First suit by visual artists",
        "priority": "high"})
    assert decided.status_code == 303
    with Session(site.engine) as session:
        change = session.get(Change, 1)
        assert (change.review_state, change.reviewed_by, change.note) == (
            "approved", "maria", "First suit by visual artists")
    again = browser.post("/staff/review/1", data={"csrf": csrf(queue), "action": "approve"})
    assert again.status_code == 409 and "already approved by maria" in again.text
    staff_case = browser.get("/staff/cases/cand-3:23-cv-00201")
    browser.post("/staff/cases/cand-3:23-cv-00201",
                 data={"csrf": csrf(staff_case), "action": "stance", "value": "support"})
    assert "Our stance: support" in browser.get("/cases/cand-3:23-cv-00201").text


def test_login_attempts_are_limited(site):
    browser = client(site)
    for _ in range(5):
        assert log_in(browser, "guess").status_code == 401
    assert log_in(browser).status_code == 429  # even the right password waits now


def test_feeds_and_json(site):
    approve(site.engine, [1, 2], by="maria", now=now(), note="Matters")
    every = feedparser.parse(client(site).get("/feeds/changes.atom").content)
    assert len(every.entries) == 2 and every.entries[0].link.endswith("/cases/cand-3:26-cv-00666")
    one = feedparser.parse(client(site).get("/feeds/cases/cand-3:23-cv-00201.atom").content)
    assert [e.title for e in one.entries] == ["Andersen v. Stability AI Ltd.: newly tracked (Filed)"]
    topic = feedparser.parse(client(site).get("/feeds/topics/likeness.atom").content)
    assert [e.link.rsplit("/", 1)[1] for e in topic.entries] == ["cand-3:26-cv-00666"]
    cases = client(site).get("/api/cases", params={"tag": "training-data"}).json()
    assert [c["key"] for c in cases] == ["cand-3:23-cv-00201"]
    assert client(site).get("/api/cases/cand-3:23-cv-00201").json()["events"][0]["text"] == "COMPLAINT filed"


def test_research_notes_stay_off_the_public_pages_api_and_feeds(site):
    # Issue #16: confidence, as_of and research notes are for staff, never for the public.
    browser = client(site)
    for path in ("/cases", "/cases/cand-3:23-cv-00201", "/api/cases", "/api/cases/cand-3:23-cv-00201",
                 "/feeds/changes.atom", "/feeds/cases/cand-3:23-cv-00201.atom"):
        answer = browser.get(path)
        assert answer.status_code == 200, path
        assert "staff-only research note" not in answer.text and "curation" not in answer.text, path
    assert "confidence" not in browser.get("/api/cases/cand-3:23-cv-00201").json()


def test_the_case_page_and_its_json_list_the_links_with_their_review(site):
    from tracker.linking import propose

    correction = CaseRecord(key="fr-2023-19240", kind=Kind.AGENCY_ACTION, jurisdiction="us",
                            title="Artificial Intelligence and Copyright; Correction",
                            source="federal_register", identifiers={"correction_of": "fr-2023-18624"})
    notice = CaseRecord(key="fr-2023-18624", kind=Kind.AGENCY_ACTION, jurisdiction="us",
                        title="Artificial Intelligence and Copyright", source="federal_register")
    ingest(site.engine, [correction, notice], now=now())
    propose(site.engine, [correction.key, notice.key], similarity=0.9, now=now())
    page = client(site).get("/cases/fr-2023-18624").text
    assert "fr-2023-19240 is its correction</a>" in page and "(correction) · pending" in page
    data = client(site).get("/api/cases/fr-2023-18624").json()
    assert data["links"] == [{"direction": "from", "relation": "correction", "key": "fr-2023-19240",
                              "reason": "correction", "review_state": "pending"}]
    assert data["related"] == [] and data["matter"] is None  # related: approved links only


def test_the_source_health_page_says_never_succeeded_and_skipped_not_stale(site):
    from tracker.db import write_session
    from tracker.models.runs import SourceRun

    with write_session(site.engine) as session:  # minutes after a first crawl
        session.add_all([
            SourceRun(source="courtlistener", started_at=now(), finished_at=now(), state="failed",
                      finish_reason="unreachable", last_error="cannot reach www.courtlistener.com"),
            SourceRun(source="openstates", started_at=now(), finished_at=now(), state="skipped",
                      finish_reason="no OPENSTATES_API_KEY")])
    browser = client(site)
    log_in(browser)
    page = browser.get("/staff/sources").text
    rows = {row.split("</td>")[0].split(">")[-1]: row for row in page.split("<tr>")[2:]}
    assert "never succeeded" in rows["courtlistener"]
    assert "skipped: no OPENSTATES_API_KEY" in rows["openstates"]
    assert "never run" in rows["congress"] and "stale" not in page.lower()
