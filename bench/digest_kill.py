"""The kill -9 trial of ``digest send``: no mail lost, at most one duplicate per kill.

    .venv/bin/python bench/digest_kill.py [--rounds 60] [--subscribers 6]

Each round starts from the same database (30 approved changes, N confirmed subscribers, their
digests queued), runs ``tracker.mailer.deliver`` in a child process that kills itself with
SIGKILL at a chosen point, then runs it again to the end, against a local SMTP server that keeps
every message it accepts. The points cycle through both windows a sender has, for each mail of
the batch in turn:

- ``sending``: the mail is claimed and about to go to the server;
- ``accepted``: the server took it and the sender has not yet recorded so (the one window SMTP
  cannot close: the rerun sends it again, with the same Message-ID).

It counts, over all rounds: mails lost (a subscriber with no digest), duplicates per kill, and
duplicates whose Message-IDs differ. The goal: 0 lost, at most 1 duplicate per kill, 0 differing.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.digest import SECRET, prepare  # noqa: E402
from tracker.demo import free_port  # noqa: E402

SENDER = """
import os, signal, sys
from datetime import UTC, datetime
from tracker.config import load_settings
from tracker.db import make_engine
from tracker.mailer import deliver, queue_digests

stage, at = sys.argv[1], int(sys.argv[2])
seen = []

def kill_at(event, row):
    if event == stage:
        seen.append(row.id)
        if len(seen) == at:
            os.kill(os.getpid(), signal.SIGKILL)

settings = load_settings()
engine = make_engine(settings.database_url)
if stage == "queue":
    queue_digests(engine, settings, now=datetime.now(UTC))
else:
    deliver(engine, settings, clock=lambda: datetime.now(UTC),
            on_event=kill_at if stage != "none" else None)
"""


class Keeper:
    """An SMTP server's handler that keeps the Message-IDs each recipient was sent."""

    def __init__(self):
        self.received: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[recipient].append(message["Message-ID"])
        return "250 OK"


def run(env: dict[str, str], *args: str) -> int:
    return subprocess.run([sys.executable, "-c", SENDER, *args], env=env, cwd=ROOT,
                          timeout=300).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--subscribers", type=int, default=6)
    args = parser.parse_args()
    points = [(stage, at) for at in range(1, args.subscribers + 1) for stage in ("sending", "accepted")]
    folder = Path(tempfile.mkdtemp(prefix="digest-kill-"))
    template = folder / "template.db"
    prepare(template, args.subscribers)
    keeper, port = Keeper(), free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    lost = duplicates = differing = worst = killed = 0
    try:
        for round_ in range(args.rounds):
            stage, at = points[round_ % len(points)]
            database = folder / f"round{round_}.db"
            shutil.copy(template, database)
            env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{database}",
                   "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port}", "TRACKER_SECRET_KEY": SECRET,
                   "TRACKER_SMTP_RETRY_DELAY": "0", "TRACKER_CONFIG": str(folder / "none.toml")}
            (folder / "none.toml").write_text("")
            keeper.received.clear()
            assert run(env, "queue", "0") == 0
            killed += run(env, stage, str(at)) == -9
            assert run(env, "none", "0") == 0
            people = [f"reader{n}@example.org" for n in range(args.subscribers)]
            lost += sum(1 for person in people if not keeper.received[person])
            extra = sum(len(keeper.received[person]) - 1 for person in people if keeper.received[person])
            duplicates += extra
            worst = max(worst, extra)
            differing += sum(1 for person in people if len(set(keeper.received[person])) > 1)
            database.unlink()
    finally:
        controller.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.rounds} rounds of {args.subscribers} digests, {killed} killed with SIGKILL")
    print(f"lost                       {lost}")
    print(f"duplicates                 {duplicates}   (at most {worst} in one kill)")
    print(f"duplicates, other ID       {differing}")
    print("goal: 0 lost, at most 1 duplicate per kill, 0 with another Message-ID:",
          "MET" if lost == 0 and worst <= 1 and differing == 0 and killed == args.rounds else "NOT MET")


if __name__ == "__main__":
    main()
