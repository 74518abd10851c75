"""Browsing on the web: the case list in pages, sorted and filtered (a bad filter is a clear 400),
``/api/cases`` in pages with a maximum size, the matters pages and a case's matter."""

from datetime import date

import pytest

from tracker.matters import create_matter
from tracker.records import CaseRecord, EventRecord
from tracker.store import ingest
from tracker.vocab import ActionClass, Kind, Status

from .test_browser import CHROMEDRIVER, CHROMIUM, browser, shots  # noqa: F401  (the browser)
from .test_web import client, mail, now, site  # noqa: F401  (the fixtures: the app and its mail server)

EXTRA = 60  # with the two of test_web, 62 cases: two pages of 50


@pytest.fixture
def many(site):  # noqa: F811
    ingest(site.engine, [
        CaseRecord(key=f"nysd-1:25-cv-{n:05d}", kind=Kind.LAWSUIT, jurisdiction="nysd",
                   title=f"Author {n} v. Model Co.", source="courtlistener",
                   events=[EventRecord(date(2025, 1, 1 + n % 28), "COMPLAINT filed", "courtlistener"),
                           # every third suit settled, so sorting by status has more than one to sort
                           *([EventRecord(date(2025, 2, 1), "Settlement", "courtlistener",
                                          classification=(ActionClass.SETTLEMENT,))] if n % 3 == 0 else [])])
        for n in range(EXTRA)], now=now())
    create_matter(site.engine, "Stability AI suits", ["cand-3:23-cv-00201", "cand-3:26-cv-00666"],
                  by="maria", now=now(), key="stability-ai-suits")
    return site


def keys_on(page) -> list[str]:
    import re

    return re.findall(r'href="/cases/([^"]+)"', page.text)


def test_the_case_list_has_pages(many):
    first = client(many).get("/cases")
    assert first.status_code == 200 and len(keys_on(first)) == 50
    assert "page 1 of 2" in first.text and 'rel="next"' in first.text
    second = client(many).get("/cases", params={"page": 2})
    assert len(keys_on(second)) == 12 and not set(keys_on(second)) & set(keys_on(first))
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_sorting_and_the_status_and_date_filters(many):
    by_status = keys_on(client(many).get("/cases", params={"sort": "status", "kind": "lawsuit"}))
    assert len(by_status) == 50
    every = client(many).get("/api/cases", params={"per_page": 200}).json()
    recent = client(many).get("/api/cases", params={"since": "2025-01-20", "per_page": 200}).json()
    assert recent and len(recent) < len(every)
    assert all(case["status_date"] >= "2025-01-20" for case in recent)
    rank = {status.value: n for n, status in enumerate(Status)}
    statuses = [rank.get(case["status"], len(rank)) for case in client(many).get(
        "/api/cases", params={"sort": "status", "per_page": 200}).json()]
    assert statuses == sorted(statuses) and len(set(statuses)) > 1
    filed = client(many).get("/api/cases", params={"status": "filed", "per_page": 200}).json()
    assert filed and all(case["status"] == "filed" for case in filed)


@pytest.mark.parametrize("query, message", [
    ({"kind": "bogus"}, "kind='bogus' is not a kind"),
    ({"status": "won"}, "status='won' is not a status"),
    ({"since": "2025-13-01"}, "since='2025-13-01' is not a date (YYYY-MM-DD)"),
    ({"page": "0"}, "page='0' is not a whole number"),
    ({"sort": "title"}, "sort='title' is not a sort order"),
])
def test_a_bad_filter_is_a_clear_400(many, query, message):
    page = client(many).get("/cases", params=query)
    assert page.status_code == 400 and message.replace("'", "&#39;") in page.text
    api = client(many).get("/api/cases", params=query)
    assert api.status_code == 400 and message in api.json()["error"]


def test_the_api_pages_with_a_maximum(many):
    page = client(many).get("/api/cases", params={"per_page": 25, "page": 2})
    assert len(page.json()) == 25 and page.headers["X-Total-Count"] == "62"
    assert 'page=3' in page.headers["Link"] and 'rel="next"' in page.headers["Link"]
    assert len(client(many).get("/api/cases").json()) == 50  # never every case at once
    too_many = client(many).get("/api/cases", params={"per_page": 1000})
    assert too_many.status_code == 400 and "at most 200" in too_many.json()["error"]


def test_matters_pages_and_a_case_shows_its_matter(many):
    listing = client(many).get("/matters")
    assert listing.status_code == 200 and 'href="/matters/stability-ai-suits"' in listing.text
    matter = client(many).get("/matters/stability-ai-suits")
    assert matter.status_code == 200 and "Andersen v. Stability AI Ltd." in matter.text
    assert "COMPLAINT filed" in matter.text  # the merged timeline
    assert 'src="/matters/stability-ai-suits/timeline.svg"' in matter.text  # and drawn (tracker.pictures)
    assert client(many).get("/matters/no-such-matter").status_code == 404
    case = client(many).get("/cases/cand-3:23-cv-00201")
    assert 'href="/matters/stability-ai-suits"' in case.text and "Part of the matter" in case.text


def test_in_a_browser_next_page_then_a_matter(many, browser, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{many.url}/cases")
    first = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "tbody a")}
    browser.find_element(By.LINK_TEXT, "Next page").click()
    assert "page=2" in browser.current_url
    second = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "tbody a")}
    assert len(first) == 50 and len(second) == 12 and not first & second
    browser.save_screenshot(str(shots / "cases-page-2.png"))
    browser.find_element(By.LINK_TEXT, "Matters").click()
    browser.find_element(By.LINK_TEXT, "Stability AI suits").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Stability AI suits"
    browser.find_element(By.LINK_TEXT, "Andersen v. Stability AI Ltd.").click()
    assert "Part of the matter" in browser.page_source
    browser.save_screenshot(str(shots / "matter.png"))
