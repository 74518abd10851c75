"""A team deployment's throughput: parallel senders on PostgreSQL, and several web workers.

    .venv/bin/python bench/scale.py [--subscribers 10000] [--senders 1,2,4] [--web-seconds 10]

Needs PostgreSQL at ``TRACKER_TEST_POSTGRES_URL`` (default postgresql+psycopg://postgres@127.0.0.1/test);
everything happens in a schema of its own, dropped at the end. The SMTP sink is an aiosmtpd
server whose handler only notes each Message-ID, in a process of its own so its CPU is measured
apart (Postfix's ``smtp-sink`` is faster, but not on this machine).

Mail: 100 approved changes, N confirmed subscribers in 50 distinct filter sets (a topic each).

1. the bare chain, in this process: for every subscriber, render the digest templates (Jinja2,
   CSS inlined) for their digest, build an ``EmailMessage``, send it with ``smtplib`` over one
   connection; render+MIME and SMTP timed apart; each one's changes are selected beforehand
   (``build_digests``), timed apart and left out of its CPU, though the tracker's queue pays it;
2. the tracker: ``queue_digests`` once (one render per distinct digest), then ``deliver`` with
   1, 2 and 4 sender processes (``tracker digest send --workers N``), the outbox put back to
   pending between runs; each run's mails counted at the sink by Message-ID (duplicates, lost),
   and the local PostgreSQL server's CPU over the run (every session's, so a ceiling on ours).

Web: ``tracker web --workers 1`` and ``--workers 4``, loaded by a Python generator (threads with
keep-alive connections), or by ``wrk`` when it is installed (``apt-get install wrk``: it leaves
the cores to the workers), on ``/cases`` and ``/api/cases/KEY``: requests per second and p99.
"""

import argparse
import http.client
import os
import re
import resource
import shutil
import smtplib
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402

from tracker.demo import free_port  # noqa: E402

