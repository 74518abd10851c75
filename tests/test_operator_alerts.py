"""Staff hear of trouble (a source failing or stale, a quota spent before noon, mail refused or
returned above a rate) in one mail per incident, through the outbox and a real SMTP server, on
SQLite and PostgreSQL."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import Session

from tracker.bounces import read_returns
from tracker.config import load_settings
from tracker.db import make_engine, write_session
from tracker.mailer import deliver, queue_confirmation
from tracker.models.runs import Incident, SourceRun
from tracker.models.subscribers import OutboxMessage
from tracker.operator_alerts import TROUBLE, Trouble, check, open_incident, send_alerts
from tracker.smtp import MailError
from tracker.subscriptions import Preferences, subscribe

from .mailserver import MailServer
from .spiders.crawling import crawl_environment
from .test_bounces import drop, returned

OPS = "ops@tracker.example.org"
DAY = datetime(2026, 11, 30, tzinfo=UTC)
SOURCES = ["courtlistener", "congress", "openstates", "federal_register", "statements"]
REFUSED = "cannot reach https://www.courtlistener.com: Connection refused"


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


@pytest.fixture
def configure(monkeypatch, tmp_path, store_engine):
    for name in list(os.environ):
        if name.startswith("TRACKER_"):
            monkeypatch.delenv(name)
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))

    def settings(smtp_url: str, **more):
        return load_settings(database_url=store_engine.url.render_as_string(hide_password=False),
                             smtp_url=smtp_url, secret_key="s" * 32, alert_to=OPS, smtp_retry_delay=0,
                             base_url="https://tracker.example.org", **more)

    return settings


@pytest.fixture
def settings(configure, server):
    return configure(server.url)


def crawled(engine, source: str, state: str, at: datetime, *, requests: int = 3,
            error: str | None = None, since: datetime | None = None) -> None:
    with write_session(engine) as session:
        session.add(SourceRun(source=source, started_at=at, finished_at=at + timedelta(minutes=1),
                              state=state, finish_reason="finished" if state == "ok" else "failed",
                              requests=requests, last_error=error, since=since))


def checked(engine, settings, at: datetime) -> int:
    """A check at ``at``, then a send of what it queued: the alert mails sent."""
    check(engine, settings, SOURCES, now=at)
    return send_alerts(engine, settings, clock=lambda: at)


def incidents(engine) -> list[Incident]:
    with Session(engine) as session:
        return list(session.exec(select(Incident).order_by(Incident.id)).scalars())


def test_a_source_that_stays_failed_mails_once_and_again_only_after_it_recovered(store_engine, settings,
                                                                                  server):
    at = DAY + timedelta(hours=1)
    crawled(store_engine, "courtlistener", "ok", at)
    crawled(store_engine, "courtlistener", "failed", at + timedelta(hours=1), error=REFUSED)
    assert checked(store_engine, settings, at + timedelta(hours=1, minutes=5)) == 0  # one failure: not yet
    for hour in range(2, 12):  # ten more failed runs, a check after each
        crawled(store_engine, "courtlistener", "failed", at + timedelta(hours=hour), error=REFUSED)
        checked(store_engine, settings, at + timedelta(hours=hour, minutes=5))
    (mail,) = server.to(OPS)
    assert mail["Subject"] == f"Tracker trouble: courtlistener failed 2 runs in a row: {REFUSED}"
    assert mail["To"] == OPS and mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(("plain",)).get_content()
    assert "since 2026-11-30 03:05 UTC" in text and "`tracker crawl --source courtlistener`" in text
    assert "https://tracker.example.org/staff/sources" in text
    assert "https://tracker.example.org/staff/sources" in mail.get_body(("html",)).get_content()

    crawled(store_engine, "courtlistener", "ok", at + timedelta(hours=12))  # recovered: closed
    assert checked(store_engine, settings, at + timedelta(hours=12, minutes=5)) == 0
    crawled(store_engine, "courtlistener", "failed", at + timedelta(hours=13), error="HTTP 500")
    crawled(store_engine, "courtlistener", "failed", at + timedelta(hours=14), error="HTTP 500")
    assert checked(store_engine, settings, at + timedelta(hours=14, minutes=5)) == 1
    assert [m["Subject"] for m in server.to(OPS)][1] == ("Tracker trouble: courtlistener failed 2 runs "
                                                         "in a row: HTTP 500")
    first, second = incidents(store_engine)
    assert first.closed_at == at + timedelta(hours=12, minutes=5) and second.closed_at is None


def test_a_stale_source_mails_once(store_engine, settings, server):
    crawled(store_engine, "federal_register", "ok", DAY - timedelta(days=4))
    assert checked(store_engine, settings, DAY) == 1
    assert checked(store_engine, settings, DAY + timedelta(hours=1)) == 0
    (mail,) = server.to(OPS)
    assert mail["Subject"] == "Tracker trouble: federal_register is stale: no success in 72 h"


def test_a_quota_spent_before_noon_mails_that_day_and_one_spent_after_noon_does_not(store_engine,
                                                                                    settings, server):
    for hour in (1, 7, 13):  # refreshes the day before: one costs 2 requests
        crawled(store_engine, "congress", "ok", DAY - timedelta(hours=24 - hour), requests=2,
                since=DAY - timedelta(hours=30 - hour))
    crawled(store_engine, "congress", "ok", DAY + timedelta(hours=9), requests=49)  # a crawl by hand
    assert checked(store_engine, settings, DAY + timedelta(hours=9, minutes=30)) == 1
    assert checked(store_engine, settings, DAY + timedelta(hours=15)) == 0  # still that day's incident
    (mail,) = server.to(OPS)
    assert mail["Subject"] == ("Tracker trouble: congress spent its day's quota by 09:01 UTC (49 of 50 "
                               "requests; a refresh costs 2)")
    assert checked(store_engine, settings, DAY + timedelta(days=1, minutes=30)) == 0  # a new day: closed
    assert incidents(store_engine)[0].closed_at == DAY + timedelta(days=1, minutes=30)
    crawled(store_engine, "congress", "ok", DAY + timedelta(days=1, hours=20), requests=49)
    assert checked(store_engine, settings, DAY + timedelta(days=1, hours=21)) == 0
    assert len(server.to(OPS)) == 1


def test_mail_refused_or_returned_above_the_rate_mails_once(store_engine, settings, server, tmp_path):
    def mailed(addresses: list[str]) -> None:
        now = datetime.now(UTC)
        for address in addresses:
            subscriber, _ = subscribe(store_engine, address, Preferences(), now=now)
            queue_confirmation(store_engine, settings, subscriber, now=now)
        deliver(store_engine, settings, clock=lambda: datetime.now(UTC))

    maildir = tmp_path / "bounces"  # where the relay drops what comes back
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    settings.bounce_domain = "bounce.tracker.example.org"
    settings.bounce_mailbox = SecretStr(f"maildir:{maildir}")
    server.refuse("gone@example.org", "550 5.1.1 no such user")
    mailed([f"reader{n}@example.org" for n in range(19)] + ["gone@example.org"])
    assert checked(store_engine, settings, datetime.now(UTC)) == 0  # 1 of 20: 5%, not above it
    # Hours later a real Sendmail bounce comes back for a mail the relay had taken.
    (taken,) = server.to("reader7@example.org")
    drop(maildir, returned("flufl-dsn_11.txt", server.sender_of(taken)))
    assert read_returns(store_engine, settings, clock=lambda: datetime.now(UTC)).counts == {"permanent": 1}
    assert checked(store_engine, settings, datetime.now(UTC)) == 1
    assert checked(store_engine, settings, datetime.now(UTC)) == 0
    (mail,) = server.to(OPS)
    assert mail["Subject"] == ("Tracker trouble: 2 of 20 mails in the last day were refused or came back "
                               "(10%, above 5%)")


def test_the_alert_waits_while_the_mail_server_is_down_then_goes_once(store_engine, configure, server):
    down = configure("smtp://127.0.0.1:9")
    for hour in (1, 2):
        crawled(store_engine, "courtlistener", "failed", DAY + timedelta(hours=hour), error=REFUSED)
    check(store_engine, down, SOURCES, now=DAY + timedelta(hours=2))
    with pytest.raises(MailError):
        send_alerts(store_engine, down, clock=lambda: DAY + timedelta(hours=2))
    up = configure(server.url)
    assert checked(store_engine, up, DAY + timedelta(hours=2, minutes=15)) == 1  # no second incident
    assert checked(store_engine, up, DAY + timedelta(hours=2, minutes=30)) == 0
    assert len(server.to(OPS)) == 1 and len(incidents(store_engine)) == 1


def test_a_refused_alert_address_fails_its_mail_and_nothing_else(store_engine, settings, server):
    server.refuse(OPS, "550 5.1.1 no such user")
    for hour in (1, 2):
        crawled(store_engine, "courtlistener", "failed", DAY + timedelta(hours=hour), error=REFUSED)
    assert checked(store_engine, settings, DAY + timedelta(hours=2)) == 0
    with Session(store_engine) as session:
        (row,) = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == TROUBLE)).scalars()
    assert (row.state, row.smtp_code) == ("failed", 550)


def test_two_checks_at_once_open_one_incident_and_queue_one_mail(store_engine, settings):
    trouble = Trouble("source:courtlistener", "courtlistener failed 2 runs in a row: HTTP 500", "")
    assert open_incident(store_engine, settings, trouble, now=DAY) is True
    assert open_incident(store_engine, settings, trouble, now=DAY) is False  # the other check, after
    with Session(store_engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == TROUBLE)).all()
    assert len(rows) == 1 and len(incidents(store_engine)) == 1


def test_a_failed_crawl_job_is_heard_of_at_once(monkeypatch, tmp_path, database_url, server):
    from tracker.models.runs import JobRun
    from tracker.scheduler import OPERATOR_ALERTS, declared_jobs, run_crawl

    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=database_url, TRACKER_SMTP_URL=server.url,
                            TRACKER_ALERT_TO=OPS, TRACKER_ALERT_FAILURES="1")
    for name in [n for n in os.environ if n.startswith("TRACKER_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert OPERATOR_ALERTS in [job.id for job in declared_jobs(load_settings(), SOURCES)]
    monkeypatch.delenv("TRACKER_ALERT_TO")
    assert OPERATOR_ALERTS not in [job.id for job in declared_jobs(load_settings(), SOURCES)]
    monkeypatch.setenv("TRACKER_ALERT_TO", OPS)

    run_crawl("federal_register")  # its upstream is nowhere: the crawl fails, and staff hear of it
    (mail,) = server.to(OPS)
    assert mail["Subject"].startswith("Tracker trouble: federal_register failed: ")
    with Session(make_engine(database_url)) as session:
        job = session.exec(select(JobRun).where(JobRun.job_id == OPERATOR_ALERTS)).scalars().one()
    assert job.outcome == "ok" and job.detail.endswith("alert mails sent: 1")
