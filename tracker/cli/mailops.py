"""``tracker mail`` (the bounce mailbox, retention) and the subscriber's rights under ``tracker
subscribers`` (export, erase, explain, unsuppress): thin faces over ``tracker.bounces``,
``tracker.rights``, ``tracker.explain`` and ``tracker.retention``."""

import getpass
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlmodel import Session

from tracker.cli.params import since_option
from tracker.config import load_settings
from tracker.consent import event_dict, history
from tracker.db import open_store
from tracker.output import JsonFlag, print_json
from tracker.subscriptions import find

mail_app = typer.Typer(help="The bounce mailbox and how long mail is kept.", no_args_is_help=True)
EmailArgument = Annotated[str, typer.Argument(help="The address.")]


def _now() -> datetime:
    return datetime.now(UTC)


def staff_source() -> str:
    """Who did it, for the consent record: the account at the command line."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


@mail_app.command("bounces")
def mail_bounces() -> None:
    """Read the bounce mailbox once: count bounces, act on complaints and unsubscribes by mail."""
    from tracker.bounces import read_returns

    settings = load_settings()
    report = read_returns(open_store(settings.database_url), settings, clock=_now)
    sys.stderr.write(f"bounce mailbox: {report.summary()}\n")


@mail_app.command("purge")
def mail_purge() -> None:
    """Empty the bodies of mails and posts older than outbox_retention_days (their records stay)."""
    from tracker.retention import purge_bodies

    settings = load_settings()
    mails, posts = purge_bodies(open_store(settings.database_url), now=_now(),
                                days=settings.outbox_retention_days)
    sys.stderr.write(f"emptied the bodies of {mails} mails and {posts} channel posts older than "
                     f"{settings.outbox_retention_days} days\n")


def consent_lines(email: str) -> list[dict]:
    with Session(open_store(load_settings().database_url)) as session:
        return [event_dict(event) for event in history(session, find(session, email).id)]


def print_consent(events: list[dict]) -> None:
    sys.stdout.write("consent:\n" if events else "consent:         (nothing recorded)\n")
    for event in events:
        source = f" from {event['from']}" if event["from"] else ""
        sys.stdout.write(f"  {event['at']}  {event['action']:12} {event['how']}{source}\n")
        if event["wording"]:
            sys.stdout.write(f"      agreed to: “{event['wording']}”\n")
        for name, value in event["detail"].items():
            shown = " → ".join(map(str, value)) if event["action"] == "preferences" else value
            sys.stdout.write(f"      {name}: {shown}\n")


def subscribers_export(email: EmailArgument) -> None:
    """Everything held about a subscriber, as JSON on stdout."""
    from tracker.rights import export

    print_json(export(open_store(load_settings().database_url), email))


def subscribers_erase(
    email: EmailArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first.")] = False,
) -> None:
    """Erase a subscriber and everything held about them; keep only a keyed hash of the
    address on the suppression list, so no import or form adds it again."""
    from tracker.limits import counters
    from tracker.rights import erase, suppression_key

    settings = load_settings()
    engine = open_store(settings.database_url)
    with Session(engine) as session:
        address = find(session, email).email
    if not yes and not typer.confirm(f"Erase {address} and everything held about them?", err=True):
        raise typer.Exit(1)
    key = suppression_key(settings)
    erased = erase(engine, key, address, counters=counters(settings.redis_url, engine, key), now=_now())
    sys.stderr.write(f"erased {erased.email}: {erased.mails} mails, {erased.consent_events} consent "
                     f"records, {erased.returns} returned mails, {erased.channels} channels; its "
                     "hash is on the suppression list\n")


def subscribers_unsuppress(email: EmailArgument) -> None:
    """Let an erased, bounced or complaining address be subscribed again (it confirms anew)."""
    from tracker.rights import suppression_key, unsuppress

    settings = load_settings()
    if not unsuppress(open_store(settings.database_url), suppression_key(settings), email):
        sys.stderr.write(f"{email} was not suppressed\n")
        raise typer.Exit(1)
    sys.stderr.write(f"{email} may be subscribed again\n")


def subscribers_explain(
    email: EmailArgument,
    change: Annotated[int | None, typer.Option("--change", help="Only this change (its number).",
                                                min=1)] = None,
    since: since_option("Changes approved since this day (default: the last 30 days).") = None,
    as_json: JsonFlag = False,
) -> None:
    """Why a subscriber got (or did not get) each approved change: their filters, the digest
    that carried it, and what the mail server answered."""
    from tracker.explain import explain

    settings = load_settings()
    with Session(open_store(settings.database_url)) as session:
        lines = explain(session, email, change=change, since=since, now=_now(),
                        cap_days=settings.digest_cap_days)
    if as_json:
        print_json([line.as_dict() for line in lines])
        return
    for line in lines:
        sys.stdout.write(line.text() + "\n")
    if not lines:
        sys.stderr.write("no approved change in that window\n")


def add_rights_commands(subscribers_app: typer.Typer) -> None:
    """Add the rights commands to ``tracker subscribers``."""
    subscribers_app.command("export")(subscribers_export)
    subscribers_app.command("erase")(subscribers_erase)
    subscribers_app.command("explain")(subscribers_explain)
    subscribers_app.command("unsuppress")(subscribers_unsuppress)
