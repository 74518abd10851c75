"""The ``tracker`` command: thin commands over the store, the queries and the settings.

Exit codes: 0 success; 1 a case or item that does not exist; 2 a bad argument or an unusable
setting. Every user error is one clear line on stderr, never a traceback. Machine output
(``--json``, ``export``) goes to stdout as plain JSON or CSV; messages go to stderr.

Query commands (``cases``, ``show``, ``export``, ``config``) import neither Scrapy,
APScheduler nor Alembic; commands that need them import them inside.
"""

import csv
import json
import re
import shutil
import sys
import textwrap
from contextlib import nullcontext
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from tracker.config import Settings, describe_settings, load_settings
from tracker.db import ensure_schema, make_engine, open_store
from tracker.errors import NotFoundError, TrackerError
from tracker.output import PIPED_WIDTH, JsonFlag, console, print_json
from tracker.queries import (
    CaseFilter,
    case_dicts,
    case_to_dict,
    count_cases,
    get_case,
    list_cases,
    status_label,
    suggest_keys,
)
from tracker.vocab import STATUSES_BY_KIND, ActionClass, Kind, Stance, Status

app = typer.Typer(
    name="tracker",
    help="Track AI-copyright lawsuits, bills, agency actions and statements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

JURISDICTION = re.compile(r"^[a-z0-9]{2,10}$")
DEFAULT_TABLE_LIMIT = 50


class GroupBy(StrEnum):
    PARTY = "party"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _store(settings: Settings) -> Engine:
    return open_store(settings.database_url)


# Options shared by ``cases`` and ``export``.
KindOption = Annotated[list[Kind] | None, typer.Option(
    "--kind", "-k", help="lawsuit, federal_bill, state_bill, agency_action or statement; repeatable.")]
StatusOption = Annotated[list[Status] | None, typer.Option(
    "--status", "-s", help="A status from `tracker vocab`; repeatable.", show_choices=False)]
JurisdictionOption = Annotated[list[str] | None, typer.Option(
    "--jurisdiction", "-j", help="us, a state (ca) or a court id (cand, nysd); repeatable.")]
SinceOption = Annotated[datetime | None, typer.Option(
    help="Status date on or after this day (YYYY-MM-DD).", formats=["%Y-%m-%d"])]
SearchOption = Annotated[str | None, typer.Option(
    "--search", "-q", help="Words in the key, title or summary.")]
PartyOption = Annotated[str | None, typer.Option(help="Part of a plaintiff's or defendant's name.")]
TagOption = Annotated[str | None, typer.Option(help="A tag, e.g. training-data or likeness.")]
WatchlistOption = Annotated[bool, typer.Option(
    "--watchlist", help="Only cases on the curated watchlist.")]
StanceOption = Annotated[Stance | None, typer.Option(help="Staff's stance: watch, support or oppose.")]


def _filters(kind, status, jurisdiction, since, search, party, tag, watchlist,
             stance=None) -> CaseFilter:
    jurisdictions = [j.strip().lower() for j in jurisdiction or []]
    for code in jurisdictions:
        if not JURISDICTION.match(code):
            raise typer.BadParameter(
                f"{code!r} is not a jurisdiction code (us, ca, cand, nysd...)",
                param_hint="'--jurisdiction'")
    return CaseFilter(kinds=kind or [], statuses=status or [], jurisdictions=jurisdictions,
                      since=since.date() if since else None, search=search, party=party,
                      tag=tag, watchlist_only=watchlist, stance=stance)


@app.command()
def cases(
    kind: KindOption = None,
    status: StatusOption = None,
    jurisdiction: JurisdictionOption = None,
    since: SinceOption = None,
    search: SearchOption = None,
    party: PartyOption = None,
    tag: TagOption = None,
    watchlist: WatchlistOption = False,
    stance: StanceOption = None,
    defendant: Annotated[str | None, typer.Option(help="Part of a defendant's name.")] = None,
    group_by: Annotated[GroupBy | None, typer.Option(
        "--group-by", help="party: the suits under each defendant, names folded (OpenAI, Inc. = "
        "OpenAI OpCo LLC = OpenAI).")] = None,
    limit: Annotated[int | None, typer.Option(
        min=0, help=f"At most this many (table default {DEFAULT_TABLE_LIMIT}; 0 for all).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List cases, the most recently moved first."""
    filters = _filters(kind, status, jurisdiction, since, search, party, tag, watchlist, stance)
    filters.defendant = defendant
    engine = _store(load_settings())
    with Session(engine) as session:
        if group_by is GroupBy.PARTY:
            _print_by_defendant(session, filters, as_json)
            return
        if as_json:
            print_json(case_dicts(session, list_cases(session, filters, limit=limit)))
            return
        shown_limit = DEFAULT_TABLE_LIMIT if limit is None else limit
        rows = list_cases(session, filters, limit=shown_limit)
        total = count_cases(session, filters) if shown_limit and len(rows) == shown_limit else len(rows)
    _print_case_table(rows, total)


def _print_by_defendant(session: Session, filters: CaseFilter, as_json: bool) -> None:
    """The parallel-litigation view: each defendant (names folded) and the suits naming it."""
    from tracker.parties import normalise_party
    from tracker.queries import parties_of

    cases = list_cases(session, filters)
    parties = parties_of(session, [c.id for c in cases])
    groups: dict[str, list] = {}
    for case in cases:
        for name in dict.fromkeys(normalise_party(d) for d in parties[case.id]["defendants"]):
            if not filters.defendant or filters.defendant.casefold() in name.casefold():
                groups.setdefault(name, []).append(case)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0].casefold()))
    if as_json:
        print_json([{"party": name, "cases": [{"key": c.key, "title": c.title, "status": c.status,
                                               "status_label": status_label(c.status)} for c in rows]}
                    for name, rows in ordered])
        return
    lines = []
    for name, rows in ordered:
        lines.append(f"{name} ({len(rows)} suit{'s' if len(rows) != 1 else ''})")
        lines += [f"  {c.key:26} {status_label(c.status) or '—':22} {c.title}" for c in rows]
    sys.stdout.write("\n".join(lines) + ("\n" if lines else ""))


def _print_case_table(rows, total: int) -> None:
    from rich.table import Table

    out, notes = console(), console(stderr=True)
    if not rows:
        notes.print("No cases match. (`tracker seed` loads the watchlist.)")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("key", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("jur.", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("title", overflow="fold", min_width=20)
    for case in rows:
        table.add_row(case.key, case.kind, case.jurisdiction, status_label(case.status) or "—",
                      case.status_date.isoformat() if case.status_date else "—", case.title)
    out.print(table)
    if total > len(rows):
        notes.print(f"{len(rows)} of {total} cases shown; --limit 0 shows all.")


@app.command()
def show(
    key: Annotated[str, typer.Argument(help="A case key, e.g. cand-3:23-cv-00201 or us-119-s-1367.")],
    as_json: JsonFlag = False,
) -> None:
    """One case: identifiers, parties, links, tags, why it is tracked, and its full timeline."""
    from tracker.queries import links_of_case, matter_of_case
    from tracker.related import related_cases

    engine = _store(load_settings())
    with Session(engine) as session:
        detail = get_case(session, key)
        if detail is None:
            raise NotFoundError(f"no case with key {key!r}", suggest_keys(session, key))
        data = case_to_dict(detail.case, detail.parties, detail.events, detail.staff)
        data["related"] = [r.to_dict() for r in related_cases(session, detail.case)]
        data["matter"] = matter_of_case(session, detail.case.id)
        data["links"] = links_of_case(session, detail.case)
    if as_json:
        print_json(data)
    else:
        _print_case(data)


def _print_case(data: dict[str, Any]) -> None:
    """One case as plain aligned text. No Rich here: ``tracker show`` is the command that must
    answer in a second, and Rich's import and layout were a fifth of its time (bench/)."""
    width = max(shutil.get_terminal_size((PIPED_WIDTH, 24)).columns, 60)
    status = data["status_label"] or "—"
    if data["status_date"]:
        status += f" (since {data['status_date']})"
    fields = [
        ("key", data["key"]),
        ("kind", Kind(data["kind"]).label),
        ("jurisdiction", data["jurisdiction"]),
        ("status", status),
        ("identifiers", " · ".join(f"{k}: {v}" for k, v in data["identifiers"].items())),
        ("plaintiffs", "; ".join(data["parties"]["plaintiffs"])),
        ("defendants", "; ".join(data["parties"]["defendants"])),
        ("tags", ", ".join(data["tags"])),
        ("staff tags", ", ".join(data["staff_tags"])),
        ("stance", data["stance"] or ""),
        ("why tracked", data["why_tracked"] or ""),
        ("summary", data["summary"] or ""),
        ("links", data["urls"]),
        ("sources", data["sources"]),
        ("on watchlist", "yes" if data["on_watchlist"] else ""),
        ("matter", f"{data['matter']['key']} ({data['matter']['role']}): {data['matter']['title']}"
                   if data.get("matter") else ""),
        ("first seen", data["first_seen"]),
        ("last seen", data["last_seen"]),
    ]
    lines = [data["title"]]
    for name, value in fields:
        for index, part in enumerate(value if isinstance(value, list) else [value]):
            if part:
                lines += _wrap(part, width, f"{name if index == 0 else '':14}")
    if data["notes"]:
        lines += ["", "Staff notes"]
        for note in data["notes"]:
            lines += _wrap(note["text"], width, f"{note['at'][:10]}  {note['author']:12.12}  ")
    if data.get("related"):
        lines += ["", "Related"]
        for other in data["related"]:
            text = f"{other['key']}  {other['status_label'] or '—'}  {other['title']}"
            lines += _wrap(text, width, f"{other['relation']:42}  ")
    if data.get("links"):
        lines += ["", "Links (approving one puts both cases in a matter)"]
        for link in data["links"]:
            said = (f"{link['relation']} of {link['key']}" if link["direction"] == "to"
                    else f"{link['key']} is its {link['relation']}")
            lines += _wrap(f"{said} ({link['reason']})", width, f"{link['review_state'] or '—':12}  ")
    events = data["events"]
    lines += ["", f"Timeline ({len(events)} event{'s' if len(events) != 1 else ''})"]
    for event in events:
        classes = ", ".join(ActionClass(c).label if c in ActionClass._value2member_map_ else c
                            for c in event["classification"])
        if event["ruling"]:
            classes += f" ({event['ruling']})"
        star = "★" if event["significance"] == "major" else " "
        lines += _wrap(f"{event['text']}  [{event['source']}]", width,
                       f"{event['date']}  {star}  {classes:34.34}  ")
    sys.stdout.write("\n".join(lines) + "\n")


def _wrap(text: str, width: int, lead: str) -> list[str]:
    """``text`` wrapped to ``width`` after ``lead``, continuation lines indented under it."""
    return textwrap.wrap(text, width=width, initial_indent=lead,
                         subsequent_indent=" " * len(lead)) or [lead.rstrip()]


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="csv (one row per case) or json (case objects with events).")
    ] = ExportFormat.JSON,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write here instead of stdout.", dir_okay=False)] = None,
    kind: KindOption = None,
    status: StatusOption = None,
    jurisdiction: JurisdictionOption = None,
    since: SinceOption = None,
    search: SearchOption = None,
    party: PartyOption = None,
    tag: TagOption = None,
    watchlist: WatchlistOption = False,
    stance: StanceOption = None,
) -> None:
    """Export the matching cases, all of them, as CSV or JSON."""
    filters = _filters(kind, status, jurisdiction, since, search, party, tag, watchlist, stance)
    engine = _store(load_settings())
    with Session(engine) as session:
        data = case_dicts(session, list_cases(session, filters))
    try:
        stream = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        raise TrackerError(f"cannot write {output}: {exc.strerror}") from None
    with stream if output else nullcontext(stream) as out:
        if format is ExportFormat.JSON:
            out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        else:
            _write_csv(out, data)
    if output:
        console(stderr=True).print(f"{len(data)} cases written to {output}")


