"""What is coming and what was decided, on the web: ``/calendar`` and its iCalendar feeds (all,
a case's, a matter's, a topic's, a subscriber's own behind a secret link), ``/rulings``, and
their JSON under ``/api``. The filters are the CLI's, read from the query string; a bad one is
a 400 that names it."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tracker.calendar import CalendarFilter, date_to_dict, list_dates
from tracker.coming import dates_for
from tracker.errors import NotFoundError
from tracker.ics import MEDIA_TYPE, calendar_feed
from tracker.models.subscribers import ACTIVE, Subscriber
from tracker.rulings import RulingFilter, describe, list_rulings, ruling_to_dict
from tracker.tokens import CALENDAR
from tracker.vocab import Claim, DateKind, Disposition, FairUse
from tracker.web.browse import BadFilter, _choices, _number
from tracker.web.pages import read, render

DEFAULT_DAYS, MAX_DAYS = 60, 3660
FEED_PAST = timedelta(days=365)  # the past a feed keeps: a calendar shows what was, too
DISPOSITIONS = {"granted": Disposition.GRANTED, "denied": Disposition.DENIED,
                "in-part": Disposition.GRANTED_IN_PART, "granted-in-part": Disposition.GRANTED_IN_PART}


def _today() -> date:
    return datetime.now(UTC).date()


def _text(request: Request, name: str) -> str | None:
    return (request.query_params.get(name) or "").strip() or None


def _day(request: Request, name: str) -> date | None:
    given = _text(request, name)
    try:
        return date.fromisoformat(given) if given else None
    except ValueError:
        raise BadFilter(f"{name}={given!r} is not a date (YYYY-MM-DD)") from None


def calendar_filters(request: Request) -> CalendarFilter:
    """``from`` (a day, today by default), ``days``, ``kind`` (repeatable), ``matter``, ``case``,
    ``tag``, ``vacated``."""
    start = _day(request, "from") or _today()
    days = _number(request, "days", DEFAULT_DAYS, MAX_DAYS)
    return CalendarFilter(start=start, end=start + timedelta(days=days),
                          kinds=_choices(request, "kind", DateKind), matter_key=_text(request, "matter"),
                          case_key=_text(request, "case"), tag=_text(request, "tag"),
                          vacated=request.query_params.get("vacated") in ("1", "on", "yes"))


def _dates(request: Request, filters: CalendarFilter):
    return read(request, lambda session: list_dates(session, filters))


async def calendar_page(request: Request) -> Response:
    filters = calendar_filters(request)
    rows = await _dates(request, filters)
    days: dict[date, list] = {}
    for when, case in rows:
        days.setdefault(when.day, []).append((when, case))
    feed = "/calendar.ics" + (f"?{request.url.query}" if request.url.query else "")
    return render(request, "calendar.html", days=days, filters=filters, kinds=list(DateKind),
                  labels={kind.value: kind.label for kind in DateKind},
                  span=(filters.end - filters.start).days, feed=feed, total=len(rows))


async def calendar_json(request: Request) -> Response:
    rows = await _dates(request, calendar_filters(request))
    return JSONResponse([date_to_dict(when, case) for when, case in rows])


def _feed(request: Request, rows, name: str) -> Response:
    body = calendar_feed(rows, name=name, base_url=request.app.state.settings.base_url)
    return Response(body, media_type=MEDIA_TYPE)


def _feed_filters(request: Request, *, history: bool = False, **chosen) -> CalendarFilter:
    """A feed's dates, vacated ones too (as cancelled): everything ahead, and the past year, or
    with ``history`` (one case's or matter's feed) every date since the docket began."""
    return CalendarFilter(start=None if history else _today() - FEED_PAST,
                          kinds=_choices(request, "kind", DateKind), vacated=True, **chosen)


async def feed_all(request: Request) -> Response:
    tag = _text(request, "tag")
    rows = await _dates(request, _feed_filters(request, tag=tag))
    return _feed(request, rows, f"AI copyright: {tag}" if tag else "AI copyright: dates ahead")


async def feed_case(request: Request) -> Response:
    key = request.path_params["key"]
    rows = await _dates(request, _feed_filters(request, case_key=key, history=True))
    return _feed(request, rows, f"AI copyright: {key}")


async def feed_matter(request: Request) -> Response:
    key = request.path_params["key"]
    rows = await _dates(request, _feed_filters(request, matter_key=key, history=True))
    return _feed(request, rows, f"AI copyright: {key}")


async def feed_topic(request: Request) -> Response:
    topic = request.path_params["topic"]
    return _feed(request, await _dates(request, _feed_filters(request, tag=topic)), f"AI copyright: {topic}")


async def feed_subscriber(request: Request) -> Response:
    """The dates a subscriber's filters and follows select, at a link only they are sent."""
    subscriber_id = request.app.state.tokens.read(CALENDAR, request.path_params["token"])
    filters = _feed_filters(request)

    def their_dates(session: Session):
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.state != ACTIVE:
            raise NotFoundError("This subscription no longer exists.")
        return dates_for(session, subscriber, filters)

    return _feed(request, await read(request, their_dates), "AI copyright: your dates")


def ruling_filters(request: Request) -> RulingFilter:
    """``fair_use``, ``disposition``, ``claim`` (each repeatable), ``tag``, ``since``, ``case``."""
    given = [v.strip().lower() for v in request.query_params.getlist("disposition") if v.strip()]
    if bad := [v for v in given if v not in DISPOSITIONS]:
        raise BadFilter(f"disposition={bad[0]!r} is not a disposition; use granted, denied or in-part")
    return RulingFilter(fair_use=_choices(request, "fair_use", FairUse),
                        disposition=[DISPOSITIONS[v] for v in given],
                        claims=_choices(request, "claim", Claim),
                        tag=_text(request, "tag"), since=_day(request, "since"),
                        case_key=_text(request, "case"))


def _rulings(request: Request, filters: RulingFilter):
    return read(request, lambda session: list_rulings(session, filters))


async def rulings_page(request: Request) -> Response:
    filters = ruling_filters(request)
    views = await _rulings(request, filters)
    return render(request, "rulings.html", views=[(v, describe(v)) for v in views], filters=filters,
                  fair_uses=list(FairUse), claims=list(Claim), query=request.query_params)


async def rulings_json(request: Request) -> Response:
    return JSONResponse([ruling_to_dict(v) for v in await _rulings(request, ruling_filters(request))])


ROUTES = [Route("/calendar", calendar_page), Route("/calendar.ics", feed_all),
          Route("/api/calendar", calendar_json),
          Route("/calendar/cases/{key}.ics", feed_case), Route("/calendar/matters/{key}.ics", feed_matter),
          Route("/calendar/topics/{topic}.ics", feed_topic),
          Route("/calendar/subscribers/{token}.ics", feed_subscriber),
          Route("/rulings", rulings_page), Route("/api/rulings", rulings_json)]
