"""A digest's "Coming up" section (the dates ahead its filters select) and a ruling's outcome and
holding, in mail sent through a real SMTP server."""

from datetime import date, timedelta

from sqlmodel import Session, select

from tracker.intake import intake
from tracker.models.cases import Event
from tracker.models.review import Change
from tracker.review import approve
from tracker.rulings import set_outcome
from tracker.tokens import CALENDAR, Tokens
from tracker.vocab import FairUse
from tracker.watchlist import parse_entry

from .test_mail import BASE, SECRET, body, now, send, server, settings, subscriber  # noqa: F401
from .test_rulings import ANDERSEN, ANDERSEN_DISMISSAL, andersen, entry


def test_a_digest_says_what_is_coming_and_what_a_ruling_decided(store_engine, settings, server):  # noqa: F811
    complaint = entry(date(2023, 1, 13), "COMPLAINT against Stability AI Ltd. Filed by Sarah Andersen.", 1)
    intake(store_engine, [andersen(complaint)], rules=[], similarity=0.8, now=now())
    ruling = entry(date(2023, 10, 30), ANDERSEN_DISMISSAL, 117)
    intake(store_engine, [andersen(complaint, ruling)], rules=[], similarity=0.8, now=now())
    soon = date.today() + timedelta(days=9)
    argued = parse_entry({
        "key": "ded-1:20-cv-00613", "kind": "lawsuit", "jurisdiction": "ded", "confidence": "high",
        "title": "Thomson Reuters v. ROSS Intelligence", "tags": ["fair-use"],
        "dates": [{"kind": "oral-argument", "title": "Oral argument", "date": soon.isoformat(),
                   "time": "09:30", "timezone": "America/New_York"}]})
    intake(store_engine, [argued], rules=[], similarity=0.8, now=now())
    with Session(store_engine) as session:
        decided = session.exec(select(Change).join(Event, Event.id == Change.event_id)
                               .where(Event.entry_number == "117")).one()
        everything = list(session.exec(select(Change.id)))
    set_outcome(store_engine, decided.id, by="maria", now=now(), fair_use=FairUse.NOT_REACHED,
                holding="Artists may go on against Stability on direct infringement.")
    approve(store_engine, everything, by="maria", now=now())
    ana = subscriber(store_engine, "ana@example.org")
    subscriber(store_engine, "bills@example.org", kinds=["state_bill"], follows=[ANDERSEN])

    send(store_engine, settings)
    (message,) = server.to("ana@example.org")
    text, html = body(message, "plain"), body(message, "html")
    assert "Outcome: Motion to dismiss: granted in part; fair use: not reached" in text
    assert "Holding: Artists may go on against Stability on direct infringement." in text
    coming = text.split("COMING UP", 1)[1]
    assert (f"* {soon.isoformat()} 09:30 (New York): Oral argument, Thomson Reuters v. ROSS Intelligence"
            in coming)
    feed = coming.split("in your calendar: ", 1)[1].split()[0]
    assert feed.startswith(f"{BASE}/calendar/subscribers/")
    assert Tokens(SECRET).read(CALENDAR, feed.rsplit("/", 1)[1].removesuffix(".ics")) == ana.id
    assert "Coming up</h2>" in html and "Holding: Artists may go on" in html

    (other,) = server.to("bills@example.org")  # follows Andersen only: no ROSS argument for them
    assert "COMING UP" not in body(other, "plain")
