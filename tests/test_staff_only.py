"""Staff-only data stays off the public web pages, the public JSON API and the feeds, over real
HTTP; signed-in staff still see it (#18)."""

from datetime import date, timedelta

import feedparser

from tracker.intake import intake
from tracker.records import CaseRecord, EventRecord
from tracker.review import add_note, approve, set_stance, set_tags
from tracker.vocab import Kind, Stance

from . import test_web
from .test_web import client, csrf, log_in, now

mail, site = test_web.mail, test_web.site  # the same fixtures: a web app and a mail server

KEY = "cand-3:23-cv-00201"
PUBLIC_NOTE = "Hearing on the motion to dismiss set for January"
INTERNAL_NOTE = "Counsel says the judge leans our way; do not quote"
SECRET_TAG = "donor-briefing"  # a staff tag no case has as a topic
PUBLIC_PATHS = ("/cases", f"/cases/{KEY}", "/api/cases", f"/api/cases/{KEY}", "/feeds/changes.atom",
                f"/feeds/cases/{KEY}.atom", "/feeds/topics/training-data.atom")


def curate(site) -> None:
    """What staff say about Andersen: a public note, an internal one, a stance and two tags
    (one of them also a topic of the case), its new-case change approved for the feeds; and a
    hearing ahead and a ruling on it, for the calendar and the rulings."""
    ahead = date.today() + timedelta(days=30)
    intake(site.engine, [CaseRecord(
        key=KEY, kind=Kind.LAWSUIT, jurisdiction="cand", title="Andersen v. Stability AI Ltd.",
        source="courtlistener", events=[
            EventRecord(date.today(), "MOTION to Dismiss filed by Stability AI Ltd.. Motion Hearing set "
                        f"for {ahead.month}/{ahead.day}/{ahead.year} 02:00 PM in San Francisco.",
                        "courtlistener"),
            EventRecord(date.today(), "ORDER granting in part and denying in part 49 Motion to Dismiss",
                        "courtlistener")])], rules=[], similarity=0.8, now=now())
    add_note(site.engine, KEY, PUBLIC_NOTE, by="maria", now=now(), public=True)
    add_note(site.engine, KEY, INTERNAL_NOTE, by="maria", now=now())
    set_stance(site.engine, KEY, Stance.OPPOSE, by="maria", now=now())
    set_tags(site.engine, KEY, [SECRET_TAG, "training-data"], [], by="maria", now=now())
    approve(site.engine, [1, 2], by="maria", now=now(), note="First suit by visual artists")


def test_the_public_sees_public_notes_and_nothing_staff_only(site):
    curate(site)
    browser = client(site)
    for path in PUBLIC_PATHS:
        answer = browser.get(path)
        assert answer.status_code == 200, path
        for secret in (INTERNAL_NOTE, SECRET_TAG, "maria", "oppose", "stance", "staff_tags"):
            assert secret not in answer.text, (path, secret)
    page = browser.get(f"/cases/{KEY}").text
    assert PUBLIC_NOTE in page
    assert page.count(">training-data</a>") == 1  # a topic once, even when staff tag it too
    case = browser.get(f"/api/cases/{KEY}").json()
    assert case["notes"] == [{"at": case["notes"][0]["at"], "text": PUBLIC_NOTE}]
    assert not {"stance", "staff_tags", "curation"} & set(case)
    listed = browser.get("/api/cases").json()
    assert all(not {"stance", "staff_tags"} & set(c) for c in listed)
    assert [n["text"] for c in listed for n in c["notes"]] == [PUBLIC_NOTE]
    # A staff tag cannot be probed for through the filters either: the topic finds the case, the
    # staff tag nothing, in the case list, the calendar and the rulings.
    for path in ("/api/cases", "/api/calendar", "/api/rulings"):
        assert browser.get(path, params={"tag": "training-data"}).json(), path
        assert browser.get(path, params={"tag": SECRET_TAG}).json() == [], path
    assert "0 cases" in browser.get("/cases", params={"tag": SECRET_TAG}).text
    assert "Motion Hearing" in browser.get("/calendar.ics", params={"tag": "training-data"}).text
    for path in ("/calendar", "/rulings", "/calendar.ics"):
        assert "Andersen" not in browser.get(path, params={"tag": SECRET_TAG}).text, path
    assert "Motion Hearing" not in browser.get(f"/calendar/topics/{SECRET_TAG}.ics").text


def test_signed_in_staff_still_see_it_and_no_shared_cache_keeps_it(site):
    curate(site)
    browser = client(site)
    assert log_in(browser).status_code == 303
    page = browser.get(f"/cases/{KEY}")
    assert "Our stance: oppose" in page.text and SECRET_TAG in page.text
    assert INTERNAL_NOTE in page.text and "internal: staff only" in page.text and PUBLIC_NOTE in page.text
    assert page.headers["cache-control"] == "private, no-store"
    case = browser.get(f"/api/cases/{KEY}")
    assert case.headers["cache-control"] == "private, no-store"
    data = case.json()
    assert data["stance"] == "oppose" and data["staff_tags"] == [SECRET_TAG, "training-data"]
    assert [(n["text"], n["author"], n["public"]) for n in data["notes"]] == [
        (PUBLIC_NOTE, "maria", True), (INTERNAL_NOTE, "maria", False)]
    assert [c["key"] for c in browser.get("/api/cases", params={"tag": SECRET_TAG}).json()] == [KEY]
    # Logged out, the same browser is the public again.
    browser.post("/staff/logout", data={"csrf": csrf(browser.get("/cases"))})
    public = browser.get(f"/cases/{KEY}")
    assert INTERNAL_NOTE not in public.text and "Our stance" not in public.text
    assert "private" not in public.headers.get("cache-control", "")
    feed = feedparser.parse(client(site).get("/feeds/changes.atom").content)
    assert len(feed.entries) == 2  # the feeds still carry the approved changes


def test_a_note_is_marked_public_on_the_staff_form(site):
    browser = client(site)
    log_in(browser)
    form = browser.get(f"/staff/cases/{KEY}")
    assert 'type="checkbox" name="public"' in form.text
    browser.post(f"/staff/cases/{KEY}", data={"csrf": csrf(form), "action": "note", "value": PUBLIC_NOTE,
                                              "public": "1"})
    browser.post(f"/staff/cases/{KEY}", data={"csrf": csrf(form), "action": "note", "value": INTERNAL_NOTE})
    shown = client(site).get(f"/api/cases/{KEY}").json()["notes"]
    assert [n["text"] for n in shown] == [PUBLIC_NOTE]
