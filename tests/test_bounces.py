"""Bounces that arrive later, complaints and unsubscribes by mail (#22): each mail goes out from
a tagged address; real returned mails from several mail systems, delivered to it in a Maildir
(and in Dovecot over IMAP, tests/test_bounces_imap.py), are read and acted on."""

import email
import re
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import Session

from tracker.bounces import LocalMaildir, read_returns
from tracker.consent import Suppressed
from tracker.dsn import classify
from tracker.mailer import OUTBOX
from tracker.models.mailops import ConsentEvent, MailReturn, Suppression
from tracker.models.review import Change
from tracker.models.subscribers import Subscriber
from tracker.records import CaseRecord, EventRecord
from tracker.review import approve
from tracker.rights import suppression_key
from tracker.store import ingest
from tracker.subscriptions import Preferences, subscribe
from tracker.verp import BOUNCES, UNSUBSCRIBE, tags_for
from tracker.vocab import Frequency, Kind, ReviewState

from . import test_mail
from .test_mail import now, send, subscriber

approved, server, settings = test_mail.approved, test_mail.server, test_mail.settings  # fixtures
RETURNS = Path(__file__).parent / "data" / "returns"  # PROVENANCE.md says where each is from
DOMAIN = "bounce.tracker.example.org"
SENDER = re.compile(rf"^bounces\+([a-z2-7]{{18}})@{re.escape(DOMAIN)}$")

# What each real returned mail is (tests/data/returns/PROVENANCE.md).
VERDICTS = {
    "flufl-dsn_11.txt": ("permanent", "5.1.1"),  # Sendmail, RFC 3464
    "flufl-dsn_10.txt": ("permanent", "5.0.0"),  # Postfix, RFC 3464
    "sisimai-lhost-sendmail-01.eml": ("permanent", "5.1.1"),
    "sisimai-lhost-office365-04.eml": ("permanent", "5.1.351"),
    "sisimai-lhost-amazonses-01.eml": ("permanent", "5.0.0"),
    "flufl-exim_01.txt": ("permanent", None),  # no RFC 3464 part: flufl.bounce's detectors
    "flufl-qmail_01.txt": ("permanent", None),
    "flufl-microsoft_01.txt": ("permanent", None),
    "flufl-yahoo_01.txt": ("permanent", None),
    "sisimai-lhost-gmail-01.eml": ("permanent", None),
    "flufl-dsn_05.txt": ("temporary", "4.4.1"),  # delayed
    "sisimai-lhost-postfix-05.eml": ("temporary", "4.1.1"),  # given up on, for a passing reason
    "sisimai-rfc3834-01.eml": ("auto-reply", None),
    "sisimai-rfc3834-02.eml": ("auto-reply", None),
    "sisimai-arf-01.eml": ("complaint", None),
    "sisimai-lhost-office365-01.eml": (None, None),  # a report without its status part
}


@pytest.mark.parametrize("name", VERDICTS)
def test_each_real_returned_mail_is_read_for_what_it_is(name):
    verdict = classify(email.message_from_bytes((RETURNS / name).read_bytes()))
    assert (verdict.kind, verdict.status) == VERDICTS[name]


@pytest.fixture
def bounces(settings, tmp_path):
    """A Maildir the relay drops returned mail in, and the settings that read it."""
    maildir = tmp_path / "bounces"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    settings.bounce_domain = DOMAIN
    settings.bounce_mailbox = SecretStr(f"maildir:{maildir}")
    return maildir


def returned(name: str, to: str) -> bytes:
    """A real returned mail as the delivering mail system hands it over: with the Delivered-To
    line naming the tagged address it came back to."""
    return f"Delivered-To: {to}\n".encode() + (RETURNS / name).read_bytes()


def drop(maildir: Path, raw: bytes) -> None:
    box = LocalMaildir(str(maildir)).box
    box.add(raw)
    box.close()


