"""The web app under attack: hostile form input, oversized requests, bad choices (#17)."""

import time

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
