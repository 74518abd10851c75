"""``tracker demo``: the whole tracker in a minute, with no network and no keys.

It starts the stand-in upstreams the spider tests use and a mail sink on free loopback ports,
points a throwaway data directory's settings at them, then does what a team does: seed the
watchlist, crawl every source (side by side: the stand-ins need no politeness), look at the
review queue, approve it, send a digest, and serve the web app until Ctrl-C. Each step runs
through the same functions as its own command; only the settings differ.
"""

import os
import secrets
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from tracker.errors import TrackerError

DEMO_ADDRESS = "you@example.org"
STAFF_NAME = "demo"


def demo(
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", file_okay=False,
        help="Keep the demo's database, settings and mailbox here (default: a new temporary folder).",
    )] = None,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Serve the web app at the end, until Ctrl-C.")] = True,
    port: Annotated[int, typer.Option(
        min=0, max=65535, help="The web app's port (default: a free one).")] = 0,
) -> None:
    """Try everything offline: crawl stand-in sources, review, mail a digest, browse the cases."""
    from tracker.demo import demo_environment, free_port
    from tracker.demo.mailbox import MailSink
    from tracker.demo.upstream import SOURCES, Upstream

    folder = data_dir or Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise typer.BadParameter(f"cannot create {folder}: {exc.strerror}", param_hint="'--data-dir'") \
            from None
    mbox = folder / "mailbox.mbox"
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    with ExitStack() as servers:
        upstreams = {name: servers.enter_context(Upstream(name)) for name in SOURCES}
        sink = servers.enter_context(MailSink(mbox))
        os.environ.clear()
        os.environ.update(demo_environment(folder, upstreams, sink.url, base_url))
        _step(f"demo data in {folder} (your own database and settings are not touched)")
        _seed_and_crawl(list(upstreams))
        _step("the review queue (tracker review)")
        from tracker.cli.review import show_queue

        show_queue()
        password = _approve_and_mail()
        if sink.accepted:
            _step(f"one digest sent to {DEMO_ADDRESS}: {sink.accepted} mail in {mbox}")
        else:  # a second demo in the same --data-dir: the recordings hold nothing new
            _step(f"no digest this time: nothing new for {DEMO_ADDRESS} since the last demo in {folder}")
        _next_steps(base_url, password, mbox, folder, serve)
        if serve:
            _serve(port)


def _step(text: str) -> None:
    sys.stdout.flush()  # the review queue goes to stdout: keep it in order with the notes
    sys.stderr.write(f"\n== {text}\n")
    sys.stderr.flush()


def _seed_and_crawl(sources: list[str]) -> None:
    from tracker.cli.crawl import _print_crawl_summary, seed
    from tracker.config import load_settings
    from tracker.crawl import crawl_source
    from tracker.db import open_store

    _step("seeding the demo watchlist (tracker seed)")
    seed(file=None)
    _step(f"crawling {', '.join(sources)} side by side (tracker crawl)")
    engine = open_store(load_settings().database_url)

    def crawl_one(name: str):
        return crawl_source(engine, name, timeout=120,
                            on_line=lambda line: sys.stderr.write(f"{name}: {line}\n"))

    with ThreadPoolExecutor(max_workers=len(sources)) as pool:
        runs = list(pool.map(crawl_one, sources))
    _print_crawl_summary(runs)


def _approve_and_mail() -> str:
    """Approve everything pending, subscribe the demo address, send its digest; return the demo
    staff account's password."""
    from sqlmodel import Session

    from tracker.cli.mail import digest_send
    from tracker.config import load_settings
    from tracker.db import open_store
    from tracker.review import approve_case, pending
    from tracker.staff import add_staff
    from tracker.subscriptions import Preferences, subscribe
    from tracker.vocab import Frequency

    engine, now = open_store(load_settings().database_url), datetime.now(UTC)
    with Session(engine) as session:
        keys = [group.case.key for group in pending(session)]
    decisions = [d for key in keys for d in approve_case(engine, key, by=STAFF_NAME, now=now)]
    _step(f"approved {len(decisions)} changes on {len(keys)} cases (tracker review approve)")
    subscribe(engine, DEMO_ADDRESS, Preferences(name="Demo reader", frequency=Frequency.DAILY),
              now=now, confirmed=True)
    _step(f"{DEMO_ADDRESS} subscribed; sending the digests (tracker digest send)")
    digest_send(frequency=None, dry_run=False)
    password = secrets.token_urlsafe(9)
    add_staff(engine, STAFF_NAME, password, now=now)
    return password


def _next_steps(base_url: str, password: str, mbox: Path, folder: Path, serve: bool) -> None:
    settings = f"TRACKER_DATABASE_URL=sqlite:///{folder / 'tracker.db'}"
    lines = [
        "",
        "What to look at next:",
        f"  the digest, as mailed:   {mbox}  (any mail reader, or less)",
        f"  the cases, on the CLI:   {settings} tracker cases",
    ]
    if serve:
        lines += [
            f"  the cases, on the web:   {base_url}/cases  (and the matters: {base_url}/matters)",
            f"  the staff review queue:  {base_url}/staff/review  (log in as {STAFF_NAME} / {password})",
            "  Ctrl-C stops the web app; the demo's data stays in the folder above.",
        ]
    else:
        lines.append(f"  the web app:             {settings} tracker web")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def _serve(port: int) -> None:
    """Serve the web app; the line saying so comes once the port listens, so whoever reads it
    (a person, or a test) can open the page at once."""
    import socket

    import uvicorn

    from tracker.config import load_settings
    from tracker.web import create_app

    app = create_app(load_settings())
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as exc:
        raise TrackerError(f"cannot serve the web app on port {port}: {exc.strerror}") from None
    listener.listen(128)  # connections wait in the backlog until uvicorn takes them
    _step(f"serving the web app at http://127.0.0.1:{port}/ until Ctrl-C (tracker web)")
    uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False)).run(sockets=[listener])
