"""``tracker review``, ``tracker note``, ``tracker tag``, ``tracker stance``: the staff's commands,
thin faces over ``tracker.review`` and ``tracker.review_chores``."""

import sys
from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from sqlmodel import Session

from tracker.cli.outcome import (
    ClaimOption,
    DispositionOption,
    FairUseOption,
    HoldingOption,
    MotionOption,
    outcome_given,
)
from tracker.cli.params import parse_day
from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import TrackerError
from tracker.output import JsonFlag, print_json
from tracker.review import (
    ChangeDetail,
    Decision,
    PendingChange,
    ReviewError,
    add_note,
    approve,
    approve_case,
    approve_in_turn,
    edit,
    get_change,
    pending,
    reject,
    reviewer,
    set_stance,
    set_tags,
)
from tracker.review_chores import Selection, baseline, reopen, select_pending
from tracker.vocab import ChangeKind, Kind, Priority, Stance, Status
from tracker.watchlist import SOURCE as SEED_SOURCE

review_app = typer.Typer(
    help="The review queue: what the spiders found, waiting to be approved or rejected.",
    invoke_without_command=True)

AsOption = Annotated[str | None, typer.Option(
    "--as", help="Who decides (default: TRACKER_REVIEWER, else the OS user).")]
NoteOption = Annotated[str | None, typer.Option(help="Why it matters, in a line; goes out in digests.")]
HeadlineOption = Annotated[str | None, typer.Option(help="A headline for digests.")]
PriorityOption = Annotated[Priority | None, typer.Option(help="high, normal or low.")]
ASK_OVER = 20  # approve --all asks first when it would approve more changes than this


def _engine():
    return open_store(load_settings().database_url)


def _now() -> datetime:
    return datetime.now(UTC)


def _label(kind: str, value: str | None) -> str:
    """A status slug as its label (``filed`` → ``Filed``); other values as they are."""
    if value and kind in (ChangeKind.STATUS_CHANGE, ChangeKind.NEW_CASE) \
            and value in Status._value2member_map_:
        return Status(value).label
    return value or "—"


def _what(item: PendingChange) -> str:
    change = item.change
    kind = ChangeKind(change.kind)
    if kind in (ChangeKind.STATUS_CHANGE, ChangeKind.TITLE_CHANGE):
        text = f"{kind.label}: {_label(kind, item.before)} -> {_label(kind, change.after)}"
    else:
        text = f"{kind.label}: {_label(kind, change.after)}"
    if item.folds:
        text += f"  (folds {', '.join(f'#{c.id}' for c in item.folds)})"
    return text


def _change_dict(item: PendingChange, case_key: str) -> dict[str, Any]:
    change = item.change
    return {
        "id": change.id, "case": case_key, "kind": change.kind, "before": item.before,
        "after": change.after, "detected_at": change.detected_at.isoformat(timespec="seconds"),
        "source": change.source, "significance": change.significance,
        "source_url": item.event.source_url if item.event else None,
        "event_date": item.event.date.isoformat() if item.event else None,
        "folds": [c.id for c in item.folds], "review_state": change.review_state,
        "headline": change.headline, "note": change.note, "priority": change.priority,
    }


