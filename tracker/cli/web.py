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
) -> None:
    """Serve the web app (sign-up, unsubscribe, cases, feeds, staff review) with uvicorn."""
    import uvicorn

    from tracker.web import create_app

    uvicorn.run(create_app(load_settings()), host=host, port=port, proxy_headers=True,
                server_header=False)


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="The staff member's login name, e.g. maria.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (else it is asked for).")] = False,
) -> None:
    """Add a staff account, or set a new password on one."""
    from tracker.staff import add_staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    add_staff(open_store(load_settings().database_url), name, password, now=datetime.now(UTC))
    sys.stdout.write(f"staff account {name.strip().lower()} saved\n")
