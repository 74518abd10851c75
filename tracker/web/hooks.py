"""``POST /hooks/courtlistener/{secret}``: CourtListener's docket alerts, spooled then stored.

A wrong secret, or none configured, is a 404 (the path does not exist for anyone else); a body
that is no docket alert, or has no ``Idempotency-Key``, a 400. A good event is written to the
spool and answered 202 at once: storing it is the worker's (``tracker.webhooks.Drainer``), so a
slow database never makes CourtListener's one second run out.
"""

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracker.config import data_dir
from tracker.web.pages import db
from tracker.webhooks import BadEvent, Drainer, spool


def spool_folder(settings):
    return settings.webhook_spool or data_dir() / "webhooks"


def drainer_for(app) -> Drainer | None:
    """The app's worker, started with the app so events left spooled by a restart are stored."""
    settings = app.state.settings
    if settings.courtlistener_webhook_secret is None:
        return None
    drainer = Drainer(app.state.engine, settings, spool_folder(settings))
    drainer.nudge()
    return drainer


async def courtlistener(request: Request) -> Response:
    settings, drainer = request.app.state.settings, request.app.state.hooks
    expected = settings.courtlistener_webhook_secret
    given = request.path_params["secret"].encode()
    if expected is None or drainer is None or not hmac.compare_digest(
            given, expected.get_secret_value().encode()):
        return JSONResponse({"detail": "Not found."}, status_code=404)
    body = await request.body()
    try:
        await db(spool, spool_folder(settings), request.headers.get("idempotency-key", ""), body)
    except BadEvent as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)
    drainer.nudge()
    return JSONResponse({"detail": "accepted"}, status_code=202)
