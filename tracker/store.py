"""The store: the only writer of cases, parties, events and changes.

``ingest`` takes a batch of case records, upserts it in one write transaction and reports, per
case, whether it was inserted, updated or unchanged. It is idempotent: the same batch twice
writes nothing the second time and makes no change rows. Each case's status is refolded from
its whole stored history whenever the history grows, so events that arrive out of order, or
across batches, give the same status.

Change rows, one per thing a reviewer should see: a new case; a status change (pointing at the
event that caused it); a new major event that did not move the status; a new title.

Statements are Core statements over the tables, not ORM objects: a crawl or a seed hands over
thousands of events at once, and ``bench/ingest.py`` holds the store to a fixed share of raw
``executemany`` speed.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update

from tracker.classify import classify
from tracker.db import chunks, write_session
from tracker.models.cases import Case, Event, Party
from tracker.models.matters import CaseLink
from tracker.models.review import Change
from tracker.records import CaseRecord, EventRecord, check_record, is_mdl_docket
from tracker.status import Folded, FoldEvent, fold_status
from tracker.vocab import ChangeKind, Kind, ReviewState, Significance

CASES = Case.__table__
PARTIES = Party.__table__
EVENTS = Event.__table__
CHANGES = Change.__table__
LINKS = CaseLink.__table__
MERGED_LISTS = ("urls", "sources", "tags")
REPLACED_FIELDS = ("kind", "jurisdiction", "title", "summary", "why_tracked")
CURATED_FIELDS = ("as_of", "confidence", "research_notes")


class Outcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class IngestReport:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    events_added: int = 0
    changes_added: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes.values() if o is outcome)

    def merge(self, other: "IngestReport") -> None:
        self.outcomes.update(other.outcomes)
        self.events_added += other.events_added
        self.changes_added += other.changes_added


@dataclass
class _Pending:
    """What one record adds to one case, worked out before any write."""

    record: CaseRecord
    existing: Any  # the stored row, or None for a new case
    new_events: list[dict[str, Any]]
    updates: dict[str, Any]
    folded: Folded | None = None  # a new case's status, folded before it is inserted


def ingest(engine: Engine, records: Iterable[CaseRecord], *, now: datetime) -> IngestReport:
    """Upsert a batch of case records in one transaction.

    :param now: an aware UTC datetime: first seen / last seen / detected at
    :return: per case key, inserted / updated / unchanged; counts of events and changes added
    :raises InvalidRecord: before anything is written, when a record is unusable
    """
    batch = _merge_same_key(records)
    for record in batch:
        check_record(record)
    report = IngestReport()
    with write_session(engine) as session:
        connection = session.connection()
        for chunk in chunks(batch):
            report.merge(_ingest_chunk(connection, chunk, now))
    return report


def _merge_same_key(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """One record per key: a later record's fields win, events accumulate."""
    merged: dict[str, CaseRecord] = {}
    for record in records:
        earlier = merged.get(record.key)
        if earlier is not None:
            record = replace(record, events=earlier.events + record.events)
        merged[record.key] = record
    return list(merged.values())