SECRET = "bench-secret-for-the-benchmark-0123456789"
FROM = "AI Copyright Tracker <digest@tracker.example.org>"
POSTGRES = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FILTER_SETS = 50
SINK = """
import re, sys, threading
from aiosmtpd.controller import Controller
MESSAGE_ID = re.compile(rb"^Message-ID: (\\S+)", re.MULTILINE | re.IGNORECASE)
out = open(sys.argv[2], "ab", buffering=1 << 16)
class Sink:
    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.content)
        out.write((found.group(1) if found else b"-") + b"\\n")
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.read()
controller.stop(); out.close()
"""


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """A process's user + system CPU so far, from /proc (with its ended children's, waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(n) for n in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float | None:
    """All of the local PostgreSQL's CPU so far: the postmaster's, its ended backends' (which it
    waited for) and its live ones'. Every session's work on that server counts, not only ours;
    None when it is not a process this machine shows."""
    try:
        postmaster = next(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                          and (p / "cmdline").read_bytes().split(b"\0")[0].endswith(b"/postgres"))
        live = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and (p / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(postmaster)]
        return cpu_seconds(postmaster, children=True) + sum(cpu_seconds(pid) for pid in live)
    except (StopIteration, OSError):
        return None


class SinkProcess:
    """The SMTP sink in a process of its own, noting each Message-ID in a file."""

    name = "aiosmtpd, no-op handler"

    def __init__(self, folder: Path):
        self.port, self.ids = free_port(), folder / f"ids-{uuid.uuid4().hex[:6]}.txt"
        self.process = subprocess.Popen([sys.executable, "-c", SINK, str(self.port), str(self.ids)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline() == "ready\n"

    def stop(self) -> tuple[float, Counter]:
        """Its CPU seconds, and how many times each Message-ID arrived."""
        cpu = cpu_seconds(self.process.pid)
        self.process.communicate("")
        return cpu, Counter(line for line in self.ids.read_bytes().splitlines() if line)


def settings_env(url: str, port: int) -> dict[str, str]:
    return {"TRACKER_DATABASE_URL": url, "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "TRACKER_SECRET_KEY": SECRET, "TRACKER_MAIL_FROM": FROM,
            "TRACKER_BASE_URL": "https://tracker.example.org", "TRACKER_SMTP_RETRY_DELAY": "0"}


def use_settings(url: str, port: int):
    os.environ.update(settings_env(url, port))  # the sender processes read them too
    from tracker.config import load_settings

    return load_settings()


def prepare(url: str, subscribers: int) -> None:
    """100 lawsuits, three topics each, their changes approved; subscribers a topic each."""
    from tracker.db import open_store
    from tracker.models.review import Change
    from tracker.models.subscribers import ACTIVE, Subscriber
    from tracker.records import CaseRecord, EventRecord
    from tracker.review import approve
    from tracker.store import ingest
    from tracker.vocab import Kind

    engine = open_store(url)
    now = datetime.now(UTC)
    ingest(engine, [CaseRecord(
        key=f"cand-3:26-cv-{n:05d}", kind=Kind.LAWSUIT, jurisdiction="cand",
        title=f"Author {n} v. AI Company {n}, Inc.", source="bench",
        tags=sorted({f"t{(n * step + shift) % FILTER_SETS}" for step, shift in ((1, 0), (7, 3), (13, 5))}),
        urls=[f"https://www.courtlistener.com/docket/{n}/"],
        events=[EventRecord(date(2026, 1, 1 + n % 28), "COMPLAINT filed", "bench")]) for n in range(100)],
        now=now)
    with engine.connect() as connection:
        ids = list(connection.execute(select(Change.id)).scalars())
    approve(engine, ids, by="bench", now=now, note="Another training-data suit")
    with engine.begin() as connection:
        connection.execute(insert(Subscriber.__table__), [
            {"email": f"reader{n}@example.org", "name": f"Reader {n}", "state": ACTIVE,
             "frequency": "weekly", "kinds": [], "jurisdictions": [], "topics": [f"t{n % FILTER_SETS}"],
             "follows": [], "cursor": 0, "created_at": now, "confirmed_at": now, "hard_failures": 0,
             "token_version": 0} for n in range(subscribers)])
    engine.dispose()


def bare_chain(url: str, folder: Path) -> dict:
    """Render + MIME + SMTP per subscriber over one connection; digests built beforehand, untimed."""
    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.digest import build_digests, render_digest
    from tracker.models.subscribers import Subscriber
    from tracker.tokens import Tokens

    sink = SinkProcess(folder)
    settings = use_settings(url, sink.port)
    engine = make_engine(url)
    with Session(engine) as session:
        readers = list(session.exec(select(Subscriber).order_by(Subscriber.id)).scalars())
        selecting = time.process_time()
        digests = build_digests(session, readers, now=datetime.now(UTC), cap_days=14)
        selecting = time.process_time() - selecting
    engine.dispose()
    tokens, making, sending = Tokens(SECRET), 0.0, 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", sink.port)
    for digest in digests:
        started = time.perf_counter()
        mail = render_digest(digest, settings, tokens)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = FROM, digest.subscriber.email, mail.subject
        message["Message-ID"] = f"<bare.{digest.subscriber.id}@tracker.example.org>"
        for name, value in mail.headers.items():
            message[name] = value
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        built = time.perf_counter()
        client.send_message(message)
        making, sending = making + built - started, sending + time.perf_counter() - built
    client.quit()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sink_cpu, ids = sink.stop()
    return {"mails": len(digests), "wall": wall, "cpu": cpu, "making": making, "sending": sending,
            "selecting": selecting,
            "sink_cpu": sink_cpu, "received": sum(ids.values()), "sink": sink.name}


def tracker_senders(url: str, folder: Path, counts: list[int]) -> tuple[dict, list[dict]]:
    from tracker.db import make_engine
    from tracker.mailer import OUTBOX, queue_digests
    from tracker.senders import deliver_with_workers

    settings = use_settings(url, 9)
    engine = make_engine(url)
    cpu, wall = time.process_time(), time.perf_counter()
    queued = queue_digests(engine, settings, now=datetime.now(UTC))
    queue = {"queued": queued.queued, "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
    runs = []
    for workers in counts:
        with engine.begin() as connection:  # the same mails again, for the next run
            connection.execute(update(OUTBOX).values(state="pending", attempts=0, claimed_by=None,
                                                     sent_at=None, smtp_code=None))
        sink = SinkProcess(folder)
        use_settings(url, sink.port)
        children, database = resource.getrusage(resource.RUSAGE_CHILDREN), postgres_cpu()
        wall = time.perf_counter()
        report = deliver_with_workers(engine, workers)
        wall = time.perf_counter() - wall
        after, database_after = resource.getrusage(resource.RUSAGE_CHILDREN), postgres_cpu()
        sink_cpu, ids = sink.stop()
        runs.append({"workers": workers, "sent": report.sent, "wall": wall,
                     "cpu": after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
                     "peak_mb": after.ru_maxrss / 1024, "sink_cpu": sink_cpu,
                     "postgres_cpu": None if database is None else database_after - database,
                     "duplicates": sum(n - 1 for n in ids.values() if n > 1),
                     "lost": queued.queued - len(ids)})
    engine.dispose()
    return queue, runs


def load(base_port: int, path: str, seconds: float, threads: int) -> dict:
    """Requests per second and p99 latency, ``threads`` keep-alive clients for ``seconds``."""
    latencies: list[float] = []
    failures = [0]
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                failures[0] += 1
        latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "failures": failures[0]}


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(port: int, path: str, seconds: float, connections: int) -> dict:
    """The same figures from ``wrk`` (C, two threads), which leaves the cores to the workers."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               f"http://127.0.0.1:{port}{path}"]
    said = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", said, re.MULTILINE)
    failures = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", said)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", said).group(1)),
            "p99_ms": float(p99.group(1)) * WRK_UNITS[p99.group(2)],
            "failures": int(failures.group(1)) if failures else 0}


