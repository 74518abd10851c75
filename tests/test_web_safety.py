"""The web app under attack: hostile form input, oversized requests, bad choices (#17)."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tracker.tokens import SESSIONS, derive_key
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


def login_form(site):
    browser = client(site)
    return browser, csrf(browser.get("/staff/login"))


def try_login(browser, token, name="maria", password="wrong password"):
    return browser.post("/staff/login", data={"csrf": token, "name": name, "password": password})


def test_concurrent_wrong_passwords_are_all_counted(site):
    forms = [login_form(site) for _ in range(40)]
    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(lambda form: try_login(*form).status_code, forms))
    assert codes.count(401) <= 5 and codes.count(429) >= 35, codes


def test_attempts_are_limited_per_account_and_per_address(site):
    from tracker.staff import add_staff

    add_staff(site.engine, "ola", "another good password", now=test_web.now())
    browser, token = login_form(site)
    assert [try_login(browser, token).status_code for _ in range(6)] == [401] * 5 + [429]
    # Another account from the same address is not locked out by maria's attempts...
    assert try_login(browser, token, "ola", "another good password").status_code == 303
    # ...but an address that tries many names is.
    browser, token = login_form(site)
    codes = [try_login(browser, token, f"guess{i}").status_code for i in range(20)]
    assert codes[-1] == 429 and set(codes[:12]) == {401}


def test_the_counts_hold_across_web_workers(site):
    from .webserver import WebServer

    with WebServer(lambda base: site.server.config.app.state.settings) as other:
        for server in (site, other, site, other, site):
            browser, token = login_form(server)
            assert try_login(browser, token).status_code == 401
        browser, token = login_form(other)
        assert try_login(browser, token, password="correct horse battery").status_code == 429


def logged_in(site):
    browser = client(site)
    assert test_web.log_in(browser).status_code == 303
    return browser


def copy_of(site, browser):
    stolen = client(site)
    stolen.cookies.update(browser.cookies)
    return stolen


def test_logout_ends_every_session_of_the_account(site):
    browser = logged_in(site)
    stolen = copy_of(site, browser)
    assert stolen.get("/staff/review").status_code == 200
    browser.post("/staff/logout", data={"csrf": csrf(browser.get("/staff/review"))})
    assert stolen.get("/staff/review").status_code == 303


def test_a_new_password_or_removal_ends_the_sessions(site):
    from tracker.staff import remove_staff, set_password

    browser = logged_in(site)
    set_password(site.engine, "maria", "a brand new password")
    assert browser.get("/staff/review").status_code == 303
    browser = client(site)
    assert test_web.log_in(browser, "a brand new password").status_code == 303
    remove_staff(site.engine, "maria")
    assert browser.get("/staff/review").status_code == 303


def test_a_session_lasts_twelve_hours_at_most(site):
    from .test_tokens import forged_session

    key = derive_key(SECRET, SESSIONS)
    old = forged_session(key, {"staff": "maria", "version": 1, "at": int(time.time()) - 13 * 3600})
    fresh = forged_session(key, {"staff": "maria", "version": 1, "at": int(time.time()) - 60})
    assert client(site).get("/staff/review", cookies={"tracker_session": old}).status_code == 303
    assert client(site).get("/staff/review", cookies={"tracker_session": fresh}).status_code == 200


def test_a_reviewer_reviews_but_only_an_admin_sees_the_sources(site):
    from tracker.staff import add_staff

    add_staff(site.engine, "rita", "reviewer password", now=test_web.now(), role="reviewer")
    browser, token = login_form(site)
    assert try_login(browser, token, "rita", "reviewer password").status_code == 303
    assert browser.get("/staff/review").status_code == 200
    assert browser.get("/staff/sources").status_code == 403
    assert logged_in(site).get("/staff/sources").status_code == 200  # maria is an admin


def test_an_old_hash_is_replaced_at_login(site):
    from argon2 import PasswordHasher

    from tracker.models.staff import StaffAccount

    with Session(site.engine) as session:
        session.get(StaffAccount, "maria").password_hash = PasswordHasher(time_cost=1).hash(
            "correct horse battery")
        session.commit()
    logged_in(site)
    with Session(site.engine) as session:
        assert not PasswordHasher().check_needs_rehash(session.get(StaffAccount, "maria").password_hash)


def test_staff_accounts_from_the_command_line(tmp_path):
    import subprocess
    import sys

    from tests.spiders.crawling import crawl_environment

    env = crawl_environment(tmp_path)

    def run(*args, input_text=""):
        return subprocess.run([sys.executable, "-m", "tracker", *args], env=env, input=input_text,
                              capture_output=True, text=True, timeout=120)
    assert run("staff", "add", "ana", "--password-stdin", "--role", "reviewer",
               input_text="long enough pw\n").returncode == 0
    assert "ana" in run("staff", "list").stdout and "reviewer" in run("staff", "list").stdout
    assert run("staff", "passwd", "ana", "--password-stdin", input_text="another long pw\n").returncode == 0
    assert run("staff", "remove", "ana").returncode == 0 and "ana" not in run("staff", "list").stdout
    missing = run("staff", "remove", "ana")
    assert missing.returncode == 1 and missing.stderr == "error: no staff account ana\n"


def test_sign_ups_are_throttled_per_address_and_per_client(site, mail):
    browser = client(site)
    codes = [sign_up(browser, email="target@example.org").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429] and len(mail.to("target@example.org")) <= 3
    codes = [sign_up(browser, email=f"n{i}@example.org").status_code for i in range(8)]
    assert codes[-1] == 429


def test_every_page_says_what_may_run_frame_and_sniff(site):
    headers = client(site).get("/cases").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def confirm_link(mail, address: str) -> str:
    body = mail.to(address)[-1].get_body(("plain",)).get_content()
    return re.search(r"http://\S+(/confirm/\S+)", body).group(1)


def test_an_old_confirm_link_does_not_bring_back_someone_who_unsubscribed(site, mail):
    from tracker.subscriptions import unsubscribe

    browser = client(site)
    sign_up(browser, email="ana@example.org")
    old_link = confirm_link(mail, "ana@example.org")
    assert browser.post(old_link).status_code == 200
    ana = subscriber(site, "ana@example.org")
    unsubscribe(site.engine, ana.id, now=test_web.now())
    sign_up(client(site), email="ana@example.org")  # a stranger signs her up again
    assert client(site).post(old_link).status_code == 400
    assert subscriber(site, "ana@example.org").state == "unconfirmed"
    assert client(site).post(confirm_link(mail, "ana@example.org")).status_code == 200  # hers works
    assert subscriber(site, "ana@example.org").state == "active"


def test_an_address_in_capitals_is_the_same_subscriber(site):
    from tracker.subscriptions import Preferences, subscribe

    first, _ = subscribe(site.engine, "GOOD@Example.org", Preferences(), now=test_web.now())
    second, _ = subscribe(site.engine, "good@example.org", Preferences(), now=test_web.now())
    assert first.id == second.id and second.email == "GOOD@example.org"


@pytest.mark.parametrize(("title", "day", "reason"), [
    ("A" * 96_000, date(2025, 10, 10), "too long"),
    ("A statement", date(2099, 1, 1), "not plausible"),
])
def test_intake_bounds_titles_and_dates(sqlite_url, title, day, reason):
    from tracker.db import open_store
    from tracker.errors import InvalidRecord
    from tracker.records import CaseRecord, EventRecord
    from tracker.store import ingest

    record = CaseRecord(key="statement-x-1", kind=Kind.STATEMENT, jurisdiction="us", title=title,
                        source="statements", events=[EventRecord(day, "Published", "statements")])
    with pytest.raises(InvalidRecord, match=reason):
        ingest(open_store(sqlite_url), [record], now=test_web.now())