CSV_COLUMNS = ("key", "kind", "jurisdiction", "title", "status", "status_label", "status_date",
               "identifiers", "plaintiffs", "defendants", "urls", "tags", "why_tracked",
               "summary", "on_watchlist", "first_seen", "last_seen", "events",
               "last_event_date", "last_event")


def _write_csv(out, data: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for case in data:
        last = case["events"][-1] if case["events"] else {}
        writer.writerow({
            **case,
            "identifiers": "; ".join(f"{k}={v}" for k, v in case["identifiers"].items()),
            "plaintiffs": "; ".join(case["parties"]["plaintiffs"]),
            "defendants": "; ".join(case["parties"]["defendants"]),
            "urls": " ".join(case["urls"]),
            "tags": "; ".join(case["tags"]),
            "events": len(case["events"]),
            "last_event_date": last.get("date", ""),
            "last_event": last.get("text", ""),
        })


@app.command()
def seed(
    file: Annotated[Path | None, typer.Option(
        help="Another watchlist file in the same format.", exists=True, dir_okay=False)] = None,
) -> None:
    """Load the curated watchlist shipped with the tracker (safe to run again)."""
    from tracker.linking import propose
    from tracker.matters import load_matters
    from tracker.review import apply_rules
    from tracker.store import Outcome, ingest
    from tracker.watchlist import load_watchlist

    settings = load_settings()
    records = load_watchlist(file or settings.watchlist_file)
    engine, now = _store(settings), datetime.now(UTC)
    report = ingest(engine, records, now=now)
    matters, memberships = load_matters(engine, now=now)
    links = propose(engine, [r.key for r in records], similarity=settings.link_title_similarity, now=now)
    approved = apply_rules(engine, settings.auto_approve_rules(), detected_at=now)
    console(stderr=True).print(
        f"watchlist: {len(records)} cases — {report.count(Outcome.INSERTED)} new, "
        f"{report.count(Outcome.UPDATED)} updated, {report.count(Outcome.UNCHANGED)} unchanged; "
        f"{report.events_added} events added; {report.changes_added} changes, "
        f"{len(approved)} approved by rule; matters: {matters} new, {memberships} cases placed; "
        f"{links} links proposed")


@app.command()
def crawl(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="A source to crawl (repeatable); all by default.")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Ignore the last run and fetch everything again.")] = False,
    timeout: Annotated[int, typer.Option(
        min=1, help="Seconds a source may take before it is stopped and marked failed.")] = 3600,
) -> None:
    """Crawl the sources (each in its own process) and store what changed."""
    from tracker.crawl import available_sources, crawl_source

    settings = load_settings()
    engine = _store(settings)
    known = available_sources()
    names = source or known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise typer.BadParameter(f"unknown source {', '.join(unknown)}; known: {', '.join(known)}",
                                 param_hint="'--source'")
    notes = console(stderr=True)
    results = []
    for name in names:
        try:
            with notes.status(f"crawling {name}…"):
                results.append(crawl_source(engine, name, full=full, timeout=timeout,
                                            on_line=lambda line: notes.print(line, markup=False)))
        except KeyboardInterrupt:
            sys.stderr.write(f"interrupted: the {name} crawl was stopped and recorded as failed\n")
            raise typer.Exit(130) from None
    _print_crawl_summary(results)
    if any(run.state == "failed" for run in results):
        raise typer.Exit(1)


