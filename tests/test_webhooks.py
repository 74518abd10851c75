"""CourtListener's docket-alert webhooks received by `tracker web`, over real HTTP: a valid event
is stored once however often it is delivered, a wrong secret is refused, and a slow store does
not make the answer miss CourtListener's one second."""

import json
import threading
import time
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import func, select

from tests.upstream import FIXTURES
from tests.webserver import WebServer
from tracker.config import load_settings
from tracker.db import open_store
from tracker.models.cases import Event
from tracker.models.runs import WebhookDelivery
from tracker.records import CaseRecord, EventRecord
from tracker.store import ingest
from tracker.vocab import Kind

SECRET = "hook-3f1c9a7e"
EVENT = (FIXTURES / "courtlistener" / "webhook-docket-alert.json").read_bytes()
ANDERSEN = CaseRecord(
    key="cand-3:23-cv-00201", kind=Kind.LAWSUIT, jurisdiction="cand",
    title="Andersen et al. v. Stability AI Ltd.", source="courtlistener",
    identifiers={"court": "cand", "docket_number": "3:23-cv-00201", "courtlistener_id": 66732129},
    events=[EventRecord(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd.", "courtlistener",
                        entry_number="1", external_id="entry-1")])


@pytest.fixture
def site(monkeypatch, tmp_path, sqlite_url):
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    engine = open_store(sqlite_url)
    ingest(engine, [ANDERSEN], now=datetime.now(UTC))

    def settings(base_url):
        return load_settings(database_url=sqlite_url, base_url=base_url, secret_key="s" * 32,
                             courtlistener_webhook_secret=SECRET, webhook_spool=tmp_path / "spool")

    with WebServer(settings) as web:
        web.engine = engine
        yield web


def post(site, secret: str = SECRET, key: str = "7d2a4c1e-0b9f-4e55-8a40-2f1f3d6c9b11",
         body: bytes = EVENT) -> httpx.Response:
    return httpx.post(f"{site.url}/hooks/courtlistener/{secret}", content=body, timeout=30,
                      headers={"Idempotency-Key": key, "Content-Type": "application/json"})


def stored(site) -> tuple[int, int]:
    with site.engine.connect() as connection:
        return (connection.execute(select(func.count()).select_from(Event)).scalar_one(),
                connection.execute(select(func.count()).select_from(WebhookDelivery)).scalar_one())


def until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def test_an_event_delivered_twice_is_stored_once(site, monkeypatch):
    import tracker.webhooks

    calls = []
    real_intake = tracker.webhooks.intake
    monkeypatch.setattr(tracker.webhooks, "intake",
                        lambda *a, **k: calls.append(1) or real_intake(*a, **k))
    assert post(site).status_code == 202
    until(lambda: stored(site) == (2, 1))
    assert post(site).status_code == 202  # CourtListener's retry of the same event
    # It was spooled before the answer; the drain then drops it, storing nothing twice.
    until(lambda: not list(site.server.config.app.state.settings.webhook_spool.glob("*.json")))
    assert stored(site) == (2, 1) and len(calls) == 1  # the retry never reached the intake
    with site.engine.connect() as connection:
        texts = list(connection.execute(select(Event.text)).scalars())
    assert "ORDER granting 398 Motion to Certify Class. Signed by Judge William H. Orrick on " \
           "11/24/2026. (jmd, COURT STAFF) (Filed on 11/24/2026)" in texts  # (Entered: ...) gone


def test_a_wrong_secret_or_a_bad_event_is_refused(site):
    assert post(site, secret="guessed").status_code == 404
    assert post(site, key="").status_code == 400
    assert post(site, body=json.dumps({"webhook": {"event_type": 2}, "payload": {}}).encode(),
                key="b1").status_code == 400
    assert stored(site) == (1, 0)
    assert not list(site.server.config.app.state.settings.webhook_spool.glob("*.json"))


def test_a_slow_store_does_not_delay_the_answer(site, monkeypatch):
    import tracker.webhooks

    release, entered = threading.Event(), threading.Event()
    real_intake = tracker.webhooks.intake

    def slow_intake(*args, **kwargs):
        entered.set()
        assert release.wait(60)  # the store is stuck until the answer has been seen
        return real_intake(*args, **kwargs)

    monkeypatch.setattr(tracker.webhooks, "intake", slow_intake)
    started = time.monotonic()
    response = post(site)
    elapsed = time.monotonic() - started
    assert response.status_code == 202 and elapsed < 1.0
    assert entered.wait(30) and stored(site) == (1, 0)  # answered while the store was stuck
    release.set()
    until(lambda: stored(site) == (2, 1))
