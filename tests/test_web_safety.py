"""The web app under attack: hostile form input, oversized requests, bad choices (#17)."""

import re
import time
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.vocab import Kind

from . import test_web
from .test_web import SECRET, client, csrf, subscriber

mail, site = test_web.mail, test_web.site  # the same fixtures: a web app and a mail server


def sign_up(browser, **fields):
    form = browser.get("/subscribe")
    return browser.post("/subscribe", data={"csrf": csrf(form), "frequency": "weekly", **fields})


def test_a_line_break_in_a_name_is_cleaned_and_mail_still_flows(site, mail):
    browser = client(site)
    answer = sign_up(browser, email="bob@example.org", name="Bob\r\nX: y")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert subscriber(site, "bob@example.org").name == "Bob X: y"
    (confirmation,) = mail.to("bob@example.org")
    assert confirmation["X"] is None and "\n" not in confirmation["To"]
    assert sign_up(client(site), email="ana@example.org").status_code == 200
    assert len(mail.to("ana@example.org")) == 1  # the outbox is not stuck behind Bob


def test_names_lose_control_characters_and_are_capped():
    from tracker.subscriptions import clean_name

    assert clean_name("Ana\u2028Bcc: eve@x\u200b\t ") == "Ana Bcc: eve@x"
    assert clean_name("\r\n\x00") is None
    assert len(clean_name("x" * 5000)) == 100


def test_every_form_field_is_capped(site, mail):
    browser = client(site)
    started = time.monotonic()
    assert sign_up(browser, email="bob@example.org", name="B" * 20_000).status_code == 413
    assert time.monotonic() - started < 2
    assert sign_up(browser, email="bob@example.org", name="B" * 300).status_code == 200
    assert subscriber(site, "bob@example.org").name == "B" * 100
    assert sign_up(browser, email="a" * 300 + "@example.org").status_code == 400
    assert sign_up(browser, email="cy@example.org", jurisdictions="ca " * 200).status_code == 400
    page = browser.get("/subscribe")
    huge = browser.post("/subscribe", data={"csrf": csrf(page), **{f"f{i}": "x" * 9000
                                                                  for i in range(10)}})
    assert huge.status_code == 413 and "Traceback" not in huge.text


def test_a_frequency_the_form_does_not_offer_is_a_400(site, mail):
    from tracker.subscriptions import Preferences, subscribe
    from tracker.tokens import PREFERENCES, Tokens

    ana, _ = subscribe(site.engine, "ana@example.org", Preferences(), now=test_web.now(),
                       confirmed=True)
    path = f"/preferences/{Tokens(SECRET).make(PREFERENCES, ana.id)}"
    browser = client(site)
    page = browser.get(path)
    answer = browser.post(path, data={"csrf": csrf(page), "frequency": "hourly"})
    assert answer.status_code == 400 and "choose how often" in answer.text
    assert sign_up(browser, email="bo@example.org", frequency="hourly").status_code == 400


HOSTILE_URLS = ["javascript:alert(document.cookie)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "//evil.example/x",
                "vbscript:msgbox(1)", "https:alert(1)"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_intake_takes_only_http_links(url, sqlite_url):
    from tracker.db import open_store
    from tracker.errors import InvalidRecord
    from tracker.records import CaseRecord, EventRecord
    from tracker.store import ingest

    engine = open_store(sqlite_url)
    for record in (
        CaseRecord(key="fr-2026-1", kind=Kind.AGENCY_ACTION, jurisdiction="us", title="Notice",
                   source="federal_register", urls=[url]),
        CaseRecord(key="fr-2026-1", kind=Kind.AGENCY_ACTION, jurisdiction="us", title="Notice",
                   source="federal_register", events=[
                       EventRecord(date(2026, 1, 5), "Published", "federal_register", source_url=url)])):
        with pytest.raises(InvalidRecord, match="http"):
            ingest(engine, [record], now=test_web.now())


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_href_filter_lets_only_web_links_and_our_own_paths_through(url):
    from tracker.records import safe_url

    assert safe_url(url) == "#"
    assert safe_url("https://www.federalregister.gov/d/2026-1") == "https://www.federalregister.gov/d/2026-1"
    assert safe_url("/preferences/abc") == "/preferences/abc"


def test_every_href_in_the_templates_goes_through_the_filter():
    from tracker.config import templates_dir

    for path in templates_dir().rglob("*"):
        if path.suffix in (".html", ".atom"):
            for rest in path.read_text().split('href="')[1:]:
                if rest.startswith("{{"):
                    assert rest[:rest.index("}}")].endswith("| safe_url "), (path.name, rest[:80])
                else:  # a path of ours (a fixed first segment) cannot become another scheme or host
                    value = rest[:rest.index('"')]
                    assert "{{" not in value or re.match(r"/[a-z]", value), (path.name, value)


def test_a_hostile_link_stored_before_the_check_is_not_live(site, mail):
    """Rows written by an older release still hold such links: the pages and mails defuse them."""
    from tracker.digest import build_digests, render_digest
    from tracker.models.cases import Case, Event
    from tracker.review import approve
    from tracker.subscriptions import Preferences, subscribe
    from tracker.tokens import Tokens

    with Session(site.engine) as session:
        case = session.exec(select(Case).where(Case.key == "cand-3:23-cv-00201")).scalar_one()
        case.urls = ["javascript:alert(1)"]
        for event in session.exec(select(Event).where(Event.case_id == case.id)).scalars():
            event.source_url = "javascript:alert(2)"
        session.commit()
    page = client(site).get("/cases/cand-3:23-cv-00201").text
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    approve(site.engine, [1], by="maria", now=test_web.now(), note="n")
    reader, _ = subscribe(site.engine, "reader@example.org", Preferences(), now=test_web.now(),
                          confirmed=True)
    with Session(site.engine) as session:
        (digest,) = build_digests(session, [reader], now=test_web.now(), cap_days=14)
    html = render_digest(digest, site.server.config.app.state.settings, Tokens(SECRET)).html
    assert "Source document" in html and 'href="javascript:' not in html
    with log_in_as_maria(client(site)) as browser:
        assert 'href="javascript:' not in browser.get("/staff/review").text


@contextmanager
def log_in_as_maria(browser):
    assert test_web.log_in(browser).status_code == 303
    yield browser
