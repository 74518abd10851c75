"""Consent and a subscriber's rights (#22): the consent record, all their data as JSON (from the
command line and from their preferences page), erasure that keeps only a keyed hash, refusals
with a reason, "why didn't they get it?", and the outbox's retention."""

import html
import json
import re
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from tracker.consent import WORDING
from tracker.mailer import BODIES, OUTBOX
from tracker.models.mailops import Suppression
from tracker.retention import purge_bodies

from . import test_mail, test_web
from .spiders.crawling import crawl_environment, tracker
from .test_mail import BASE, SECRET, now, send, subscriber
from .test_web import client, csrf, mail, site  # noqa: F401 - fixtures

approved, server, settings = test_mail.approved, test_mail.server, test_mail.settings  # fixtures


def test_consent_export_and_erasure_from_sign_up_to_suppression(site, mail, tmp_path):  # noqa: F811
    browser = client(site)
    form = browser.get("/subscribe")
    assert html.escape(WORDING).replace("&#x27;", "&#39;") in form.text  # the words agreed to, on the form
    browser.post("/subscribe", data={"csrf": csrf(form), "email": "ana@example.org", "frequency": "daily"})
    (confirmation,) = mail.to("ana@example.org")
    link = re.search(r"(http://\S+/confirm/\S+)", confirmation.get_body(("plain",)).get_content()).group(1)
    confirmed = browser.post(link.removeprefix(site.url))
    preferences = re.search(r'href="(/preferences/[^"]+)"', confirmed.text).group(1)
    page = browser.get(preferences)
    browser.post(preferences, data={"csrf": csrf(page), "frequency": "weekly", "kind": "lawsuit"})

    download = browser.get(re.search(r'href="(/preferences/[^"]+/my-data.json)"', page.text).group(1))
    assert download.headers["content-disposition"].startswith("attachment")
    data = download.json()
    assert data["subscriber"]["email"] == "ana@example.org" and data["mails"][0]["purpose"] == "confirm"
    asked, confirmed_event, changed = data["consent"]
    assert (asked["action"], asked["how"], asked["from"], asked["wording"]) == (
        "asked", "web form", "127.0.0.1", WORDING)
    assert (confirmed_event["action"], confirmed_event["how"]) == ("confirmed", "confirmation link")
    assert changed["detail"] == {"frequency": ["daily", "weekly"], "kinds": [[], ["lawsuit"]]}

    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=str(site.engine.url), TRACKER_SMTP_URL=mail.url,
                            TRACKER_SECRET_KEY=test_web.SECRET, TRACKER_BASE_URL=site.url)
    shown = tracker("subscribers", "show", "ana@example.org", env=env).stdout
    assert re.search(r"asked +web form from 127\.0\.0\.1", shown) and f"agreed to: “{WORDING}”" in shown
    assert "frequency: daily → weekly" in shown
    exported = json.loads(tracker("subscribers", "export", "ana@example.org", env=env).stdout)
    assert exported["consent"] == data["consent"] and exported["subscriber"] == data["subscriber"]

    erased = tracker("subscribers", "erase", "ana@example.org", "--yes", env=env)
    assert erased.returncode == 0 and "1 mails, 3 consent records" in erased.stderr
    gone = tracker("subscribers", "export", "ana@example.org", env=env)
    assert (gone.returncode, gone.stderr) == (1, "error: no subscriber ana@example.org\n")
    with Session(site.engine) as session:
        (kept,) = session.exec(select(Suppression)).scalars()
    assert kept.reason == "erased" and "ana" not in kept.address_hash  # a keyed hash, not the address
    assert browser.get(preferences).status_code == 404  # their link leads nowhere now

    form = browser.get("/subscribe")
    again = browser.post("/subscribe", data={"csrf": csrf(form), "email": "ANA@example.org"})
    assert again.status_code == 400 and "asked us to erase their data" in again.text
    refused = tracker("subscribers", "add", "ana@example.org", "--confirmed", env=env)
    assert refused.returncode == 2 and "cannot be subscribed: its owner asked us to erase" in refused.stderr
    assert tracker("subscribers", "unsuppress", "ana@example.org", env=env).returncode == 0
    assert tracker("subscribers", "add", "ana@example.org", "--confirmed", env=env).returncode == 0


