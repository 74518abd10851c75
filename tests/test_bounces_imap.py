"""The bounce mailbox over IMAP with TLS: real returned mail delivered to a real IMAP server
(Dovecot on loopback, tests/imapserver.py) and read by `tracker mail bounces` (#22)."""

import pytest

from .imapserver import ImapServer
from .spiders.crawling import crawl_environment, tracker
from .test_bounces import DOMAIN, approved, returned, send, server, settings, state, subscriber  # noqa: F401
from .test_mail import BASE, SECRET


@pytest.fixture
def imap():
    with ImapServer() as running:
        yield running


def test_tracker_mail_bounces_reads_an_imap_mailbox_over_tls(approved, settings, server, imap,  # noqa: F811
                                                              tmp_path):
    settings.bounce_domain = DOMAIN
    subscriber(approved, "gone@example.org")
    send(approved, settings)
    imap.deliver(returned("sisimai-lhost-postfix-05.eml", server.senders[-1]))  # temporary
    imap.deliver(returned("flufl-dsn_10.txt", server.senders[-1]))  # permanent
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=settings.database_url,
                            TRACKER_SMTP_URL=server.url, TRACKER_SECRET_KEY=SECRET, TRACKER_BASE_URL=BASE,
                            TRACKER_BOUNCE_DOMAIN=DOMAIN, TRACKER_BOUNCE_MAILBOX=imap.url,
                            SSL_CERT_FILE=str(imap.cafile))  # the server's certificate is verified
    result = tracker("mail", "bounces", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "bounce mailbox: 2 read: 1 permanent, 1 temporary\n"
    assert imap.count() == 0  # read and removed
    assert state(approved, "gone@example.org").hard_failures == 1
    again = tracker("mail", "bounces", env=env)
    assert again.stderr == "bounce mailbox: 0 read: nothing new\n"


def test_a_wrong_password_or_an_untrusted_certificate_is_one_line(imap, tmp_path):
    env = crawl_environment(tmp_path, TRACKER_BOUNCE_DOMAIN=DOMAIN, SSL_CERT_FILE=str(imap.cafile),
                            TRACKER_BOUNCE_MAILBOX=imap.url.replace("%40odd", "%40wrong"))
    wrong = tracker("mail", "bounces", env=env)
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    where = f"imaps://127.0.0.1:{imap.port}"
    assert wrong.stderr.startswith(f"error: the bounce mailbox {where} refused the login")
    assert "wrong" not in wrong.stderr  # no password in the message
    untrusted = tracker("mail", "bounces", env={**env, "TRACKER_BOUNCE_MAILBOX": imap.url,
                                                "SSL_CERT_FILE": "/nonexistent.pem"})
    assert untrusted.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    unset = tracker("mail", "bounces", env={**env, "TRACKER_BOUNCE_MAILBOX": "pop3://x"})
    assert unset.returncode == 2 and "must start with maildir: or imaps://" in unset.stderr