def _ingest_chunk(connection, records: Sequence[CaseRecord], now: datetime) -> IngestReport:
    keys = [r.key for r in records]
    stored = {row.key: row for row in connection.execute(select(CASES).where(CASES.c.key.in_(keys)))}
    known: dict[int, set[str]] = defaultdict(set)
    if stored:
        ids = [row.id for row in stored.values()]
        for case_id, fingerprint in connection.execute(
            select(EVENTS.c.case_id, EVENTS.c.fingerprint).where(EVENTS.c.case_id.in_(ids))
        ):
            known[case_id].add(fingerprint)

    today = now.date()
    pending = []
    for record in records:
        existing = stored.get(record.key)
        seen = known[existing.id] if existing is not None else set()
        new_events = _new_events(record, seen, now)
        if existing is None:
            folded = fold_status(record.kind, (_fold_event(r) for r in new_events),
                                 mdl_lead=is_mdl_docket(record.key))
            pending.append(_Pending(record, None, new_events, {}, folded))
        else:
            pending.append(_Pending(record, existing, new_events, _field_updates(record, existing)))

    report = IngestReport()
    new_ids = _insert_cases(connection, [p for p in pending if p.existing is None], now)
    _write_parties(connection, pending, new_ids)

    event_rows = []
    for p in pending:
        case_id = p.existing.id if p.existing is not None else new_ids[p.record.key]
        for row in p.new_events:
            row["case_id"] = case_id
            event_rows.append(row)
    _insert_many(connection, EVENTS, event_rows)
    report.events_added = len(event_rows)

    # Known cases that grew: their whole history, to refold, and event ids for change rows.
    histories, event_ids = _histories(
        connection, [p.existing.id for p in pending if p.existing is not None and p.new_events])
    case_updates, changes = [], []
    for p in pending:
        key = p.record.key
        source = p.record.source
        if p.existing is None:
            changes.append(_change(new_ids[key], ChangeKind.NEW_CASE, None, p.folded.status, now,
                                   source))
            report.outcomes[key] = Outcome.INSERTED
            continue

        case_id = p.existing.id
        updates = dict(p.updates)
        if "title" in updates:
            changes.append(_change(case_id, ChangeKind.TITLE_CHANGE, p.existing.title,
                                   updates["title"], now, source))
        decided_by = None
        if p.new_events:
            folded = fold_status(updates.get("kind", p.existing.kind), histories[case_id],
                                 mdl_lead=is_mdl_docket(key))
            if folded.status != p.existing.status:
                decided_by = folded.decided_by
                deciding = next((r for r in p.new_events if r["fingerprint"] == decided_by), None)
                changes.append(_change(case_id, ChangeKind.STATUS_CHANGE, p.existing.status,
                                       folded.status, now, source, deciding,
                                       event_ids.get((case_id, decided_by))))
            if (folded.status, folded.status_date) != (p.existing.status, p.existing.status_date):
                updates.update(status=folded.status, status_date=folded.status_date)
            for row in p.new_events:
                if row["significance"] == Significance.MAJOR and row["fingerprint"] != decided_by:
                    changes.append(_change(case_id, ChangeKind.NEW_MAJOR_EVENT, None, row["text"],
                                           now, source, row, event_ids[case_id, row["fingerprint"]]))
        changed = bool(updates or p.new_events)
        if p.existing.last_seen != today:
            updates["last_seen"] = today
        if updates:
            case_updates.append({"b_id": case_id, **updates})
        report.outcomes[key] = Outcome.UPDATED if changed else Outcome.UNCHANGED

    _update_cases(connection, case_updates)
    _insert_many(connection, CHANGES, changes)
    report.changes_added = len(changes)
    return report


