"""The pictures in headless Chromium, on the shipped watchlist: the map (its colours read back
from the rendered page and matched against the stored bills), suits per defendant and a matter's
and a case's timelines. Screenshots go to a temporary folder, or, with ``UPDATE_SCREENSHOTS=1``,
to ``docs/screenshots/`` for the README."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from tracker.config import load_settings
from tracker.db import open_store
from tracker.intake import intake
from tracker.matters import MATTERS_FILE
from tracker.models.cases import Case
from tracker.pictures.statemap import STAGES, stage_of
from tracker.vocab import Kind
from tracker.watchlist import load_watchlist

from .test_browser import browser, heading, shots  # noqa: F401  (the fixtures: Chromium, the folder)
from .test_web import SECRET
from .webserver import WebServer

COLOUR = {stage.name: stage.colour for stage in STAGES}


def rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture
def seeded_site(monkeypatch, tmp_path, sqlite_url):
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    engine = open_store(sqlite_url)

    def settings(url):
        return load_settings(database_url=sqlite_url, secret_key=SECRET, base_url=url)

    shipped = settings("http://127.0.0.1")
    intake(engine, load_watchlist(), rules=shipped.auto_approve_rules,
           similarity=shipped.link_title_similarity, now=datetime.now(UTC), matters=MATTERS_FILE)

    with WebServer(settings) as web:
        web.engine = engine
        yield web


def test_the_map_in_a_browser_shows_each_state_as_its_bills_stand(seeded_site, browser, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    with Session(seeded_site.engine) as session:
        bills = list(session.exec(select(Case).where(Case.kind == Kind.STATE_BILL)))
    rank = [stage.name for stage in STAGES]
    expected = {}
    for bill in bills:
        stage = stage_of(bill.status)
        expected[bill.jurisdiction] = min(expected.get(bill.jurisdiction, "none"), stage, key=rank.index)
    assert expected  # the watchlist ships state bills

    browser.get(f"{seeded_site.url}/map")
    assert heading(browser, "AI-copyright bills by state") == "AI-copyright bills by state"
    for path in browser.find_elements(By.CSS_SELECTOR, "path.state"):
        state = path.get_attribute("id").removeprefix("state-")
        assert path.value_of_css_property("fill") == rgb(COLOUR[expected.get(state, "none")]), state
    rows = browser.find_elements(By.CSS_SELECTOR, "#map-table tbody tr")
    assert {row.get_attribute("data-state") for row in rows} == set(expected)
    browser.save_screenshot(str(shots / "map.png"))

    browser.find_element(By.CSS_SELECTOR, "#state-ca").click()  # a state links to its bills
    assert heading(browser, "Cases") == "Cases"
    assert "jurisdiction=ca" in browser.current_url and "kind=state_bill" in browser.current_url


def test_suits_per_defendant_and_timelines_in_a_browser(seeded_site, browser, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{seeded_site.url}/defendants")
    assert heading(browser, "Suits per defendant") == "Suits per defendant"
    first = browser.find_element(By.CSS_SELECTOR, "#defendants-table tbody tr")
    assert first.get_attribute("data-defendant") == "OpenAI"  # the most sued
    browser.save_screenshot(str(shots / "defendants.png"))
    browser.find_element(By.CSS_SELECTOR, "#defendant-0 rect").click()
    assert heading(browser, "Suits naming OpenAI") == "Suits naming OpenAI"

    browser.get(f"{seeded_site.url}/cases/nysd-1:23-cv-11195")
    image = browser.find_element(By.CSS_SELECTOR, "img.timeline")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
    browser.get(f"{seeded_site.url}/matters/in-re-openai-copyright/timeline.svg")
    assert len(browser.find_elements(By.CSS_SELECTOR, "text.row")) >= 2  # a row per member
    assert browser.find_elements(By.CSS_SELECTOR, "text.outcome")  # rulings labelled
    browser.find_element(By.TAG_NAME, "svg").screenshot(str(shots / "matter-timeline.png"))
