"""The day's budget of a source with a free quota: the measured cost of a refresh, the plan, the
scheduler's spacing, and a spent quota shown as "waiting for quota", not failed or stale."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tracker.budget import plan, quota_wait, refresh_cost
from tracker.config import load_settings
from tracker.db import open_store, write_session
from tracker.models.runs import SourceRun
from tracker.runs import WAITING

DAY = datetime(2026, 11, 30, tzinfo=UTC)


def refreshes(engine, source: str, *requests: int, at: datetime = DAY - timedelta(days=1)) -> None:
    """Complete refreshes (asked for changes since a run before) of so many requests each."""
    with write_session(engine) as session:
        for n, count in enumerate(requests):
            started = at + timedelta(minutes=n)
            session.add(SourceRun(source=source, started_at=started, finished_at=started, state="ok",
                                  finish_reason="finished", since=started - timedelta(hours=1),
                                  requests=count))


def first_crawl(engine, source: str, requests: int, at: datetime, *, state: str = "ok",
                reason: str = "finished") -> None:
    with write_session(engine) as session:
        session.add(SourceRun(source=source, started_at=at, finished_at=at, state=state,
                              finish_reason=reason, requests=requests))


@pytest.fixture
def settings(monkeypatch, tmp_path):
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    return load_settings()  # CourtListener's defaults: 125 a day, hourly


def test_a_refresh_costs_the_median_of_recent_refreshes_not_a_first_crawl(store_engine):
    assert refresh_cost(store_engine, "courtlistener") is None
    first_crawl(store_engine, "courtlistener", 74, DAY - timedelta(days=2))
    assert refresh_cost(store_engine, "courtlistener") is None  # a first crawl is no refresh
    refreshes(store_engine, "courtlistener", 4, 4, 6, 4, 30)
    assert refresh_cost(store_engine, "courtlistener") == 4


def test_the_plan_says_the_interval_that_fits_the_quota(store_engine, settings):
    refreshes(store_engine, "courtlistener", 4, 4, 4)
    refreshes(store_engine, "openstates", 11)
    first_crawl(store_engine, "courtlistener", 74, DAY + timedelta(hours=1))
    plans = {p.source: p for p in plan(store_engine, settings, ["courtlistener", "openstates",
                                                                "federal_register"],
                                       now=DAY + timedelta(hours=2))}
    courtlistener = plans["courtlistener"]
    assert (courtlistener.cost, courtlistener.quota, courtlistener.spent_today) == (4, 125, 74)
    assert courtlistener.fitting == pytest.approx(24 / 31) and courtlistener.fits  # hourly: fits
    assert plans["openstates"].fitting == pytest.approx(24 / 22)  # 250 // 11 a day
    assert plans["federal_register"].quota is None and plans["federal_register"].fits is None


def test_runs_are_spaced_along_the_day_and_wait_when_the_quota_is_spent(store_engine, settings):
    refreshes(store_engine, "courtlistener", 4, 4, 4)
    assert quota_wait(store_engine, settings, "courtlistener", now=DAY + timedelta(minutes=5)) is None
    # A first crawl of 74 just after midnight: an hourly refresh would spend the quota by
    # evening, so the runs wait until the day's share has caught up (74 + 4 <= 125 x (h + 1) / 24).
    first_crawl(store_engine, "courtlistener", 74, DAY + timedelta(minutes=10))
    wait = quota_wait(store_engine, settings, "courtlistener", now=DAY + timedelta(hours=1))
    assert wait.startswith("waiting for quota: 74 of 125 requests spent today, a refresh costs 4")
    assert "spaced to fit the quota; next from 13:58 UTC" in wait
    assert quota_wait(store_engine, settings, "courtlistener", now=DAY + timedelta(hours=14)) is None
    # 122 spent by the evening: the next refresh would pass the quota itself.
    first_crawl(store_engine, "courtlistener", 48, DAY + timedelta(hours=20))
    wait = quota_wait(store_engine, settings, "courtlistener", now=DAY + timedelta(hours=22))
    assert wait.endswith("the quota is spent until 00:00 UTC")
    # The next day starts afresh.
    assert quota_wait(store_engine, settings, "courtlistener", now=DAY + timedelta(days=1)) is None


def tracker(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_scheduled_run_past_the_quota_waits_and_sources_says_so(tmp_path, monkeypatch):
    """The scheduler's crawl job, with the day's quota spent: no crawl starts (the upstream is
    nowhere), the run is recorded as waiting, and `tracker sources` says "waiting for quota",
    neither failed nor stale, though the source has not succeeded within its interval."""
    from tracker.scheduler import NotDone, crawl_job

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    (tmp_path / "empty.toml").write_text("")
    env.update(TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
               TRACKER_CONFIG=str(tmp_path / "empty.toml"),
               TRACKER_SOURCES__COURTLISTENER__URL="http://127.0.0.1:9",
               XDG_DATA_HOME=str(tmp_path / "data"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    engine = open_store(env["TRACKER_DATABASE_URL"])
    now = datetime.now(UTC)
    refreshes(engine, "courtlistener", 4, 4, 4, at=now - timedelta(days=2))
    # A run the day's budget stopped short: no success for two days, yet not stale.
    first_crawl(engine, "courtlistener", 124, now - timedelta(seconds=1), state="partial",
                reason="budget_exhausted")

    with pytest.raises(NotDone) as waited:  # the job's outcome is "waiting", not "ok"
        crawl_job("courtlistener")
    assert waited.value.outcome == WAITING
    assert str(waited.value).startswith("waiting for quota: 124 of 125 requests spent today")

    (row,) = [r for r in json.loads(tracker("sources", "--json", env=env).stdout)
              if r["source"] == "courtlistener"]
    assert row["last_run"]["state"] == WAITING and row["waiting_for_quota"] is True
    assert row["stale"] is False
    table = tracker("sources", env=env).stdout
    assert "waiting for quota" in table and "STALE" not in table.split("courtlistener")[1].split("\n")[0]

    plan_rows = json.loads(tracker("sources", "--plan", "--json", env=env).stdout)
    (courtlistener,) = [r for r in plan_rows if r["source"] == "courtlistener"]
    assert courtlistener == {"source": "courtlistener", "refresh_requests": 4, "daily_quota": 125,
                             "interval_hours": 1.0, "fitting_interval_hours": 0.77, "fits": True,
                             "spent_today": 124}
    shown = tracker("sources", "--plan", env=env).stdout
    assert "yes (every 0.77 h or more)" in shown and "not measured yet" in shown  # Open States