def news(engine, n: int) -> None:
    """One more approved change (a new bill), so there is a next digest."""
    bill = CaseRecord(key=f"us-119-s-{900 + n}", kind=Kind.FEDERAL_BILL, jurisdiction="us",
                      title=f"S. {900 + n}: AI training transparency act", source="congress",
                      events=[EventRecord(date(2026, 1, n + 1), "Introduced in Senate", "congress")])
    ingest(engine, [bill], now=now())
    with Session(engine) as session:
        pending = list(session.exec(select(Change.id).where(
            Change.review_state == ReviewState.PENDING)).scalars())
    approve(engine, pending, by="maria", now=now())


def read(engine, settings):
    return read_returns(engine, settings, clock=now)


def state(engine, address: str) -> Subscriber:
    with Session(engine) as session:
        return session.exec(select(Subscriber).where(Subscriber.email == address)).scalar_one()


def test_a_digest_goes_out_from_a_tagged_address_naming_it(approved, settings, server, bounces):
    ana = subscriber(approved, "ana@example.org")
    send(approved, settings)
    (digest,) = server.to("ana@example.org")
    sender = server.sender_of(digest)
    local = sender.partition("@")[0]
    assert SENDER.match(sender) and len(local.encode()) < 64
    with approved.connect() as connection:
        (outbox_id,) = connection.execute(select(OUTBOX.c.id)).scalars()
    tags = tags_for(settings)
    assert tags.read(BOUNCES, SENDER.match(sender).group(1).upper()) == outbox_id  # any case
    assert tags.read(UNSUBSCRIBE, SENDER.match(sender).group(1)) is None  # not for another purpose
    mailto = re.search(r"<mailto:([^?>]+)\?subject=unsubscribe>", digest["List-Unsubscribe"]).group(1)
    assert mailto.endswith(f"@{DOMAIN}") and tags.search(mailto, DOMAIN) == (UNSUBSCRIBE, ana.id)


def test_permanent_bounces_from_several_mail_systems_suspend_the_address(approved, settings, server,
                                                                         bounces):
    subscriber(approved, "gone@example.org", frequency=Frequency.IMMEDIATE)
    for n, name in enumerate(["flufl-dsn_11.txt", "sisimai-lhost-office365-04.eml", "flufl-qmail_01.txt"]):
        if n:
            news(approved, n)
        _, delivery = send(approved, settings)
        assert delivery.sent == 1  # the relay took it: the bounce comes hours later
        drop(bounces, returned(name, server.senders[-1]))
        report = read(approved, settings)
        assert report.counts == {"permanent": 1}
        gone = state(approved, "gone@example.org")
        assert gone.hard_failures == n + 1  # in a row, though each digest got a 250
    assert gone.state == "suspended" and report.suspended == ["gone@example.org"]
    assert list(bounces.glob("*/*")) == []  # read and removed
    with pytest.raises(Suppressed, match="mail to it bounced permanently"):
        subscribe(approved, "Gone@example.org", Preferences(), now=now(),
                  suppression_key=suppression_key(settings))
    with Session(approved) as session:
        assert [e.action for e in session.exec(select(ConsentEvent)).scalars()] == ["subscribed", "suspended"]


def test_delays_auto_replies_and_unreadable_reports_change_nothing(approved, settings, server, bounces):
    subscriber(approved, "away@example.org")
    send(approved, settings)
    for name in ["flufl-dsn_05.txt", "sisimai-lhost-postfix-05.eml", "sisimai-rfc3834-01.eml",
                 "sisimai-rfc3834-02.eml", "sisimai-lhost-office365-01.eml"]:
        drop(bounces, returned(name, server.senders[-1]))
    report = read(approved, settings)
    assert report.counts == {"temporary": 2, "auto-reply": 2, "unreadable": 1}
    away = state(approved, "away@example.org")
    assert (away.state, away.hard_failures) == ("active", 0)
    with Session(approved) as session:
        kept = {r.kind: r for r in session.exec(select(MailReturn)).scalars()}
    assert kept["temporary"].subscriber_id == away.id and kept["temporary"].outbox_id is not None


