"""People's pages: who sponsors, judges and is sued (``/people``), one person's cases by role
(``/people/{key}``) and an Atom feed of their cases' approved changes
(``/feeds/people/{key}.atom``)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.people_queries import ROLE_GROUPS, case_ids_of, get_person, list_people, person_detail
from tracker.vocab import Role
from tracker.web.pages import db, read, render
from tracker.web.public import _feed


async def people_page(request: Request) -> Response:
    role = request.query_params.get("role") or ""
    jurisdiction = (request.query_params.get("jurisdiction") or "").strip().lower()

    people = await read(request, lambda session: list_people(
        session, roles=ROLE_GROUPS.get(role, ()), jurisdictions=[jurisdiction] if jurisdiction else None))
    return render(request, "people.html", people=people, role=role, roles=list(ROLE_GROUPS),
                  jurisdiction=jurisdiction, labels={r.value: r.label.lower() for r in Role})


async def person_page(request: Request) -> Response:
    person = await read(request, lambda session: person_detail(session, request.path_params["key"]))
    return render(request, "person.html", person=person, labels={r.value: r.label for r in Role})


async def person_feed(request: Request) -> Response:
    key = request.path_params["key"]

    name, case_ids = await read(request, lambda session: (get_person(session, key).name,
                                                          case_ids_of(session, key)))
    return await db(_feed, request, f"AI copyright: {name}", f"/feeds/people/{key}.atom", case_ids=case_ids)


ROUTES = [Route("/people", people_page), Route("/people/{key}", person_page),
          Route("/feeds/people/{key}.atom", person_feed)]
