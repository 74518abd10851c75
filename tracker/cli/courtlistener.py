"""``tracker courtlistener``: what the tracker asks of its CourtListener account."""

import sys
from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import ConfigError
from tracker.output import JsonFlag, console, print_json

courtlistener_app = typer.Typer(help="The CourtListener account: docket alerts.", no_args_is_help=True)

LABELS = {"already": "covered (already)", "created": "covered: alert created",
          "would_create": "would be covered (dry run)", "quota": "not covered",
          "unsubscribed": "not covered", "refused": "not covered", "not_tried": "not covered"}


@courtlistener_app.command("alerts")
def alerts_command(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List the account's alerts and say what would be created; create none.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create CourtListener docket alerts for the watched dockets, within the account's alert
    quota (courtlistener_docket_alerts), and say which dockets are not covered and why."""
    from tracker.docket_alerts import COVERED, DocketAlertsClient, cover

    settings = load_settings()
    table = settings.source("courtlistener")
    if table.key is None or not table.key.get_secret_value():
        raise ConfigError("docket alerts belong to a CourtListener account: set COURTLISTENER_TOKEN")
    engine = open_store(settings.database_url)
    client = DocketAlertsClient(table.url or "", table.key.get_secret_value(), delay=table.delay,
                                timeout=table.timeout)
    report = cover(engine, client, quota=settings.courtlistener_docket_alerts, dry_run=dry_run)
    rows = [{"courtlistener_id": row.docket.courtlistener_id, "key": row.docket.key,
             "title": row.docket.title, "covered": row.outcome in COVERED, "outcome": row.outcome,
             "reason": row.reason or None} for row in report.rows]
    if as_json:
        print_json({"quota": report.quota, "in_use": report.in_use, "elsewhere": report.elsewhere,
                    "dry_run": dry_run, "dockets": rows})
    else:
        _print_table(rows)
        created = report.count("would_create" if dry_run else "created")
        missing = len(rows) - report.count(*COVERED)
        sys.stderr.write(
            f"docket alerts: {report.in_use} of {report.quota} in use"
            + (f" ({report.elsewhere} on dockets the tracker does not watch)" if report.elsewhere else "")
            + f"; {created} {'would be created' if dry_run else 'created'}, "
            f"{report.count('already')} already there; {missing} of {len(rows)} watched dockets "
            "not covered" + (" (polling covers them: the hourly refresh checks every docket)"
                             if missing else "") + "\n")
    if report.error:
        raise report.error


def _print_table(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("case", "docket", "alert", "why", "title"):
        table.add_column(column, overflow="fold" if column != "title" else "ellipsis",
                         no_wrap=column == "title")
    for row in rows:
        table.add_row(row["key"], str(row["courtlistener_id"]), LABELS[row["outcome"]],
                      row["reason"] or "", row["title"])
    console().print(table)
