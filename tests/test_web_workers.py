"""Several web workers as one: real `tracker web` processes on one PostgreSQL store, as on two
hosts (each its own data folder, no TRACKER_SECRET_KEY), share the secret, the forms' tokens and
the login limit; `tracker web --workers 2` serves with two worker processes."""

import asyncio
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from tracker.db import ensure_schema, make_engine
from tracker.demo import free_port
from tracker.staff import add_staff
from tracker.web.serving import WorkersConfig

from .spiders.crawling import crawl_environment
from .test_web import csrf
from .test_web_safety import try_login


@pytest.fixture
def store_url(postgres_schema_url):
    url = postgres_schema_url()
    engine = make_engine(url)
    ensure_schema(engine)
    add_staff(engine, "maria", "correct horse battery", now=datetime.now(UTC))
    engine.dispose()
    return url


@contextmanager
def web(tmp_path, url: str, host: str, *options: str, **settings: str):
    """`tracker web` in a process of its own, with a data folder of its own (``host``)."""
    (tmp_path / host).mkdir()
    env = crawl_environment(tmp_path / host, TRACKER_DATABASE_URL=url, **settings)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tracker", "web", "--port", str(port), *options],
                               env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/cases", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the web app did not start"
            time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_two_web_processes_share_the_secret_and_the_login_limit(tmp_path, store_url):
    with web(tmp_path, store_url, "web-1") as (first, _), web(tmp_path, store_url, "web-2") as (second, _):
        browser = httpx.Client(base_url=first)
        token = csrf(browser.get("/staff/login"))  # the form and its session from the first...
        codes = []
        for base in (second, first, second, first, second):  # ...posted to either
            browser.base_url = base
            codes.append(try_login(browser, token).status_code)
        assert codes == [401] * 5  # each a wrong password, none a refused form
        browser.base_url = first
        assert try_login(browser, token, password="correct horse battery").status_code == 429
    assert not (tmp_path / "web-1" / "data").exists()  # the secret is in the store, not on a host


def test_web_workers_option_starts_that_many_processes(tmp_path, store_url):
    with web(tmp_path, store_url, "web", "--workers", "2") as (base, process):
        browser = httpx.Client(base_url=base)
        token = csrf(browser.get("/staff/login"))
        assert try_login(browser, token, password="correct horse battery").status_code == 303
        process.terminate()
        said = process.communicate(timeout=60)[1]
    assert len(set(re.findall(r"Started server process \[(\d+)\]", said))) == 2, said


def test_the_first_host_brings_its_key_file_and_every_host_then_reads_the_stored_key(tmp_path, store_url):
    from tracker.config import load_settings
    from tracker.tokens import secret_key

    settings = load_settings(database_url=store_url, secret_key=None)
    one, two = tmp_path / "one" / "secret_key", tmp_path / "two" / "secret_key"
    one.parent.mkdir()
    two.parent.mkdir()
    one.write_text("a key mailed links were signed with, 40 b\n")
    assert secret_key(settings, one) == "a key mailed links were signed with, 40 b"  # links keep working
    assert secret_key(settings, two) == "a key mailed links were signed with, 40 b"  # another host
    assert not two.exists()


def test_the_workers_socket_makes_asyncio_turn_off_nagle_on_each_connection():
    """`tracker web --workers N`'s listening socket says IPPROTO_TCP, so asyncio sets TCP_NODELAY
    on each accepted connection, as it does for one worker; without it each keep-alive request
    waited ~40 ms on the client's delayed ACK (uvicorn#3149; bench/scale.py)."""
    config = WorkersConfig("tracker.web:app_from_settings", factory=True, workers=2, host="127.0.0.1",
                           port=free_port())
    listening = config.bind_socket()
    accepted = []

    class Note(asyncio.Protocol):
        def connection_made(self, transport):
            sock = transport.get_extra_info("socket")
            accepted.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one():
        server = await asyncio.get_running_loop().create_server(Note, sock=listening)
        reader, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        await reader.read()  # closed by the server once it has looked
        writer.close()
        server.close()

    asyncio.run(accept_one())
    assert accepted and accepted[0] != 0
