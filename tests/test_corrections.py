"""A corrected status reaches, as a short "Correction" line, only those who were sent the case."""

from datetime import date

from sqlalchemy import select, update
from sqlmodel import Session

from tracker.models.cases import Case, Event
from tracker.models.review import Change
from tracker.refold import refold
from tracker.review import approve
from tracker.vocab import Frequency

from .test_mail import approved, body, now, send, server, settings, subscriber  # noqa: F401 (fixtures)
from .test_store import KEY


def test_a_correction_goes_only_to_subscribers_who_were_sent_the_case(approved, settings, server):  # noqa: F811
    # Immediate alerts, so the second digest is due at once; they want major changes only, and a
    # correction reaches those who were sent the case whatever their filters.
    subscriber(approved, "ana@example.org", follows=[KEY], frequency=Frequency.IMMEDIATE)
    subscriber(approved, "bea@example.org", jurisdictions=["ca"], frequency=Frequency.IMMEDIATE)
    send(approved, settings)
    assert len(server.to("ana@example.org")) == 1 and len(server.to("bea@example.org")) == 1

    with approved.begin() as connection:  # what the classifier before #15 had folded
        connection.execute(update(Event).where(Event.text.like("COMPLAINT%"))
                           .values(classification="transfer"))
        connection.execute(update(Case).where(Case.key == KEY).values(status="transferred"))
    assert refold(approved, now=now(), today=date(2026, 11, 30)).corrections == 1
    with Session(approved) as session:
        (correction,) = session.exec(select(Change.id).where(Change.correction.is_(True))).scalars()
    approve(approved, [correction], by="maria", now=now(), note=None, headline=None)

    send(approved, settings)
    first, second = server.to("ana@example.org")
    text = body(second, "plain")
    assert "Correction: the status reads Filed, not Transferred" in text
    assert "Sent because: a correction to what you were sent" in text
    assert len(server.to("bea@example.org")) == 1  # never sent Andersen: no correction for her
