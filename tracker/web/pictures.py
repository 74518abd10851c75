"""The pictures' pages: the map of the states (``/map``) and suits per defendant (``/defendants``,
each defendant's suits at ``/defendants/{name}``), each an inline SVG drawn on the server with a
text table of the same data."""

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.errors import NotFoundError
from tracker.pictures.defendants import GROUPS, defendant_link, defendant_rows, defendants_svg, group_of
from tracker.pictures.statemap import STAGES, bill_years, bills_link, map_svg, state_rows
from tracker.vocab import BILL_STATUSES
from tracker.web.pages import db, render


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) == 4 else None


async def map_page(request: Request) -> Response:
    query = request.query_params
    topics = list(request.app.state.settings.relevance_settings.topics)
    topic = query.get("topic") if query.get("topic") in topics else None
    statuses = [s.name for s in STAGES[:-1]] + [s.value for s in BILL_STATUSES]
    status = query.get("status") if query.get("status") in statuses else None
    year = _year(query.get("year"))

    def read():
        with Session(request.app.state.engine) as session:
            return state_rows(session, topic=topic, year=year, status=status), bill_years(session)

    rows, years = await db(read)
    shown = [row for row in rows if row.bills]
    return render(request, "map.html", svg=map_svg(rows, topic=topic), rows=shown, stages=STAGES,
                  topics=topics, topic=topic, years=years, year=year, statuses=BILL_STATUSES,
                  status=status, link=lambda code: bills_link(code, topic),
                  total=sum(row.count for row in rows))



async def defendants_page(request: Request) -> Response:
    def read():
        with Session(request.app.state.engine) as session:
            return defendant_rows(session)

    rows = await db(read)
    return render(request, "defendants.html", svg=defendants_svg(rows), rows=rows, groups=GROUPS,
                  link=defendant_link)


async def defendant_page(request: Request) -> Response:
    name = request.path_params["name"]

    def read():
        with Session(request.app.state.engine) as session:
            return next((row for row in defendant_rows(session) if row.name == name), None)

    row = await db(read)
    if row is None:
        raise NotFoundError(f"No tracked suit names {name} as a defendant.")
    return render(request, "defendant.html", row=row, groups=GROUPS, group_of=group_of)


ROUTES = [Route("/map", map_page), Route("/defendants", defendants_page),
          Route("/defendants/{name}", defendant_page)]
