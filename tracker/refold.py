"""Refold: every case's status recomputed from its stored events, as the tracker now reads them.

When the classifier learns to read a text right, the statuses folded from its old reading are
wrong. ``refold`` reads every stored event's text again (docket entries and Congress.gov actions
by the rules; a source's own classes, Open States' or the watchlist's, are kept, with what the
text plainly adds), adds the end of session to the bills of sessions that have ended, folds each
case again and records each status that moved as a change marked as a correction: the tracker
reads better, nothing happened in the case. Nothing is lost: events are reclassified in place,
never deleted, and a refold run twice changes nothing the second time.

The same pass, with no reclassification to do, is the daily job that adds the end of a session
to its bills (:func:`add_session_ends`): a bill that dies today is news, not a correction.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, select, update

from tracker.classify import classify
from tracker.db import write_session
from tracker.records import CaseRecord, is_mdl_docket
from tracker.sessions import session_end
from tracker.status import fold_status

# The store's own row helpers: refold writes events and changes exactly as an ingest does.
from tracker.store import CASES, CHANGES, EVENTS, _change, _event_row, _fold_event, _insert_many, ingest
from tracker.vocab import ChangeKind, Kind
from tracker.watchlist import SOURCE as WATCHLIST
from tracker.watchlist import load_watchlist

BILLS = (Kind.FEDERAL_BILL, Kind.STATE_BILL)
# Sources whose events carry the source's own classes, kept as given.
GIVEN_BY_SOURCE = frozenset({"openstates", "federal_register", "sessions"})


@dataclass
class RefoldReport:
    cases: int = 0
    events_reclassified: int = 0
    session_ends_added: int = 0
    corrections: int = 0


def _given(row, watchlist: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The source's own classes of a stored event, or ``None`` to read its text."""
    if row.source in GIVEN_BY_SOURCE:
        return tuple(row.classification.split())
    if row.source == WATCHLIST:
        return watchlist.get(row.fingerprint)
    return None


def _watchlist_classes(path: Path | None) -> dict[str, tuple[str, ...] | None]:
    return {event.fingerprint(record.key): event.classification
            for record in load_watchlist(path) for event in record.events}


def refold(engine: Engine, *, now: datetime, today: date, watchlist: Path | None = None) -> RefoldReport:
    """Reclassify every stored event, add due session ends, refold every case; record each status
    that moved as a correction waiting for review.

    :param watchlist: the watchlist file whose classes its events carry (the shipped one by default)
    """
    given = _watchlist_classes(watchlist)
    report = RefoldReport()
    with write_session(engine) as session:
        connection = session.connection()
        cases = list(connection.execute(select(CASES.c.id, CASES.c.key, CASES.c.kind, CASES.c.identifiers,
                                               CASES.c.status, CASES.c.status_date).order_by(CASES.c.id)))
        report.cases = len(cases)
        kinds = {case.id: Kind(case.kind) for case in cases}
        histories = defaultdict(list)
        reclassified = []
        for row in connection.execute(select(EVENTS).order_by(EVENTS.c.id)):
            result = classify(kinds[row.case_id], row.text, _given(row, given))
            classification = " ".join(result.classes)
            ruling = result.ruling and str(result.ruling)
            if (classification, str(result.significance), ruling) != (
                    row.classification, row.significance, row.ruling):
                reclassified.append({"b_id": row.id, "classification": classification,
                                     "significance": str(result.significance), "ruling": ruling})
            histories[row.case_id].append(_fold_event({**row._mapping, "classification": classification}))
        if reclassified:
            connection.execute(update(EVENTS).where(EVENTS.c.id == bindparam("b_id")).values(
                classification=bindparam("classification"), significance=bindparam("significance"),
                ruling=bindparam("ruling")), reclassified)
        report.events_reclassified = len(reclassified)

        new_events = []
        for case in cases:
            event = session_end(case.kind, case.identifiers or {}, today)
            if event is None:
                continue
            fingerprint = event.fingerprint(case.key)
            if any(e.fingerprint == fingerprint for e in histories[case.id]):
                continue
            row = _event_row(Kind(case.kind), event, fingerprint, now) | {"case_id": case.id}
            new_events.append(row)
            histories[case.id].append(_fold_event(row))
        _insert_many(connection, EVENTS, new_events)
        report.session_ends_added = len(new_events)

        updates, changes = [], []
        for case in cases:
            folded = fold_status(case.kind, histories[case.id], mdl_lead=is_mdl_docket(case.key))
            if (folded.status, folded.status_date) == (case.status, case.status_date):
                continue
            updates.append({"b_id": case.id, "status": folded.status, "status_date": folded.status_date})
            if folded.status != case.status:
                changes.append({**_change(case.id, ChangeKind.STATUS_CHANGE, case.status, folded.status,
                                          now, "refold"), "correction": True})
        if updates:
            connection.execute(update(CASES).where(CASES.c.id == bindparam("b_id")).values(
                status=bindparam("status"), status_date=bindparam("status_date")), updates)
        _insert_many(connection, CHANGES, changes)
        report.corrections = len(changes)
    return report


def add_session_ends(engine: Engine, *, now: datetime, today: date) -> int:
    """The daily job: the end of session for the bills of sessions that ended by ``today``, through
    the store like any source's events, so a bill that dies is a status change for review.

    :return: how many bills got their session's end
    """
    with write_session(engine) as session:
        rows = list(session.connection().execute(
            select(CASES.c.key, CASES.c.kind, CASES.c.jurisdiction, CASES.c.title, CASES.c.identifiers)
            .where(CASES.c.kind.in_([str(k) for k in BILLS]))))
    records = []
    for row in rows:
        event = session_end(row.kind, row.identifiers or {}, today)
        if event is not None:
            records.append(CaseRecord(key=row.key, kind=Kind(row.kind), jurisdiction=row.jurisdiction,
                                      title=row.title, source="sessions", events=[event]))
    return ingest(engine, records, now=now).events_added if records else 0
