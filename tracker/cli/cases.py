"""``tracker cases``, ``tracker show`` and ``tracker export``: the query commands.

These answer "where does this case stand?" and must start in well under a second: they import
neither Scrapy, APScheduler, Alembic nor (for ``show``) Rich.
"""

import csv
import json
import re
import shutil
import sys
import textwrap
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from tracker.cli.columns import clip
from tracker.cli.events import event_row, write_event_csv
from tracker.cli.params import check_filters, since_option
from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import NotFoundError, TrackerError
from tracker.output import PIPED_WIDTH, JsonFlag, console, print_json
from tracker.queries import (
    CaseFilter,
    case_dicts,
    count_cases,
    get_case,
    link_said,
    list_cases,
    public_notes,
    resolve_key,
    show_dict,
    status_label,
    suggest_keys,
)
from tracker.vocab import ActionClass, Kind, Stance, Status

JURISDICTION = re.compile(r"^[a-z0-9]{2,10}$")
DEFAULT_TABLE_LIMIT = 50


class GroupBy(StrEnum):
    PARTY = "party"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


# Options shared by ``cases`` and ``export``.
KindOption = Annotated[list[Kind] | None, typer.Option(
    "--kind", "-k", help="lawsuit, federal_bill, state_bill, agency_action or statement; repeatable.",
    case_sensitive=False, metavar="KIND")]
StatusOption = Annotated[list[Status] | None, typer.Option(
    "--status", "-s", help="A status from `tracker vocab`; repeatable.", show_choices=False,
    case_sensitive=False)]
JurisdictionOption = Annotated[list[str] | None, typer.Option(
    "--jurisdiction", "-j", help="us, a state (ca) or a court id (cand, nysd); repeatable.")]
