"""The public pages: cases, feeds, sign-up, confirm, preferences, unsubscribe."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tracker.calendar import case_dates
from tracker.consent import WORDING, Consent
from tracker.errors import NotFoundError, TrackerError
from tracker.mailer import deliver, queue_confirmation
from tracker.models.cases import Case, Event
from tracker.models.review import Change
from tracker.models.subscribers import UNSUBSCRIBED, Subscriber
from tracker.queries import get_case, public_view, show_dict
from tracker.smtp import MailError
from tracker.subscriptions import (
    MAX_EMAIL,
    Preferences,
    SubscriptionError,
    confirm,
    subscribe,
    unsubscribe,
    update_preferences,
)
from tracker.tokens import CALENDAR, CONFIRM, PREFERENCES, UNSUBSCRIBE, BadToken
from tracker.vocab import Frequency, Kind, ReviewState, Significance
from tracker.web.pages import checked_form, db, environment, render, signed_in

logger = logging.getLogger(__name__)
FEED_SIZE = 50


def _now() -> datetime:
    return datetime.now(UTC)


def _consent(request: Request, how: str, wording: str | None = None) -> Consent:
    """How a step came from the web: the page, and the network address it came from."""
    return Consent(how, request.client.host if request.client else None, wording)


def _topics(request: Request) -> list[str]:
    """The topic tags in force: the [relevance] table's, so a topic configured there is offered."""
    return list(request.app.state.settings.relevance_settings.topics)


async def home(request: Request) -> Response:
    return RedirectResponse("/cases", status_code=303)


def case_detail(engine, key: str, *, as_dict: bool = False):
    """A case with its parties, events and staff notes (or its JSON shape, ``tracker show``'s).

    :raises NotFoundError: when there is no such case (a 404 page)
    """
    with Session(engine) as session:
        detail = get_case(session, key)
        if detail is None:
            raise NotFoundError(f"There is no case {key}.")
        return show_dict(session, detail) if as_dict else detail


def for_viewer(response: Response, staff: bool) -> Response:
    """A page or JSON that shows staff-only data to signed-in staff is never kept by a shared
    cache (to be handed to the next person asking)."""
    if staff:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Cookie"
    return response


async def case_page(request: Request) -> Response:
    staff = await signed_in(request) is not None
    case = await db(case_detail, request.app.state.engine, request.path_params["key"], as_dict=True)
    shown = case if staff else public_view(case)
    dates = await db(_case_dates, request.app.state.engine, request.path_params["key"])
    return for_viewer(render(request, "case.html", case=shown, staff_view=staff,
                             events=list(reversed(case["events"])), dates=dates, today=_now().date()),
                      staff)


def _case_dates(engine, key: str) -> list:
    """The case's dates ahead and past, vacated ones marked (``tracker.calendar``)."""
    with Session(engine) as session:
        return case_dates(session, session.execute(select(Case.id).where(Case.key == key)).scalar_one())


async def case_json(request: Request) -> Response:
    """The case's JSON: ``tracker show --json``'s shape; without the staff-only fields (stance,
    staff tags, internal notes, who wrote a note) unless staff are signed in."""
    staff = await signed_in(request) is not None
    case = await db(case_detail, request.app.state.engine, request.path_params["key"], as_dict=True)
    return for_viewer(JSONResponse(case if staff else public_view(case)), staff)


