"""``tracker people`` and ``tracker person show``: who sponsors, judges and is sued, and their cases.

Query commands: they import nothing heavy, like ``tracker cases``.
"""

import sys
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session

from tracker.config import load_settings
from tracker.db import open_store
from tracker.output import JsonFlag, print_json
from tracker.people_queries import ROLE_GROUPS, list_people, person_detail
from tracker.queries import status_label
from tracker.vocab import Role

person_app = typer.Typer(help="One person: their cases by role and their recent events.",
                         no_args_is_help=True)


class RoleGroup(StrEnum):
    SPONSOR = "sponsor"
    JUDGE = "judge"
    PARTY = "party"


def people(
    role: Annotated[RoleGroup | None, typer.Option(
        help="sponsor (sponsors and cosponsors), judge, or party (plaintiffs, defendants, amici).")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(
        "--jurisdiction", "-j", help="Only cases in these jurisdictions (us, il, cand...).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The legislators, judges and parties of the tracked cases, the busiest first."""
    with Session(open_store(load_settings().database_url)) as session:
        rows = list_people(session, roles=ROLE_GROUPS[role] if role else (),
                           jurisdictions=[j.strip().lower() for j in jurisdiction or []])
    if as_json:
        print_json(rows)
        return
    if not rows:
        sys.stderr.write("No people match: they come with the cases (`tracker crawl`, `tracker seed`).\n")
        return
    width = max(len(row["key"]) for row in rows)
    for row in rows:
        counts = ", ".join(f"{count} {Role(r).label.lower()}" for r, count in row["cases"].items())
        where = ", ".join(v for v in (row["party"], row["seat"] or row["jurisdiction"]) if v)
        sys.stdout.write(f"{row['key']:{width}}  {row['name']}{f' ({where})' if where else ''}: {counts}\n")


@person_app.command("show")
def person_show(
    key: Annotated[str, typer.Argument(help="A person's key, e.g. bioguide-c001088 or party-openai.")],
    as_json: JsonFlag = False,
) -> None:
    """A person's cases grouped by role, with their status, and the latest events of those cases."""
    with Session(open_store(load_settings().database_url)) as session:
        data = person_detail(session, key)
    if as_json:
        print_json(data)
        return
    where = ", ".join(v for v in (data["party"], data["seat"] or data["jurisdiction"]) if v)
    lines = [f"{data['name']}{f' ({where})' if where else ''}  [{data['key']}]",
             "identifiers: " + " · ".join(f"{k}: {v}" for k, v in data["identifiers"].items())]
    for role, cases in data["roles"].items():
        lines += ["", f"{Role(role).label} ({len(cases)})"]
        lines += [f"  {c['key']:28} {status_label(c['status']) or '—':22} {c['title']}"
                  + (f"  ({c['detail']})" if c["detail"] else "") for c in cases]
    if data["recent_events"]:
        lines += ["", "Recent events"]
        lines += [f"  {e['date']}  {e['case']:28} {e['text'][:100]}" for e in data["recent_events"]]
    sys.stdout.write("\n".join(lines) + "\n")
