"""Digests and confirmations, sent through a real SMTP server and read as they arrive."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from tracker.claims import SENDER_LOCK, start_sender
from tracker.config import load_settings
from tracker.errors import NotFoundError
from tracker.mailer import OUTBOX, deliver, queue_confirmation, queue_digests
from tracker.models.review import Change
from tracker.models.subscribers import OutboxMessage, Subscriber
from tracker.records import CaseRecord, EventRecord
from tracker.review import ReviewError, add_note, approve, set_stance, set_tags
from tracker.smtp import MailError
from tracker.store import ingest
from tracker.subscriptions import Preferences, SubscriptionError, confirm, subscribe, unsubscribe
from tracker.tokens import CONFIRM, UNSUBSCRIBE, BadToken, Tokens
from tracker.vocab import Frequency, Kind, Stance

from .mailserver import MailServer
from .spiders.crawling import crawl_environment, tracker
from .test_locks import lose
from .test_store import COMPLAINT, KEY, andersen

BASE = "https://tracker.example.org"
HOSTILE = '<script>alert("x")</script> Evil v. AI\r\nBcc: victim@example.org'
BILL = CaseRecord(key="ca-20252026-ab-412", kind=Kind.STATE_BILL, jurisdiction="ca",
                  title="AB 412: AI training data transparency", source="openstates",
                  tags=["likeness", "transparency"],
                  events=[EventRecord(date(2025, 2, 10), "Introduced", "openstates")])
EVIL = CaseRecord(key="cand-3:26-cv-00666", kind=Kind.LAWSUIT, jurisdiction="cand", title=HOSTILE,
                  source="courtlistener",
                  events=[EventRecord(date(2026, 1, 5), "COMPLAINT filed", "courtlistener")])

SECRET = "test-secret-for-the-tests-0123456789"  # at least 32 bytes, as every secret key must be

def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


@pytest.fixture
def settings(monkeypatch, tmp_path, server, store_engine):
    for name in list(os.environ):
        if name.startswith("TRACKER_"):
            monkeypatch.delenv(name)
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    return load_settings(database_url=store_engine.url.render_as_string(hide_password=False),
                         smtp_url=server.url, secret_key=SECRET, base_url=BASE,
                         mail_from="AI Copyright Tracker <digest@tracker.example.org>",
                         smtp_retry_delay=0)


@pytest.fixture
def approved(store_engine):
    """Three cases, each with its new-case change approved."""
    ingest(store_engine, [andersen(COMPLAINT), BILL, EVIL], now=now())
    with Session(store_engine) as session:
        ids = list(session.exec(select(Change.id).order_by(Change.id)).scalars())
    approve(store_engine, ids, by="maria", now=now(), note="Why it <matters>", headline=None)
    return store_engine


def subscriber(engine, address: str, **preferences) -> Subscriber:
    return subscribe(engine, address, Preferences(**preferences), now=now(), confirmed=True)[0]


def send(engine, settings):
    queued = queue_digests(engine, settings, now=now())
    return queued, deliver(engine, settings, clock=now, sleep=lambda s: None)


def body(message, kind: str) -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def test_a_digest_arrives_as_text_and_html_with_one_click_unsubscribe(approved, settings, server):
    ana = subscriber(approved, "ana@example.org", name="Ana")
    queued, report = send(approved, settings)
    assert (queued.queued, report.sent) == (1, 1)
    (message,) = server.to("ana@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "Ana <ana@example.org>"
    assert message["Subject"].startswith("3 changes in AI copyright")
    assert (message["Auto-Submitted"], message["Precedence"]) == ("auto-generated", "bulk")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link, mailto = re.fullmatch(r"<([^>]+)>, <([^>]+)>", message["List-Unsubscribe"]).groups()
    assert link.startswith(f"{BASE}/unsubscribe/") and mailto.startswith("mailto:digest@tracker.example.org")
    assert Tokens(SECRET).read(UNSUBSCRIBE, link.rsplit("/", 1)[1]) == ana.id
    text, html = body(message, "plain"), body(message, "html")
    assert "Andersen v. Stability AI Ltd." in text and "Why it matters: Why it <matters>" in text
    assert f"{BASE}/cases/{KEY}" in text and "Sent because: everything" in text
    assert "Why it &lt;matters&gt;" in html and 'style="' in html  # escaped, CSS inlined
    assert "<style>" not in html.split("</head>")[1]


def test_a_digest_carries_public_notes_and_no_staff_only_data(approved, settings, server):
    # Issue #18: internal notes, the stance and the staff's tags are staff-only; a note written for
    # the public goes out, with the reviewer's headline and why it matters.
    add_note(approved, KEY, "Hearing on the motion in January", by="maria", now=now(), public=True)
    add_note(approved, KEY, "Internal: ask counsel before quoting the judge", by="maria", now=now())
    set_stance(approved, KEY, Stance.SUPPORT, by="maria", now=now())
    set_tags(approved, KEY, ["artists", "lobbying-priority"], [], by="maria", now=now())
    subscriber(approved, "ana@example.org", topics=["artists"])  # a staff tag still routes a topic
    send(approved, settings)
    (message,) = server.to("ana@example.org")
    for text in (body(message, "plain"), body(message, "html")):
        assert "Our note: Hearing on the motion in January" in text
        assert "Why it" in text and "matters" in text
        assert "ask counsel" not in text and "Internal" not in text
        assert "stance" not in text.lower() and "support" not in text
        assert "lobbying-priority" not in text and "maria" not in text
    assert "Sent because: topic: artists" in body(message, "plain")


def test_a_change_a_digest_carried_cannot_be_reopened(approved, settings, server):
    from tracker.review_chores import reopen

    subscriber(approved, "ana@example.org")
    queue_digests(approved, settings, now=now())
    with pytest.raises(ReviewError, match="change #1 cannot be reopened: a digest carrying it is queued"):
        reopen(approved, 1, by="maria", now=now())
    deliver(approved, settings, clock=now, sleep=lambda s: None)
    with pytest.raises(ReviewError, match=rf"change #1 cannot be reopened: it went out in a digest on "
                                          rf"{now():%Y-%m-%d} \(mail cannot be called back"):
        reopen(approved, 1, by="maria", now=now())
    ingest(approved, [andersen(COMPLAINT, key="cand-3:24-cv-00001")], now=now())
    (late,) = approve(approved, [4], by="maria", now=now())
    assert reopen(approved, late.change_id, by="maria", now=now()).review_state == "pending"


def test_filters_are_honoured_and_said(approved, settings, server):
    subscriber(approved, "suits@example.org", kinds=[Kind.LAWSUIT], topics=["training-data"])
    subscriber(approved, "bills@example.org", jurisdictions=["ca"])
    subscriber(approved, "follower@example.org", kinds=[Kind.STATE_BILL], follows=[KEY])
    send(approved, settings)
    (suits,) = server.to("suits@example.org")
    assert "Andersen" in body(suits, "plain") and "AB 412" not in body(suits, "plain")
    assert "Sent because: kind: lawsuit; topic: training-data" in body(suits, "plain")
    (bills,) = server.to("bills@example.org")
    assert "AB 412" in bills["Subject"] and "Andersen" not in body(bills, "plain")
    (follower,) = server.to("follower@example.org")
    assert f"Sent because: you follow {KEY}" in body(follower, "plain")
    assert "AB 412" in body(follower, "plain")


def test_an_unconfirmed_subscriber_gets_only_the_confirmation(approved, settings, server):
    pending, needs = subscribe(approved, "new@example.org", Preferences(), now=now())
    assert needs
    queue_confirmation(approved, settings, pending, now=now())
    send(approved, settings)
    (confirmation,) = server.to("new@example.org")
    assert confirmation["Subject"] == "Confirm your subscription to the AI copyright tracker"
    token = re.search(rf"{BASE}/confirm/(\S+)", body(confirmation, "plain")).group(1)
    assert Tokens(SECRET).read(CONFIRM, token) == pending.id
    with pytest.raises(BadToken):
        Tokens(SECRET).read(UNSUBSCRIBE, token)  # a confirm link unsubscribes no one
    with pytest.raises(BadToken):
        Tokens(SECRET).read(CONFIRM, token[:-2] + "xx")

    confirm(approved, pending.id, now=now())
    send(approved, settings)
    assert [m["Subject"][:9] for m in server.to("new@example.org")] == ["Confirm y", "3 changes"]


def test_an_empty_digest_is_not_sent(approved, settings, server):
    subscriber(approved, "nothing@example.org", jurisdictions=["tx"])
    queued, report = send(approved, settings)
    assert (queued.queued, queued.empty, report.sent, server.messages) == (0, 1, 0, [])


def test_a_hostile_title_is_escaped_and_cannot_add_a_header(approved, settings, server):
    subscriber(approved, "ana@example.org", follows=["cand-3:26-cv-00666"])
    send(approved, settings)
    (recipients, message), = server.messages
    assert recipients == ["ana@example.org"]
    assert message["Bcc"] is None and "victim" not in str(message["To"])
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    html = body(message, "html")
    assert "<script>" not in html and '&lt;script&gt;alert("x")&lt;/script&gt;' in html


def test_the_cursor_moves_once_so_each_change_goes_out_once(approved, settings, server):
    ana = subscriber(approved, "ana@example.org", frequency=Frequency.IMMEDIATE)
    send(approved, settings)
    queued, report = send(approved, settings)
    assert (queued.queued, report.sent) == (0, 0)
    # A change found earlier but approved only now still reaches her, once.
    ingest(approved, [andersen(COMPLAINT, key="cand-3:24-cv-00001")], now=now() - timedelta(days=3))
    with Session(approved) as session:
        late = session.exec(select(Change.id).where(Change.review_state == "pending")).one()
    approve(approved, [late], by="maria", now=now())
    send(approved, settings)
    send(approved, settings)
    subjects = [m["Subject"] for m in server.to("ana@example.org")]
    assert len(subjects) == 2 and "Andersen" in subjects[1]
    with Session(approved) as session:
        assert session.get(Subscriber, ana.id).cursor == 4


def test_a_first_digest_reaches_back_only_to_the_cap(approved, settings, server):
    with approved.begin() as connection:  # approved three weeks ago: too old for a first digest
        connection.execute(update(Change).values(reviewed_at=now() - timedelta(days=21)))
    subscriber(approved, "late@example.org")
    queued, _ = send(approved, settings)
    assert (queued.queued, queued.empty) == (0, 1)


def test_a_temporary_failure_is_retried(approved, settings, server):
    subscriber(approved, "ana@example.org")
    server.answer_data("421 4.3.0 Try again later")
    _, report = send(approved, settings)
    assert (report.retried, report.sent) == (1, 1)
    assert len(server.to("ana@example.org")) == 1


def test_a_mail_still_refused_after_its_tries_waits_for_a_later_run_backing_off(approved, settings, server):
    """``smtp_attempts`` tries in a run, each wait twice the last; then the mail waits at least a
    minute for the next run, with what the server said."""
    settings.smtp_attempts, settings.smtp_retry_delay = 3, 2
    subscriber(approved, "ana@example.org")
    server.answer_data(*["421 4.3.0 Try again later"] * 3)
    queue_digests(approved, settings, now=now())
    sleeps = []
    report = deliver(approved, settings, clock=now, sleep=sleeps.append)
    assert (report.retried, report.deferred, report.sent, sleeps) == (2, 1, 0, [2, 4])
    with Session(approved) as session:
        row = session.exec(select(OutboxMessage)).scalar_one()
    assert row.state == "pending" and "Try again later" in row.last_error
    due = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
    assert due - now() > timedelta(seconds=50)
    assert server.to("ana@example.org") == []


def test_a_hard_bounce_marks_the_address_and_the_batch_goes_on(approved, settings, server):
    settings.suspend_after = 1
    subscriber(approved, "gone@example.org")
    subscriber(approved, "ana@example.org")
    server.refuse("gone@example.org", "550 5.1.1 No such user")
    _, report = send(approved, settings)
    assert (report.failed, report.sent, report.suspended) == (1, 1, ["gone@example.org"])
    with Session(approved) as session:
        gone = session.exec(select(Subscriber).where(Subscriber.email == "gone@example.org")).scalar_one()
        assert (gone.state, gone.hard_failures) == ("suspended", 1)
        assert "550 5.1.1 No such user" in gone.last_failure
        row = session.exec(select(OutboxMessage).where(OutboxMessage.subscriber_id == gone.id)).scalar_one()
        assert (row.state, row.smtp_code) == ("failed", 550)


def test_a_dead_smtp_server_stops_the_run_and_loses_nothing(approved, settings, server):
    subscriber(approved, "ana@example.org")
    settings.smtp_url = settings.smtp_url.__class__("smtp://127.0.0.1:9")
    queue_digests(approved, settings, now=now())
    with pytest.raises(MailError, match=r"cannot reach the SMTP server smtp://127.0.0.1:9"):
        deliver(approved, settings, clock=now, sleep=lambda s: None)
    with approved.connect() as connection:
        assert connection.execute(select(OUTBOX.c.state)).scalars().all() == ["pending"]


def test_unsubscribed_before_sending_gets_nothing(approved, settings, server):
    ana = subscriber(approved, "ana@example.org")
    queue_digests(approved, settings, now=now())
    unsubscribe(approved, ana.id, now=now())
    report = deliver(approved, settings, clock=now)
    assert (report.sent, report.cancelled, server.messages) == (0, 1, [])


def test_addresses_are_checked_and_normalised(store_engine):
    with pytest.raises(SubscriptionError, match="not a usable email address"):
        subscribe(store_engine, "ana@", Preferences(), now=now())
    first, _ = subscribe(store_engine, "Ana@Example.ORG", Preferences(), now=now())
    again, _ = subscribe(store_engine, "Ana@example.org ", Preferences(), now=now())
    assert first.id == again.id and first.email == "Ana@example.org"
    with pytest.raises(NotFoundError, match="no case or matter nowhere-1 to follow"):
        subscribe(store_engine, "bo@example.org", Preferences(follows=["nowhere-1"]), now=now())


SENDER = """
import os, signal, sys
from datetime import UTC, datetime
from tracker.config import load_settings
from tracker.db import make_engine
from tracker.mailer import deliver