def _new_events(record: CaseRecord, seen: set[str], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for event in record.events:
        fingerprint = event.fingerprint(record.key)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        rows.append(_event_row(record.kind, event, fingerprint, now))
    return rows


def _event_row(kind: Kind, event: EventRecord, fingerprint: str, now: datetime) -> dict[str, Any]:
    classified = classify(kind, event.text, event.classification)
    return {
        "date": event.date,
        "text": event.text,
        "classification": " ".join(classified.classes),
        "significance": str(classified.significance),
        "ruling": classified.ruling and str(classified.ruling),
        "sequence": event.sequence,
        "entry_number": event.entry_number,
        "actor": event.actor,
        "source": event.source,
        "source_url": event.source_url,
        "fingerprint": fingerprint,
        "recorded_at": now,
    }


def _fold_event(row: Any) -> FoldEvent:
    """Fold input from an event row: a dict about to be inserted, or a row read back."""
    if not isinstance(row, dict):
        row = row._mapping
    return FoldEvent(row["date"], tuple(row["classification"].split()), row["sequence"],
                     row["fingerprint"], row["actor"])


def _histories(connection, case_ids: list[int]) -> tuple[dict[int, list[FoldEvent]],
                                                          dict[tuple[int, str], int]]:
    """Every stored event of these cases as fold input, and each event's id by fingerprint."""
    histories: dict[int, list[FoldEvent]] = defaultdict(list)
    ids: dict[tuple[int, str], int] = {}
    columns = (EVENTS.c.id, EVENTS.c.case_id, EVENTS.c.date, EVENTS.c.classification,
               EVENTS.c.sequence, EVENTS.c.fingerprint, EVENTS.c.actor)
    for chunk in chunks(case_ids):
        for row in connection.execute(select(*columns).where(EVENTS.c.case_id.in_(chunk))):
            histories[row.case_id].append(_fold_event(row))
            ids[row.case_id, row.fingerprint] = row.id
    return histories, ids


def _field_updates(record: CaseRecord, existing: Any) -> dict[str, Any]:
    """The stored fields this record changes. A field the record leaves empty is kept."""
    updates: dict[str, Any] = {}
    for name in REPLACED_FIELDS:
        value = getattr(record, name)
        if value is not None and value != getattr(existing, name):
            updates[name] = value
    identifiers = {**existing.identifiers, **record.identifiers}
    if identifiers != existing.identifiers:
        updates["identifiers"] = identifiers
    for name in MERGED_LISTS:
        stored = list(getattr(existing, name))
        merged = stored + [v for v in dict.fromkeys(getattr(record, name)) if v not in stored]
        if merged != stored:
            updates[name] = merged
    if record.on_watchlist and not existing.on_watchlist:
        updates["on_watchlist"] = True
    for name in CURATED_FIELDS:  # only a CuratedRecord (the watchlist) carries these
        value = getattr(record, name, None)
        if value is not None and value != getattr(existing, name):
            updates[name] = value
    return updates


def _insert_cases(connection, new: list[_Pending], now: datetime) -> dict[str, int]:
    if not new:
        return {}
    rows = [{
        "key": p.record.key, "kind": str(p.record.kind), "jurisdiction": p.record.jurisdiction,
        "title": p.record.title, "identifiers": dict(p.record.identifiers),
        "urls": list(dict.fromkeys(p.record.urls)),
        "sources": list(dict.fromkeys(p.record.sources)),
        "summary": p.record.summary, "tags": list(dict.fromkeys(p.record.tags)),
        "why_tracked": p.record.why_tracked, "on_watchlist": p.record.on_watchlist,
        **{name: getattr(p.record, name, None) for name in CURATED_FIELDS},
        "status": p.folded.status, "status_date": p.folded.status_date,
        "first_seen": now, "last_seen": now.date(),
    } for p in new]
    _insert_many(connection, CASES, rows)
    keys = [row["key"] for row in rows]
    return dict(connection.execute(select(CASES.c.key, CASES.c.id).where(CASES.c.key.in_(keys))).all())


def _write_parties(connection, pending: list[_Pending], new_ids: dict[str, int]) -> None:
    """Store each record's parties; for a known case, replace them only when they differ."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    for p in pending:
        if p.record.plaintiffs is None and p.record.defendants is None:
            continue
        case_id = p.existing.id if p.existing is not None else new_ids[p.record.key]
        wanted[case_id] = ([("plaintiff", n) for n in p.record.plaintiffs or []]
                           + [("defendant", n) for n in p.record.defendants or []])
    if not wanted:
        return
    known_ids = [p.existing.id for p in pending if p.existing is not None]
    stored: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for chunk in chunks(known_ids):
        query = (select(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.name)
                 .where(PARTIES.c.case_id.in_(chunk))
                 .order_by(PARTIES.c.case_id, PARTIES.c.role.desc(), PARTIES.c.position))
        for case_id, role, name in connection.execute(query):
            stored[case_id].append((role, name))
    replace = {case_id: parties for case_id, parties in wanted.items()
               if parties != stored.get(case_id, [])}
    if not replace:
        return
    stale = [case_id for case_id in replace if case_id in stored]
    for chunk in chunks(stale):
        connection.execute(delete(PARTIES).where(PARTIES.c.case_id.in_(chunk)))
    rows = [{"case_id": case_id, "role": role, "position": position, "name": name,
             "name_folded": name.casefold()}
            for case_id, parties in replace.items()
            for position, (role, name) in enumerate(parties)]
    _insert_many(connection, PARTIES, rows)


def _insert_many(connection, table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in one ``executemany``.

    SQLAlchemy's own executemany path processes parameters row by row through its compiled-
    statement machinery, which was ~40% of the time to ingest a large batch (bench/ingest.py).
    Here the statement, the column types' bind processors and the driver's parameter style are
    still SQLAlchemy's, so values are stored exactly as ``connection.execute(insert(table))``
    would store them; only the per-row bookkeeping is skipped.
    """
    if not rows:
        return
    dialect = connection.dialect
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(rows[0]))
    order = compiled.positiontup if compiled.positional else list(rows[0])
    columns = [(key, _repeat_cached(process) if process else None)
               for key in order
               for process in [table.c[key].type.dialect_impl(dialect).bind_processor(dialect)]]
    if compiled.positional:
        connection.exec_driver_sql(compiled.string, [
            tuple([process(row[key]) if process else row[key] for key, process in columns])
            for row in rows])
    else:
        connection.exec_driver_sql(compiled.string, [
            {key: process(row[key]) if process else row[key] for key, process in columns}
            for row in rows])