def _print_crawl_summary(runs) -> None:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False, title="crawl summary",
                  title_justify="left")
    for column in ("source", "state", "new", "updated", "unchanged", "events", "changes",
                   "dropped", "errors", "requests", "note"):
        table.add_column(column, overflow="fold")
    for run in runs:
        note = run.last_error or ("" if run.finish_reason == "finished" else run.finish_reason or "")
        table.add_row(run.source, run.state, *(str(v) for v in (
            run.cases_new, run.cases_updated, run.cases_unchanged, run.events_added,
            run.changes_added, run.dropped, run.errors, run.requests)), note)
    console(stderr=True).print(table)


@app.command()
def sources(as_json: JsonFlag = False) -> None:
    """Each source's health: last run, last success, last failure and whether it is stale."""
    from tracker.crawl import available_sources
    from tracker.runs import source_health

    settings = load_settings()
    health = source_health(_store(settings), available_sources(), now=datetime.now(UTC),
                           intervals=settings.crawl_intervals, stale_after=settings.stale_after,
                           stale_runs=settings.stale_runs)
    rows = [{
        "source": h.source,
        "interval_hours": h.interval_hours,
        "stale": h.stale is not None,
        "stale_reason": h.stale,
        "last_run": _run_dict(h.last_run),
        "last_success": _run_dict(h.last_success),
        "last_failure": _run_dict(h.last_failure),
    } for h in health]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("source", "every", "last run", "last success", "last failure", "stale"):
        table.add_column(column, overflow="fold")
    for row in rows:
        run, success, failure = row["last_run"], row["last_success"], row["last_failure"]
        table.add_row(
            row["source"], f"{row['interval_hours']:g} h",
            f"{run['started_at']} {run['state']}" if run else "never",
            success["started_at"] if success else "never",
            f"{failure['started_at']} {failure['reason'] or ''}".strip() if failure else "",
            f"STALE: {row['stale_reason']}" if row["stale"] else "")
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
    }


