"""``tracker calendar`` (what is coming) and ``tracker rulings`` (what was decided): query
commands, so they import neither Scrapy nor APScheduler, and iCalendar only for ``--ics``."""

import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session

from tracker.cli.params import since_option
from tracker.config import load_settings
from tracker.db import open_store
from tracker.output import JsonFlag, console, print_json
from tracker.vocab import Claim, DateKind, Disposition, FairUse

MAX_DAYS = 3660  # ten years ahead


class DispositionChoice(StrEnum):
    """The ``--disposition`` values: ``in-part`` is short for granted in part."""

    GRANTED = "granted"
    DENIED = "denied"
    IN_PART = "in-part"

    @property
    def disposition(self) -> Disposition:
        return Disposition.GRANTED_IN_PART if self is DispositionChoice.IN_PART else Disposition(self.value)


TagOption = Annotated[str | None, typer.Option(help="A tag, e.g. fair-use or training-data.")]
CaseOption = Annotated[str | None, typer.Option("--case", help="One case's key.")]


def calendar_command(
    days: Annotated[int, typer.Option(min=1, max=MAX_DAYS, help="How many days ahead, from today.")] = 60,
    kind: Annotated[list[DateKind] | None, typer.Option(
        "--kind", "-k", help="hearing, oral-argument, trial, deadline, comments-close, effective, markup "
        "or vote; repeatable.", case_sensitive=False, show_choices=False, metavar="KIND")] = None,
    matter: Annotated[str | None, typer.Option(help="A matter's key (`tracker matters`).")] = None,
    case: CaseOption = None,
    tag: TagOption = None,
    past: Annotated[int, typer.Option(min=0, max=MAX_DAYS, help="Also this many days back.")] = 0,
    vacated: Annotated[bool, typer.Option("--vacated", help="Show vacated dates too, marked so.")] = False,
    ics: Annotated[bool, typer.Option("--ics", help="iCalendar (RFC 5545) on stdout.")] = False,
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Read every case's dates and rulings again first (after an upgrade).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Dates ahead: hearings, arguments, trials, deadlines, comment periods closing, laws taking
    effect, soonest first."""
    from tracker.calendar import CalendarFilter, date_to_dict, list_dates

    settings = load_settings()
    engine = open_store(settings.database_url)
    today = datetime.now(UTC).date()
    if refresh:
        _refresh(engine, settings)
    filters = CalendarFilter(start=today - timedelta(days=past), end=today + timedelta(days=days),
                             kinds=kind or [], case_key=case, matter_key=matter, tag=tag, staff_tags=True,
                             vacated=vacated)
    with Session(engine) as session:
        rows = list_dates(session, filters)
    if as_json:
        print_json([date_to_dict(when, c) for when, c in rows])
        return
    if ics:
        from tracker.ics import calendar_feed

        feed = calendar_feed(rows, name="AI copyright: dates ahead", base_url=settings.base_url)
        sys.stdout.buffer.write(feed)
        return
    out = console()
    if not rows:
        console(stderr=True).print(f"Nothing set in the next {days} days"
                                   + (" for these filters." if kind or matter or case or tag else "."))
        return
    for when, c in rows:
        at = when.time.strftime("%H:%M") if when.time else "     "
        zone = f" {when.timezone.rsplit('/', 1)[-1].replace('_', ' ')}" if when.time and when.timezone else ""
        mark = " [vacated]" if when.state == "vacated" else ""
        label = DateKind(when.kind).label
        what = label if when.title.lower() == label.lower() else f"{label}: {when.title}"
        out.print(f"{when.day.isoformat()} {at}{zone}  {what}{mark}"
                  f"\n    {c.key}  {c.title}", markup=False, highlight=False)


def _refresh(engine, settings) -> None:
    from sqlalchemy import select

    from tracker.calendar import refresh_dates
    from tracker.models.cases import Case
    from tracker.rulings import record_rulings
    from tracker.watchlist import load_watchlist

    now = datetime.now(UTC)
    with Session(engine) as session:
        keys = list(session.execute(select(Case.key)).scalars())
    curated = {r.key: r.dates for r in load_watchlist(settings.watchlist_file)}
    touched = refresh_dates(engine, keys, now=now, curated={k: v for k, v in curated.items() if k in keys})
    recorded = record_rulings(engine, keys, now=now)
    console(stderr=True).print(f"refresh: {len(keys)} cases; {touched} dates added, changed or removed; "
                               f"{recorded} rulings recorded")


def rulings_command(
    fair_use: Annotated[list[FairUse] | None, typer.Option(
        "--fair-use", help="for-defendant, against, mixed or not-reached; repeatable.",
        case_sensitive=False, show_choices=False, metavar="OUTCOME")] = None,
    disposition: Annotated[list[DispositionChoice] | None, typer.Option(
        "--disposition", help="granted, denied or in-part; repeatable.", case_sensitive=False,
        show_choices=False, metavar="DISPOSITION")] = None,
    claim: Annotated[list[Claim] | None, typer.Option(
        "--claim", help="A claim the ruling reached (`tracker vocab claims`); repeatable.",
        case_sensitive=False, show_choices=False, metavar="CLAIM")] = None,
    tag: TagOption = None,
    since: since_option("Rulings on or after this day.") = None,
    case: CaseOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Rulings and what they decided: the motion, the disposition, the claims reached, fair use,
    and staff's one-line holding; the latest first."""
    from tracker.rulings import RulingFilter, describe, list_rulings, ruling_to_dict

    filters = RulingFilter(fair_use=fair_use or [], disposition=[d.disposition for d in disposition or []],
                           claims=claim or [], tag=tag, staff_tags=True, since=since, case_key=case)
    with Session(open_store(load_settings().database_url)) as session:
        views = list_rulings(session, filters)
    if as_json:
        print_json([ruling_to_dict(v) for v in views])
        return
    if not views:
        console(stderr=True).print("No rulings match.")
        return
    out = console()
    for view in views:
        out.print(f"{view.event.date.isoformat()}  {view.case.key}  {view.case.title}\n"
                  f"    {describe(view) or 'outcome not read yet'}"
                  + (f"\n    Holding: {view.outcome.holding}" if view.outcome.holding else ""),
                  markup=False, highlight=False)