SinceOption = since_option("Status date on or after this day.")
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
                      since=since, search=search, party=party,
                      tag=tag, staff_tags=True, watchlist_only=watchlist, stance=stance)


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
    sponsor: Annotated[str | None, typer.Option(
        metavar="KEY", help="A legislator's key (`tracker people`): the bills they (co)sponsor.")] = None,
    judge: Annotated[str | None, typer.Option(
        metavar="KEY", help="A judge's key (`tracker people --role judge`): the suits before them.")] = None,
    group_by: Annotated[GroupBy | None, typer.Option(
        "--group-by", help="party: the suits under each defendant, names folded (OpenAI, Inc. = "
        "OpenAI OpCo LLC = OpenAI).")] = None,
    limit: Annotated[int | None, typer.Option(
        min=0, help=f"At most this many (table default {DEFAULT_TABLE_LIMIT}; 0 for all).")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Full keys and titles, whatever the width.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List cases, the most recently moved first."""
    filters = _filters(kind, status, jurisdiction, since, search, party, tag, watchlist, stance)
    filters.defendant = defendant
    if sponsor and judge:
        raise typer.BadParameter("give --sponsor or --judge, not both", param_hint="'--judge'")
    if sponsor or judge:
        from tracker.people_queries import ROLE_GROUPS

        filters.person = sponsor or judge
        filters.person_roles = ROLE_GROUPS["sponsor" if sponsor else "judge"]
    engine = open_store(load_settings().database_url)
    with Session(engine) as session:
        check_filters(session, filters)
        if filters.person:
            from tracker.people_queries import get_person

            get_person(session, filters.person)  # an unknown key: exit 1, naming the nearest
        if group_by is GroupBy.PARTY:
            _print_by_defendant(session, filters, as_json)
            return
        if as_json:
            print_json(case_dicts(session, list_cases(session, filters, limit=limit), curation=True))
            return
        shown_limit = DEFAULT_TABLE_LIMIT if limit is None else limit
        rows = list_cases(session, filters, limit=shown_limit)
        total = count_cases(session, filters) if shown_limit and len(rows) == shown_limit else len(rows)
        empty = not rows and not count_cases(session, CaseFilter())
    _print_case_table(rows, total, empty, wide)


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


def _print_case_table(rows, total: int, empty: bool = False, wide: bool = False) -> None:
    from tracker.cli.columns import WIDE, key_width, short_keys, table, terminal_width

    notes = console(stderr=True)
    if not rows:
        notes.print("No cases yet: `tracker seed` loads the watchlist." if empty
                    else "No cases match these filters; drop one to see more.")
        return
    width = terminal_width()
    keys = {c.key: c.key for c in rows} if wide else short_keys([c.key for c in rows], key_width(width))
    more = wide or width >= WIDE  # kind and jurisdiction, when there is room
    header = ["key", *(["kind", "jur."] if more else []), "status", "date", "title"]
    lines = table(header, [[keys[c.key], *([c.kind, c.jurisdiction] if more else []),
                            status_label(c.status) or "—",
                            c.status_date.isoformat() if c.status_date else "—", c.title]
                           for c in rows], width=10**6 if wide else width, fill=len(header) - 1)
    sys.stdout.write("\n".join(lines) + "\n")
    if total > len(rows):
        notes.print(f"{len(rows)} of {total} cases shown; --limit 0 shows all.")
    if not wide and any(keys[c.key] != c.key for c in rows):
        notes.print("Keys ending in … are shortened: `tracker show` takes them as they are; "
                    "--wide or --json shows them whole.")


def show(
    key: Annotated[str, typer.Argument(help="A case key, e.g. cand-3:23-cv-00201 or us-119-s-1367.")],
    as_json: JsonFlag = False,
) -> None:
    """One case: identifiers, parties, links, tags, why it is tracked, and its full timeline."""
    engine = open_store(load_settings().database_url)
    with Session(engine) as session:
        # The key as given first: one query fewer for the usual case (bench/cli_latency.py).
        detail = get_case(session, key) or get_case(session, resolve_key(session, key))
        if detail is None:
            raise NotFoundError(f"no case with key {key!r}", suggest_keys(session, key))
        data = show_dict(session, detail, curation=True)
    if as_json:
        print_json(data)
    else:
        _print_case(data)


def _print_case(data: dict[str, Any]) -> None:
    """One case as plain aligned text. No Rich here: ``tracker show`` is the command that must
    answer in a second, and Rich's import and layout were a fifth of its time (bench/)."""
    width = max(shutil.get_terminal_size((PIPED_WIDTH, 24)).columns, 60)
    mdl = data.get("mdl")
    status = f"In {mdl['name']}" if mdl else data["status_label"] or "—"
    if data["status_date"]:
        status += f" (since {data['status_date']})"
    if mdl:  # a member's stage is the MDL's: its own docket has the rulings
        status += f"; the MDL ({mdl['key']}) is at {mdl['stage_label'] or '—'}"
        status += f" since {mdl['since']}" if mdl["since"] else ""
    fields = [
        ("key", data["key"]),
        ("kind", Kind(data["kind"]).label),
        ("jurisdiction", data["jurisdiction"]),
        ("status", status),
        ("identifiers", " · ".join(f"{k}: {v}" for k, v in _plain(data["identifiers"]))),
        ("plaintiffs", "; ".join(data["parties"]["plaintiffs"])),
        ("defendants", "; ".join(data["parties"]["defendants"])),
        ("people", [f"{p['role']}: {p['label']}" + (f" [{p['key']}]" if p["key"] else "")
                    for p in data.get("people", [])]),
        ("tags", ", ".join(data["tags"])),
        ("staff tags", ", ".join(data["staff_tags"])),
        ("stance", data["stance"] or ""),
        ("why tracked", data["why_tracked"] or ""),
        ("summary", data["summary"] or ""),
        ("links", data["urls"]),
        ("sources", data["sources"]),
        ("on watchlist", "yes" if data["on_watchlist"] else ""),
        ("facts as of", (data.get("curation") or {}).get("as_of") or ""),
        ("confidence", (data.get("curation") or {}).get("confidence") or ""),
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
    research = (data.get("curation") or {}).get("research_notes")
    if research:
        lines += ["", "Research notes (staff only)"]
        for note in research.splitlines():
            lines += _wrap(note, width, "  ")
    if data["notes"]:
        lines += ["", "Staff notes"]
        for note in data["notes"]:
            lines += _wrap(note["text"], width, f"{note['at'][:10]}  {note['author']:12.12}  "
                                                f"{'public' if note['public'] else 'internal':8}  ")
    if data.get("links"):
        lines += ["", "Links (approved, one that carries a dispute puts both cases in a matter)"]
        related = {other["key"]: other for other in data["related"]}
        for link in data["links"]:
            lines += _wrap(f"{link_said(link)} ({link['reason']})", width,
                           f"{link['review_state'] or '—':12}  ")
            if link["key"] in related:
                other = related[link["key"]]
                lines += _wrap(f"{other['status_label'] or '—'}: {other['title']}", width, " " * 14)
    events = data["events"]
    lines += ["", f"Timeline ({len(events)} event{'s' if len(events) != 1 else ''})"]
    for event in events:
        classes = ", ".join(ActionClass(c).label if c in ActionClass._value2member_map_ else c
                            for c in event["classification"])
        if event["ruling"]:
            classes += f" ({event['ruling']})"
        star = "★" if event["significance"] == "major" else " "
        lines += _wrap(f"{event['text']}  [{event['source']}]", width,
                       f"{event['date']}  {star}  {clip(classes, 34):34}  ")
    sys.stdout.write("\n".join(lines) + "\n")


def _wrap(text: str, width: int, lead: str) -> list[str]:
    """``text`` wrapped to ``width`` after ``lead``, continuation lines indented under it."""
    return textwrap.wrap(text, width=width, initial_indent=lead,
                         subsequent_indent=" " * len(lead)) or [lead.rstrip()]


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
    events: Annotated[bool, typer.Option(
        "--events", help="One row (or object) per event of the matching cases, with its case's "
        "key, kind, jurisdiction, title and status.")] = False,
) -> None:
    """Export the matching cases, all of them, as CSV or JSON; or, with --events, their events."""
    filters = _filters(kind, status, jurisdiction, since, search, party, tag, watchlist, stance)
    engine = open_store(load_settings().database_url)
    with Session(engine) as session:
        check_filters(session, filters)
        data = case_dicts(session, list_cases(session, filters), curation=True)
    if events:
        data = [event_row(case, event) for case in data for event in case["events"]]
    try:
        stream = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        raise TrackerError(f"cannot write {output}: {exc.strerror}") from None
    with stream if output else nullcontext(stream) as out:
        if format is ExportFormat.JSON:
            out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        elif events:
            write_event_csv(out, data)
        else:
            _write_csv(out, data)
    if output:
        console(stderr=True).print(f"{len(data)} {'events' if events else 'cases'} written to {output}")


CSV_COLUMNS = ("key", "kind", "jurisdiction", "title", "status", "status_label", "status_date",
               "identifiers", "plaintiffs", "defendants", "urls", "tags", "stance", "staff_tags",
               "public_notes", "why_tracked", "summary", "on_watchlist", "first_seen", "last_seen",
               "events", "last_event_date", "last_event", "as_of", "confidence", "research_notes")


def _plain(identifiers: dict[str, Any]) -> list[tuple[str, Any]]:
    """The identifiers a person reads (a docket number, a bill number), without the lists a
    source keeps there for the calendar (a bill's Open States events and committee meetings),
    which the JSON still carries and `tracker calendar` shows."""
    return [(k, v) for k, v in identifiers.items() if not isinstance(v, list | dict)]


def _write_csv(out, data: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for case in data:
        last = case["events"][-1] if case["events"] else {}
        writer.writerow({
            **case,
            "identifiers": "; ".join(f"{k}={v}" for k, v in _plain(case["identifiers"])),
            "plaintiffs": "; ".join(case["parties"]["plaintiffs"]),
            "defendants": "; ".join(case["parties"]["defendants"]),
            "urls": " ".join(case["urls"]),
            "tags": "; ".join(case["tags"]),
            "staff_tags": "; ".join(case["staff_tags"]),
            "public_notes": "; ".join(note["text"] for note in public_notes(case["notes"])),
            "events": len(case["events"]),
            "last_event_date": last.get("date", ""),
            "last_event": last.get("text", ""),
            **(case.get("curation") or {}),
        })