@review_app.callback()
def review(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case's changes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The pending changes, grouped by case, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    show_queue(case, as_json)


def show_queue(case: str | None = None, as_json: bool = False) -> None:
    """Print the review queue (``tracker review``; ``tracker demo`` shows it too)."""
    with Session(_engine()) as session:
        groups = pending(session, case_key=case)
    if as_json:
        print_json([_change_dict(item, group.case.key) for group in groups for item in group.changes])
        return
    if not groups:
        sys.stderr.write("nothing is waiting for review\n")
        return
    lines = []
    for group in groups:
        case_row = group.case
        lines.append(f"{case_row.key}  {case_row.title}")
        for item in group.changes:
            when = item.event.date.isoformat() if item.event else f"{item.change.detected_at:%Y-%m-%d}"
            lines.append(f"  #{item.change.id:<6} {when}  {_what(item)}")
            if item.event and item.event.source_url:
                lines.append(f"  {'':7} {'':10}  {item.event.source_url}")
        lines.append("")
    count = sum(len(g.changes) for g in groups)
    lines.append(f"{count} pending in {len(groups)} case{'s' if len(groups) != 1 else ''}; "
                 "tracker review approve ID... / reject ID... / show ID")
    sys.stdout.write("\n".join(lines) + "\n")


@review_app.command("show")
def review_show(change_id: Annotated[int, typer.Argument(help="A change id.")],
                as_json: JsonFlag = False) -> None:
    """One change, its decisions and edits, and the case's recent timeline."""
    with Session(_engine()) as session:
        detail = get_change(session, change_id)
    if as_json:
        print_json(_detail_dict(detail))
        return
    change, case = detail.change, detail.case
    item = PendingChange(change, detail.event, detail.folds)
    lines = [f"change #{change.id}  {change.review_state}",
             f"case          {case.key}  {case.title}",
             f"what          {_what(item)}",
             f"found         {change.detected_at:%Y-%m-%d %H:%M} UTC by {change.source or '—'}"]
    if detail.event:
        lines.append(f"event         {detail.event.date}  {detail.event.text}")
        if detail.event.source_url:
            lines.append(f"source        {detail.event.source_url}")
    for name in ("headline", "note", "priority"):
        if getattr(change, name):
            lines.append(f"{name:13} {getattr(change, name)}")
    if detail.log:
        lines += ["", "Decisions and edits"]
        for entry in detail.log:
            said = "; ".join(f"{k}: {getattr(entry, k)}" for k in
                             ("headline", "note", "priority", "reason") if getattr(entry, k))
            lines.append(f"  {entry.at:%Y-%m-%d %H:%M}  {entry.action:10} {entry.actor}"
                         + (f"  ({said})" if said else ""))
    lines += ["", "Recent timeline"]
    for event in detail.timeline:
        star = "★" if event.significance == "major" else " "
        lines.append(f"  {event.date}  {star}  {event.text[:150]}")
    sys.stdout.write("\n".join(lines) + "\n")


def _detail_dict(detail: ChangeDetail) -> dict[str, Any]:
    data = _change_dict(PendingChange(detail.change, detail.event, detail.folds), detail.case.key)
    data.update(
        reviewed_by=detail.change.reviewed_by, rule=detail.change.rule,
        reviewed_at=detail.change.reviewed_at and detail.change.reviewed_at.isoformat(timespec="seconds"),
        approval_seq=detail.change.approval_seq, reason=detail.change.reason,
        log=[{"action": e.action, "actor": e.actor, "at": e.at.isoformat(timespec="seconds"),
              "headline": e.headline, "note": e.note, "priority": e.priority, "reason": e.reason,
              "rule": e.rule} for e in detail.log],
        timeline=[{"date": e.date.isoformat(), "text": e.text, "significance": e.significance,
                   "source_url": e.source_url} for e in detail.timeline])
    return data


def _report(decisions: list[Decision]) -> None:
    for d in decisions:
        folded = f" (folding {', '.join(f'#{i}' for i in d.superseded)})" if d.superseded else ""
        sys.stdout.write(f"#{d.change_id} {d.state} on {d.case_key}{folded}\n")


def _decide(run) -> None:
    """Run a decision; report what was decided even when another part was refused."""
    try:
        _report(run())
    except ReviewError as exc:
        _report(getattr(exc, "decisions", []))
        raise


@review_app.command("approve")
def review_approve(
    change_ids: Annotated[list[int] | None, typer.Argument(help="Change ids.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="Everything pending on this case.")] = None,
    every: Annotated[bool, typer.Option(
        "--all", help="Everything pending that the filters below select (all of it without them).")
    ] = False,
    kind: Annotated[list[Kind] | None, typer.Option(
        "--kind", help="With --all: the case's kind; repeatable.", case_sensitive=False,
        metavar="KIND")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="With --all: what found the change (watchlist, courtlistener...); repeatable.")
    ] = None,
    change_kind: Annotated[list[ChangeKind] | None, typer.Option(
        "--change-kind", help="With --all: new_case, status_change...; repeatable.",
        case_sensitive=False, metavar="CHANGE_KIND")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help=f"With --all: do not ask, however many (it asks over {ASK_OVER}).")] = False,
    note: NoteOption = None, headline: HeadlineOption = None, priority: PriorityOption = None,
    as_: AsOption = None,
) -> None:
    """Approve changes for digests (a status change folds the case's earlier pending ones)."""
    if sum((bool(change_ids), bool(case), every)) != 1:
        raise typer.BadParameter("give change ids, --case KEY or --all (one of them)")
    if not every and (kind or source or change_kind):
        raise typer.BadParameter("--kind, --source and --change-kind select among --all")
    if every and headline:
        raise typer.BadParameter("a --headline is for one change; give its id")
    engine = _engine()
    decision = {"by": reviewer(as_), "now": _now(), "note": note, "headline": headline,
                "priority": priority}
    if every:
        ids = _confirmed_selection(engine, Selection(kind or [], source or [], change_kind or []), yes)
        _decide(lambda: approve_in_turn(engine, ids, **decision))
        return
    _decide(lambda: approve_case(engine, case, **decision) if case
            else approve(engine, change_ids, **decision))


def _confirmed_selection(engine, selection: Selection, yes: bool) -> list[int]:
    """The pending changes ``--all`` selects, once the person agrees when they are many: asked at
    a terminal, told to add --yes elsewhere (a script never approves a flood by accident).

    :raises ReviewError: when nothing pending matches
    """
    with Session(engine) as session:
        rows = select_pending(session, selection)
    if not rows:
        raise ReviewError("nothing pending matches; `tracker review` lists the queue")
    kinds = Counter(ChangeKind(kind).label.lower() for _, kind, _ in rows)
    cases = len({key for *_, key in rows})
    what = (f"{len(rows)} changes on {cases} case{'s' if cases != 1 else ''} "
            f"({', '.join(f'{n} {label}' for label, n in kinds.most_common())})")
    if len(rows) > ASK_OVER and not yes:
        if not sys.stdin.isatty():
            raise TrackerError(f"--all would approve {what} for digests; add --yes to approve them, "
                               "or narrow it with --kind, --source or --change-kind")
        typer.confirm(f"Approve {what} for digests?", abort=True, err=True)
    return [change_id for change_id, _, _ in rows]


@review_app.command("baseline")
def review_baseline(as_: AsOption = None) -> None:
    """Record what the seed and each source's first crawl found as known, not news: those
    pending changes leave the queue and never go to digests (`reopen` takes one back)."""
    report = baseline(_engine(), by=reviewer(as_), now=_now())
    if not report.changes:
        sys.stdout.write("nothing to record: no pending change comes from the seed or a source's "
                         "first crawl\n")
    else:
        sources = ", ".join(f"{n} from {'the watchlist seed' if name == SEED_SOURCE else name}"
                            for name, n in report.by_source.most_common())
        sys.stdout.write(f"{report.changes} change{'s' if report.changes != 1 else ''} on "
                         f"{report.cases} case{'s' if report.cases != 1 else ''} recorded as the "
                         f"baseline, not sent to digests: {sources}\n")
    if report.left:
        links = f", {report.links_left} of them link proposals" if report.links_left else ""
        sys.stdout.write(f"{report.left} still wait for review{links}: `tracker review` lists them\n")


@review_app.command("reopen")
def review_reopen(change_id: Annotated[int, typer.Argument(help="A change id.")],
                  as_: AsOption = None) -> None:
    """Put a decided change back in the queue (not one a digest has carried)."""
    change = reopen(_engine(), change_id, by=reviewer(as_), now=_now())
    sys.stdout.write(f"#{change.id} is pending again\n")


@review_app.command("reject")
def review_reject(
    change_ids: Annotated[list[int], typer.Argument(help="Change ids.")],
    reason: Annotated[str | None, typer.Option(help="Why it will not go out.")] = None,
    as_: AsOption = None,
) -> None:
    """Reject changes: they never go out."""
    engine = _engine()
    _decide(lambda: reject(engine, change_ids, by=reviewer(as_), now=_now(), reason=reason))


@review_app.command("edit")
def review_edit(
    change_id: Annotated[int, typer.Argument(help="A change id.")],
    note: NoteOption = None, headline: HeadlineOption = None, priority: PriorityOption = None,
    motion: MotionOption = None, disposition: DispositionOption = None, claim: ClaimOption = None,
    fair_use: FairUseOption = None, holding: HoldingOption = None,
    as_: AsOption = None,
) -> None:
    """Change a change's headline, note or priority (the earlier version stays in its log), or
    the outcome of the ruling it is about."""
    engine, by = _engine(), reviewer(as_)
    if outcome := outcome_given(motion, disposition, claim, fair_use, holding):
        from tracker.rulings import set_outcome

        event_id = set_outcome(engine, change_id, by=by, now=_now(), **outcome)
        sys.stdout.write(f"#{change_id}: the ruling's outcome is set (event {event_id})\n")
        if note is None and headline is None and priority is None:
            return
    change = edit(engine, change_id, by=by, now=_now(), note=note, headline=headline, priority=priority)
    sys.stdout.write(f"#{change.id} edited ({change.review_state})\n")


@review_app.command("rules")
def review_rules(as_json: JsonFlag = False) -> None:
    """The auto-approve rules in force."""
    rules = load_settings().auto_approve_rules
    if as_json:
        print_json([rule.model_dump(mode="json") | {"describes": rule.describe()} for rule in rules])
        return
    if not rules:
        sys.stdout.write("no auto-approve rules: every change waits for a person\n")
    for rule in rules:
        sys.stdout.write(f"{rule.name}: {rule.describe()}\n")


def note_command(
    key: Annotated[str, typer.Argument(help="A case key.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    public: Annotated[bool, typer.Option(
        "--public", help="Written for the public: the case page and digests show it too.")] = False,
    as_: AsOption = None,
) -> None:
    """Add a note to a case: internal (staff only, in `tracker show`) unless --public."""
    row = add_note(_engine(), key, text, by=reviewer(as_), now=_now(), public=public)
    shown = "public: the case page and digests show it" if row.public else "internal: staff only"
    sys.stdout.write(f"note added to {key} by {row.author} ({shown})\n")


def tag_command(
    key: Annotated[str, typer.Argument(help="A case key.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add, e.g. training-data.")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove these tags instead.")] = False,
    as_: AsOption = None,
) -> None:
    """Add (or --remove) staff tags on a case."""
    have = set_tags(_engine(), key, [] if remove else tags, tags if remove else [],
                    by=reviewer(as_), now=_now())
    sys.stdout.write(f"{key} staff tags: {', '.join(have) or '(none)'}\n")


def outcome_command(
    key: Annotated[str, typer.Argument(help="A case key.")],
    day: Annotated[date, typer.Option("--date", help="The ruling's day.", parser=parse_day,
                                      metavar="YYYY-MM-DD")],
    entry: Annotated[str | None, typer.Option(help="Its docket entry, if that day has several.")] = None,
    motion: MotionOption = None, disposition: DispositionOption = None, claim: ClaimOption = None,
    fair_use: FairUseOption = None, holding: HoldingOption = None,
    as_: AsOption = None,
) -> None:
    """Set the outcome of a case's ruling, found by its day: for rulings no change is about (a
    seeded case's), or without looking up the change."""
    from tracker.rulings import set_ruling_outcome

    event_id = set_ruling_outcome(_engine(), key, day, entry=entry, by=reviewer(as_), now=_now(),
                                  **outcome_given(motion, disposition, claim, fair_use, holding))
    sys.stdout.write(f"{key}: the outcome of the ruling of {day} is set (event {event_id})\n")


def stance_command(
    key: Annotated[str, typer.Argument(help="A case key.")],
    stance: Annotated[Stance, typer.Argument(help="watch, support or oppose.")],
    as_: AsOption = None,
) -> None:
    """Set the organisation's stance on a case."""
    set_stance(_engine(), key, stance, by=reviewer(as_), now=_now())
    sys.stdout.write(f"{key}: {stance}\n")

