"""The login and sign-up counters in Redis (``redis_url``): real `tracker web` processes that share
nothing but a Redis and the secret hold one login limit; a session ended on one worker is ended
on the other; a Redis that is down stops `tracker web` at its start with one line, and refuses
logins and sign-ups mid-run with a 503 page, never a traceback, never the Redis password."""

import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis
from pydantic import SecretStr

from tracker.cli.reference import describe_settings
from tracker.config import load_settings
from tracker.consent import SUPPRESSION_KEYS
from tracker.db import ensure_schema, make_engine
from tracker.demo import free_port
from tracker.errors import ConfigError
from tracker.limits import RedisCounters, counters
from tracker.staff import add_staff
from tracker.tokens import derive_key

from .conftest import missing
from .spiders.crawling import crawl_environment
from .test_web import csrf
from .test_web_safety import try_login
from .test_web_workers import store_url, web  # noqa: F401 (store_url is a fixture)

SECRET = "a secret key both hosts are given, 48 bytes long"
PASSWORD = "redis-pass-not-for-logs"


def sqlite_store(tmp_path, host: str) -> str:
    """A store of its own for one host, with the staff account maria."""
    url = f"sqlite:///{tmp_path / f'{host}.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    add_staff(engine, "maria", "correct horse battery", now=datetime.now(UTC))
    engine.dispose()
    return url


def test_two_hosts_that_share_only_redis_hold_one_login_limit(tmp_path, redis_url):
    one, two = sqlite_store(tmp_path, "one"), sqlite_store(tmp_path, "two")
    shared = {"TRACKER_REDIS_URL": redis_url, "TRACKER_SECRET_KEY": SECRET}
    with (web(tmp_path, one, "web-1", "--workers", "2", **shared) as (first, _),
          web(tmp_path, two, "web-2", **shared) as (second, _)):
        browser = httpx.Client(base_url=first)
        token = csrf(browser.get("/staff/login"))
        codes = []
        for base in (second, first, second, first, second):
            browser.base_url = base
            codes.append(try_login(browser, token).status_code)
        assert codes == [401] * 5
        browser.base_url = first
        assert try_login(browser, token, password="correct horse battery").status_code == 429
    counted = redis.Redis.from_url(redis_url).keys("*")
    assert counted and not any(b"maria" in key or b"127.0.0.1" in key for key in counted)  # hashed


def test_a_session_ended_on_one_worker_is_ended_on_the_other(tmp_path, store_url, redis_url):  # noqa: F811
    with (web(tmp_path, store_url, "web-1", TRACKER_REDIS_URL=redis_url) as (first, _),
          web(tmp_path, store_url, "web-2", TRACKER_REDIS_URL=redis_url) as (second, _)):
        browser = httpx.Client(base_url=first)
        assert try_login(browser, csrf(browser.get("/staff/login")),
                         password="correct horse battery").status_code == 303
        copy = httpx.Client(base_url=second, cookies=browser.cookies)
        assert copy.get("/staff/review").status_code == 200
        browser.post("/staff/logout", data={"csrf": csrf(browser.get("/staff/review"))})
        assert copy.get("/staff/review").status_code == 303  # sent to the login page


def test_concurrent_hits_from_two_clients_are_each_counted_once(redis_url):
    now, window = datetime.now(UTC), timedelta(minutes=15)
    clients = [RedisCounters(redis_url, SECRET), RedisCounters(redis_url, SECRET)]
    with ThreadPoolExecutor(20) as pool:
        counts = list(pool.map(lambda i: clients[i % 2].hit("login-account:ana", window=window, now=now),
                                range(60)))
    assert sorted(counts) == list(range(1, 61))
    assert clients[0].hit("login-account:ana", window=window, now=now + window) == 1  # a new window
    assert clients[1].hit("login-account:bo", window=window, now=now) == 1  # another key


def test_the_redis_url_is_masked_where_settings_are_shown(monkeypatch):
    monkeypatch.setenv("TRACKER_REDIS_URL", f"redis://:{PASSWORD}@cache.example.org:6379/0")
    assert describe_settings(load_settings())["redis_url"] == "redis://:***@cache.example.org:6379/0"


def test_tracker_web_will_not_start_on_a_redis_that_does_not_answer(tmp_path):
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    env = crawl_environment(tmp_path, TRACKER_REDIS_URL=url)
    done = subprocess.run([sys.executable, "-m", "tracker", "web", "--port", str(free_port())],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "did not answer" in done.stderr, done.stderr
    assert PASSWORD not in done.stderr + done.stdout and "Traceback" not in done.stderr
    with pytest.raises(ConfigError, match="not a Redis URL"):
        counters(SecretStr("http://127.0.0.1:6379"), None, SECRET)


@contextmanager
def spare_redis():
    """A Redis server of our own, with a password, that the test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not installed", "Redis")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--requirepass", PASSWORD],
                              stdout=subprocess.DEVNULL)
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    try:
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_logins_and_sign_ups_are_refused_while_redis_is_down(tmp_path):
    with spare_redis() as (url, server), web(tmp_path, sqlite_store(tmp_path, "one"), "web",
                                             TRACKER_REDIS_URL=url) as (base, process):
        browser = httpx.Client(base_url=base)
        token = csrf(browser.get("/staff/login"))
        assert try_login(browser, token).status_code == 401  # counted in Redis
        server.terminate()
        server.wait(timeout=30)
        refused = try_login(browser, token, password="correct horse battery")
        assert refused.status_code == 503 and "Try again in a few minutes" in refused.text
        sign_up = browser.post("/subscribe", data={"csrf": csrf(browser.get("/subscribe")),
                                                   "email": "ana@example.org", "frequency": "weekly"})
        assert sign_up.status_code == 503
        assert browser.get("/cases").status_code == 200  # the rest of the site goes on
        process.terminate()
        said = process.communicate(timeout=60)[1]
    assert "Traceback" not in said and PASSWORD not in said
    assert said.count("Redis at redis://:***@127.0.0.1") == 2, said


@pytest.mark.parametrize("where", ["redis", "database"])
def test_erasing_a_subscriber_drops_their_sign_up_counter(tmp_path, request, where):
    redis_url = request.getfixturevalue("redis_url") if where == "redis" else None
    url = sqlite_store(tmp_path, "host")
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=url, TRACKER_SECRET_KEY=SECRET,
                            **({"TRACKER_REDIS_URL": redis_url} if where == "redis" else {}))
    engine = make_engine(url)
    key = derive_key(SECRET, SUPPRESSION_KEYS)  # as `tracker subscribers erase` derives it from the secret
    store = counters(SecretStr(redis_url) if where == "redis" else None, engine, key)
    now = datetime.now(UTC)
    for address in ("ana@example.org", "ben@example.org"):
        subprocess.run([sys.executable, "-m", "tracker", "subscribers", "add", address], env=env,
                       check=True, capture_output=True)
        store.hit(f"subscribe-address:{address}", window=timedelta(hours=1), now=now)

    erased = subprocess.run([sys.executable, "-m", "tracker", "subscribers", "erase", "ana@example.org",
                             "--yes"], env=env, capture_output=True, text=True)
    assert erased.returncode == 0, erased.stderr
    # ana's counter starts again at 1; ben's, not erased, goes on
    assert store.hit("subscribe-address:ana@example.org", window=timedelta(hours=1), now=now) == 1
    assert store.hit("subscribe-address:ben@example.org", window=timedelta(hours=1), now=now) == 2