@app.command("config")
def show_config(
    as_json: JsonFlag = False,
) -> None:
    """Print the settings in force, with secrets masked."""
    settings = load_settings()
    shown = describe_settings(settings)
    shown["config_file"] = str(settings.config_file) if settings.config_file else "(none)"
    if as_json:
        print_json(shown)
        return
    for name, value in shown.items():
        sys.stdout.write(f"{name:24} {value}\n")


@app.command()
def vocab(
    as_json: JsonFlag = False,
) -> None:
    """The status vocabulary of each kind of case, with labels and meanings."""
    table = {kind.value: [{"status": s.value, "label": s.label, "meaning": s.meaning}
                          for s in statuses] for kind, statuses in STATUSES_BY_KIND.items()}
    if as_json:
        print_json(table)
        return
    for kind, statuses in table.items():
        sys.stdout.write(f"{Kind(kind).label}\n")
        for s in statuses:
            sys.stdout.write(f"  {s['status']:26} {s['meaning']}\n")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or migrate it to this version's schema."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    from tracker.config import mask_url_password
    from tracker.db import schema_version

    console(stderr=True).print(
        f"database {mask_url_password(settings.database_url)} is at revision {schema_version(engine)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="A revision id, or base to drop every table.")],
) -> None:
    """Migrate the database down to an earlier revision."""
    from tracker.db import downgrade

    downgrade(make_engine(load_settings().database_url), revision)


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from tracker.db import new_revision

    new_revision(make_engine(load_settings().database_url), message)


