"""``tracker subscribers`` and ``tracker digest``: thin faces over subscriptions, digests and the mailer."""

import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from tracker.cli.mailops import add_rights_commands, consent_lines, print_consent, staff_source
from tracker.cli.params import since_option
from tracker.config import load_settings
from tracker.consent import Consent
from tracker.db import open_store
from tracker.models.subscribers import Subscriber
from tracker.output import JsonFlag, print_json
from tracker.subscriptions import Preferences, all_subscribers, find, subscribe, unsubscribe
from tracker.vocab import Frequency, Kind, Significance

subscribers_app = typer.Typer(help="Who gets digests, and of what.", no_args_is_help=True)
digest_app = typer.Typer(help="Preview and send the email digests.", no_args_is_help=True)



def _now() -> datetime:
    return datetime.now(UTC)


def subscriber_dict(subscriber: Subscriber) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds") if moment else None

    return {
        "email": subscriber.email, "name": subscriber.name, "state": subscriber.state,
        "frequency": subscriber.frequency, "kinds": subscriber.kinds,
        "jurisdictions": subscriber.jurisdictions, "topics": subscriber.topics,
        "follows": subscriber.follows, "min_significance": subscriber.min_significance,
        "cursor": subscriber.cursor, "created_at": when(subscriber.created_at),
        "confirmed_at": when(subscriber.confirmed_at), "last_sent_at": when(subscriber.last_sent_at),
        "hard_failures": subscriber.hard_failures, "last_failure": subscriber.last_failure,
    }


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(help="The address.")],
    name: Annotated[str | None, typer.Option(help="How to greet them.")] = None,
    frequency: Annotated[Frequency, typer.Option(
        help="immediate (major changes as they are approved), daily or weekly.")] = Frequency.WEEKLY,
    kind: Annotated[list[Kind] | None, typer.Option(
        "--kind", help="Only these kinds; repeatable.", case_sensitive=False, metavar="KIND")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(
        "--jurisdiction", help="Only these jurisdictions (us, ca, nysd...); repeatable.")] = None,
    topic: Annotated[list[str] | None, typer.Option(
        "--topic", help="Only cases with these tags (likeness, training-data...); repeatable.")] = None,
    follow: Annotated[list[str] | None, typer.Option(
        "--follow", help="A case key to follow whatever the filters say; repeatable.")] = None,
    follow_person: Annotated[list[str] | None, typer.Option(
        "--follow-person", metavar="KEY", help="A person (`tracker people`) whose cases to follow, "
        "new ones included: a sponsor's bills in any state, a defendant's suits in any court; "
        "repeatable.")] = None,
    major_only: Annotated[bool, typer.Option("--major-only", help="Only major changes.")] = False,
    confirmed: Annotated[bool, typer.Option(
        "--confirmed", help="A known address: no confirmation mail (staff only).")] = False,
) -> None:
    """Add a subscriber (or change one's filters); unconfirmed, they are sent a confirmation mail."""
    from tracker.mailer import DeliveryReport, deliver, queue_confirmation
    from tracker.rights import suppression_key
    from tracker.smtp import MailError

    settings = load_settings()
    engine = open_store(settings.database_url)
    preferences = Preferences(name=name, frequency=frequency, kinds=kind, jurisdictions=jurisdiction,
                              topics=topic, follows=follow, follows_people=follow_person,
                              min_significance=Significance.MAJOR if major_only else None)
    subscriber, needs_confirmation = subscribe(
        engine, email, preferences, now=_now(), confirmed=confirmed,
        consent=Consent("command line", staff_source()), suppression_key=suppression_key(settings))
    if not needs_confirmation:
        sys.stdout.write(f"{subscriber.email} subscribed ({subscriber.frequency})\n")
        return
    queued = queue_confirmation(engine, settings, subscriber, now=_now())
    if queued is None:  # one is already on its way
        sys.stdout.write(f"{subscriber.email} added; a confirmation mail is queued\n")
        return
    try:
        report = deliver(engine, settings, clock=_now, only=queued)
    except MailError as exc:  # the subscriber is added and the mail waits in the outbox
        sys.stderr.write(f"{exc}\n")
        report = DeliveryReport()
    said = ("confirmation mail sent" if report.sent else
            "the mail server refused the confirmation mail (`tracker subscribers show` says why)"
            if report.failed else
            "the confirmation is queued and goes out when the mail server answers")
    sys.stdout.write(f"{subscriber.email} added; {said}\n")


