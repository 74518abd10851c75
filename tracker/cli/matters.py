"""``tracker matters`` and ``tracker matter ...``: thin faces over ``tracker.matters``."""

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from tracker.cli.columns import WIDE, clip, key_width, short_keys, table, terminal_width
from tracker.cli.pictures import write_timeline
from tracker.config import load_settings
from tracker.db import open_store
from tracker.matters import (
    ROLES,
    add_case,
    create_matter,
    delete_matter,
    list_matters,
    matter_view,
    merge,
    remove_case,
)
from tracker.output import JsonFlag, print_json
from tracker.people_queries import sponsors_of_keys
from tracker.queries import case_links, event_to_dict, link_said, status_label
from tracker.review import reviewer

matter_app = typer.Typer(help="One dispute across dockets, bills and agency actions.",
                         no_args_is_help=True)
AsOption = Annotated[str | None, typer.Option("--by", help="Who makes the change (default: you).")]


def _engine():
    return open_store(load_settings().database_url)


def matters_command(as_json: JsonFlag = False) -> None:
    """Each matter: its key, title, members and where its lead case stands."""
    with Session(_engine()) as session:
        rows = [{"key": s.matter.key, "title": s.matter.title, "kind": s.kind, "members": s.members,
                 "latest_event": s.latest.isoformat() if s.latest else None,
                 "lead": s.lead.key if s.lead else None,
                 "status": s.lead.status if s.lead else None,
                 "status_label": status_label(s.lead.status) if s.lead else None,
                 "status_date": s.lead.status_date.isoformat() if s.lead and s.lead.status_date else None}
                for s in list_matters(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        sys.stderr.write("no matters yet (`tracker seed` loads the well-known ones)\n")
        return
    width = terminal_width()
    keys = short_keys([row["key"] for row in rows], key_width(width))
    more = width >= WIDE
    header = ["key", *(["kind", "cases", "latest"] if more else []), "status", "date", "title"]
    lines = table(header, [[keys[row["key"]],
                            *([row["kind"] or "—", str(row["members"]), row["latest_event"] or "—"]
                              if more else []),
                            row["status_label"] or "—", row["status_date"] or "—", row["title"]]
                           for row in rows], width=width, fill=len(header) - 1)
    sys.stdout.write("\n".join(lines) + "\n")


def matter_dict(session: Session, view) -> dict[str, Any]:
    lead = view.lead
    return {
        "key": view.matter.key, "title": view.matter.title,
        "lead": lead.key if lead else None,
        "status": lead.status if lead else None,
        "status_label": status_label(lead.status) if lead else None,
        "status_date": lead.status_date.isoformat() if lead and lead.status_date else None,
        "members": [{"key": m.case.key, "title": m.case.title, "kind": m.case.kind, "role": m.role,
                     "source": m.source, "status": m.case.status,
                     "status_label": status_label(m.case.status),
                     "links": [link for link in case_links(session, m.case)[0] if link["direction"] == "to"]}
                    for m in view.members],
        "timeline": [{"case": case.key, **event_to_dict(event)} for event, case in view.timeline],
    }


@matter_app.command("show")
def matter_show(key: Annotated[str, typer.Argument(help="A matter key.")], as_json: JsonFlag = False,
                timeline: Annotated[Path | None, typer.Option(
                    help="Also draw the timeline to this SVG file.")] = None) -> None:
    """The matter, its members and one merged timeline."""
    with Session(_engine()) as session:
        data = matter_dict(session, matter_view(session, key))
        sponsors = sponsors_of_keys(session, [member["key"] for member in data["members"]])
        for member in data["members"]:
            member["sponsors"] = [{"key": m.key, "name": m.name, "role": m.role, "label": m.label}
                                  for m in sponsors.get(member["key"], [])]
        if timeline:
            write_timeline(session, key, timeline)
    if as_json:
        print_json(data)
        return
    width = terminal_width()
    lines = [data["title"], f"key           {data['key']}",
             f"status        {data['status_label'] or '—'} (since {data['status_date'] or '—'}), "
             f"from {data['lead'] or '—'}", "", f"Members ({len(data['members'])})"]
    for member in data["members"]:
        lead = f"  {member['role']:15} {member['key']:26} {member['status_label'] or '—':22} "
        lines.append(lead + clip(member["title"], width - len(lead)))
        for link in member["links"]:
            lines.append(f"  {'':15} {'':26} {link_said(link)} ({link['reason']}; "
                         f"{link['review_state'] or 'no review'})")
    if sponsors:  # who carried the same text where
        lines += ["", "Sponsors side by side"]
        lines += [f"  {member['key']:26} " + "; ".join(
            f"{s['label']}{'' if s['role'] == 'sponsor' else ' (co)'}" for s in member["sponsors"])
                  for member in data["members"] if member["sponsors"]]
    lines += ["", f"Timeline ({len(data['timeline'])} events)"]
    for event in data["timeline"]:
        star = "★" if event["significance"] == "major" else " "
        lead = f"  {event['date']}  {star}  {event['case']:24}  "
        lines.append(lead + clip(event["text"], width - len(lead)))
    sys.stdout.write("\n".join(lines) + "\n")


@matter_app.command("create")
def matter_create(
    title: Annotated[str, typer.Argument(help="What the dispute is called.")],
    add: Annotated[list[str] | None, typer.Option("--add", help="A case key to add; repeatable.")] = None,
    key: Annotated[str | None, typer.Option(help="The matter's key (default: from the title).")] = None,
    by: AsOption = None,
) -> None:
    """Create a matter, with its first cases."""
    matter = create_matter(_engine(), title, add or [], by=reviewer(by), now=datetime.now(UTC), key=key)
    sys.stdout.write(f"matter {matter.key} created with {len(add or [])} cases\n")


@matter_app.command("add")
def matter_add(
    key: Annotated[str, typer.Argument(help="A matter key.")],
    case: Annotated[str, typer.Argument(help="A case key.")],
    role: Annotated[str, typer.Option("--as", help=f"The case's role: {', '.join(ROLES)}.")] = "member",
    by: AsOption = None,
) -> None:
    """Add a case to a matter (a case is in at most one)."""
    add_case(_engine(), key, case, role=role, by=reviewer(by), now=datetime.now(UTC))
    sys.stdout.write(f"{case} is in {key} as {role}\n")


@matter_app.command("remove")
def matter_remove(key: Annotated[str, typer.Argument(help="A matter key.")],
                  case: Annotated[str, typer.Argument(help="A case key.")]) -> None:
    """Take a case out of a matter."""
    remove_case(_engine(), key, case)
    sys.stdout.write(f"{case} is no longer in {key}\n")


@matter_app.command("merge")
def matter_merge(key: Annotated[str, typer.Argument(help="The matter that stays.")],
                 other: Annotated[str, typer.Argument(help="The matter merged into it.")]) -> None:
    """Move every case of OTHER into KEY, and drop OTHER."""
    moved = merge(_engine(), key, other)
    sys.stdout.write(f"{moved} cases moved from {other} into {key}; {other} is gone\n")


@matter_app.command("delete")
def matter_delete(key: Annotated[str, typer.Argument(help="A matter key.")]) -> None:
    """Drop a matter; its cases stay (in no matter). One of the shipped list comes back at the
    next `tracker seed`."""
    released = delete_matter(_engine(), key)
    sys.stdout.write(f"matter {key} deleted; {released} case{'' if released == 1 else 's'} "
                     "now in no matter\n")
