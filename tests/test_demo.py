"""``tracker demo``: one command, no network, no keys, to a served web app within a minute."""

import json
import mailbox
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import httpx

from tracker.demo import free_port
from tracker.demo.upstream import SOURCES

SERVING = "serving the web app at "


def user_environment(tmp_path) -> dict[str, str]:
    """A user with a database, settings and keys of their own, which the demo must not touch."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'mine.db'}",
               XDG_DATA_HOME=str(tmp_path / "my-data"), XDG_CONFIG_HOME=str(tmp_path / "my-config"),
               COURTLISTENER_TOKEN="my-own-token")
    return env


def test_demo_crawls_every_source_mails_one_digest_and_serves_the_cases(tmp_path):
    folder, port = tmp_path / "demo", free_port()
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "tracker", "demo", "--data-dir", str(folder),
                              "--port", str(port)], env=user_environment(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in child.stdout], daemon=True).start()
    output = []
    try:
        while not any(SERVING in line for line in output):
            assert child.poll() is None, "".join(output)
            output.append(lines.get(timeout=max(0.1, 60 - (time.monotonic() - started))))
        page = httpx.get(f"http://127.0.0.1:{port}/cases", timeout=10)
        for _ in range(50):  # uvicorn binds just after the demo says it serves
            if page.status_code == 200:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)
    text = "".join(output)
    assert elapsed < 60, text
    assert page.status_code == 200 and "Andersen et al. v. Stability AI" in page.text
    assert "Traceback" not in text
    # Every source crawled, into the demo's own database.
    sources = subprocess.run([sys.executable, "-m", "tracker", "sources", "--json"], capture_output=True,
                             text=True, env={**user_environment(tmp_path),
                                             "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}"})
    runs = {row["source"]: row["last_success"] for row in json.loads(sources.stdout)}
    assert set(SOURCES) <= set(runs) and all(runs.values()), sources.stdout
    # One digest, in the mailbox file the demo named.
    assert str(folder / "mailbox.mbox") in text
    (digest,) = mailbox.mbox(folder / "mailbox.mbox")
    assert "<you@example.org>" in digest["To"] and f"http://127.0.0.1:{port}/" in digest.as_string()
    # The user's own database and data directory were never opened.
    assert not (tmp_path / "mine.db").exists() and not (tmp_path / "my-data").exists()


def test_no_serve_stops_after_the_digest_in_a_throwaway_folder(tmp_path):
    env = {**user_environment(tmp_path), "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "tracker", "demo", "--no-serve"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert SERVING not in result.stderr and "1 mail in" in result.stderr
    (folder,) = tmp_path.glob("tracker-demo-*")
    assert len(mailbox.mbox(folder / "mailbox.mbox")) == 1
    assert not (tmp_path / "mine.db").exists()
    # Again in the same folder: the recordings hold nothing new, and the demo says so.
    again = subprocess.run([sys.executable, "-m", "tracker", "demo", "--no-serve", "--data-dir", str(folder)],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "no digest this time: nothing new" in again.stderr, again.stderr
    assert len(mailbox.mbox(folder / "mailbox.mbox")) == 1
