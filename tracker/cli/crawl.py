"""``tracker seed``, ``tracker crawl``, ``tracker refold`` and ``tracker sources``: filling the
store, recomputing its statuses and watching its sources. Scrapy and the store's writers are
imported inside the commands."""

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker.config import load_settings
from tracker.db import open_store
from tracker.output import JsonFlag, console, print_json


def seed(
    file: Annotated[Path | None, typer.Option(
        help="Another watchlist file in the same format.", exists=True, dir_okay=False)] = None,
) -> None:
    """Load the curated watchlist shipped with the tracker (safe to run again)."""
    from tracker.intake import intake
    from tracker.matters import MATTERS_FILE
    from tracker.watchlist import load_watchlist

    settings = load_settings()
    records = load_watchlist(file or settings.watchlist_file)
    engine = open_store(settings.database_url)
    report = intake(engine, records, rules=settings.auto_approve_rules,
                    similarity=settings.link_title_similarity, now=datetime.now(UTC),
                    matters=MATTERS_FILE)
    counts = report.counts()
    console(stderr=True).print(
        f"watchlist: {len(records)} cases — {counts['cases_new']} new, "
        f"{counts['cases_updated']} updated, {counts['cases_unchanged']} unchanged; "
        f"{counts['events_added']} events added; {counts['changes_added']} changes, "
        f"{report.auto_approved} approved by rule; matters: {report.matters_created} new, "
        f"{report.memberships_added} cases placed; {report.links_proposed} links proposed")


