"""The web app: public sign-up, confirm, preferences and unsubscribe pages, the cases and their
feeds, and the staff's review pages behind a login.

A small Starlette app built by ``create_app(settings)``. It reads and writes through the same
functions as the CLI (``tracker.queries``, ``tracker.review``, ``tracker.subscriptions``), with
Jinja2 pages from ``templates/web`` that autoescape everything. No page needs JavaScript.

Security: links in mails carry signed tokens (``tracker.tokens``); a forged or altered one gets a
400 page. A GET never changes anything (mail scanners fetch links): confirming and unsubscribing
are POSTs, and the RFC 8058 one-click POST is answered at the unsubscribe link itself. Every form
of ours carries a CSRF token tied to the session; staff pages need a login (Argon2 hashes,
a signed session cookie checked against the account's session version on every request and
good for 12 hours at most, attempts limited per account and per address in a table every worker
shares (or in Redis, ``redis_url``), two password checks at a time).
"""

import asyncio

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

from tracker.config import Settings, load_settings
from tracker.consent import SUPPRESSION_KEYS
from tracker.db import open_store
from tracker.limits import counters
from tracker.staff import prepare
from tracker.tokens import CSRF, SESSIONS, Tokens, derive_key, secret_key
from tracker.web import browse, calendar, hooks, pages, people, pictures, public, staff


def create_app(settings: Settings) -> Starlette:
    key = secret_key(settings)
    routes = [
        Route("/", public.home),
        Route("/cases", browse.case_list),
        Route("/cases/{key}", public.case_page),
        Route("/api/cases", browse.cases_json),
        Route("/matters", browse.matters_page),
        Route("/matters/{key}", browse.matter_page),
        Route("/api/cases/{key}", public.case_json),
        Route("/feeds/changes.atom", public.feed_all),
        Route("/feeds/cases/{key}.atom", public.feed_case),
        Route("/feeds/topics/{topic}.atom", public.feed_topic),
        Route("/subscribe", public.subscribe_page, methods=["GET", "POST"]),
        Route("/confirm/{token}", public.confirm_page, methods=["GET", "POST"]),
        Route("/preferences/{token}", public.preferences_page, methods=["GET", "POST"]),
        Route("/preferences/{token}/my-data.json", public.my_data),
        Route("/unsubscribe/{token}", public.unsubscribe_page, methods=["GET", "POST"]),
        Route("/staff/login", staff.login, methods=["GET", "POST"]),
        Route("/staff/logout", staff.logout, methods=["POST"]),
        Route("/staff/review", staff.review_queue),
        Route("/staff/review/{change_id:int}", staff.decide, methods=["POST"]),
        Route("/staff/cases/{key}", staff.case_staff, methods=["GET", "POST"]),
        Route("/staff/sources", staff.sources_page),
        Route("/hooks/courtlistener/{secret}", hooks.courtlistener, methods=["POST"]),
        *pictures.ROUTES,
        *calendar.ROUTES,
        *people.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(pages.SecurityHeaders),
            Middleware(pages.BodyLimit),
            Middleware(SessionMiddleware, secret_key=derive_key(key, SESSIONS),
                       session_cookie="tracker_session", same_site="lax",
                       https_only=settings.base_url.startswith("https:"), max_age=12 * 3600)],
        exception_handlers={**pages.EXCEPTION_HANDLERS, browse.BadFilter: browse.bad_filter})
    app.state.settings = settings
    app.state.engine = open_store(settings.database_url)
    app.state.tokens = Tokens(key)
    app.state.suppression_key = derive_key(key, SUPPRESSION_KEYS)
    app.state.counters = counters(settings.redis_url, app.state.engine, app.state.suppression_key)
    app.state.csrf_key = derive_key(key, CSRF).encode()
    app.state.password_checks = asyncio.Semaphore(staff.PASSWORD_CHECKS)
    app.state.hooks = hooks.drainer_for(app)
    prepare()  # the dummy hash unknown names are checked against, made once
    return app


def app_from_settings() -> Starlette:
    """The app from the environment's settings: what each of ``tracker web --workers N`` runs."""
    return create_app(load_settings())
