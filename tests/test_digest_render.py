"""One body render per distinct digest: subscribers with the same news share it, each mail
carrying only its own address and links, through a real SMTP server."""

import re

import tracker.digest
from tracker.mailer import deliver, queue_digests
from tracker.tokens import PREFERENCES, UNSUBSCRIBE, Tokens
from tracker.vocab import Kind

from .test_mail import SECRET, approved, body, now, server, settings, subscriber  # noqa: F401


def test_subscribers_with_the_same_news_share_one_render_and_keep_their_own_links(
        approved, settings, server, monkeypatch):  # noqa: F811
    renders = []
    real = tracker.digest._render

    def counted(name, *args, **kwargs):
        renders.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(tracker.digest, "_render", counted)
    same = [subscriber(approved, address, kinds=[Kind.LAWSUIT]) for address in
            ("ana@example.org", "o'brien&co@example.org")]
    other = subscriber(approved, "bo@example.org", kinds=[Kind.STATE_BILL])
    assert queue_digests(approved, settings, now=now()).queued == 3
    assert renders == ["digest", "digest"]  # one for the two lawsuit readers, one for bo
    assert deliver(approved, settings, clock=now).sent == 3
    tokens = Tokens(SECRET)
    for reader in [*same, other]:
        (mail,) = server.to(reader.email)
        text, html = body(mail, "plain"), body(mail, "html")
        assert f"because {reader.email} subscribed" in text
        assert f"because {reader.email.replace(chr(39), '&#39;').replace('&c', '&amp;c')} subscribed" in html
        for purpose in (UNSUBSCRIBE, PREFERENCES):  # every link in the mail is the reader's own
            found = re.findall(rf"/{purpose}/([\w.-]+)", text + html + mail["List-Unsubscribe"])
            assert found and {tokens.read(purpose, token) for token in found} == {reader.id}
        assert "example.invalid" not in text + html  # no placeholder left
    assert "Andersen" in body(server.to("ana@example.org")[0], "plain")
    assert "AB 412" in body(server.to("bo@example.org")[0], "plain")
