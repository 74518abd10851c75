"""What every page shares: rendering, the CSRF token, errors as pages, the database off the loop."""

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tracker.config import templates_dir
from tracker.errors import NotFoundError, TrackerError
from tracker.queries import link_said, status_label
from tracker.records import safe_url
from tracker.staff import Login, current_login
from tracker.tokens import BadToken
from tracker.vocab import Kind

MAX_BODY = 64 * 1024  # bytes of a request body
MAX_FIELD = 10_000  # characters of one form field (a staff note is the longest)
MAX_FIELDS = 100  # fields in one form
SESSION_HOURS = 12  # a login lasts this long, however busy: then log in again


class BodyLimit:
    """ASGI middleware: a request body over ``MAX_BODY`` is refused (413) before anything parses
    it, whether it says its length up front or not."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY or (declared.isdigit() and int(declared) > MAX_BODY):
                raise HTTPException(413, "That is more than this form takes.")
            return message

        return await self.app(scope, limited, send)


# No script runs on any page (there is none); styles are the one inline sheet of base.html.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'none'; style-src 'self' "
     b"'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
     b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware: every response says what the browser may run, frame and send on."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        return await self.app(scope, receive, with_headers)


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(templates_dir() / "web"),
                      autoescape=select_autoescape(["html", "xml", "atom"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["status"] = lambda value: status_label(value) or "—"
    env.filters["safe_url"] = safe_url
    env.filters["kind"] = lambda value: Kind(value).label if value in Kind._value2member_map_ else value
    env.filters["said"] = link_said
    return env


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(request=request, staff_name=request.session.get("staff"),
                   csrf=csrf_token(request))
    return HTMLResponse(environment().get_template(name).render(**context), status_code=status_code)


def csrf_token(request: Request) -> str:
    """The form token: the session's random nonce signed with the CSRF key (its own key, so
    neither a session key nor a mail-link key can make one)."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return _signed_nonce(request, request.session["csrf"])


def _signed_nonce(request: Request, nonce: str) -> str:
    return hmac.new(request.app.state.csrf_key, nonce.encode(), hashlib.sha256).hexdigest()


async def checked_form(request: Request):
    """The POSTed form, once its CSRF token matches the session's.

    :raises HTTPException: 403 when it does not; 413 when a field is too long
    """
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    if any(isinstance(value, str) and len(value) > MAX_FIELD for _, value in form.multi_items()):
        raise HTTPException(413, f"A field is longer than the {MAX_FIELD} characters it may have.")
    nonce = request.session.get("csrf")
    given = str(form.get("csrf", ""))
    if not nonce or not hmac.compare_digest(_signed_nonce(request, nonce), given):
        raise HTTPException(403, "This form has expired or did not come from this site. "
                                 "Go back, reload the page and try again.")
    return form


async def db(function, *args, **kwargs):
    """Run a blocking store function in a worker thread."""
    return await run_in_threadpool(function, *args, **kwargs)


Read = TypeVar("Read")


async def read(request: Request, query: Callable[[Session], Read]) -> Read:
    """``query(session)`` on a session of the app's store, in a worker thread."""
    def run() -> Read:
        with Session(request.app.state.engine) as session:
            return query(session)

    return await db(run)


async def signed_in(request: Request) -> Login | None:
    """The logged-in staff member, checked on every request: the account still exists, its
    session version is the cookie's (no logout, new password or removal since), and the login
    is less than ``SESSION_HOURS`` old. The staff pages need one; the public pages show staff-only
    data only to one."""
    name, version, at = (request.session.get(k) for k in ("staff", "version", "at"))
    if not (isinstance(name, str) and isinstance(version, int) and isinstance(at, (int, float))):
        return None
    if not 0 <= time.time() - at < SESSION_HOURS * 3600:
        request.session.clear()
        return None
    login = await db(current_login, request.app.state.engine, name, version)
    if login is None:
        request.session.clear()
    return login


def _page(status: int, title: str, message: str):
    async def handler(request: Request, exc: Exception) -> HTMLResponse:
        detail = getattr(exc, "detail", None) or str(exc) or message
        return render(request, "message.html", status_code=getattr(exc, "status_code", status),
                      title=title, message=detail)
    return handler


EXCEPTION_HANDLERS = {
    BadToken: _page(400, "This link does not work", "This link is not valid."),
    NotFoundError: _page(404, "Not found", "There is nothing here."),
    TrackerError: _page(400, "That did not work", "Something in the request was not right."),
    HTTPException: _page(400, "That did not work", "Something in the request was not right."),
}
