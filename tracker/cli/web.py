"""``tracker web`` and ``tracker staff``: serve the web app, and manage who may log in to it."""

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.db import open_store

staff_app = typer.Typer(help="Staff accounts for the web pages.", no_args_is_help=True)


def web_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes; they share logins, limits and the secret through "
                            "the database (limits through Redis when redis_url is set).")] = 1,
) -> None:
    """Serve the web app (sign-up, unsubscribe, cases, feeds, staff review) with uvicorn."""
    from tracker.web import create_app
    from tracker.web.serving import serve

    app = create_app(load_settings())  # here too: a bad setting is said once, before any worker starts
    serve(app, "tracker.web:app_from_settings", host=host, port=port, workers=workers)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


PASSWORD_STDIN = typer.Option("--password-stdin",
                              help="Read the password from standard input (else it is asked for).")


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="The staff member's login name, e.g. maria.")],
    password_stdin: Annotated[bool, PASSWORD_STDIN] = False,
    role: Annotated[str, typer.Option(help="reviewer (review, notes, tags) or admin (also the "
                                           "sources and settings pages).")] = "admin",
) -> None:
    """Add a staff account, or set a new password and role on one (its sessions end)."""
    from tracker.staff import add_staff

    password = _password(password_stdin)
    add_staff(open_store(load_settings().database_url), name, password, now=datetime.now(UTC),
              role=role)
    sys.stdout.write(f"staff account {name.strip().lower()} saved ({role})\n")


@staff_app.command("list")
def staff_list() -> None:
    """The staff accounts: name, role, since when."""
    from tracker.staff import list_staff

    for account in list_staff(open_store(load_settings().database_url)):
        sys.stdout.write(f"{account.name:<24} {account.role:<9} since {account.created_at:%Y-%m-%d}\n")


@staff_app.command("remove")
def staff_remove(name: Annotated[str, typer.Argument(help="The login name to remove.")]) -> None:
    """Remove a staff account; its sessions end at once."""
    from tracker.staff import remove_staff

    remove_staff(open_store(load_settings().database_url), name)
    sys.stdout.write(f"staff account {name.strip().lower()} removed\n")


@staff_app.command("passwd")
def staff_passwd(
    name: Annotated[str, typer.Argument(help="The login name.")],
    password_stdin: Annotated[bool, PASSWORD_STDIN] = False,
) -> None:
    """Set a new password on a staff account; every session of it ends."""
    from tracker.staff import set_password

    engine = open_store(load_settings().database_url)
    set_password(engine, name, _password(password_stdin))
    sys.stdout.write(f"password of {name.strip().lower()} changed; its sessions have ended\n")
