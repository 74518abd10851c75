"""``tracker watchlist check``: the shipped checks on a curated watchlist file (a staff command).

One line per finding on stdout (errors, then warnings); exit 1 when there is an error, 0
otherwise, so it can gate a pull request. ``--today`` fixes the date the staleness checks
count from, so a test (or a review) gives the same answer on any day.
"""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.errors import ConfigError

watchlist_app = typer.Typer(help="Check the curated watchlist.", no_args_is_help=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@watchlist_app.command("check")
def check(
    today: Annotated[str | None, typer.Option(
        help="The day to check as of (YYYY-MM-DD); today by default.")] = None,
    file: Annotated[Path | None, typer.Option(
        help="Another watchlist file in the same format.", dir_okay=False)] = None,
) -> None:
    """Check sources, ended sessions, statuses, summaries and staleness; exit 1 on an error."""
    from tracker.watchlist import load_watchlist
    from tracker.watchlist_check import Level, check_watchlist, load_domains

    day = _day(today) if today else date.today()
    if file is not None and not file.is_file():
        raise ConfigError(f"no watchlist file {file}")
    records = load_watchlist(file or load_settings().watchlist_file)
    findings = check_watchlist(records, today=day, domains=load_domains())
    errors = [f for f in findings if f.level is Level.ERROR]
    for finding in errors + [f for f in findings if f.level is not Level.ERROR]:
        typer.echo(finding.line())
    typer.echo(f"watchlist: {len(records)} cases checked as of {day}: {len(errors)} errors, "
               f"{len(findings) - len(errors)} warnings", err=True)
    if errors:
        raise typer.Exit(1)