def _add_staff_commands() -> None:
    """Review, matters, subscriptions, digests, the scheduler and the web app. Registered only
    when one of them (or the command list) is asked for: their modules cost `tracker show` a
    third of its start-up time (bench/cli_latency.py)."""
    from tracker.mail_cli import digest_app, subscribers_app
    from tracker.matter_cli import matter_app, matters_command
    from tracker.review_cli import note_command, review_app, stance_command, tag_command
    from tracker.scheduler_cli import scheduler_app
    from tracker.web_cli import staff_app, web_command

    app.add_typer(matter_app, name="matter")
    app.command("matters")(matters_command)
    app.add_typer(scheduler_app, name="scheduler")
    app.add_typer(staff_app, name="staff")
    app.command("web")(web_command)
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(digest_app, name="digest")
    app.add_typer(review_app, name="review")
    app.command("note")(note_command)
    app.command("tag")(tag_command)
    app.command("stance")(stance_command)


def _core_commands() -> set[str]:
    return ({(c.name or c.callback.__name__).replace("_", "-") for c in app.registered_commands}
            | {g.name for g in app.registered_groups})


def main() -> None:
    """Entry point: run the app, turning the tracker's own errors into one line and an exit code."""
    words = [word for word in sys.argv[1:] if not word.startswith("-")]
    if not words or words[0] not in _core_commands():
        _add_staff_commands()
    try:
        app()
    except NotFoundError as exc:
        message = f"error: {exc}"
        if exc.suggestions:
            message += "\n  did you mean: " + ", ".join(exc.suggestions)
        sys.stderr.write(message + "\n")
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exc.exit_code)
    except DBAPIError as exc:
        sys.stderr.write(f"error: database: {exc.orig}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
