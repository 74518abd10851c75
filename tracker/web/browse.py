"""Browsing the cases and matters: filters read from the query string (a bad one is a 400 that
says what is wrong), pages of the case list and of ``/api/cases``, and the matters pages."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracker.errors import TrackerError
from tracker.matters import list_matters, matter_view
from tracker.people_queries import ROLE_GROUPS, people_of
from tracker.queries import CaseFilter, case_dicts, count_cases, list_cases, public_view
from tracker.vocab import Kind, Status
from tracker.web.pages import read, render, signed_in
from tracker.web.public import _topics, for_viewer

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ORDERS = ("date", "status")


class BadFilter(TrackerError):
    """A query-string filter the tracker does not know (a 400 page naming it)."""


@dataclass
class Page:
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def _choices(request: Request, name: str, vocabulary) -> list:
    given = [value.strip().lower() for value in request.query_params.getlist(name) if value.strip()]
    known = vocabulary._value2member_map_
    if bad := [value for value in given if value not in known]:
        raise BadFilter(f"{name}={bad[0]!r} is not a {name}; use one of: {', '.join(known)}")
    return [vocabulary(value) for value in given]


def _number(request: Request, name: str, default: int, most: int | None = None) -> int:
    raw = request.query_params.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise BadFilter(f"{name}={raw!r} is not a whole number of 1 or more")
    if most and int(raw) > most:
        raise BadFilter(f"{name}={raw} is too many; at most {most}")
    return int(raw)


def filters_of(request: Request, *, staff: bool = False) -> CaseFilter:
    """The filters of a query string: kind, status, jurisdiction, tag, q, since (YYYY-MM-DD).
    A tag matches the staff's tags only for staff (so no one else can probe for them).

    :raises BadFilter: naming the first value that is not understood
    """
    query = request.query_params
    since = query.get("since") or None
    if since:
        try:
            since = date.fromisoformat(since)
        except ValueError:
            raise BadFilter(f"since={since!r} is not a date (YYYY-MM-DD)") from None
    return CaseFilter(kinds=_choices(request, "kind", Kind), statuses=_choices(request, "status", Status),
                      jurisdictions=[j.strip().lower() for j in query.getlist("jurisdiction") if j.strip()],
                      tag=query.get("tag") or None, search=query.get("q") or None, since=since,
                      staff_tags=staff)


def order_of(request: Request) -> str:
    order = request.query_params.get("sort") or "date"
    if order not in ORDERS:
        raise BadFilter(f"sort={order!r} is not a sort order; use date or status")
    return order


def _read(request: Request, *, size: int, dicts: bool, staff: bool):
    filters, order = filters_of(request, staff=staff), order_of(request)
    number = _number(request, "page", 1)

    def page_of_cases(session: Session):
        page = Page(number, size, count_cases(session, filters))
        cases = list_cases(session, filters, limit=size, offset=page.offset, order=order)
        if dicts:
            cases = [case if staff else public_view(case) for case in case_dicts(session, cases)]
        return cases, page, filters, order

    return read(request, page_of_cases)


def page_url(request: Request, number: int) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"] + [("page", str(number))]
    return f"{request.url.path}?{urlencode(query)}"


async def case_list(request: Request) -> Response:
    staff = await signed_in(request) is not None
    cases, page, filters, order = await _read(request, size=PAGE_SIZE, dicts=False, staff=staff)
    page_html = render(request, "cases.html", cases=cases, page=page, total=page.total, filters=filters,
                       order=order, kinds=list(Kind), statuses=list(Status), topics=_topics(request),
                       query=request.query_params,
                       previous=page_url(request, page.number - 1) if page.number > 1 else None,
                       next=page_url(request, page.number + 1) if page.number < page.last else None)
    return for_viewer(page_html, staff)


async def cases_json(request: Request) -> Response:
    """A page of cases; ``per_page`` (at most ``MAX_PAGE_SIZE``) and ``page`` choose which. The
    total is in ``X-Total-Count`` and the next page in a ``Link: <...>; rel="next"`` header."""
    size = _number(request, "per_page", PAGE_SIZE, MAX_PAGE_SIZE)
    staff = await signed_in(request) is not None
    cases, page, _, _ = await _read(request, size=size, dicts=True, staff=staff)
    headers = {"X-Total-Count": str(page.total)}
    if page.number < page.last:
        headers["Link"] = f'<{page_url(request, page.number + 1)}>; rel="next"'
    return for_viewer(JSONResponse(cases, headers=headers), staff)


async def bad_filter(request: Request, exc: BadFilter) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=400)
    return render(request, "message.html", status_code=400, title="That filter does not work",
                  message=str(exc))


async def matters_page(request: Request) -> Response:
    return render(request, "matters.html", matters=await read(request, list_matters))


async def matter_page(request: Request) -> Response:
    def matter_and_people(session: Session):
        view = matter_view(session, request.path_params["key"])
        return view, people_of(session, [member.case.id for member in view.members])

    view, people = await read(request, matter_and_people)
    # Who carried the same text where: each bill's sponsors beside the others'.
    bills = [m.case for m in view.members if m.case.kind in (Kind.STATE_BILL, Kind.FEDERAL_BILL)]
    sponsors = [(case, [m for m in people.get(case.id, []) if m.role in ROLE_GROUPS["sponsor"]])
                for case in bills]
    return render(request, "matter.html", view=view, events=list(reversed(view.timeline)),
                  sponsors=sponsors if any(names for _, names in sponsors) else [])
