"""People on the web, over real HTTP: a person's page, their Atom feed, the people list, and the
sponsors of state copies of a bill side by side on their matter."""

from datetime import date

from tracker.intake import intake
from tracker.matters import create_matter
from tracker.records import CaseRecord, EventRecord, PersonRecord
from tracker.review import approve_case
from tracker.vocab import Kind

from .test_web import client, mail, now, site  # noqa: F401  (the fixtures: the app and its mail server)

GONG = "openstates-cf97f459-e1cd-474b-8306-3c55d7c009b0"


def state_bill(key: str, state: str, *people: PersonRecord) -> CaseRecord:
    return CaseRecord(key=key, kind=Kind.STATE_BILL, jurisdiction=state, source="openstates",
                      title=f"{state.upper()}: right of publicity, digital replicas", people=list(people),
                      events=[EventRecord(date(2024, 2, 8), "First Reading", "openstates")])


def test_a_person_page_their_feed_and_sponsors_side_by_side_on_a_matter_of_copies(site):  # noqa: F811
    chief = PersonRecord("sponsor", "Jen Gong-Gershowitz",
                         {"openstates": "ocd-person/cf97f459-e1cd-474b-8306-3c55d7c009b0"}, "Democratic",
                         "il", "Representative, district 17")
    committee = PersonRecord("sponsor", "Judiciary", detail="organization")  # Open States: no person
    intake(site.engine, [state_bill("il-103rd-hb-4875", "il", chief),
                         state_bill("ky-2026rs-hb-512", "ky", committee)],
           rules=[], similarity=0.99, now=now())
    create_matter(site.engine, "Digital replica bills copied from Illinois",
                  ["il-103rd-hb-4875", "ky-2026rs-hb-512"], by="maria", now=now(), key="replica-copies")
    approve_case(site.engine, "il-103rd-hb-4875", by="maria", now=now())
    web = client(site)

    matter = web.get("/matters/replica-copies")
    assert matter.status_code == 200 and "Sponsors side by side" in matter.text
    side = matter.text.split("Sponsors side by side")[1].split("Timeline")[0]
    assert f'href="/people/{GONG}">Jen Gong-Gershowitz (Democratic, Representative, district 17)</a>' in side
    assert "Judiciary (organization)" not in side and "Judiciary <span class=\"meta\">(no id)</span>" in side
    assert side.index("IL ·") < side.index("KY ·")

    page = web.get(f"/people/{GONG}")
    assert page.status_code == 200 and "Jen Gong-Gershowitz" in page.text and "Sponsor (1)" in page.text
    assert 'href="/cases/il-103rd-hb-4875"' in page.text and "First Reading" in page.text
    feed = web.get(f"/feeds/people/{GONG}.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text.count("<entry>") == 1 and "il-103rd-hb-4875" in feed.text  # approved only
    listed = web.get("/people", params={"role": "sponsor", "jurisdiction": "il"})
    assert GONG in listed.text and "1 sponsor" in listed.text
    assert web.get("/people/openstates-nobody").status_code == 404
    assert web.get("/feeds/people/openstates-nobody.atom").status_code == 404
