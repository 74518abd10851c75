"""End to end in headless Chromium (Debian's chromium and chromium-driver, which .ci/run installs):
a person signs up, confirms and unsubscribes; a staff member logs in and approves a change.

The screenshots of the review queue, a case page and a digest go to a temporary folder, or, with
``UPDATE_SCREENSHOTS=1``, to ``docs/screenshots/`` for the README.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from tracker.digest import build_digests, render_digest
from tracker.models.review import Change
from tracker.review import approve
from tracker.subscriptions import Preferences, subscribe
from tracker.tokens import Tokens

from .test_web import mail, now, site  # noqa: F401  (the fixtures: the app and its mail server)

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MISSING = "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
# Under CI=true a missing browser fails the run instead of skipping it.
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and os.environ.get("CI") != "true",
                                reason=MISSING)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail(f"{MISSING} (CI=true requires the browser tests to run)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=900,1300"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def click(driver, text: str) -> None:
    from selenium.webdriver.common.by import By

    either = f'//button[normalize-space()="{text}"] | //a[normalize-space()="{text}"]'
    driver.find_element(By.XPATH, either).click()


def heading(driver, expected: str | None = None) -> str:
    """The page's heading; with ``expected``, once the page that has it has loaded (a click
    starts a navigation, and the old page's heading goes stale under us)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def current(d):
        text = d.find_element(By.TAG_NAME, "h1").text
        return text if expected is None or expected in text else False

    return WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,)).until(current)


def test_a_person_signs_up_confirms_and_unsubscribes(site, mail, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{site.url}/subscribe")
    browser.find_element(By.ID, "email").send_keys("ana@example.org")
    browser.find_element(By.CSS_SELECTOR, 'input[value="daily"]').click()
    browser.find_element(By.CSS_SELECTOR, 'input[value="lawsuit"]').click()
    click(browser, "Subscribe")
    assert heading(browser, "Check your inbox") == "Check your inbox"

    (confirmation,) = mail.to("ana@example.org")
    link = re.search(r"(http://\S+/confirm/\S+)", confirmation.get_body(("plain",)).get_content()).group(1)
    browser.get(link)
    click(browser, "Confirm my subscription")
    assert heading(browser, "Subscribed") == "Subscribed"
    click(browser, "Choose what you get")
    assert browser.find_element(By.CSS_SELECTOR, 'input[value="lawsuit"]').is_selected()
    click(browser, "Unsubscribe")
    assert heading(browser, "Unsubscribe") == "Unsubscribe"
    assert "Stop sending" in browser.page_source
    click(browser, "Unsubscribe")
    assert heading(browser, "Unsubscribed") == "Unsubscribed"


def test_staff_log_in_approve_and_the_pages_people_see(site, mail, browser, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{site.url}/staff/review")  # sent to the login page first
    browser.find_element(By.ID, "name").send_keys("maria")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    click(browser, "Log in")
    assert heading(browser, "Review queue") == "Review queue"
    browser.save_screenshot(str(shots / "review-queue.png"))
    browser.find_element(By.ID, "headline-1").send_keys("Artists' suit against Stability AI")
    browser.find_element(By.ID, "note-1").send_keys("First suit by visual artists over training data")
    click(browser, "Approve #1")
    assert "#1 approved" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    with Session(site.engine) as session:
        assert session.get(Change, 1).reviewed_by == "maria"

    browser.get(f"{site.url}/cases/cand-3:23-cv-00201")
    assert heading(browser, "Andersen v. Stability AI Ltd.") == "Andersen v. Stability AI Ltd."
    browser.save_screenshot(str(shots / "case-page.png"))

    approve(site.engine, [2], by="maria", now=now(), note="A test of escaping in every page")
    reader, _ = subscribe(site.engine, "reader@example.org", Preferences(), now=now(), confirmed=True)
    settings = site.server.config.app.state.settings
    with Session(site.engine) as session:
        (digest,) = build_digests(session, [reader], now=now(), cap_days=14)
    page = shots / "digest.html"
    page.write_text(render_digest(digest, settings, Tokens("web-secret-for-the-tests-0123456789")).html)
    browser.get(page.as_uri())
    assert "2 changes in AI copyright" in heading(browser, "2 changes in AI copyright")
    browser.save_screenshot(str(shots / "digest.png"))
    page.unlink()
