"""``tracker events``: what happened across every case in a window, the newest first; the view a
journalist starts from. A query command: it starts as fast as ``tracker cases``."""

import csv
import re
import sys
from datetime import date, timedelta
from typing import Annotated, Any

import typer
from sqlmodel import Session

from tracker.cli.params import check_filters, parse_day
from tracker.config import load_settings
from tracker.db import open_store
from tracker.output import JsonFlag, console, print_json
from tracker.queries import CaseFilter, event_to_dict, events_since, status_label
from tracker.vocab import Kind

DEFAULT_WINDOW = "7d"
DAYS_AGO = re.compile(r"^(\d{1,5})([dw])$")
# One layout for every list of events (`tracker events`, `tracker export --events`): each event
# led by its case, so that a spreadsheet sorts and filters on either.
EVENT_COLUMNS = ("case_key", "case_kind", "case_jurisdiction", "case_title", "case_status",
                 "date", "text", "classification", "significance", "ruling", "entry_number",
                 "source", "source_url")


def parse_since(value: str) -> date:
    """``7d`` (days back from today, today counted), ``2w`` (weeks), or a day as YYYY-MM-DD."""
    ago = DAYS_AGO.match(value.strip().lower())
    if ago:
        days = int(ago.group(1)) * (7 if ago.group(2) == "w" else 1)
        return date.today() - timedelta(days=max(days - 1, 0))
    if not re.match(r"^\d{4}-", value.strip()):
        raise typer.BadParameter(f"{value!r} is not a window (7d, 2w) or a date (YYYY-MM-DD)")
    return parse_day(value)


def events(
    since: Annotated[date | None, typer.Option(
        help=f"Events dated on or after this: 7d (the last seven days, today included), 2w, or "
             f"YYYY-MM-DD. Default {DEFAULT_WINDOW}.", parser=parse_since, metavar="7d|YYYY-MM-DD")] = None,
    kind: Annotated[list[Kind] | None, typer.Option(
        "--kind", "-k", help="The case's kind: lawsuit, federal_bill, state_bill, agency_action or "
        "statement; repeatable.", case_sensitive=False, metavar="KIND")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(
        "--jurisdiction", "-j", help="us, a state (ca) or a court id (cand, nysd); repeatable.")] = None,
    topic: Annotated[str | None, typer.Option(help="A topic, e.g. training-data or likeness.")] = None,
    matter: Annotated[str | None, typer.Option(
        help="Only the cases of this matter (`tracker matters` lists them).")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Full keys and texts, whatever the width.")] = False,
    as_json: JsonFlag = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout, a row per event.")] = False,
) -> None:
    """Every event across the cases in a window, the newest first (default: the last 7 days)."""
    if as_json and as_csv:
        raise typer.BadParameter("give --json or --csv, not both")
    start = since or parse_since(DEFAULT_WINDOW)
    filters = CaseFilter(kinds=kind or [], jurisdictions=[j.strip().lower() for j in jurisdiction or []],
                         tag=topic, staff_tags=True)
    with Session(open_store(load_settings().database_url)) as session:
        check_filters(session, filters, tag_option="--topic")
        rows = [event_row({"key": case.key, "kind": case.kind, "jurisdiction": case.jurisdiction,
                           "title": case.title, "status_label": status_label(case.status)},
                          event_to_dict(event))
                for event, case in events_since(session, filters, start, matter=matter)]
    if as_json:
        print_json(rows)
    elif as_csv:
        write_event_csv(sys.stdout, rows)
    else:
        _print_table(rows, start, wide)


def event_row(case: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """An event led by its case (a case as ``case_to_dict`` gives it, or the fields named)."""
    return {"case_key": case["key"], "case_kind": case["kind"], "case_jurisdiction": case["jurisdiction"],
            "case_title": case["title"], "case_status": case["status_label"], **event}


def write_event_csv(out, rows: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=EVENT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "classification": " ".join(row["classification"])} for row in rows)


def _print_table(rows: list[dict[str, Any]], start: date, wide: bool) -> None:
    from tracker.cli.columns import WIDE, key_width, short_keys, table, terminal_width

    notes = console(stderr=True)
    if not rows:
        notes.print(f"No events since {start} match; a longer --since or fewer filters show more.")
        return
    width = terminal_width()
    cases = list(dict.fromkeys(row["case_key"] for row in rows))
    keys = {key: key for key in cases} if wide else short_keys(cases, key_width(width))
    more = wide or width >= WIDE  # kind and jurisdiction, when there is room
    header = ["date", "", "case", *(["kind", "jur."] if more else []), "event"]
    lines = table(header, [[row["date"], "★" if row["significance"] == "major" else "", keys[row["case_key"]],
                            *([row["case_kind"], row["case_jurisdiction"]] if more else []), row["text"]]
                           for row in rows], width=10**6 if wide else width, fill=len(header) - 1)
    sys.stdout.write("\n".join(lines) + "\n")
    notes.print(f"{len(rows)} event{'s' if len(rows) != 1 else ''} in {len(cases)} "
                f"case{'s' if len(cases) != 1 else ''} since {start} (★ major); `tracker show KEY` "
                "gives a case's whole timeline.")