def test_a_bounce_read_twice_counts_once_even_if_the_reader_died_before_removing_it(
        approved, settings, server, bounces, monkeypatch):
    subscriber(approved, "gone@example.org")
    send(approved, settings)
    raw = returned("sisimai-lhost-sendmail-01.eml", server.senders[-1])
    drop(bounces, raw)

    class Died(BaseException):
        pass

    def die(self, key):
        raise Died

    with monkeypatch.context() as patched:
        patched.setattr(LocalMaildir, "done", die)  # recorded, not yet removed
        with pytest.raises(Died):
            read(approved, settings)
    again = read(approved, settings)
    assert (again.read, again.seen_before, again.counts) == (1, 1, {})
    assert state(approved, "gone@example.org").hard_failures == 1
    drop(bounces, raw)  # the relay delivers the same bounce twice
    assert read(approved, settings).seen_before == 1
    assert state(approved, "gone@example.org").hard_failures == 1


def test_an_untagged_bounce_is_matched_by_its_failed_address(approved, settings, server, bounces):
    subscriber(approved, "joem@example.com")  # the address flufl-dsn_11.txt reports
    drop(bounces, (RETURNS / "flufl-dsn_11.txt").read_bytes())  # a mail sent before VERP was set
    assert read(approved, settings).counts == {"permanent": 1}
    assert state(approved, "joem@example.com").hard_failures == 1


def test_a_complaint_unsubscribes_and_suppresses_the_address(approved, settings, server, bounces):
    subscriber(approved, "angry@example.org")
    send(approved, settings)
    (digest,) = server.to("angry@example.org")
    # A feedback loop's report quotes the mail it is about: ours, whose Return-Path is our tag.
    raw = (RETURNS / "sisimai-arf-01.eml").read_bytes().replace(
        b"Return-Path: <support@example.ed.jp>", f"Return-Path: <{server.sender_of(digest)}>".encode())
    assert raw != (RETURNS / "sisimai-arf-01.eml").read_bytes()
    drop(bounces, raw)
    assert read(approved, settings).counts == {"complaint": 1}
    assert state(approved, "angry@example.org").state == "unsubscribed"
    with Session(approved) as session:
        assert [s.reason for s in session.exec(select(Suppression)).scalars()] == ["complained"]
    with pytest.raises(Suppressed, match="reported our mail as unwanted"):
        subscribe(approved, "angry@example.org", Preferences(), now=now(),
                  suppression_key=suppression_key(settings))


def test_a_mail_to_the_unsubscribe_address_unsubscribes_and_says_so(approved, settings, server, bounces):
    subscriber(approved, "ana@example.org")
    send(approved, settings)
    (digest,) = server.to("ana@example.org")
    mailto = re.search(r"<mailto:([^?>]+)\?subject=unsubscribe>", digest["List-Unsubscribe"]).group(1)
    # What a mail client sends for the List-Unsubscribe mailto, as the relay delivers it.
    drop(bounces, (f"Delivered-To: {mailto.upper()}\nFrom: Ana <ana.forwarded@example.net>\n"
                   f"To: {mailto}\nSubject: unsubscribe\nMessage-ID: <u1@example.net>\n\n").encode())
    report = read(approved, settings)
    assert report.counts == {"unsubscribe": 1} and report.unsubscribed == ["ana@example.org"]
    assert state(approved, "ana@example.org").state == "unsubscribed"
    farewell = server.to("ana@example.org")[-1]  # to the stored address, not the mail's sender
    assert farewell["Subject"] == "You are unsubscribed from the AI copyright tracker"
    assert server.to("ana.forwarded@example.net") == []
    with Session(approved) as session:
        (left,) = session.exec(select(ConsentEvent).where(ConsentEvent.action == "unsubscribed")).scalars()
    assert (left.how, left.source) == ("mail to the unsubscribe address", "ana.forwarded@example.net")
    news(approved, 1)
    assert send(approved, settings)[0].queued == 0  # nothing more for them


def test_a_forged_tag_names_nobody(approved, settings, server, bounces):
    subscriber(approved, "ana@example.org")
    forged = f"unsubscribe+aaaaaaaeaaaaaaaaaa@{DOMAIN}"
    drop(bounces, f"Delivered-To: {forged}\nFrom: eve@example.net\nSubject: unsubscribe\n\n".encode())
    assert read(approved, settings).counts == {"unreadable": 1}
    assert state(approved, "ana@example.org").state == "active"
