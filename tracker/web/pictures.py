"""The pictures' pages: the map of the states (``/map``) and suits per defendant (``/defendants``,
each defendant's suits at ``/defendants/{name}``), each an inline SVG drawn on the server with a
text table of the same data; the timelines of a case or a matter as SVG images
(``/cases/{key}/timeline.svg``, ``/matters/{key}/timeline.svg``)."""

from datetime import UTC, date, datetime

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.errors import NotFoundError
from tracker.matters import MatterError
from tracker.pictures.defendants import GROUPS, defendant_link, defendant_rows, defendants_svg, group_of
from tracker.pictures.png import svg_to_png
from tracker.pictures.statemap import STAGES, bill_years, bills_link, map_svg, state_rows
from tracker.pictures.timeline import case_rows, matter_rows, timeline_svg
from tracker.queries import get_case
from tracker.vocab import BILL_STATUSES
from tracker.web.pages import db, read, render


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) == 4 else None


def _map_query(request: Request) -> dict:
    query = request.query_params
    topics = list(request.app.state.settings.relevance_settings.topics)
    statuses = [s.name for s in STAGES[:-1]] + [s.value for s in BILL_STATUSES]
    return {"topic": query.get("topic") if query.get("topic") in topics else None,
            "status": query.get("status") if query.get("status") in statuses else None,
            "year": _year(query.get("year")), "topics": topics}


async def map_page(request: Request) -> Response:
    chosen = _map_query(request)
    topic, year, status = chosen["topic"], chosen["year"], chosen["status"]

    rows, years = await read(request, lambda session: (
        state_rows(session, topic=topic, year=year, status=status), bill_years(session)))
    shown = [row for row in rows if row.bills]
    return render(request, "map.html", svg=map_svg(rows, topic=topic), rows=shown, stages=STAGES,
                  topics=chosen["topics"], topic=topic, years=years, year=year, statuses=BILL_STATUSES,
                  status=status, link=lambda code: bills_link(code, topic),
                  total=sum(row.count for row in rows))


async def map_png(request: Request) -> Response:
    """The map as a PNG, for mail clients (the weekly digest); 404 where the server cannot draw one."""
    chosen = _map_query(request)
    base = request.app.state.settings.base_url.rstrip("/")

    def draw():
        with Session(request.app.state.engine) as session:
            rows = state_rows(session, topic=chosen["topic"], year=chosen["year"], status=chosen["status"])
        return svg_to_png(map_svg(rows, topic=chosen["topic"], base=base))

    png = await db(draw)
    if png is None:
        raise NotFoundError("This server cannot draw PNGs; the map is at /map.")
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


async def defendants_page(request: Request) -> Response:
    rows = await read(request, defendant_rows)
    return render(request, "defendants.html", svg=defendants_svg(rows), rows=rows, groups=GROUPS,
                  link=defendant_link)


async def defendant_page(request: Request) -> Response:
    name = request.path_params["name"]

    row = next((row for row in await read(request, defendant_rows) if row.name == name), None)
    if row is None:
        raise NotFoundError(f"No tracked suit names {name} as a defendant.")
    return render(request, "defendant.html", row=row, groups=GROUPS, group_of=group_of)


def _svg(body: str) -> Response:
    """An SVG of ours, which may style itself and nothing else."""
    return Response(body, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


async def case_timeline(request: Request) -> Response:
    key = request.path_params["key"]

    def draw():
        with Session(request.app.state.engine) as session:
            detail = get_case(session, key)
            if detail is None:
                raise NotFoundError(f"There is no case {key}.")
            return timeline_svg(case_rows(session, detail.case), today=_today(),
                                caption=f"Timeline of {detail.case.title}")

    return _svg(await db(draw))


async def matter_timeline(request: Request) -> Response:
    def draw():
        with Session(request.app.state.engine) as session:
            try:
                title, rows = matter_rows(session, request.path_params["key"])
            except MatterError as exc:
                raise NotFoundError(str(exc)) from None
            return timeline_svg(rows, today=_today(), caption=f"Timeline of {title}")

    return _svg(await db(draw))


def _today() -> date:
    return datetime.now(UTC).date()


ROUTES = [Route("/map", map_page), Route("/map.png", map_png), Route("/defendants", defendants_page),
          Route("/defendants/{name}", defendant_page),
          Route("/cases/{key}/timeline.svg", case_timeline),
          Route("/matters/{key}/timeline.svg", matter_timeline)]
