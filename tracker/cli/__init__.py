"""The ``tracker`` command: thin commands over the store, the queries and the settings, a module
per command group.

Exit codes: 0 success; 1 a case or item that does not exist; 2 a bad argument or an unusable
setting. Every user error is one clear line on stderr, never a traceback. Machine output
(``--json``, ``export``) goes to stdout as plain JSON or CSV; messages go to stderr.

Query commands (``cases``, ``show``, ``events``, ``export``, ``config``) import neither Scrapy,
APScheduler nor Alembic; commands that need them import them inside.
"""

import gc
import importlib
import sys
from collections.abc import Collection
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from tracker import __version__
from tracker.cli.params import plain_help_types
from tracker.errors import NotFoundError, TrackerError

plain_help_types()
app = typer.Typer(
    name="tracker",
    help="Track AI-copyright lawsuits, bills, agency actions and statements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Every command: its name, then the module under tracker.cli and the attribute that holds it (a
# function, or a Typer app for a group), in the order `tracker --help` lists them. Only the module
# of the command asked for is imported: the others cost `tracker show` a third of its start-up
# time (bench/cli_latency.py).
COMMANDS: dict[str, tuple[str, str]] = {
    "cases": ("cases", "cases"),
    "show": ("cases", "show"),
    "export": ("cases", "export"),
    "events": ("events", "events"),
    "people": ("people", "people"),
    "person": ("people", "person_app"),
    "seed": ("crawl", "seed"),
    "crawl": ("crawl", "crawl"),
    "refold": ("crawl", "refold"),
    "sources": ("crawl", "sources"),
    "demo": ("demo", "demo"),
    "config": ("reference", "show_config"),
    "vocab": ("reference", "vocab"),
    "calendar": ("calendar", "calendar_command"),
    "rulings": ("calendar", "rulings_command"),
    "db": ("db", "db_app"),
    "watchlist": ("watchlist", "watchlist_app"),
    "matter": ("matters", "matter_app"),
    "matters": ("matters", "matters_command"),
    "map": ("pictures", "map_command"),
    "scheduler": ("scheduler", "scheduler_app"),
    "scrapyd": ("scrapyd", "scrapyd_app"),
    "staff": ("web", "staff_app"),
    "web": ("web", "web_command"),
    "subscribers": ("mail", "subscribers_app"),
    "digest": ("mail", "digest_app"),
    "mail": ("mailops", "mail_app"),
    "channels": ("channels", "channels_app"),
    "review": ("review", "review_app"),
    "courtlistener": ("courtlistener", "courtlistener_app"),
    "note": ("review", "note_command"),
    "tag": ("review", "tag_command"),
    "stance": ("review", "stance_command"),
    "outcome": ("review", "outcome_command"),
}
_registered: set[str] = set()


def _print_version(asked: bool) -> None:
    if asked:
        sys.stdout.write(f"tracker {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    pass


def register(names: Collection[str] = COMMANDS) -> None:
    """Add these commands to the app (all of them by default), importing their modules; a
    command registered already is left as it is (a test runs main() more than once)."""
    for name in [name for name in COMMANDS if name in names and name not in _registered]:
        module, attribute = COMMANDS[name]
        command = getattr(importlib.import_module(f"tracker.cli.{module}"), attribute)
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:
            app.command(name)(command)
        _registered.add(name)


def run() -> None:
    """The ``tracker`` program: :func:`main`, leaving what it made to the process's exit.

    At exit the interpreter runs a last full garbage collection over every object the imports
    made (SQLAlchemy, pydantic, Typer): about 130 ms, a quarter of ``tracker show``
    (bench/cli_latency.py). Freezing them skips that walk; files are closed, output flushed and
    exit handlers run as before. Tests call :func:`main`, so their process collects as usual."""
    try:
        main()
    finally:
        gc.freeze()


def main() -> None:
    """Entry point: run the app, turning usage errors and the tracker's own errors into one line
    and an exit code (2 for a bad argument or setting, 1 for something that does not exist)."""
    words = [word for word in sys.argv[1:] if not word.startswith("-")]
    register({words[0]} if words and words[0] in COMMANDS else COMMANDS)
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
