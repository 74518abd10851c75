"""Team channels (#22): a subscription posts to Slack, Teams or a signed webhook, through an
outbox of its own, to a real HTTPS server on loopback, which the allowlist alone lets it reach."""

import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from sqlmodel import Session

from tracker.channels import ChannelError, add_channel, check_url, deliver_posts, queue_posts
from tracker.demo import free_port
from tracker.models.mailops import Channel

from . import test_mail
from .hookserver import HookServer
from .spiders.crawling import crawl_environment, tracker
from .test_mail import BASE, SECRET, now, send, subscriber
from .tls import loopback_certificate

approved, server, settings = test_mail.approved, test_mail.server, test_mail.settings  # fixtures
SLACK_PATH = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"


@pytest.fixture
def hook(tmp_path, monkeypatch):
    with HookServer(tmp_path) as running:
        monkeypatch.setenv("SSL_CERT_FILE", str(running.cafile))  # the tracker verifies its certificate
        yield running


@pytest.fixture
def allowed(settings):
    settings.channel_hosts = ["127.0.0.1"]  # the one exception to "no internal addresses"
    return settings


def deliver(engine, settings, sleeps=None):
    return deliver_posts(engine, settings, clock=now, sleep=(sleeps.append if sleeps is not None
                                                             else lambda s: None))


def cursor(engine, channel_id: int) -> int:
    with Session(engine) as session:
        return session.get(Channel, channel_id).cursor


def test_where_a_channel_may_post(monkeypatch):
    with pytest.raises(ChannelError, match="must be https"):
        check_url("slack", "http://hooks.slack.com/services/x", [])
    with pytest.raises(ChannelError, match="on hooks.slack.com, not evil.example"):
        check_url("slack", "https://evil.example/services/x", [])
    with pytest.raises(ChannelError, match="not on the channel_hosts allowlist"):
        check_url("webhook", "https://hooks.example.org/in", [])
    with pytest.raises(ChannelError, match="not on the channel_hosts allowlist"):
        check_url("webhook", "https://127.0.0.1:8443/in", [])  # loopback, unless allowed
    assert check_url("webhook", "https://127.0.0.1:8443/in", ["127.0.0.1"]) == "127.0.0.1"
    assert check_url("teams", "https://contoso.webhook.office.com/webhookb2/x", []) == \
        "contoso.webhook.office.com"
    # Slack's own host, were its name to lead to the metadata service (a poisoned resolver):
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [(2, 1, 6, "", ("169.254.169.254", 0))])
    with pytest.raises(ChannelError, match=r"hooks.slack.com is a link-local address \(169.254.169.254\)"):
        check_url("slack", "https://hooks.slack.com/services/x", [])


def test_an_immediate_subscription_posts_each_major_change_to_slack_in_order(approved, allowed, hook):
    subscriber(approved, "team@example.org", frequency="immediate")
    channel, _ = add_channel(approved, allowed, "team@example.org", "slack", hook.url(SLACK_PATH),
                             by="maria", now=now())
    assert queue_posts(approved, allowed, now=now()).queued == 3  # three new cases: three alerts
    assert deliver(approved, allowed).sent == 3
    texts = [hook.json(n)["text"] for n in range(3)]
    assert [path for path, _, _ in hook.posts] == [SLACK_PATH] * 3
    assert all(text.startswith("*AI copyright: a major change*") for text in texts)
    assert "Andersen v. Stability AI Ltd." in texts[0]  # in approval order
    assert "&lt;script&gt;" in texts[2] and "<script>" not in texts[2]  # Slack's escaping
    assert cursor(approved, channel.id) == 3
    assert queue_posts(approved, allowed, now=now()).queued == 0  # each once


