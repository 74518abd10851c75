"""``tracker channels``: team channels (Slack, Teams, webhooks) for a subscription; thin faces
over ``tracker.channels``."""

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import delete, select
from sqlmodel import Session, col

from tracker.cli.mailops import staff_source
from tracker.config import load_settings
from tracker.db import open_store, write_session
from tracker.errors import NotFoundError
from tracker.output import JsonFlag, print_json

channels_app = typer.Typer(help="Post a subscription's news to a team's Slack, Teams or webhook.",
                           no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


@channels_app.command("add")
def channels_add(
    email: Annotated[str, typer.Argument(help="The subscription (its address) whose news to post.")],
    slack: Annotated[str | None, typer.Option(help="A Slack incoming webhook URL.")] = None,
    teams: Annotated[str | None, typer.Option(help="A Microsoft Teams webhook (or Workflows) URL.")] = None,
    webhook: Annotated[str | None, typer.Option(
        help="An HTTPS endpoint on a host in channel_hosts; it gets signed JSON.")] = None,
    instead_of_mail: Annotated[bool, typer.Option(
        "--instead-of-mail", help="Post only: send the subscription no more mail.")] = False,
) -> None:
    """Make a subscription post to a team channel, beside its mail or instead of it."""
    from tracker.channels import SLACK, TEAMS, WEBHOOK, add_channel, host_of

    given = [(kind, url) for kind, url in ((SLACK, slack), (TEAMS, teams), (WEBHOOK, webhook)) if url]
    if len(given) != 1:
        raise typer.BadParameter("give one of --slack, --teams or --webhook")
    settings = load_settings()
    (kind, url), = given
    channel, key = add_channel(open_store(settings.database_url), settings, email, kind, url,
                               by=staff_source(), now=_now(), instead_of_mail=instead_of_mail)
    sys.stdout.write(f"channel #{channel.id}: {kind} on {host_of(channel)}\n"
                     f"signing key (shown once; it signs X-Tracker-Signature): {key}\n")


@channels_app.command("list")
def channels_list(as_json: JsonFlag = False) -> None:
    """Every channel: its subscription, kind, host, what it was last sent, its last error."""
    from tracker.channels import host_of
    from tracker.models.mailops import Channel
    from tracker.models.subscribers import Subscriber

    with Session(open_store(load_settings().database_url)) as session:
        rows = [{"id": channel.id, "subscription": subscriber.email, "state": subscriber.state,
                 "kind": channel.kind, "host": host_of(channel), "cursor": channel.cursor,
                 "last_sent_at": channel.last_sent_at.isoformat(timespec="seconds")
                 if channel.last_sent_at else None, "last_error": channel.last_error}
                for channel, subscriber in session.execute(
                    select(Channel, Subscriber).join(Subscriber, col(Subscriber.id) == Channel.subscriber_id)
                    .order_by(col(Channel.id))).all()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        sys.stdout.write(f"#{row['id']:<4} {row['kind']:8} {row['host']:32} {row['subscription']}"
                         + (f"  last error: {row['last_error']}" if row["last_error"] else "") + "\n")
    sys.stderr.write(f"{len(rows)} channel{'s' if len(rows) != 1 else ''}\n")


@channels_app.command("remove")
def channels_remove(channel_id: Annotated[int, typer.Argument(help="The channel's number.")]) -> None:
    """Stop posting to a channel (what it was not sent yet is dropped with it)."""
    from tracker.models.mailops import Channel, ChannelMessage

    with write_session(open_store(load_settings().database_url)) as session:
        session.execute(delete(ChannelMessage).where(col(ChannelMessage.channel_id) == channel_id))
        if not session.execute(delete(Channel).where(col(Channel.id) == channel_id)).rowcount:
            raise NotFoundError(f"no channel #{channel_id} (`tracker channels list` lists them)")
    sys.stderr.write(f"channel #{channel_id} removed\n")


@channels_app.command("send")
def channels_send() -> None:
    """Queue what each due channel has not had, then post the channels' outbox."""
    from tracker.channels import deliver_posts, queue_posts

    settings = load_settings()
    engine = open_store(settings.database_url)
    queued = queue_posts(engine, settings, now=_now())
    report = deliver_posts(engine, settings, clock=_now)
    sys.stderr.write(f"channels: {queued.queued} queued; {report.sent} posted, {report.retried} retried, "
                     f"{report.deferred} deferred, {report.failed} refused\n")
    if report.failed or report.deferred:
        raise typer.Exit(1)
