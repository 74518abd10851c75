"""Crawls on a real Scrapyd on a loopback port: the egg deployed, the scheduler's crawl job run
through Scrapyd's HTTP API against the stand-in upstream, its items stored in PostgreSQL through
the same pipeline and intake, and `tracker sources` naming the Scrapyd job."""

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session, select

from tracker.demo import free_port
from tracker.demo.upstream import Upstream

from .spiders.crawling import counts, crawl_environment, tracker
from .spiders.test_courtlistener import TOKEN, WATCHLIST

SCRAPYD_CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = eggs
logs_dir = logs
dbs_dir = dbs
poll_interval = 0.2
max_proc = 1
"""


@pytest.fixture
def upstream():
    with Upstream("courtlistener") as server:
        yield server


@pytest.fixture
def scrapyd(tmp_path, upstream, postgres_schema_url):
    """Scrapyd in a folder of its own, with the tracker's settings in its environment (as a
    crawler host has them): the PostgreSQL store, the stand-in upstream."""
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=postgres_schema_url(),
                            TRACKER_SOURCES__COURTLISTENER__URL=upstream.url,
                            TRACKER_WATCHLIST_FILE=str(WATCHLIST),
                            TRACKER_SOURCES__COURTLISTENER__DELAY="0", COURTLISTENER_TOKEN=TOKEN)
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port))
    url = f"http://127.0.0.1:{port}"
    said = (home / "scrapyd.out").open("w")  # its log, for a failing test to read
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env,
                               stdout=said, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/daemonstatus.json", timeout=5).json()["status"] == "ok":
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "Scrapyd did not start"
            time.sleep(0.2)
        yield url, home, {**env, "TRACKER_SCRAPYD_URL": url}
    finally:
        process.terminate()
        process.wait(timeout=60)
        said.close()


def test_the_scheduled_crawl_runs_on_scrapyd_and_stores_through_the_intake(scrapyd, monkeypatch):
    url, home, env = scrapyd
    deployed = tracker("scrapyd", "deploy", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stderr.startswith("deployed version ") and f"spiders to {url}" in deployed.stderr
    listed = httpx.get(f"{url}/listspiders.json", params={"project": "ai_copyright_tracker"},
                       timeout=120).json()
    assert "courtlistener" in listed["spiders"]

    for name in [name for name in os.environ if name.startswith("TRACKER_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from tracker.scheduler import crawl_job

    assert crawl_job("courtlistener") == "3 new, 0 updated, 3 changes"
    assert counts(env) == {"cases": 3, "events": 13, "changes": 3}
    finished = httpx.get(f"{url}/listjobs.json", params={"project": "ai_copyright_tracker"},
                       timeout=120).json()
    (job,) = [j["id"] for j in finished["finished"]]
    assert (home / "logs" / "ai_copyright_tracker" / "courtlistener" / f"{job}.log").is_file()

    shown = json.loads(tracker("sources", "--json", env=env).stdout)
    (courtlistener,) = [row for row in shown if row["source"] == "courtlistener"]
    assert courtlistener["last_run"]["scrapyd_job"] == job
    assert courtlistener["last_run"]["state"] == "ok"
    assert f"(Scrapyd job {job})" in tracker("sources", env={**env, "COLUMNS": "250"}).stdout


def test_a_scrapyd_crawl_stopped_by_a_shutdown_is_recorded_interrupted(scrapyd, monkeypatch):
    """As a local crawl stopped by Ctrl-C or a shutdown: interrupted, not failed, so the source's
    health does not count it against the source. The stop is asked before the first poll."""
    url, _, env = scrapyd
    assert tracker("scrapyd", "deploy", env=env).returncode == 0
    monkeypatch.setenv("TRACKER_DATABASE_URL", env["TRACKER_DATABASE_URL"])
    from tracker.config import load_settings
    from tracker.db import open_store
    from tracker.scrapyd import crawl_on_scrapyd

    shutting_down = threading.Event()
    shutting_down.set()
    run = crawl_on_scrapyd(open_store(load_settings().database_url), url, "courtlistener",
                           stop=shutting_down)
    assert (run.state, run.finish_reason) == ("interrupted", "interrupted")
    assert run.last_error == "stopped: the scheduler is shutting down" and run.scrapyd_job
    shown = json.loads(tracker("sources", "--json", env=env).stdout)
    (courtlistener,) = [row for row in shown if row["source"] == "courtlistener"]
    assert courtlistener["last_run"]["state"] == "interrupted"


def test_a_job_stopped_after_recording_its_run_has_that_run_closed_as_interrupted(tmp_path):
    """The usual shutdown: the job has recorded its run (running) when it is cancelled; that run,
    not a new one, is closed as interrupted, with what it stored until then."""
    from tracker.db import ensure_schema, make_engine
    from tracker.models.runs import SourceRun
    from tracker.scrapyd import _judge

    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    ensure_schema(engine)
    started = datetime.now(UTC)
    with Session(engine) as session:
        session.add(SourceRun(source="courtlistener", started_at=started, scrapyd_job="job-1", items=7))
        session.commit()
    run = _judge(engine, "courtlistener", "job-1", started, "stopped: the scheduler is shutting down",
                 "interrupted")
    with Session(engine) as session:
        (stored,) = session.exec(select(SourceRun)).all()
    assert (stored.id, stored.state, stored.finish_reason, stored.items) == (run.id, "interrupted",
                                                                            "interrupted", 7)
    assert stored.last_error == "stopped: the scheduler is shutting down" and stored.finished_at


def test_deploy_without_scrapyd_says_why(tmp_path):
    env = crawl_environment(tmp_path)
    unset = tracker("scrapyd", "deploy", env=env)
    assert (unset.returncode, unset.stderr) == (
        2, "error: TRACKER_SCRAPYD_URL is not set: name the Scrapyd to deploy to (http://crawler:6800)\n")
    dead = tracker("scrapyd", "deploy", env={**env, "TRACKER_SCRAPYD_URL": "http://u:secret@127.0.0.1:9"})
    assert (dead.returncode, dead.stderr) == (
        1, "error: cannot reach Scrapyd at http://u:***@127.0.0.1:9: ConnectionError\n")
