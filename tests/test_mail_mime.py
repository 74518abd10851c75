"""The MIME of a digest built once per distinct body and filled per subscriber, through a real
SMTP server: each mail as received is the one built for that subscriber alone."""

import email
import email.policy
import re
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from tracker.mailer import BODIES, OUTBOX, deliver, queue_digests
from tracker.mime import WIRE, build_message
from tracker.models.review import Change
from tracker.models.subscribers import OutboxMessage
from tracker.records import CaseRecord, EventRecord
from tracker.review import approve
from tracker.store import ingest
from tracker.tokens import CALENDAR, PREFERENCES, UNSUBSCRIBE, Tokens
from tracker.vocab import Kind

from .test_mail import SECRET, approved, body, now, server, settings, subscriber  # noqa: F401

OWN = ("To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
LINKS = {UNSUBSCRIBE: r"/unsubscribe/([\w.-]+)", PREFERENCES: r"/preferences/([\w.-]+)",
         CALENDAR: r"/calendar/subscribers/([\w-]+\.[\w-]+)\.ics"}  # with dates ahead
SHARED = ("From", "Subject", "Auto-Submitted", "Precedence", "List-Id", "MIME-Version")


def built_alone(row: OutboxMessage, config) -> email.message.EmailMessage:
    """The row's mail built on its own, as every mail was before, and read back as received
    (CRLF line ends, as it comes over SMTP)."""
    sent = build_message(row, config).as_bytes(policy=WIRE)
    return email.message_from_bytes(sent, policy=email.policy.default)


def test_each_subscriber_gets_their_own_mail_from_one_build_per_distinct_body(
        approved, settings, server):  # noqa: F811
    lawsuits = [subscriber(approved, address, kinds=[Kind.LAWSUIT], name=name) for address, name in
                (("ana@example.org", "Ana"), ("o'brien&co@example.org", "O'Brien, Co"),
                 ("cy@example.org", None), ("di@example.org", "Di"))]
    bills = [subscriber(approved, address, kinds=[Kind.STATE_BILL]) for address in
             ("bo@example.org", "eve@example.org")]
    assert queue_digests(approved, settings, now=now()).queued == 6
    report = deliver(approved, settings, clock=now)
    assert report.sent == 6
    assert report.built == 2  # one MIME build per distinct body, not one per mail
    with Session(approved) as session:
        assert session.execute(select(func.count()).select_from(BODIES)).scalar() == 2
        rows = {row.subscriber_id: row for row in session.exec(select(OutboxMessage)).scalars()}
    tokens = Tokens(SECRET)
    for reader in lawsuits + bills:
        (mail,) = server.to(reader.email)
        row, expected = rows[reader.id], built_alone(rows[reader.id], settings)
        for name in OWN + SHARED:
            assert mail[name] == expected[name], name
        assert mail["Message-ID"] == row.message_id and reader.email in mail["To"]
        assert mail["Date"]
        for kind in ("plain", "html"):
            assert body(mail, kind) == body(expected, kind)
        text, html = body(mail, "plain"), body(mail, "html")
        assert f"because {reader.email} subscribed" in text
        assert f"because {reader.email.replace(chr(39), '&#39;').replace('&c', '&amp;c')} subscribed" in html
        everything = text + html + mail["List-Unsubscribe"]
        for purpose, link in LINKS.items():  # only the reader's own links
            found = re.findall(link, everything)
            own = {reader.id} if found or purpose != CALENDAR else set()
            assert {tokens.read(purpose, token) for token in found} == own, purpose
        others = {r.email for r in lawsuits + bills} - {reader.email}
        assert not any(other in text or other.replace("'", "&#39;").replace("&c", "&amp;c") in html
                       for other in others)
        assert "example.invalid" not in everything  # no stand-in left


def test_a_name_in_utf8_arrives_encoded_from_the_shared_build(approved, settings, server):  # noqa: F811
    accented = subscriber(approved, "jose@example.org", kinds=[Kind.LAWSUIT], name="José Núñez")
    queue_digests(approved, settings, now=now())
    assert deliver(approved, settings, clock=now).built == 1
    (mail,) = server.to(accented.email)
    assert str(mail["To"]) == "José Núñez <jose@example.org>"


def test_a_body_with_lines_too_long_to_fill_is_built_for_each_mail(approved, settings, server):  # noqa: F811
    """A line past SMTP's 998 would be cut by quoted-printable, stand-ins and all: such a body
    is never filled as bytes; each of its mails is built whole, and arrives as it should."""
    long_title = "Long v. Title: " + " ".join(["word"] * 196)  # one line of ~1,000 characters
    ingest(approved, [CaseRecord(key="cand-3:26-cv-00999", kind=Kind.LAWSUIT, jurisdiction="cand",
                                 title=long_title, source="courtlistener",
                                 events=[EventRecord(date(2026, 1, 7), "COMPLAINT filed", "courtlistener")])],
           now=now())
    with Session(approved) as session:
        pending = list(session.exec(select(Change.id).where(Change.approval_seq.is_(None))).scalars())
    approve(approved, pending, by="maria", now=now(), note=None, headline=None)
    readers = [subscriber(approved, address, kinds=[Kind.LAWSUIT]) for address in
               ("ana@example.org", "bo@example.org")]
    queue_digests(approved, settings, now=now())
    report = deliver(approved, settings, clock=now)
    assert (report.sent, report.built) == (2, 3)  # the body tried once, then each mail on its own
    with Session(approved) as session:
        rows = {row.subscriber_id: row for row in session.exec(select(OutboxMessage)).scalars()}
    for reader in readers:
        (mail,) = server.to(reader.email)
        expected = built_alone(rows[reader.id], settings)
        assert mail.get_body(("html",))["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
        assert body(mail, "plain") == body(expected, "plain") and body(mail, "html") == body(expected, "html")
        assert f"because {reader.email} subscribed" in body(mail, "plain")


def test_a_requeued_failed_digest_keeps_its_body_and_fill(approved, settings, server):  # noqa: F811
    """A digest refused for good is queued again with the same news: it goes out filled for
    the same subscriber, from the stored body."""
    ana = subscriber(approved, "ana@example.org", kinds=[Kind.LAWSUIT])
    server.refuse("ana@example.org", "550 no such user")
    queue_digests(approved, settings, now=now())
    assert deliver(approved, settings, clock=now).failed == 1
    server.refusals.clear()
    queue_digests(approved, settings, now=now())
    assert deliver(approved, settings, clock=now).sent == 1
    (mail,) = server.to("ana@example.org")
    with Session(approved) as session:
        row = session.exec(select(OutboxMessage).where(OUTBOX.c.subscriber_id == ana.id)).scalar_one()
    assert body(mail, "plain") == body(built_alone(row, settings), "plain")
