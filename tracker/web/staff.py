"""The staff pages: log in, the review queue, a case's notes, tags and stance, source health."""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracker.errors import NotFoundError, TrackerError
from tracker.review import add_note, approve, edit, pending, reject, set_stance, set_tags
from tracker.runs import source_health
from tracker.staff import ADMIN, check_password, end_sessions
from tracker.vocab import Priority, Stance
from tracker.web.pages import checked_form, db, read, render, signed_in
from tracker.web.public import case_detail

LOGIN_ATTEMPTS = 5  # attempts per account...
ADDRESS_ATTEMPTS = 20  # ...and per client address (an office shares one)...
LOGIN_WINDOW = timedelta(minutes=15)  # ...per quarter hour
PASSWORD_CHECKS = 2  # Argon2 checks at once (each takes 64 MiB and a CPU for a while)


def _now() -> datetime:
    return datetime.now(UTC)


def _login_first(request: Request) -> Response:
    return RedirectResponse(f"/staff/login?next={quote(request.url.path)}", status_code=303)


def _too_many(request: Request, name: str) -> bool:
    """Count this attempt, before any password is hashed, against the address and the account."""
    counters, now = request.app.state.counters, _now()
    address = request.client.host if request.client else "?"
    by_address = counters.hit(f"login-address:{address}", window=LOGIN_WINDOW, now=now)
    by_account = counters.hit(f"login-account:{name.strip().lower()[:100]}", window=LOGIN_WINDOW, now=now)
    return by_address > ADDRESS_ATTEMPTS or by_account > LOGIN_ATTEMPTS


async def login(request: Request) -> Response:
    wanted = request.query_params.get("next") or "/staff/review"
    if not wanted.startswith("/") or wanted.startswith("//"):
        wanted = "/staff/review"  # never send a person off-site after logging in
    if request.method == "GET":
        return render(request, "login.html", next=wanted)
    form = await checked_form(request)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    if await db(_too_many, request, name):
        return render(request, "login.html", status_code=429, next=wanted,
                      error="Too many attempts. Wait a quarter of an hour and try again.")
    async with request.app.state.password_checks:
        login = await db(check_password, request.app.state.engine, name, password)
    if login is None:
        return render(request, "login.html", status_code=401, next=wanted,
                      error="That name and password do not match.")
    request.session.clear()  # a fresh session (and CSRF token) for the logged-in person
    request.session.update(staff=login.name, version=login.session_version, at=int(time.time()))
    return RedirectResponse(wanted, status_code=303)


async def logout(request: Request) -> Response:
    """Log out everywhere: the account's session version moves on, so a copy of this cookie (or
    another browser's) no longer works either."""
    await checked_form(request)
    if login := await signed_in(request):
        await db(end_sessions, request.app.state.engine, login.name)
    request.session.clear()
    return RedirectResponse("/cases", status_code=303)


async def review_queue(request: Request) -> Response:
    if not await signed_in(request):
        return _login_first(request)

    return render(request, "review.html", groups=await read(request, pending), priorities=list(Priority),
                  notice=request.query_params.get("done"))


async def decide(request: Request) -> Response:
    login = await signed_in(request)
    if not login:
        return _login_first(request)
    name = login.name
    form = await checked_form(request)
    change_id = request.path_params["change_id"]
    engine, action = request.app.state.engine, form.get("action")
    text = {k: (str(form.get(k) or "").strip() or None) for k in ("note", "headline", "reason")}
    priority = Priority(form["priority"]) if form.get("priority") in Priority._value2member_map_ else None
    try:
        if action == "approve":
            await db(approve, engine, [change_id], by=name, now=_now(), note=text["note"],
                     headline=text["headline"], priority=priority)
        elif action == "reject":
            await db(reject, engine, [change_id], by=name, now=_now(), reason=text["reason"])
        elif action == "edit":
            await db(edit, engine, change_id, by=name, now=_now(), note=text["note"],
                     headline=text["headline"], priority=priority)
        else:
            raise HTTPException(400, "Choose approve, reject or edit.")
    except (TrackerError, NotFoundError) as exc:
        return render(request, "message.html", status_code=409, title="Not done", message=str(exc),
                      link=("/staff/review", "Back to the review queue"))
    done = {"approve": "approved", "reject": "rejected", "edit": "edited"}[action]
    return RedirectResponse(f"/staff/review?done={quote(f'#{change_id} {done}')}", status_code=303)


async def case_staff(request: Request) -> Response:
    login = await signed_in(request)
    if not login:
        return _login_first(request)
    name = login.name
    key = request.path_params["key"]
    engine = request.app.state.engine
    if request.method == "POST":
        form = await checked_form(request)
        action, value = form.get("action"), str(form.get("value") or "").strip()
        if action == "note":
            await db(add_note, engine, key, value, by=name, now=_now(), public=bool(form.get("public")))
        elif action == "tag":
            await db(set_tags, engine, key, [value], [], by=name, now=_now())
        elif action == "untag":
            await db(set_tags, engine, key, [], [value], by=name, now=_now())
        elif action == "stance" and value in Stance._value2member_map_:
            await db(set_stance, engine, key, Stance(value), by=name, now=_now())
        else:
            raise HTTPException(400, "Choose a note, a tag or a stance.")
        return RedirectResponse(f"/staff/cases/{key}", status_code=303)

    detail = await db(case_detail, engine, key)
    return render(request, "case_staff.html", case=detail.case, staff=detail.staff, stances=list(Stance))


async def sources_page(request: Request) -> Response:
    login = await signed_in(request)
    if not login:
        return _login_first(request)
    if login.role != ADMIN:
        raise HTTPException(403, "This page is for admins; ask one to show you.")
    from tracker.crawl import available_sources

    settings = request.app.state.settings
    health = await db(source_health, request.app.state.engine, available_sources(), now=_now(),
                      intervals=settings.crawl_intervals, stale_after=settings.stale_after,
                      stale_runs=settings.stale_runs)
    return render(request, "sources.html", health=health)