def _feed(request: Request, title: str, path: str, *, case_key: str | None = None,
          topic: str | None = None, case_ids: list[int] | None = None) -> Response:
    """An Atom feed of the approved changes, the latest first (of one case, one topic, or the
    cases in ``case_ids``: a person's)."""
    with Session(request.app.state.engine) as session:
        query = (select(Change, Case, Event).join(Case, col(Case.id) == Change.case_id)
                 .outerjoin(Event, col(Event.id) == Change.event_id)
                 .where(Change.review_state == ReviewState.APPROVED)
                 .order_by(col(Change.approval_seq).desc()))
        if case_key:
            query = query.where(Case.key == case_key)
        if case_ids is not None:
            query = query.where(col(Case.id).in_(case_ids or [-1]))
        rows = session.execute(query.limit(FEED_SIZE * (4 if topic else 1))).all()
    if topic:
        rows = [row for row in rows if topic in row[1].tags][:FEED_SIZE]
    base = request.app.state.settings.base_url.rstrip("/")
    body = environment().get_template("feed.atom").render(
        title=title, base=base, path=path, rows=rows, updated=rows[0][0].reviewed_at if rows else _now())
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def feed_all(request: Request) -> Response:
    return await db(_feed, request, "AI copyright: approved changes", "/feeds/changes.atom")


async def feed_case(request: Request) -> Response:
    key = request.path_params["key"]
    return await db(_feed, request, f"AI copyright: {key}", f"/feeds/cases/{key}.atom", case_key=key)


async def feed_topic(request: Request) -> Response:
    topic = request.path_params["topic"]
    return await db(_feed, request, f"AI copyright: {topic}", f"/feeds/topics/{topic}.atom", topic=topic)


def _preferences(form, topics: list[str]) -> Preferences:
    """:raises SubscriptionError: for a frequency the tracker does not offer"""
    frequency = str(form.get("frequency") or Frequency.WEEKLY)
    if frequency not in Frequency._value2member_map_:
        raise SubscriptionError(f"choose how often: {', '.join(f.value for f in Frequency)}")
    return Preferences(
        name=str(form.get("name") or "").strip() or None,
        frequency=Frequency(frequency),
        kinds=[Kind(k) for k in form.getlist("kind") if k in Kind._value2member_map_],
        jurisdictions=list(str(form.get("jurisdictions") or "").replace(",", " ").split()),
        topics=[t for t in form.getlist("topic") if t in topics],
        min_significance=Significance.MAJOR if form.get("major_only") else None)


SIGN_UPS_PER_ADDRESS = 3  # confirmation mails to one address...
SIGN_UPS_PER_CLIENT = 10  # ...and sign-ups from one client...
SIGN_UP_WINDOW = timedelta(hours=1)  # ...an hour


def _sign_ups_exceeded(request: Request, email: str) -> bool:
    """Count this sign-up against the client and the address (a form cannot mail-bomb anyone)."""
    counters, now = request.app.state.counters, _now()
    client = request.client.host if request.client else "?"
    by_client = counters.hit(f"subscribe-client:{client}", window=SIGN_UP_WINDOW, now=now)
    by_address = counters.hit(f"subscribe-address:{email.strip().lower()[:MAX_EMAIL]}",
                              window=SIGN_UP_WINDOW, now=now)
    return by_client > SIGN_UPS_PER_CLIENT or by_address > SIGN_UPS_PER_ADDRESS


async def subscribe_page(request: Request) -> Response:
    context = {"kinds": list(Kind), "topics": _topics(request), "frequencies": list(Frequency),
               "wording": WORDING}
    if request.method == "GET":
        return render(request, "subscribe.html", **context)
    form = await checked_form(request)
    settings, engine = request.app.state.settings, request.app.state.engine
    if await db(_sign_ups_exceeded, request, str(form.get("email", ""))):
        return render(request, "subscribe.html", status_code=429, email=form.get("email", ""),
                      error="Too many sign-ups from here or for this address. Try again in an hour.",
                      **context)
    try:
        preferences = _preferences(form, context["topics"])
        subscriber, needs = await db(subscribe, engine, str(form.get("email", "")), preferences,
                                     now=_now(), from_stranger=True,
                                     consent=_consent(request, "web form", WORDING),
                                     suppression_key=request.app.state.suppression_key)
    except (TrackerError, ValueError) as exc:  # a bad address or choice: say so on the form
        return render(request, "subscribe.html", status_code=400, error=str(exc),
                      email=form.get("email", ""), **context)
    if needs:
        queued = await db(queue_confirmation, engine, settings, subscriber, now=_now())
        try:  # this sign-up's confirmation alone: the rest of the outbox is the scheduler's
            if queued is not None:
                await db(deliver, engine, settings, clock=_now, only=queued)
        except MailError as exc:  # it waits in the outbox; the scheduler's next send takes it
            logger.warning("the confirmation to %s waits: %s", subscriber.email, exc)
    return render(request, "message.html", title="Check your inbox",
                  message=f"We sent a confirmation link to {subscriber.email}. "
                          "Nothing more is sent until you confirm.")


