"""Mail that no sign-up can block (#17): a message that cannot be built fails alone, the envelope
is always the stored address, a sign-up sends only its own confirmation, and SMTP URLs with
awkward passwords parse without showing them."""

import pytest
from sqlalchemy import select, update

from tracker.mailer import OUTBOX, deliver, queue_confirmation, queue_digests
from tracker.smtp import MailError, SmtpTarget
from tracker.subscriptions import Preferences, subscribe

from . import test_mail
from .test_mail import now, subscriber

approved, server, settings = test_mail.approved, test_mail.server, test_mail.settings  # fixtures


def rows(engine) -> dict[int, tuple[str, str | None]]:
    with engine.connect() as connection:
        return {row.subscriber_id: (row.state, row.last_error) for row in connection.execute(
            select(OUTBOX.c.subscriber_id, OUTBOX.c.state, OUTBOX.c.last_error))}


def test_a_message_that_cannot_be_built_fails_alone_and_the_batch_goes_on(approved, settings, server):
    ana, bo = subscriber(approved, "ana@example.org"), subscriber(approved, "bo@example.org")
    queue_digests(approved, settings, now=now())
    with approved.begin() as connection:  # as a release before the fix queued it
        connection.execute(update(OUTBOX).where(OUTBOX.c.subscriber_id == ana.id)
                           .values(to_address='"Bob\r\nX: y" <ana@example.org>'))
    report = deliver(approved, settings, clock=now, sleep=lambda s: None)
    assert (report.sent, report.failed) == (1, 1)
    state, error = rows(approved)[ana.id]
    assert state == "failed" and error.startswith("cannot build the message")
    assert rows(approved)[bo.id][0] == "sent" and len(server.to("bo@example.org")) == 1
    assert deliver(approved, settings, clock=now, sleep=lambda s: None).sent == 0  # no crash after


def test_the_envelope_is_the_stored_address_whatever_the_to_header_says(approved, settings, server):
    ana = subscriber(approved, "ana@example.org")
    queue_digests(approved, settings, now=now())
    with approved.begin() as connection:
        connection.execute(update(OUTBOX).where(OUTBOX.c.subscriber_id == ana.id)
                           .values(to_address="Ana <eve@evil.example>"))
    assert deliver(approved, settings, clock=now, sleep=lambda s: None).sent == 1
    assert server.to("eve@evil.example") == [] and len(server.to("ana@example.org")) == 1


def test_a_name_with_a_line_break_is_cleaned_before_it_reaches_a_header(approved, settings, server):
    subscribe(approved, "bob@example.org", Preferences(), now=now())
    with approved.begin() as connection:  # a name stored before names were cleaned
        connection.execute(update(test_mail.Subscriber.__table__).values(name="Bob\r\nBcc: eve@x"))
    with approved.connect() as connection:
        bob = connection.execute(select(test_mail.Subscriber.__table__)).one()
    queue_confirmation(approved, settings, bob, now=now())
    assert deliver(approved, settings, clock=now, sleep=lambda s: None).sent == 1
    (mail,) = server.to("bob@example.org")
    assert mail["To"] == '"Bob Bcc: eve@x" <bob@example.org>' and mail["Bcc"] is None


def test_a_sign_up_sends_only_its_own_confirmation(approved, settings, server):
    for n in range(5):
        subscriber(approved, f"reader{n}@example.org")
    assert queue_digests(approved, settings, now=now()).queued == 5
    pending, _ = subscribe(approved, "new@example.org", Preferences(), now=now())
    queued = queue_confirmation(approved, settings, pending, now=now())
    report = deliver(approved, settings, clock=now, sleep=lambda s: None, only=queued)
    assert report.sent == 1 and [r for r, _ in server.messages] == [["new@example.org"]]
    assert sorted(state for state, _ in rows(approved).values()) == ["pending"] * 5 + ["sent"]


@pytest.mark.parametrize(("url", "user", "password"), [
    ("smtp://me:p/a#s?w@mail.example:587", "me", "p/a#s?w"),
    ("smtp://me%40org:p%2Fa%40b@mail.example:587", "me@org", "p/a@b"),
    ("smtps://mail.example", None, None),
])
def test_smtp_urls_with_awkward_passwords_parse(url, user, password):
    target = SmtpTarget.parse(url)
    assert (target.host, target.user, target.password) == ("mail.example", user, password)


def test_an_unusable_smtp_url_is_one_line_without_the_password():
    with pytest.raises(MailError) as refused:
        SmtpTarget.parse("smtp://me:s3cret-pw@mail.example:notaport")
    assert "s3cret-pw" not in str(refused.value) and "percent-encode" in str(refused.value)
