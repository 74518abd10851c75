"""The ``tracker`` command: thin commands over the store, the queries and the settings, a module
per command group.

Exit codes: 0 success; 1 a case or item that does not exist; 2 a bad argument or an unusable
setting. Every user error is one clear line on stderr, never a traceback. Machine output
(``--json``, ``export``) goes to stdout as plain JSON or CSV; messages go to stderr.

Query commands (``cases``, ``show``, ``events``, ``export``, ``config``) import neither Scrapy,
APScheduler nor Alembic; commands that need them import them inside.
"""

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from tracker import __version__
from tracker.cli import calendar, cases, crawl, demo, events, people, reference
from tracker.cli.db import db_app
from tracker.cli.params import plain_help_types
from tracker.cli.watchlist import watchlist_app
from tracker.errors import NotFoundError, TrackerError

plain_help_types()
app = typer.Typer(
    name="tracker",
    help="Track AI-copyright lawsuits, bills, agency actions and statements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        sys.stdout.write(f"tracker {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    pass


app.command()(cases.cases)
app.command()(cases.show)
app.command()(cases.export)
app.command()(events.events)
app.command()(people.people)
app.add_typer(people.person_app, name="person")
app.command()(crawl.seed)
app.command()(crawl.crawl)
app.command()(crawl.refold)
app.command()(crawl.sources)
app.command()(demo.demo)
app.command("config")(reference.show_config)
app.command()(reference.vocab)
app.command("calendar")(calendar.calendar_command)
app.command("rulings")(calendar.rulings_command)
app.add_typer(db_app, name="db")
app.add_typer(watchlist_app, name="watchlist")


def _add_staff_commands() -> None:
    """Review, matters, subscriptions, digests, the scheduler and the web app. Registered only
    when one of them (or the command list) is asked for: their modules cost `tracker show` a
    third of its start-up time (bench/cli_latency.py)."""
    from tracker.cli.channels import channels_app
    from tracker.cli.courtlistener import courtlistener_app
    from tracker.cli.mail import digest_app, subscribers_app
    from tracker.cli.mailops import mail_app, register
    from tracker.cli.matters import matter_app, matters_command
    from tracker.cli.pictures import map_command
    from tracker.cli.review import note_command, outcome_command, review_app, stance_command, tag_command
    from tracker.cli.scheduler import scheduler_app
    from tracker.cli.scrapyd import scrapyd_app
    from tracker.cli.web import staff_app, web_command

    if any(group.name == "review" for group in app.registered_groups):
        return  # registered already (a test runs main() more than once)
    app.add_typer(matter_app, name="matter")
    app.command("matters")(matters_command)
    app.command("map")(map_command)
    app.add_typer(scheduler_app, name="scheduler")
    app.add_typer(scrapyd_app, name="scrapyd")
    app.add_typer(staff_app, name="staff")
    app.command("web")(web_command)
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(digest_app, name="digest")
    register(subscribers_app)
    app.add_typer(mail_app, name="mail")
    app.add_typer(channels_app, name="channels")
    app.add_typer(review_app, name="review")
    app.add_typer(courtlistener_app, name="courtlistener")
    app.command("note")(note_command)
    app.command("tag")(tag_command)
    app.command("stance")(stance_command)
    app.command("outcome")(outcome_command)


def _core_commands() -> set[str]:
    return ({(c.name or c.callback.__name__).replace("_", "-") for c in app.registered_commands}
            | {g.name for g in app.registered_groups})


def main() -> None:
    """Entry point: run the app, turning usage errors and the tracker's own errors into one line
    and an exit code (2 for a bad argument or setting, 1 for something that does not exist)."""
    words = [word for word in sys.argv[1:] if not word.startswith("-")]
    if not words or words[0] not in _core_commands():
        _add_staff_commands()
    try:
        code = app(prog_name="tracker", standalone_mode=False)
    except typer.Abort:
        _fail("aborted", 1)
    except typer.TyperException as exc:  # a usage error: Typer's Click raises these
        ctx, message = getattr(exc, "ctx", None), usage_message(exc)
        if not message:  # `tracker` alone, or a group alone: its help is printed already
            sys.exit(getattr(exc, "exit_code", 2))
        hint = f" (`{ctx.command_path} --help` lists the options)" if ctx else ""
        _fail(message + hint, getattr(exc, "exit_code", 2))
    except NotFoundError as exc:
        message = str(exc)
        if exc.suggestions:
            message += "\n  did you mean: " + ", ".join(exc.suggestions)
        _fail(message, exc.exit_code)
    except TrackerError as exc:
        _fail(str(exc), exc.exit_code)
    except DBAPIError as exc:
        _fail(f"database: {exc.orig}", 2)
    except OSError as exc:  # a file named on the command line that cannot be read or written
        _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}", 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130, prefix="")
    sys.exit(code if isinstance(code, int) else 0)


def usage_message(exc) -> str:
    """Click's message on one line, without pydantic's "Value error, " inside it."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    return " ".join(message.replace("Value error, ", "").split())


def _fail(message: str, code: int, prefix: str = "error: ") -> None:
    sys.stderr.write(f"{prefix}{message}\n")
    sys.exit(code)
