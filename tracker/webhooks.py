"""CourtListener's docket-alert webhooks: new docket entries pushed for the watched dockets.

CourtListener wants a 2xx within a second, retries a failed delivery for about 54 hours and
then disables the webhook. So the receiver (``tracker.web.hooks``) only spools the event, one
file per idempotency key written whole (a temporary file renamed into place), and answers; the
spool is then stored in a worker thread, however slow the store is, through the same intake as a
crawl. A spooled event survives a restart (the next delivery, or ``drain``, stores it), and an
event already stored, by its ``Idempotency-Key``, is dropped: a retry stores nothing twice.

An event (``webhook.event_type`` 1) carries ``payload.results``: docket entries whose ``docket``
is the CourtListener id of a docket the tracker stores (alerts are made for watched dockets). An
entry for a docket it does not know is counted and left: the next crawl finds the docket.
"""

import json
import logging
import os
import re
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from tracker.config import Settings
from tracker.db import write_session
from tracker.docket_text import clean_text
from tracker.intake import intake
from tracker.models.cases import Case
from tracker.models.runs import WebhookDelivery
from tracker.records import CaseRecord, EventRecord
from tracker.vocab import Kind

logger = logging.getLogger(__name__)

DOCKET_ALERT = 1  # webhook.event_type of a docket alert
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # a UUID as CourtListener sends it


class BadEvent(ValueError):
    """An event the receiver refuses (400): not JSON, not a docket alert, no idempotency key."""


def spool(folder: Path, key: str, body: bytes) -> None:
    """Keep one delivery on disk, whole or not at all, before it is answered.

    :raises BadEvent: for a key that is not a UUID-like token, or a body that is no docket alert
    """
    if not IDEMPOTENCY_KEY.match(key or ""):
        raise BadEvent("an Idempotency-Key header is required")
    try:
        event = json.loads(body)
    except ValueError:
        raise BadEvent("the body is not JSON") from None
    if not isinstance(event, dict) or (event.get("webhook") or {}).get("event_type") != DOCKET_ALERT:
        raise BadEvent("not a docket-alert event (event_type 1)")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=folder, suffix=".part", delete=False) as part:
        part.write(body)
        part.flush()
        os.fsync(part.fileno())
    os.replace(part.name, folder / f"{key}.json")


def records(engine: Engine, event: dict) -> tuple[list[CaseRecord], int]:
    """The event's entries as records of the stored dockets they belong to, and how many entries
    named a docket the tracker does not store."""
    with Session(engine) as session:
        dockets = {str(ids.get("courtlistener_id")): (key, jurisdiction, title, ids)
                   for key, jurisdiction, title, ids in session.execute(
                       select(Case.key, Case.jurisdiction, Case.title, Case.identifiers)
                       .where(Case.kind == Kind.LAWSUIT.value))
                   if ids.get("courtlistener_id")}
    by_key: dict[str, CaseRecord] = {}
    unknown = 0
    for entry in (event.get("payload") or {}).get("results") or []:
        docket = str(entry.get("docket") or "").rstrip("/").rsplit("/", 1)[-1]
        if docket not in dockets:
            unknown += 1
            continue
        key, jurisdiction, title, ids = dockets[docket]
        documents = entry.get("recap_documents") or []
        main = next((d for d in documents if not d.get("attachment_number")), {})
        text = clean_text(entry.get("description") or main.get("description"))
        number = entry.get("entry_number")
        try:
            filed = date.fromisoformat(str(entry.get("date_filed"))[:10])
        except ValueError:
            continue
        if not text:
            continue
        record = by_key.setdefault(key, CaseRecord(
            key=key, kind=Kind.LAWSUIT, jurisdiction=jurisdiction, title=title,
            source="courtlistener", identifiers={"courtlistener_id": ids["courtlistener_id"]}))
        record.events.append(EventRecord(
            filed, text, "courtlistener",
            sequence=int(number) if str(number).isdigit() else None,
            entry_number=str(number) if number is not None else None,
            external_id=f"entry-{number}" if number is not None else f"id-{entry.get('id')}"))
    return list(by_key.values()), unknown


def store_one(engine: Engine, settings: Settings, path: Path) -> None:
    """Store one spooled event (unless its key was stored before), then drop the file."""
    key = path.stem
    with Session(engine) as session:
        done = session.get(WebhookDelivery, key) is not None
    if not done:
        event = json.loads(path.read_bytes())
        found, unknown = records(engine, event)
        now = datetime.now(UTC)
        if found:
            intake(engine, found, rules=settings.auto_approve_rules,
                   similarity=settings.link_title_similarity, now=now)
        if unknown:
            logger.warning("webhook %s: %d entries for dockets the tracker does not store", key, unknown)
        with write_session(engine) as session:
            session.merge(WebhookDelivery(idempotency_key=key, received_at=now,
                                          event_type=DOCKET_ALERT,
                                          entries=sum(len(r.events) for r in found)))
    path.unlink(missing_ok=True)


class Drainer:
    """Stores the spool in one background thread at a time; a nudge while it runs means once
    more after, so an event spooled meanwhile is not left behind."""

    def __init__(self, engine: Engine, settings: Settings, folder: Path):
        self.engine, self.settings, self.folder = engine, settings, folder
        self.lock = threading.Lock()
        self.again = threading.Event()

    def nudge(self) -> None:
        self.again.set()
        if self.lock.acquire(blocking=False):
            threading.Thread(target=self._run, name="webhook-drain", daemon=True).start()

    def _run(self) -> None:
        try:
            while self.again.is_set():
                self.again.clear()
                self.drain()
        finally:
            self.lock.release()
        if self.again.is_set():  # nudged between the last pass and the release
            self.nudge()

    def drain(self) -> None:
        for path in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                store_one(self.engine, self.settings, path)
            except Exception as exc:  # noqa: BLE001 - the event stays spooled for the next pass
                logger.error("webhook %s not stored yet: %s", path.stem, exc)