stage, at = sys.argv[1], int(sys.argv[2])
seen = []

def kill_at(event, row):
    if event == stage:
        seen.append(row.id)
        if len(seen) == at:
            os.kill(os.getpid(), signal.SIGKILL)

settings = load_settings()
deliver(make_engine(settings.database_url), settings, clock=lambda: datetime.now(UTC),
        on_event=kill_at if stage != "none" else None)
"""


@pytest.mark.parametrize(("stage", "at"), [("sending", 1), ("accepted", 3), ("sending", 5)])
def test_a_sender_killed_mid_batch_then_run_again_loses_nothing(approved, settings, server, stage, at):
    people = [f"reader{n}@example.org" for n in range(6)]
    for address in people:
        subscriber(approved, address)
    assert queue_digests(approved, settings, now=now()).queued == 6
    env = {**os.environ, "TRACKER_DATABASE_URL": settings.database_url,
           "TRACKER_SMTP_URL": server.url, "TRACKER_SECRET_KEY": SECRET,
           "TRACKER_SMTP_RETRY_DELAY": "0"}
    killed = subprocess.run([sys.executable, "-c", SENDER, stage, str(at)], env=env, timeout=120)
    assert killed.returncode == -9
    again = subprocess.run([sys.executable, "-c", SENDER, "none", "0"], env=env, timeout=120)
    assert again.returncode == 0
    received = {address: [m["Message-ID"] for m in server.to(address)] for address in people}
    assert all(received.values()), received  # every digest was delivered
    twice = {address: ids for address, ids in received.items() if len(ids) > 1}
    if stage == "accepted":  # the one window SMTP cannot close: sent, not yet recorded
        (ids,) = twice.values()
        assert len(ids) == 2 and ids[0] == ids[1]  # ...and then with the same Message-ID
    else:
        assert twice == {}
    with approved.connect() as connection:
        assert set(connection.execute(select(OUTBOX.c.state)).scalars()) == {"sent"}


def test_a_second_sender_is_refused_on_sqlite_and_sends_beside_the_first_on_postgresql(
        approved, settings, server):
    subscriber(approved, "ana@example.org")
    queue_digests(approved, settings, now=now())
    with start_sender(approved).lease:  # another sender, running
        if approved.dialect.name == "sqlite":  # one writer: one sender at a time
            with pytest.raises(MailError, match=(
                    r"^another `tracker digest send` is running; try again when it ends "
                    rf"\(the sender lock is held by pid {os.getpid()} on ")):
                deliver(approved, settings, clock=now)
            assert server.messages == []
        else:
            assert deliver(approved, settings, clock=now).sent == 1
            assert len(server.to("ana@example.org")) == 1


def test_a_sender_that_loses_its_lock_stops_before_the_next_mail(approved, settings, server):
    people = [f"reader{n}@example.org" for n in range(4)]
    for address in people:
        subscriber(approved, address)
    assert queue_digests(approved, settings, now=now()).queued == 4
    accepted = []

    def lose_after_the_second(event, row):
        if event == "accepted":
            accepted.append(row.id)
            if len(accepted) == 2:
                # On PostgreSQL each sender's lease is its own; on SQLite the one sender lock.
                lose(approved, row.claimed_by if approved.dialect.name == "postgresql" else SENDER_LOCK)

    with pytest.raises(MailError) as stopped:
        deliver(approved, settings, clock=now, on_event=lose_after_the_second)
    assert re.fullmatch(r"lost the sender lock: .+; stopped after 2 sent, every unsent mail waits "
                        r"for the next run", str(stopped.value))
    with approved.connect() as connection:
        assert sorted(connection.execute(select(OUTBOX.c.state)).scalars()) == [
            "pending", "pending", "sent", "sent"]  # none left claimed
    assert deliver(approved, settings, clock=now).sent == 2  # the next sender sends the rest
    assert sorted(len(server.to(address)) for address in people) == [1, 1, 1, 1]


def test_cli_subscribers_and_digests(approved, settings, server, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=settings.database_url,
                            TRACKER_SMTP_URL=server.url, TRACKER_SECRET_KEY=SECRET,
                            TRACKER_BASE_URL=BASE)
    bad = tracker("subscribers", "add", "ana@@example.org", env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("error: 'ana@@example.org' is not a usable")
    added = tracker("subscribers", "add", "ana@example.org", "--kind", "lawsuit", env=env)
    assert added.returncode == 0 and "confirmation mail sent" in added.stdout
    assert [m["Subject"][:7] for m in server.to("ana@example.org")] == ["Confirm"]
    assert tracker("subscribers", "add", "staff@example.org", "--confirmed", env=env).returncode == 0
    preview = tracker("digest", "preview", "staff@example.org", "--html", str(tmp_path / "d.html"),
                      env=env)
    assert preview.stdout.startswith("Subject: 3 changes in AI copyright")
    assert "Andersen" in (tmp_path / "d.html").read_text()
    assert server.to("staff@example.org") == []  # a preview sends nothing
    sent = tracker("digest", "send", env=env)
    assert sent.returncode == 0 and "1 queued" in sent.stderr and "1 sent" in sent.stderr
    assert len(server.to("staff@example.org")) == 1 and len(server.to("ana@example.org")) == 1
    listed = tracker("subscribers", "list", "--json", env=env)
    assert {s["email"]: s["state"] for s in json.loads(listed.stdout)} == {
        "ana@example.org": "unconfirmed", "staff@example.org": "active"}
    assert tracker("subscribers", "remove", "staff@example.org", env=env).returncode == 0
    missing = tracker("subscribers", "show", "nobody@example.org", env=env)
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no subscriber nobody@example.org")
    assert tracker("subscribers", "add", "bo@example.org", "--confirmed", env=env).returncode == 0
    dead = tracker("digest", "send", env={**env, "TRACKER_SMTP_URL": "smtp://127.0.0.1:9",
                                          "TRACKER_SMTP_RETRY_DELAY": "0"})
    assert dead.returncode == 1
    assert dead.stderr.startswith("error: cannot reach the SMTP server smtp://127.0.0.1:9")
    assert tracker("digest", "send", env=env).returncode == 0  # the next run picks up
    assert len(server.to("bo@example.org")) == 1


def test_a_refused_smtp_connection_is_not_retried(settings):
    from tracker.smtp import SmtpTarget, connect

    slept = []
    with pytest.raises(MailError, match=r"cannot reach the SMTP server smtp://127.0.0.1:9: .*refused"):
        connect(SmtpTarget.parse("smtp://127.0.0.1:9"), attempts=4, retry_delay=5, sleep=slept.append)
    assert slept == []  # no backoff waited out: nothing listens there


def test_subscribers_add_with_the_mail_server_down_adds_and_queues(approved, settings, server, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=settings.database_url,
                            TRACKER_SMTP_URL="smtp://127.0.0.1:9", TRACKER_SECRET_KEY=SECRET,
                            TRACKER_BASE_URL=BASE)
    added = tracker("subscribers", "add", "ana@example.org", env=env)
    assert added.returncode == 0 and "Traceback" not in added.stderr
    assert added.stdout == ("ana@example.org added; the confirmation is queued and goes out when "
                            "the mail server answers\n")
    assert "cannot reach the SMTP server smtp://127.0.0.1:9" in added.stderr
    with approved.connect() as connection:
        assert connection.execute(select(OUTBOX.c.purpose, OUTBOX.c.state)).all() == [
            ("confirm", "pending")]
    # Once the server answers, the next send delivers it.
    sent = tracker("digest", "send", env={**env, "TRACKER_SMTP_URL": server.url})
    assert sent.returncode == 0 and [m["Subject"][:7] for m in server.to("ana@example.org")] == ["Confirm"]


def test_subjects_and_wording_read_as_sentences(approved, settings, server):
    from tracker.review import edit

    subscriber(approved, "bo@example.org", jurisdictions=["ca"], frequency=Frequency.IMMEDIATE)
    subscriber(approved, "cy@example.org", follows=[KEY], kinds=[Kind.LAWSUIT], jurisdictions=["cand"],
               topics=["training-data"])
    with Session(approved) as session:
        andersen_change = session.exec(select(Change.id).where(Change.case_id == 1)).scalar_one()
    edit(approved, andersen_change, by="maria", now=now(), headline="Artists sue Stability AI")
    send(approved, settings)
    (alert,) = server.to("bo@example.org")
    assert alert["Subject"] == "Newly tracked: AB 412: AI training data transparency"
    text = body(alert, "plain")
    assert text.startswith("Alert from the AI copyright tracker: 1 change.")
    assert "You get this alert because bo@example.org subscribed" in text
    assert "You get this alert because" in body(alert, "html")
    (digest,) = server.to("cy@example.org")
    assert digest["Subject"] == "Artists sue Stability AI"  # the headline alone, nothing tacked on
    assert "You get this weekly digest because cy@example.org" in body(digest, "plain")
    assert "immediate because" not in text + body(digest, "plain")