def _repeat_cached(process):
    """Wrap a bind processor so each distinct value (the batch's ``now``, a date many events
    share) is processed once per statement."""
    cache: dict[Any, Any] = {}

    def run(value):
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = process(value)
            return result
        except TypeError:  # unhashable: a list or dict bound for a JSON column
            return process(value)

    return run


def _update_cases(connection, updates: list[dict[str, Any]]) -> None:
    """Apply per-case updates, one executemany per distinct set of columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in updates:
        by_columns[tuple(sorted(k for k in row if k != "b_id"))].append(row)
    for columns, rows in by_columns.items():
        statement = (update(CASES).where(CASES.c.id == bindparam("b_id"))
                     .values({name: bindparam(name) for name in columns}))
        connection.execute(statement, rows)


def _change(case_id: int, kind: ChangeKind, before: str | None, after: str | None,
            now: datetime, source: str, event: dict[str, Any] | None = None,
            event_id: int | None = None, link_id: int | None = None) -> dict[str, Any]:
    return {"case_id": case_id, "event_id": event_id, "link_id": link_id, "kind": str(kind),
            "before": before and str(before), "after": after and str(after),
            "detected_at": now, "source": source,
            "significance": event["significance"] if event else None,
            "review_state": str(ReviewState.PENDING), "correction": False}


@dataclass(frozen=True)
class Link:
    case_key: str
    other_key: str
    relation: str  # a tracker.vocab.Relation
    reason: str
    evidence: str  # a tracker.vocab.LinkEvidence: the source of the change that proposes it


def propose_links(engine: Engine, links: Iterable[Link], *, now: datetime) -> int:
    """Store links not seen before (of two from one case to another, the first), each with a
    ``new_link`` change for review that refers to it; a link already proposed (whatever became
    of it) is not proposed again.

    :return: how many were new
    """
    links = list(links)
    if not links:
        return 0
    with write_session(engine) as session:
        connection = session.connection()
        keys = {link.case_key for link in links}
        ids = dict(connection.execute(select(CASES.c.key, CASES.c.id).where(CASES.c.key.in_(keys))).all())
        stored = select(LINKS.c.case_id, LINKS.c.other_key, LINKS.c.id).where(
            LINKS.c.case_id.in_(list(ids.values())))
        known = {(case_id, other) for case_id, other, _ in connection.execute(stored)}
        fresh = {}
        for link in links:
            if link.case_key in ids and (ids[link.case_key], link.other_key) not in known:
                fresh.setdefault((ids[link.case_key], link.other_key), link)
        _insert_many(connection, LINKS, [
            {"case_id": case_id, "other_key": other, "relation": link.relation, "reason": link.reason,
             "detected_at": now} for (case_id, other), link in fresh.items()])
        link_ids = {(case_id, other): link_id for case_id, other, link_id in connection.execute(stored)}
        _insert_many(connection, CHANGES, [
            _change(case_id, ChangeKind.NEW_LINK, None, f"{link.relation} of {other} ({link.reason})",
                    now, link.evidence, link_id=link_ids[case_id, other])
            for (case_id, other), link in fresh.items()])
    return len(fresh)
