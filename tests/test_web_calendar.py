"""``/calendar``, its iCalendar feeds and ``/rulings`` over real HTTP, and ``/calendar`` in
headless Chromium: the dates of real dockets (tests/data/calendar/dockets.yaml)."""

import re
from datetime import date, timedelta

import httpx
import icalendar

from tracker.intake import intake
from tracker.matters import create_matter
from tracker.records import CaseRecord, EventRecord
from tracker.subscriptions import Preferences, subscribe
from tracker.tokens import CALENDAR, Tokens
from tracker.vocab import Kind

from .test_browser import browser, click, heading, shots  # noqa: F401  (fixtures)
from .test_calendar import docket
from .test_web import SECRET, mail, now, site  # noqa: F401  (fixtures)

DEDIOL = "laed-2:08-cv-04256"
PERIOD = "from=2011-10-01&days=400"  # Dediol's second schedule


def fill(site) -> None:  # noqa: F811
    dediol = docket("laed_127926")
    dediol.tags = ["employment"]
    intake(site.engine, [dediol, docket("ilnd_274007")], rules=[], similarity=0.8, now=now())
    comment = CaseRecord(
        key="fr-2099-00001", kind=Kind.AGENCY_ACTION, jurisdiction="us", title="A notice of inquiry",
        source="federal_register", tags=["training-data"],
        identifiers={"fr_document_number": "2099-00001",
                     "comments_close_on": (date.today() + timedelta(days=20)).isoformat()},
        events=[EventRecord(date.today(), "Published in the Federal Register as a Notice.",
                            "federal_register", classification=("notice-of-inquiry",))])
    intake(site.engine, [comment], rules=[], similarity=0.8, now=now())


def client(site) -> httpx.Client:  # noqa: F811
    return httpx.Client(base_url=site.url, timeout=30)


def uids(response: httpx.Response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_feeds_parse_and_keep_their_uids(site):  # noqa: F811
    fill(site)
    web = client(site)
    case_feed = uids(web.get(f"/calendar/cases/{DEDIOL}.ics"))  # the docket's whole history
    trials = {e.decoded("DTSTART").date(): str(e["STATUS"]) for e in case_feed.values()
              if str(e["SUMMARY"]).startswith("Jury Trial")}
    assert trials == {date(2009, 11, 30): "CANCELLED", date(2010, 6, 1): "CANCELLED",
                      date(2012, 5, 21): "CONFIRMED"}
    everything = uids(web.get("/calendar.ics"))  # the past year and what is ahead
    comments = uids(web.get("/calendar/topics/training-data.ics"))
    assert [str(e["SUMMARY"]) for e in comments.values()] == ["Comment period closes: A notice of inquiry"]
    assert set(comments) == set(everything)

    matter = create_matter(site.engine, "Dediol", [DEDIOL], by="maria", now=now())
    assert set(uids(web.get(f"/calendar/matters/{matter.key}.ics"))) == set(case_feed)

    intake(site.engine, [docket("laed_127926")], rules=[], similarity=0.8, now=now())  # crawled again
    assert uids(web.get(f"/calendar/cases/{DEDIOL}.ics")).keys() == case_feed.keys()


def test_a_subscriber_s_own_feed_follows_their_filters(site):  # noqa: F811
    fill(site)
    reader, _ = subscribe(site.engine, "reader@example.org", Preferences(topics=["training-data"]), now=now(),
                          confirmed=True)
    bills, _ = subscribe(site.engine, "bills@example.org", Preferences(kinds=[Kind.STATE_BILL]), now=now(),
                         confirmed=True)
    web, tokens = client(site), Tokens(SECRET)
    preferences = web.get(f"/preferences/{tokens.make('preferences', reader.id)}").text
    link = re.search(r'href="(/calendar/subscribers/[^"]+\.ics)">Your dates', preferences).group(1)
    mine = uids(web.get(link))
    assert [str(e["SUMMARY"]) for e in mine.values()] == ["Comment period closes: A notice of inquiry"]
    assert uids(web.get(f"/calendar/subscribers/{tokens.make(CALENDAR, bills.id)}.ics")) == {}
    forged = web.get(f"/calendar/subscribers/{tokens.make('unsubscribe', reader.id)}.ics")
    assert forged.status_code == 400


def test_the_json_and_its_filters(site):  # noqa: F811
    fill(site)
    web = client(site)
    trials = web.get(f"/api/calendar?{PERIOD}&kind=trial").json()
    assert [(d["case"], d["date"], d["time"], d["timezone"]) for d in trials] == [
        (DEDIOL, "2012-05-21", "10:00", "America/Chicago")]
    refused = web.get("/api/calendar?kind=picnic")
    assert refused.status_code == 400 and "picnic" in refused.text
    assert web.get("/api/rulings?fair_use=maybe").status_code == 400


def test_the_calendar_page_in_a_browser(site, browser, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    fill(site)
    browser.get(f"{site.url}/calendar")
    assert heading(browser, "Coming up") == "Coming up"
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.date")
    assert [r.find_element(By.TAG_NAME, "strong").text for r in rows] == ["Comment period closes"]

    browser.get(f"{site.url}/calendar?{PERIOD}")
    titles = [row.find_element(By.TAG_NAME, "strong").text
              for row in browser.find_elements(By.CSS_SELECTOR, "tr.date")]
    assert "Jury Trial" in titles and "Settlement Conference" in titles
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.vacated")
    browser.save_screenshot(str(shots / "calendar.png"))

    browser.find_element(By.CSS_SELECTOR, 'input[name="kind"][value="trial"]').click()
    click(browser, "Show")
    heading(browser, "Coming up")
    (trial,) = browser.find_elements(By.CSS_SELECTOR, "tr.date")
    assert "Jury Trial" in trial.text and "10:00" in trial.text and "Chicago" in trial.text
    assert "Dediol v. Best Chevrolet" in trial.text
    click(browser, "Dediol v. Best Chevrolet")
    assert heading(browser, "Dediol").startswith("Dediol")

    browser.get(f"{site.url}/calendar?from=2009-07-01&days=400&kind=trial&vacated=1")
    vacated = browser.find_elements(By.CSS_SELECTOR, "tr.vacated")
    assert vacated and all("vacated" in row.text for row in vacated)


def test_a_case_page_keeps_its_past_dates_and_marks_the_vacated(site):  # noqa: F811
    fill(site)
    page = client(site).get(f"/cases/{DEDIOL}")
    dates = page.text.split("<h2>Dates</h2>", 1)[1].split("</table>", 1)[0]
    assert dates.count('<tr class="date vacated">') == 5  # two trials, two hearings on the briefs, a pretrial
    assert "<s>Jury Trial</s> <span class=\"major\">vacated</span>" in dates
    assert "2012-05-21 10:00</td>" in dates and "(past)" in dates
    assert f'href="/calendar/cases/{DEDIOL}.ics"' in page.text