def web(url: str, workers: int, seconds: float) -> dict:
    port = free_port()
    env = {**os.environ, **settings_env(url, 9)}
    server = subprocess.Popen([sys.executable, "-m", "tracker", "web", "--workers", str(workers),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/cases")
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # every worker up
        measure = wrk_load if shutil.which("wrk") else load
        return {path: measure(port, path, seconds, 8) for path in ("/cases", "/api/cases/cand-3:26-cv-00001")}
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--senders", default="1,2,4")
    parser.add_argument("--web-seconds", type=float, default=10)
    options = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}options=-csearch_path%3D{schema}"
    folder = Path(f"/tmp/{schema}")
    folder.mkdir()
    try:
        prepare(url, options.subscribers)
        bare = bare_chain(url, folder)
        queue, runs = tracker_senders(url, folder, [int(n) for n in options.senders.split(",")])
        pages = {workers: web(url, workers, options.web_seconds) for workers in (1, 4)}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        shutil.rmtree(folder, ignore_errors=True)
    mails = bare["mails"]
    print(f"{mails} subscribers in {FILTER_SETS} filter sets; {os.cpu_count()} cores; sink: {bare['sink']}")
    print(f"bare chain: {mails / bare['wall']:.0f} mails/s; CPU {bare['cpu'] / mails * 1000:.2f} ms/mail "
          f"(render + MIME {bare['making'] / mails * 1000:.2f} ms, "
          f"SMTP {bare['sending'] / mails * 1000:.2f} ms wall); "
          f"sink CPU {bare['sink_cpu'] / mails * 1000:.2f} ms/mail; selecting each one's changes "
          f"(build_digests, left out of the bare chain's CPU, paid in the tracker's queue) "
          f"{bare['selecting'] / mails * 1000:.2f} ms/mail")
    print(f"tracker queue (one render per distinct digest): {queue['queued']} queued in "
          f"{queue['wall']:.1f} s, CPU {queue['cpu'] / queue['queued'] * 1000:.2f} ms/mail")
    single = runs[0]["sent"] / runs[0]["wall"]
    for run in runs:
        rate = run["sent"] / run["wall"]
        tracker_cpu = (queue["cpu"] + run["cpu"]) / run["sent"]
        print(f"{run['workers']} sender(s): {rate:.0f} mails/s "
              f"({rate / single / run['workers']:.2f}x linear, "
              f"{rate / (mails / bare['wall']):.2f}x the bare chain); tracker CPU {tracker_cpu * 1000:.2f} "
              f"ms/mail (queue + senders; {tracker_cpu / (bare['cpu'] / mails):.2f}x the bare chain's, "
              f"{(tracker_cpu - bare['selecting'] / mails) / (bare['cpu'] / mails):.2f}x without the "
              f"selecting it leaves out); "
              f"sink CPU {run['sink_cpu'] / run['sent'] * 1000:.2f} ms/mail; "
              + ("" if run["postgres_cpu"] is None else
                 f"PostgreSQL CPU {run['postgres_cpu'] / run['sent'] * 1000:.2f} ms/mail (every session's); ")
              + f"peak child memory "
              f"{run['peak_mb']:.0f} MB; {run['duplicates']} duplicates, {run['lost']} lost")
    for workers, paths in pages.items():
        for path, figures in paths.items():
            print(f"web --workers {workers} {path} ({'wrk' if shutil.which('wrk') else 'Python'} load, "
                  f"8 connections): {figures['rps']:.0f} req/s, "
                  f"p99 {figures['p99_ms']:.0f} ms"
                  + (f", {figures['failures']} not 200" if figures["failures"] else ""))


if __name__ == "__main__":
    main()