def test_a_teams_channel_instead_of_mail_gets_the_digest_as_one_card(approved, allowed, hook, server):
    subscriber(approved, "team@example.org")
    add_channel(approved, allowed, "team@example.org", "teams", hook.url("/workflows/x"), by="maria",
                now=now(), instead_of_mail=True)
    assert send(approved, allowed)[0].queued == 0 and server.messages == []  # no mail
    queue_posts(approved, allowed, now=now())
    assert deliver(approved, allowed).sent == 1
    card = hook.json(0)["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    blocks = [block["text"] for block in card["content"]["body"]]
    assert blocks[0] == "AI copyright: 3 changes" and len(blocks) == 4


def test_a_webhook_post_is_signed_and_a_busy_endpoint_is_retried_with_backoff(approved, allowed, hook):
    subscriber(approved, "team@example.org")
    _, key = add_channel(approved, allowed, "team@example.org", "webhook", hook.url("/tracker"), by="maria",
                         now=now())
    queue_posts(approved, allowed, now=now())
    hook.answer(503, 429)
    sleeps = []
    report = deliver(approved, allowed, sleeps)
    assert (report.sent, report.retried) == (1, 2)
    assert sleeps == [allowed.smtp_retry_delay, allowed.smtp_retry_delay * 2]  # backing off
    _, headers, body = hook.posts[0]
    expected = hmac.new(key.encode(), headers["X-Tracker-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Tracker-Signature"] == f"sha256={expected}"
    assert headers["X-Tracker-Delivery"].endswith(":0-3")
    payload = json.loads(body)
    assert payload["type"] == "digest" and [c["case"] for c in payload["changes"]][0] == "cand-3:23-cv-00201"


def test_nothing_is_lost_while_the_endpoint_is_down_and_it_comes_in_order(approved, allowed, tmp_path,
                                                                         monkeypatch):
    port = free_port()  # nothing listens there yet
    cafile, _ = loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))
    subscriber(approved, "team@example.org", frequency="immediate")
    channel, _ = add_channel(approved, allowed, "team@example.org", "slack",
                             f"https://127.0.0.1:{port}{SLACK_PATH}", by="maria", now=now())
    queue_posts(approved, allowed, now=now())
    down = deliver(approved, allowed)
    assert (down.sent, down.deferred) == (0, 1)  # the first waits, and the two behind it
    assert cursor(approved, channel.id) == 0
    later = lambda: now() + timedelta(minutes=5)  # noqa: E731 - past the backoff
    (tmp_path / "up").mkdir()
    with HookServer(tmp_path / "up", port=port) as hook:
        monkeypatch.setenv("SSL_CERT_FILE", str(hook.cafile))
        report = deliver_posts(approved, allowed, clock=later, sleep=lambda s: None)
        assert report.sent == 3
        titles = [hook.json(n)["text"] for n in range(3)]
    assert "Andersen" in titles[0] and "AB 412" in titles[1] and "Evil" in titles[2]
    assert cursor(approved, channel.id) == 3


def test_cli_channels(approved, allowed, hook, server, tmp_path):
    subscriber(approved, "team@example.org")
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL=allowed.database_url, TRACKER_SMTP_URL=server.url,
                            TRACKER_SECRET_KEY=SECRET, TRACKER_BASE_URL=BASE, SSL_CERT_FILE=str(hook.cafile))
    refused = tracker("channels", "add", "team@example.org", "--webhook", hook.url("/x"), env=env)
    assert refused.returncode == 2 and "not on the channel_hosts allowlist" in refused.stderr
    env["TRACKER_CHANNEL_HOSTS"] = "127.0.0.1"
    added = tracker("channels", "add", "team@example.org", "--slack", hook.url(SLACK_PATH), env=env)
    assert added.returncode == 0 and "signing key" in added.stdout
    listed = tracker("channels", "list", env=env)
    assert "127.0.0.1" in listed.stdout and SLACK_PATH not in listed.stdout  # the path is the secret
    hook.answer(404)
    failed = tracker("channels", "send", env=env)
    assert failed.returncode == 1 and "1 refused" in failed.stderr
    (listed,) = json.loads(tracker("channels", "list", "--json", env=env).stdout)
    assert "answered 404" in listed["last_error"]
    assert tracker("channels", "remove", "1", env=env).returncode == 0
    assert tracker("channels", "remove", "1", env=env).returncode == 1
