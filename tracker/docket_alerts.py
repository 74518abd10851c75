"""CourtListener docket alerts for the watched dockets, within the account's alert quota.

A docket alert makes CourtListener push a docket's new entries to the tracker's webhook
(``tracker.webhooks``) within minutes, instead of waiting for the next refresh. An account may
hold only so many: CourtListener's ``MAX_FREE_DOCKET_ALERTS`` is 5 for a free account (members
and some domains get more), counted over every docket the account subscribes to, whoever made
the alert. The setting ``courtlistener_docket_alerts`` says how many this account may hold.

The account's alerts are listed first (``GET /api/rest/v4/docket-alerts/``, every page), so
running twice creates nothing twice. An alert of type 0 is an *unsubscription* (the account
holder told @recap.email's auto-subscribe to leave that docket alone): it is their choice and
is left as it is. Then the watched dockets without an alert get one (``POST {"docket": ID}``),
most important first: the curated watchlist's, then the open cases, then the latest to move,
until the quota is used. What is not covered is said, with why; the hourly refresh still polls
every docket, alerted or not.
"""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session

from tracker.errors import TrackerError
from tracker.models.cases import Case
from tracker.redact import redact
from tracker.status import LAWSUIT_DISPOSED
from tracker.vocab import Kind

ALERTS_PATH = "/api/rest/v4/docket-alerts/"
UNSUBSCRIPTION, SUBSCRIPTION = 0, 1  # DocketAlert.alert_type
# What became of each watched docket.
ALREADY, CREATED, WOULD_CREATE = "already", "created", "would_create"
QUOTA, UNSUBSCRIBED, REFUSED, NOT_TRIED = "quota", "unsubscribed", "refused", "not_tried"
COVERED = {ALREADY, CREATED, WOULD_CREATE}
DISPOSED = {status.value for status in LAWSUIT_DISPOSED}


class CourtListenerError(TrackerError):
    """CourtListener could not be asked, or answered with an error."""

    exit_code = 1


class TokenRefused(CourtListenerError):
    """CourtListener refused the token (401, 403): a setting to fix."""

    exit_code = 2


class Refused(Exception):  # noqa: N818 - an answer about one docket, not a failure of the run
    """CourtListener would not make an alert for this docket (a 400 or 404, with its reason)."""


@dataclass
class Docket:
    courtlistener_id: int
    key: str
    title: str


@dataclass
class Coverage:
    docket: Docket
    outcome: str
    reason: str = ""


@dataclass
class AlertsReport:
    quota: int
    in_use: int  # subscriptions the account holds after this run (would hold, on a dry run)
    elsewhere: int  # ...of which on dockets the tracker does not watch
    rows: list[Coverage] = field(default_factory=list)
    error: CourtListenerError | None = None  # what stopped the run before every docket was tried

    def count(self, *outcomes: str) -> int:
        return sum(1 for row in self.rows if row.outcome in outcomes)


