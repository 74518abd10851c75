"""``tracker scheduler``: run the scheduler, or say what it will do next."""

import logging
import signal
import sys
from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.db import open_store
from tracker.output import JsonFlag, print_json

scheduler_app = typer.Typer(help="Crawls and digests on time, unattended.", no_args_is_help=True)


@scheduler_app.command("run")
def scheduler_run(
    once: Annotated[bool, typer.Option(
        "--once", help="Run what is due now, then exit (for cron or a systemd timer).")] = False,
) -> None:
    """Run in the foreground until Ctrl-C or SIGTERM; a second one stands by until the first dies."""
    from tracker.crawl import available_sources
    from tracker.scheduler import STOP, run

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.INFO)

    def stop(signum, frame) -> None:
        sys.stderr.write(f"{signal.Signals(signum).name}: stopping once the running jobs wind down\n")
        STOP.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    settings = load_settings()
    run(settings, available_sources(), once=once, on_wait=lambda holder: sys.stderr.write(
        "another scheduler is running on this database; standing by to take over from "
        f"{holder or 'it'}\n"))
    sys.stderr.write("scheduler stopped\n")


@scheduler_app.command("jobs")
def scheduler_jobs(as_json: JsonFlag = False) -> None:
    """Each job: its trigger, its next run, its last run and how it went."""
    from tracker.crawl import available_sources
    from tracker.scheduler import job_views

    settings = load_settings()
    views = job_views(open_store(settings.database_url), settings, available_sources())

    def when(moment) -> str | None:
        return moment.isoformat(timespec="seconds") if moment else None

    rows = [{"id": v.id, "trigger": v.trigger, "next_run": when(v.next_run),
             "last_run": when(v.last_run.started_at) if v.last_run else None,
             "last_outcome": v.last_run.outcome if v.last_run else None,
             "last_detail": v.last_run.detail if v.last_run else None} for v in views]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        last = f"{row['last_run']} {row['last_outcome']}: {row['last_detail'] or ''}" if row["last_run"] \
            else "never run"
        sys.stdout.write(f"{row['id']:24} {row['trigger']:44} next {row['next_run'] or '(not scheduled)'}\n"
                         f"{'':24} last {last}\n")