def _subscriber(request: Request, purpose: str) -> Subscriber:
    subscriber_id = request.app.state.tokens.read(purpose, request.path_params["token"])
    with Session(request.app.state.engine) as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None:
            raise NotFoundError("This subscription no longer exists.")
        return subscriber


async def confirm_page(request: Request) -> Response:
    """GET shows a button (mail scanners fetch links); only the POST confirms."""
    subscriber = await db(_subscriber, request, CONFIRM)
    _, version = request.app.state.tokens.read_versioned(CONFIRM, request.path_params["token"])
    if version != subscriber.token_version:
        raise BadToken("this confirmation link is out of date; sign up again for a new one")
    if request.method == "GET":
        return render(request, "confirm.html", subscriber=subscriber)
    await db(confirm, request.app.state.engine, subscriber.id, now=_now(), version=version,
             consent=_consent(request, "confirmation link"))
    preferences = request.app.state.tokens.make(PREFERENCES, subscriber.id)
    return render(request, "message.html", title="Subscribed",
                  message=f"{subscriber.email} is confirmed. The first digest comes when there is news.",
                  link=(f"/preferences/{preferences}", "Choose what you get"))


async def preferences_page(request: Request) -> Response:
    subscriber = await db(_subscriber, request, PREFERENCES)
    context = {"subscriber": subscriber, "kinds": list(Kind), "topics": _topics(request),
               "frequencies": list(Frequency),
               "unsubscribe": request.app.state.tokens.make(UNSUBSCRIBE, subscriber.id),
               "calendar": request.app.state.tokens.make(CALENDAR, subscriber.id),
               "token": request.path_params["token"]}
    if request.method == "GET":
        return render(request, "preferences.html", **context)
    form = await checked_form(request)
    try:
        preferences = _preferences(form, context["topics"])
        preferences.follows = subscriber.follows
        context["subscriber"] = await db(update_preferences, request.app.state.engine, subscriber.id,
                                         preferences, now=_now(),
                                         consent=_consent(request, "preferences page"))
    except TrackerError as exc:  # a choice the form does not offer: say so on the form
        return render(request, "preferences.html", status_code=400, error=str(exc), **context)
    return render(request, "preferences.html", saved=True, **context)


async def unsubscribe_page(request: Request) -> Response:
    """GET asks (link scanners prefetch); POST unsubscribes, from our button or from a mail
    client's RFC 8058 one-click POST (``List-Unsubscribe=One-Click``)."""
    subscriber = await db(_subscriber, request, UNSUBSCRIBE)
    if request.method == "GET":
        return render(request, "unsubscribe.html", subscriber=subscriber,
                      done=subscriber.state == UNSUBSCRIBED)
    await db(unsubscribe, request.app.state.engine, subscriber.id, now=_now(),
             consent=_consent(request, "unsubscribe link"))
    return render(request, "message.html", title="Unsubscribed",
                  message=f"{subscriber.email} will get nothing more from us.")



async def my_data(request: Request) -> Response:
    """Everything held about the subscriber the preferences link names, as a JSON download."""
    from tracker.rights import export

    subscriber = await db(_subscriber, request, PREFERENCES)
    data = await db(export, request.app.state.engine, subscriber.email)
    return JSONResponse(data, headers={
        "Content-Disposition": 'attachment; filename="ai-copyright-tracker-my-data.json"',
        "Cache-Control": "no-store"})