class DocketAlertsClient:
    """The docket-alerts endpoint of one account, a request every ``delay`` seconds."""

    def __init__(self, base_url: str, token: str, *, delay: float = 0.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.url = base_url.rstrip("/") + ALERTS_PATH
        self.token, self.delay, self.timeout, self.sleep = token, delay, timeout, sleep
        self.requests = 0

    def alerts(self) -> dict[int, int]:
        """``{docket id: alert type}`` of every alert the account holds, every page read."""
        found: dict[int, int] = {}
        url: str | None = self.url
        while url:
            page = self._ask("GET", url)
            for alert in page.get("results") or []:
                docket = str(alert.get("docket") or "").rstrip("/").rsplit("/", 1)[-1]
                if docket.isdigit():
                    found[int(docket)] = int(alert.get("alert_type", SUBSCRIPTION))
            url = page.get("next")
        return found

    def create(self, docket_id: int) -> None:
        """:raises Refused: when CourtListener refuses this docket (with its reason)"""
        self._ask("POST", self.url, {"docket": docket_id})

    def _ask(self, method: str, url: str, body: dict | None = None) -> dict:
        if self.requests and self.delay:
            self.sleep(self.delay)
        self.requests += 1
        request = urllib.request.Request(
            url, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Accept": "application/json",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            reason = _reason(exc.read())
            if exc.code in (401, 403):
                raise TokenRefused(f"CourtListener refused the token ({exc.code}: {reason}); check "
                                   "COURTLISTENER_TOKEN") from None
            if method == "POST" and exc.code in (400, 404):
                raise Refused(reason) from None
            raise CourtListenerError(f"CourtListener answered {exc.code} to {method} {redact(url)}: "
                                     f"{reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            cause = getattr(exc, "reason", None) or exc
            raise CourtListenerError(f"cannot reach CourtListener at {redact(url)}: {cause}") from None
        except ValueError:
            raise CourtListenerError(f"CourtListener's answer to {method} {redact(url)} is not "
                                     "JSON") from None


def _reason(body: bytes) -> str:
    """DRF's error body in one line: ``{"detail": "..."}`` or ``{"docket": ["..."]}``."""
    try:
        data = json.loads(body)
    except ValueError:
        return " ".join(body.decode(errors="replace").split())[:200] or "no reason given"
    if isinstance(data, dict):
        parts = [" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in data.values()]
        return "; ".join(parts)[:300]
    return str(data)[:300]


def watched_dockets(engine: Engine) -> list[Docket]:
    """The stored lawsuits with a CourtListener docket, most worth an alert first: the curated
    watchlist's, then the open ones, then the latest to move."""
    with Session(engine) as session:
        rows = session.execute(select(Case.key, Case.title, Case.identifiers, Case.on_watchlist,
                                      Case.status, Case.status_date)
                               .where(Case.kind == Kind.LAWSUIT.value)).all()
    ranked = sorted(
        (row for row in rows if str((row.identifiers or {}).get("courtlistener_id", "")).isdigit()),
        key=lambda row: (not row.on_watchlist,
                         row.status in DISPOSED,
                         -(row.status_date or date.min).toordinal(), row.key))
    dockets: dict[int, Docket] = {}
    for row in ranked:
        number = int(row.identifiers["courtlistener_id"])
        dockets.setdefault(number, Docket(number, row.key, row.title))
    return list(dockets.values())


def cover(engine: Engine, client: DocketAlertsClient, *, quota: int, dry_run: bool) -> AlertsReport:
    """Give the watched dockets alerts up to the quota (on a dry run, say which would get one).

    A docket CourtListener refuses is reported and the others go on; a failure of the API itself
    stops the run, reported in ``error``, with the dockets not tried said so (the next run picks
    them up).

    :raises CourtListenerError: when the account's alerts cannot be listed
    """
    existing = client.alerts()
    dockets = watched_dockets(engine)
    watched = {docket.courtlistener_id for docket in dockets}
    in_use = sum(1 for kind in existing.values() if kind == SUBSCRIPTION)
    report = AlertsReport(quota, in_use, sum(1 for number, kind in existing.items()
                                             if kind == SUBSCRIPTION and number not in watched))
    for docket in dockets:
        kind = existing.get(docket.courtlistener_id)
        if kind == SUBSCRIPTION:
            report.rows.append(Coverage(docket, ALREADY))
        elif kind is not None:
            report.rows.append(Coverage(docket, UNSUBSCRIBED, "unsubscribed in CourtListener"))
        elif report.error:
            report.rows.append(Coverage(docket, NOT_TRIED, "not tried: the run stopped"))
        elif report.in_use >= quota:
            report.rows.append(Coverage(docket, QUOTA, f"the quota: {report.in_use} of {quota} in use"))
        elif dry_run:
            report.rows.append(Coverage(docket, WOULD_CREATE))
            report.in_use += 1
        else:
            try:
                client.create(docket.courtlistener_id)
            except Refused as refused:
                report.rows.append(Coverage(docket, REFUSED, f"refused: {refused}"))
                continue
            except CourtListenerError as exc:
                report.error = exc
                report.rows.append(Coverage(docket, NOT_TRIED, "the run stopped here (the error below)"))
                continue
            report.rows.append(Coverage(docket, CREATED))
            report.in_use += 1
    return report
