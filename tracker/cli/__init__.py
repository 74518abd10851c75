"""The ``tracker`` command: thin commands over the store, the queries and the settings, a module
per command group.

Exit codes: 0 success; 1 a case or item that does not exist; 2 a bad argument or an unusable
setting. Every user error is one clear line on stderr, never a traceback. Machine output
(``--json``, ``export``) goes to stdout as plain JSON or CSV; messages go to stderr.

Query commands (``cases``, ``show``, ``export``, ``config``) import neither Scrapy,
APScheduler nor Alembic; commands that need them import them inside.
"""

import sys

import typer
from sqlalchemy.exc import DBAPIError

from tracker.cli import cases, crawl, reference
from tracker.cli.db import db_app
from tracker.cli.watchlist import watchlist_app
from tracker.errors import NotFoundError, TrackerError

app = typer.Typer(
    name="tracker",
    help="Track AI-copyright lawsuits, bills, agency actions and statements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(cases.cases)
app.command()(cases.show)
app.command()(cases.export)
app.command()(crawl.seed)
app.command()(crawl.crawl)
app.command()(crawl.sources)
app.command("config")(reference.show_config)
app.command()(reference.vocab)
app.add_typer(db_app, name="db")
app.add_typer(watchlist_app, name="watchlist")


def _add_staff_commands() -> None:
    """Review, matters, subscriptions, digests, the scheduler and the web app. Registered only
    when one of them (or the command list) is asked for: their modules cost `tracker show` a
    third of its start-up time (bench/cli_latency.py)."""
    from tracker.cli.mail import digest_app, subscribers_app
    from tracker.cli.matters import matter_app, matters_command
    from tracker.cli.pictures import map_command
    from tracker.cli.review import note_command, review_app, stance_command, tag_command
    from tracker.cli.scheduler import scheduler_app
    from tracker.cli.web import staff_app, web_command

    app.add_typer(matter_app, name="matter")
    app.command("matters")(matters_command)
    app.command("map")(map_command)
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
