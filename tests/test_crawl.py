"""``tracker crawl`` over every source: each is run, skipped with a reason, or failed with one;
stopped by Ctrl-C; failing fast on an upstream that cannot be reached."""

import contextlib
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.spiders.crawling import counts, crawl_environment, tracker
from tests.upstream import FIXTURES, Upstream


def test_crawl_of_all_sources_with_nothing_reachable_says_so_per_source(tmp_path):
    # Every upstream points at a loopback port nothing listens on; Open States has no key.
    env = crawl_environment(tmp_path, TRACKER_SOURCES__COURTLISTENER__DELAY="0",
                            TRACKER_SOURCES__OPENSTATES__DELAY="0")
    assert tracker("seed", env=env).returncode == 0
    result = tracker("crawl", env=env, cwd=tmp_path)
    assert result.returncode == 1
    summary = result.stderr[result.stderr.index("crawl summary"):]
    states = ("ok", "partial", "failed", "skipped")  # a long note wraps onto lines of its own
    rows = {line.split()[0]: line.split()[1] for line in summary.splitlines()[2:]
            if len(line.split()) > 1 and line.split()[1] in states}
    assert rows == {"congress": "failed", "courtlistener": "failed",
                    "federal_register": "failed", "openstates": "skipped", "statements": "failed"}
    assert summary.count("cannot reach 127.0.0.1:9") == 4  # the fourth: the one statement site
    cases = tracker("cases", "--limit", "0", env=env)
    assert cases.returncode == 0 and "cand-3:23-cv-00201" in cases.stdout  # the seeded cases


# Ctrl-C and unreachable upstreams, on a real `tracker crawl` of the Federal Register source.

def start_crawl(env: dict[str, str], cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "crawl", "--source", "federal_register"],
                            env=env, cwd=cwd, stderr=subprocess.PIPE, text=True)


def read_until(stream, text: str) -> str:
    """Lines of ``stream`` up to the one holding ``text`` (the test's timeout bounds the wait)."""
    said = ""
    while text not in said:
        line = stream.readline()
        assert line, f"the stream ended before {text!r}: {said}"
        said += line
    return said


def last_run(env: dict[str, str]) -> dict:
    health = json.loads(tracker("sources", "--json", env=env).stdout)
    (federal_register,) = [h for h in health if h["source"] == "federal_register"]
    return federal_register["last_run"]


@pytest.fixture
def held(tmp_path):
    """A Federal Register stand-in that holds its search answers until the test lets them go."""
    with Upstream("federal_register") as upstream:
        upstream.hold("/api/v1/documents.json")
        yield upstream, crawl_environment(
            tmp_path, TRACKER_SOURCES__FEDERAL_REGISTER__URL=upstream.url,
            TRACKER_SOURCES__FEDERAL_REGISTER__DELAY="0",
            TRACKER_WATCHLIST_FILE=str(FIXTURES / "federal_register" / "watchlist.yaml"))


def test_first_ctrl_c_says_stopping_at_once_and_lets_the_fetch_in_flight_finish(held, tmp_path):
    upstream, env = held
    crawl = start_crawl(env, tmp_path)
    assert upstream.holding.wait(60)  # the crawl waits on its first search
    crawl.send_signal(signal.SIGINT)
    said = read_until(crawl.stderr, "stopping…")  # while the answer is still held
    assert "Ctrl-C again to stop at once" in said
    upstream.released.set()
    rest = crawl.stderr.read()
    assert crawl.wait(60) == 130 and "Traceback" not in said + rest
    assert "interrupted" in rest
    run = last_run(env)
    assert (run["state"], run["reason"]) == ("interrupted", "interrupted (Ctrl-C)")
    # The answers in flight were read and stored; the next page they pointed to was not asked for.
    assert run["cases_new"] > 0 and counts(env)["cases"] == run["cases_new"]
    assert not [q for _, q, _ in upstream.requests if "search_after_cursor" in q]


def test_second_ctrl_c_kills_the_crawl_at_once_and_records_it_interrupted(held, tmp_path):
    upstream, env = held
    crawl = start_crawl(env, tmp_path)
    assert upstream.holding.wait(60)
    (child,) = Path(f"/proc/{crawl.pid}/task/{crawl.pid}/children").read_text().split()
    crawl.send_signal(signal.SIGINT)
    read_until(crawl.stderr, "stopping…")
    crawl.send_signal(signal.SIGINT)
    # It exits though the answer it waits on is never given: the Scrapy child was killed.
    assert crawl.wait(60) == 130
    assert "stopping now" in crawl.stderr.read()
    assert not Path(f"/proc/{child}").exists()
    run = last_run(env)
    assert (run["state"], run["reason"], run["finished_at"] is not None) == (
        "interrupted", "interrupted (Ctrl-C)", True)


def test_a_refused_connection_fails_the_crawl_at_the_first_try_said_once(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = crawl_environment(tmp_path, TRACKER_SOURCES__FEDERAL_REGISTER__URL=f"http://127.0.0.1:{port}")
    result = tracker("crawl", "--source", "federal_register", env=env, cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and f"cannot reach 127.0.0.1:{port}" in errors[0]  # no retries, no echo
    run = last_run(env)
    assert run["requests"] == 1 and run["reason"].startswith(f"cannot reach 127.0.0.1:{port}")


def test_a_silent_host_fails_the_crawl_once_its_timeout_has_passed(tmp_path):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        env = crawl_environment(tmp_path, TRACKER_SOURCES__FEDERAL_REGISTER__URL=f"http://127.0.0.1:{port}",
                                TRACKER_SOURCES__FEDERAL_REGISTER__TIMEOUT="2")
        result = tracker("crawl", "--source", "federal_register", env=env, cwd=tmp_path)
        connections = 0
        silent.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while silent.accept():
                connections += 1
    assert result.returncode == 1
    assert connections == 1  # robots.txt, asked once: not retried, nothing asked after it
    run = last_run(env)
    assert run["requests"] == 1 and "took longer than 2.0 seconds" in run["reason"]
