"""Digest delivery: the tracker's whole chain against the bare chain, in one run.

    .venv/bin/python bench/digest.py [--subscribers 10000] [--rounds 1]

Sets up a SQLite database with 30 approved changes and N confirmed subscribers, and a local
aiosmtpd server that counts what it accepts. Then, each side in a child process of its own (so
each reports its own peak memory), interleaved ``--rounds`` times:

1. baseline: for each subscriber, render the digest templates (Jinja2, CSS inlined) for the same
   digest, build an ``EmailMessage`` and send it with ``smtplib`` over one connection; no
   database at all;
2. tracker: ``queue_digests`` (select who is due, build each digest from the database, render,
   one outbox row each with its Message-ID) then ``deliver`` (claim, MIME, SMTP, mark sent and
   move the cursor, one transaction per mail).

Goal (issue #7): tracker rate / baseline rate >= 0.7.
"""

import argparse
import json
import resource
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from tracker.demo import free_port  # noqa: E402

SECRET = "bench-secret-for-the-benchmark-0123456789"
FROM = "AI Copyright Tracker <digest@tracker.example.org>"


class Counter:
    def __init__(self):
        self.accepted = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.accepted += 1
        return "250 OK"


def settings_for(database: Path, port: int):
    from tracker.config import load_settings

    return load_settings(database_url=f"sqlite:///{database}", smtp_url=f"smtp://127.0.0.1:{port}",
                         secret_key=SECRET, mail_from=FROM, base_url="https://tracker.example.org")


def prepare(database: Path, subscribers: int) -> None:
    """30 lawsuits with an approved new-case change each, and N confirmed weekly subscribers."""
    from sqlalchemy import insert, select
    from sqlmodel import Session

    from tracker.db import open_store
    from tracker.models.review import Change
    from tracker.models.subscribers import ACTIVE, Subscriber
    from tracker.records import CaseRecord, EventRecord
    from tracker.review import approve
    from tracker.store import ingest
    from tracker.vocab import Kind

    engine = open_store(f"sqlite:///{database}")
    now = datetime.now(UTC)
    ingest(engine, [CaseRecord(
        key=f"cand-3:26-cv-{n:05d}", kind=Kind.LAWSUIT, jurisdiction="cand",
        title=f"Author {n} v. AI Company {n}, Inc.", source="bench", tags=["training-data"],
        urls=[f"https://www.courtlistener.com/docket/{n}/"],
        events=[EventRecord(date(2026, 1, 1 + n % 28), "COMPLAINT filed", "bench")]) for n in range(30)],
        now=now)
    with Session(engine) as session:
        ids = list(session.exec(select(Change.id)).scalars())
    approve(engine, ids, by="bench", now=now, note="Another training-data suit")
    with engine.begin() as connection:
        connection.execute(insert(Subscriber.__table__), [
            {"email": f"reader{n}@example.org", "name": f"Reader {n}", "state": ACTIVE,
             "frequency": "weekly", "kinds": [], "jurisdictions": [], "topics": [], "follows": [],
             "cursor": 0, "created_at": now, "confirmed_at": now, "hard_failures": 0}
            for n in range(subscribers)])
    engine.dispose()


def run_baseline(database: Path, port: int, subscribers: int) -> dict:
    """Render + MIME + SMTP for every subscriber, from one digest built beforehand (untimed)."""
    from email.message import EmailMessage

    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.digest import build_digests, render_digest
    from tracker.models.subscribers import Subscriber
    from tracker.tokens import Tokens

    settings = settings_for(database, port)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        (digest,) = build_digests(session, [session.get(Subscriber, 1)], now=datetime.now(UTC),
                                  cap_days=14)
    tokens = Tokens(SECRET)
    start = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", port)
    for n in range(subscribers):
        digest.subscriber.email = f"reader{n}@example.org"
        mail = render_digest(digest, settings, tokens)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = FROM, digest.subscriber.email, mail.subject
        for name, value in mail.headers.items():
            message[name] = value
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        client.send_message(message)
    client.quit()
    return {"seconds": time.perf_counter() - start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_tracker(database: Path, port: int, subscribers: int) -> dict:
    from tracker.db import make_engine
    from tracker.mailer import deliver, queue_digests

    settings = settings_for(database, port)
    engine = make_engine(settings.database_url)
    start = time.perf_counter()
    queued = queue_digests(engine, settings, now=datetime.now(UTC))
    report = deliver(engine, settings, clock=lambda: datetime.now(UTC))
    assert queued.queued == report.sent == subscribers, (queued, report)
    return {"seconds": time.perf_counter() - start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(side: str, database: Path, port: int, subscribers: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, "--database", str(database),
                          "--port", str(port), "--subscribers", str(subscribers)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", choices=["baseline", "tracker"])
    parser.add_argument("--database", type=Path)
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.child:
        run = run_baseline if args.child == "baseline" else run_tracker
        print(json.dumps(run(args.database, args.port, args.subscribers)))
        return

    counter, port = Counter(), free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    results = {"baseline": [], "tracker": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_ in range(args.rounds):
                database = Path(folder) / f"bench{round_}.db"
                prepare(database, args.subscribers)
                for side in ("baseline", "tracker"):
                    results[side].append(child(side, database, port, args.subscribers))
    finally:
        controller.stop()
    n = args.subscribers
    assert counter.accepted == 2 * n * args.rounds, counter.accepted
    best = {side: min(r["seconds"] for r in runs) for side, runs in results.items()}
    peak = {side: max(r["peak_mb"] for r in runs) for side, runs in results.items()}
    print(f"{n:,} subscribers x 30 approved changes, {args.rounds} round(s), best of each")
    for side in ("baseline", "tracker"):
        print(f"{side:9} {best[side]:7.2f} s  {n / best[side]:7.0f} mails/s  peak {peak[side]:6.1f} MB")
    print(f"ratio tracker/baseline rate  {best['baseline'] / best['tracker']:.3f}   (goal >= 0.7)")


if __name__ == "__main__":
    main()