def test_explain_says_why_each_change_reached_them_or_not(approved, settings, server, tmp_path):
    subscriber(approved, "ana@example.org", kinds=["lawsuit"])
    send(approved, settings)
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=settings.database_url, TRACKER_SMTP_URL=server.url,
                            TRACKER_SECRET_KEY=SECRET, TRACKER_BASE_URL=BASE)
    explained = tracker("subscribers", "explain", "ana@example.org", "--json", env=env)
    assert explained.returncode == 0, explained.stderr
    lines = json.loads(explained.stdout)
    verdicts = {line["case"]: line for line in lines}
    andersen, bill = verdicts["cand-3:23-cv-00201"], verdicts["ca-20252026-ab-412"]
    assert (andersen["verdict"], andersen["reason"]) == ("sent", "matched kind: lawsuit")
    assert andersen["digest"]["server_answer"] == 250
    assert andersen["digest"]["subject"].startswith("2 changes in AI copyright")
    assert (bill["verdict"], bill["reason"]) == ("not for them",
                                                 "a state bill, not a kind they chose (lawsuit)")
    one = tracker("subscribers", "explain", "ana@example.org", "--change", str(bill["change"]), env=env)
    assert one.stdout.count("\n#") == 0 and "not for them: a state bill" in one.stdout
    assert "digest: mail #" not in one.stdout
    text = tracker("subscribers", "explain", "ana@example.org", "--since", "2000-01-01", env=env).stdout
    assert "digest: mail #1 “2 changes in AI copyright" in text and "the server answered 250" in text
    missing = tracker("subscribers", "explain", "ana@example.org", "--change", "999", env=env)
    assert missing.returncode == 1 and missing.stderr.startswith("error: no approved change #999")
    bad = tracker("subscribers", "explain", "ana@example.org", "--since", "yesterday", env=env)
    assert bad.returncode == 2 and "is not a date" in bad.stderr


def test_bodies_are_emptied_after_the_retention_period_and_the_record_stays(approved, settings, server):
    subscriber(approved, "ana@example.org")
    subscriber(approved, "bo@example.org")
    server.refuse("bo@example.org", "451 4.3.0 Try later")  # bo's stays pending: never emptied
    settings.smtp_attempts = 1
    send(approved, settings)
    assert purge_bodies(approved, now=now(), days=30) == (0, 0)  # too recent
    later = now() + timedelta(days=31)
    with approved.begin() as connection:  # as if the next try were far off
        connection.execute(update(OUTBOX).where(OUTBOX.c.state == "pending").values(created_at=now()))
    assert purge_bodies(approved, now=later, days=30) == (1, 0)
    with approved.connect() as connection:
        rows = {row.state: row for row in connection.execute(select(OUTBOX))}
    sent = rows["sent"]
    assert (sent.text, sent.html, sent.fill, sent.purged_at is not None) == ("", "", None, True)
    assert sent.subject.startswith("3 changes") and sent.smtp_code == 250 and sent.sent_at  # the record
    assert "Andersen" in rows["pending"].text
    assert purge_bodies(approved, now=later, days=30) == (0, 0)  # once
    with approved.begin() as connection:  # the digest body ana's and bo's share waits for bo's
        assert list(connection.execute(select(BODIES.c.key))) == [(rows["pending"].body_key,)]
        connection.execute(update(OUTBOX).where(OUTBOX.c.state == "pending").values(state="sent"))
    purge_bodies(approved, now=later, days=30)
    with approved.connect() as connection:  # then goes, with the last mail made from it
        assert list(connection.execute(select(BODIES.c.key))) == []
