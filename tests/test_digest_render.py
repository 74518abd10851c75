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


def test_subscribers_alike_in_filters_are_matched_alike_but_each_from_their_own_cursor(approved):  # noqa: F811
    """A digest run matches each change once per filter set: two lawsuit readers, one of whom
    was already sent the first change, each get what is new for them; a reader of every kind,
    in the same run, gets all three cases."""
    from sqlalchemy import update
    from sqlmodel import Session, select

    from tracker.digest import build_digests
    from tracker.models.review import Change
    from tracker.models.subscribers import Subscriber

    behind = [subscriber(approved, a, kinds=[Kind.LAWSUIT]) for a in ("ana@example.org", "bo@example.org")][1]
    subscriber(approved, "cy@example.org")
    with Session(approved) as session:
        last = max(session.exec(select(Change.approval_seq)).all())
        session.execute(update(Subscriber).where(Subscriber.id == behind.id).values(cursor=last))
        session.commit()
        readers = list(session.exec(select(Subscriber).order_by(Subscriber.id)).all())
        digests = {d.subscriber.email: d for d in build_digests(session, readers, now=now(), cap_days=14)}
    lawsuits = [i.case.key for i in digests["ana@example.org"].items]
    assert lawsuits and {i.case.kind for i in digests["ana@example.org"].items} == {Kind.LAWSUIT}
    assert digests["bo@example.org"].items == []  # alike in filters, but sent them already
    assert len(digests["cy@example.org"].items) == 3 > len(lawsuits)