def refold(
    file: Annotated[Path | None, typer.Option(
        help="The watchlist file whose classes its events carry.", exists=True, dir_okay=False)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute every status from the stored events as the tracker now reads them (safe to run
    again); each status that moves waits for review as a correction."""
    from tracker.refold import refold as refold_store

    settings = load_settings()
    now = datetime.now(UTC)
    report = refold_store(open_store(settings.database_url), now=now, today=now.date(),
                          watchlist=file or settings.watchlist_file)
    if as_json:
        print_json(report.__dict__)
        return
    console(stderr=True).print(
        f"refold: {report.cases} cases; {report.events_reclassified} events read anew; "
        f"{report.session_ends_added} session ends added; {report.corrections} statuses corrected "
        "(waiting for review)")


def crawl(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="A source to crawl (repeatable); all by default.")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Ignore the last run and fetch everything again.")] = False,
    timeout: Annotated[int, typer.Option(
        min=1, help="Seconds a source may take before it is stopped and marked failed.")] = 3600,
) -> None:
    """Crawl the sources (each in its own process) and store what changed."""
    from tracker.crawl import Stop, available_sources, crawl_source

    settings = load_settings()
    engine = open_store(settings.database_url)
    known = available_sources()
    names = source or known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise typer.BadParameter(f"unknown source {', '.join(unknown)}; known: {', '.join(known)}",
                                 param_hint="'--source'")
    notes = console(stderr=True)
    stop = Stop("interrupted (Ctrl-C)")
    results = []
    with _ctrl_c_stops(stop):
        for name in names:
            if stop.asked.is_set():
                break
            with notes.status(f"crawling {name}…"):
                results.append(crawl_source(engine, name, full=full, timeout=timeout, stop=stop,
                                            on_line=lambda line: notes.print(line, markup=False)))
    _print_crawl_summary(results)
    if stop.asked.is_set():
        skipped = names[len(results):]
        sys.stderr.write("interrupted" + (f"; not crawled: {', '.join(skipped)}" if skipped else "")
                         + "\n")
        raise typer.Exit(130)
    if any(run.state == "failed" for run in results):
        raise typer.Exit(1)


@contextmanager
def _ctrl_c_stops(stop) -> Iterator[None]:
    """While inside, the first Ctrl-C asks the crawl to stop (it finishes what it has in flight)
    and the second kills it; each says so on stderr at once."""
    def pressed(signum, frame) -> None:
        if stop.asked.is_set():
            stop.force()
            sys.stderr.write("stopping now\n")
        else:
            stop.ask()
            sys.stderr.write("stopping… the crawl finishes what it is fetching "
                             "(Ctrl-C again to stop at once)\n")
        sys.stderr.flush()

    previous = signal.signal(signal.SIGINT, pressed)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_crawl_summary(runs) -> None:
    """One line per source, no wider than the terminal, its note cut at a word with "…"
    (`tracker sources --json` has it all); below ``WIDE``, only the counts that say what was
    stored, and the note on a line of its own under its source."""
    from tracker.cli.columns import ELLIPSIS, WIDE, clip, table, terminal_width

    width = terminal_width()
    narrow = width < WIDE
    counts = ["new", "updated", "events", "changes"] if narrow else [
        "new", "updated", "unchanged", "events", "changes", "dropped", "errors", "requests"]
    rows, notes = [], []
    for run in runs:
        values = {"new": run.cases_new, "updated": run.cases_updated,
                  "unchanged": run.cases_unchanged, "events": run.events_added,
                  "changes": run.changes_added, "dropped": run.dropped, "errors": run.errors,
                  "requests": run.requests}
        rows.append([run.source, run.state, *(str(values[name]) for name in counts)])
        notes.append(run.last_error or ("" if run.finish_reason == "finished"
                                        else run.finish_reason or ""))
    if narrow:
        lines = table(["source", "state", *counts], rows, width=width, fill=0)
        lines[1:] = [line + (f"\n  {clip(note, width - 2)}" if note else "")
                     for line, note in zip(lines[1:], notes, strict=True)]
    else:
        lines = table(["source", "state", *counts, "note"],
                      [row + [note] for row, note in zip(rows, notes, strict=True)],
                      width=width, fill=len(counts) + 2)
    cut = any(line.endswith(ELLIPSIS) for line in lines[1:])
    sys.stderr.write("crawl summary\n" + "\n".join(lines) + "\n"
                     + ("(the notes in full: `tracker sources --json`)\n" if cut else ""))


def sources(
    plan: Annotated[bool, typer.Option(
        "--plan", help="The day's budget instead: what a refresh costs, the quota, the interval "
        "that fits it.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Each source's health: last run, last success, last failure, and whether it is stale,
    skipped, waiting for its quota or yet to succeed."""
    from tracker.crawl import available_sources
    from tracker.runs import source_health

    settings = load_settings()
    if plan:
        from tracker.cli.budget import print_plan

        print_plan(settings, available_sources(), as_json=as_json)
        return
    health = source_health(open_store(settings.database_url), available_sources(), now=datetime.now(UTC),
                           intervals=settings.crawl_intervals, stale_after=settings.stale_after,
                           stale_runs=settings.stale_runs)
    rows = [{
        "source": h.source,
        "interval_hours": h.interval_hours,
        "stale": h.stale is not None,
        "stale_reason": h.stale,
        "waiting_for_quota": h.waiting,
        "health": h.status,
        "last_run": _run_dict(h.last_run),
        "last_success": _run_dict(h.last_success),
        "last_failure": _run_dict(h.last_failure),
    } for h in health]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("source", "every", "last run", "last success", "last failure", "health"):
        table.add_column(column, overflow="fold")
    for row in rows:
        run, success, failure = row["last_run"], row["last_success"], row["last_failure"]
        table.add_row(
            row["source"], f"{row['interval_hours']:g} h",
            (f"{run['started_at']} {run['state']}" + (f" (Scrapyd job {run['scrapyd_job']})"
                                                      if run["scrapyd_job"] else "")) if run else "never",
            success["started_at"] if success else "never",
            f"{failure['started_at']} {failure['reason'] or ''}".strip() if failure else "",
            row["health"])
    console().print(table)


def _run_dict(run) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "started_at": run.started_at.isoformat(timespec="seconds"),
        "finished_at": run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        "state": run.state,
        "reason": run.last_error or run.finish_reason,
        "requests": run.requests, "items": run.items, "dropped": run.dropped, "errors": run.errors,
        "cases_new": run.cases_new, "cases_updated": run.cases_updated,
        "events_added": run.events_added, "changes_added": run.changes_added,
        "scrapyd_job": run.scrapyd_job,
    }

