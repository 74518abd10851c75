"""What a mutation check of the mailer showed untested (#17): the digest cursor moves only once
the mail server accepted the digest, and a hard bounce that did not suspend loses no change."""

import pytest
from sqlmodel import Session

from tracker.mailer import deliver, queue_digests
from tracker.models.subscribers import Subscriber

from . import test_mail
from .test_mail import now, send, subscriber

approved, server, settings = test_mail.approved, test_mail.server, test_mail.settings  # fixtures


def cursor(engine, subscriber_id: int) -> int:
    with Session(engine) as session:
        return session.get(Subscriber, subscriber_id).cursor


class Died(BaseException):
    """Stands for the sender dying right after it claimed a mail."""


def test_the_cursor_moves_only_after_the_server_accepted_the_digest(approved, settings, server):
    ana = subscriber(approved, "ana@example.org")
    bo = subscriber(approved, "bo@example.org")
    server.refuse("bo@example.org", "550 5.7.1 Refused")
    assert queue_digests(approved, settings, now=now()).queued == 2
    assert cursor(approved, ana.id) == 0  # not when queued

    def die_when_claimed(event, row):
        if event == "sending":
            raise Died

    with pytest.raises(Died):
        deliver(approved, settings, clock=now, on_event=die_when_claimed, sleep=lambda s: None)
    assert cursor(approved, ana.id) == 0 and server.messages == []  # not when claimed

    report = deliver(approved, settings, clock=now, sleep=lambda s: None)
    assert (report.sent, report.failed) == (1, 1)
    assert cursor(approved, ana.id) == 3  # the three approved changes, once accepted
    assert cursor(approved, bo.id) == 0  # not on a 5xx


def test_a_hard_bounce_that_did_not_suspend_loses_no_change(approved, settings, server):
    ana = subscriber(approved, "ana@example.org")
    server.refuse("ana@example.org", "550 5.2.2 Mailbox full")
    _, report = send(approved, settings)
    assert (report.failed, report.suspended) == (1, [])  # one bounce of the three allowed
    server.refusals.clear()
    _, report = send(approved, settings)
    assert report.sent == 1
    (digest,) = server.to("ana@example.org")
    text = digest.get_body(("plain",)).get_content()
    assert "Andersen" in text and "AB 412" in text  # the changes the bounced digest held
    assert cursor(approved, ana.id) == 3