@subscribers_app.command("list")
def subscribers_list(as_json: JsonFlag = False) -> None:
    """Every subscriber: state, frequency, filters."""
    with Session(open_store(load_settings().database_url)) as session:
        rows = [subscriber_dict(s) for s in all_subscribers(session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        filters = ", ".join(row["kinds"] + row["jurisdictions"] + row["topics"]
                            + [f"follows {k}" for k in row["follows"]]) or "everything"
        sys.stdout.write(f"{row['email']:36} {row['state']:12} {row['frequency']:9} {filters}\n")
    sys.stderr.write(f"{len(rows)} subscriber{'s' if len(rows) != 1 else ''}\n")


@subscribers_app.command("show")
def subscribers_show(email: Annotated[str, typer.Argument(help="The address.")],
                     as_json: JsonFlag = False) -> None:
    """One subscriber, with what they were last sent and their consent record."""
    with Session(open_store(load_settings().database_url)) as session:
        row = subscriber_dict(find(session, email))
    consent = consent_lines(email)
    if as_json:
        print_json({**row, "consent": consent})
        return
    for name, value in row.items():
        if value not in (None, [], ""):
            sys.stdout.write(f"{name:17} {', '.join(value) if isinstance(value, list) else value}\n")
    print_consent(consent)


@subscribers_app.command("remove")
def subscribers_remove(email: Annotated[str, typer.Argument(help="The address.")]) -> None:
    """Unsubscribe an address: nothing more is sent to it."""
    engine = open_store(load_settings().database_url)
    with Session(engine) as session:
        subscriber_id = find(session, email).id
    subscriber = unsubscribe(engine, subscriber_id, now=_now(),
                             consent=Consent("command line", staff_source()))
    sys.stdout.write(f"{subscriber.email} unsubscribed\n")


@digest_app.command("preview")
def digest_preview(
    email: Annotated[str, typer.Argument(help="A subscriber's address.")],
    html: Annotated[Path | None, typer.Option(help="Also write the HTML part here.", dir_okay=False)] = None,
    since: since_option("Reach back to this day instead of their cursor.") = None,
) -> None:
    """What a subscriber's next digest would say (nothing is sent or moved)."""
    from tracker.digest import build_digests, render_digest
    from tracker.tokens import Tokens, secret_key

    settings = load_settings()
    with Session(open_store(settings.database_url)) as session:
        subscriber = find(session, email)
        if since:  # reach back past the cursor, in this preview only
            session.expunge(subscriber)
            subscriber.cursor = 0
        (digest,) = build_digests(session, [subscriber], now=_now(), cap_days=settings.digest_cap_days,
                                  since=datetime.combine(since, time(), UTC) if since else None)
    if not digest.items:
        sys.stderr.write(f"nothing new for {subscriber.email}: no digest would be sent\n")
        return
    mail = render_digest(digest, settings, Tokens(secret_key(settings)))
    sys.stdout.write(f"Subject: {mail.subject}\n\n{mail.text}")
    if html:
        html.write_text(mail.html, encoding="utf-8")
        sys.stderr.write(f"HTML part written to {html}\n")


@digest_app.command("send")
def digest_send(
    frequency: Annotated[Frequency | None, typer.Option(
        help="Only subscribers of this frequency (default: everyone who is due).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Say who would get a digest; queue and send nothing.")] = False,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Sender processes at once, each on its own SMTP connection "
                            "(PostgreSQL only).")] = 1,
) -> None:
    """Queue the digests of everyone who is due, then send what the outbox holds."""
    from tracker.digest import build_digests
    from tracker.mailer import deliver, due_subscribers, queue_digests

    settings = load_settings()
    engine = open_store(settings.database_url)
    if dry_run:
        with Session(engine) as session:
            due = due_subscribers(session, now=_now(), frequency=frequency)
            digests = build_digests(session, due, now=_now(), cap_days=settings.digest_cap_days)
        for digest in digests:
            if digest.items:
                sys.stdout.write(f"{digest.subscriber.email}: {len(digest.items)} changes\n")
        sys.stderr.write(f"{sum(1 for d in digests if d.items)} of {len(digests)} due subscribers "
                         "would get a digest (dry run: nothing queued or sent)\n")
        return
    if workers > 1:
        from tracker.senders import check_workers, deliver_with_workers

        check_workers(engine, workers)  # before anything is queued
    queued = queue_digests(engine, settings, now=_now(), frequency=frequency)
    report = deliver_with_workers(engine, workers) if workers > 1 else deliver(engine, settings, clock=_now)
    sys.stderr.write(
        f"digests: {queued.queued} queued, {queued.empty} with nothing new"
        + (f", {queued.waiting} waiting on an earlier one" if queued.waiting else "")
        + f"; mail: {report.sent} sent, {report.retried} retried, {report.deferred} deferred, "
        f"{report.failed} refused" + (f", {report.cancelled} cancelled" if report.cancelled else "")
        + "\n")
    for address in report.suspended:
        sys.stderr.write(f"suspended after repeated hard bounces: {address}\n")
    if report.failed or report.deferred:
        raise typer.Exit(1)


add_rights_commands(subscribers_app)  # export, erase, explain, unsuppress
