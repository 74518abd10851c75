"""Ingest speed: the store against raw ``sqlite3.executemany`` of the same rows, in one run.

    .venv/bin/python bench/ingest.py [--cases 100000] [--events 10] [--batch 1000]

Builds N synthetic lawsuits with M docket entries each (real docket phrasings, so the rule
tables do real work), then times, each on a fresh SQLite file with the tracker's schema:

1. baseline: ``executemany`` of the final case, party and event rows, precomputed, in one
   transaction (the floor for writing these rows at all);
2. store: ``tracker.store.ingest`` of the records in batches, as a crawl's pipeline hands them
   over (validation, fingerprints, classification, the status fold, change rows);
3. re-ingest: the same records again, which must write nothing.

Goals (issue #2): baseline / store >= 0.25, and re-ingest <= 0.5 x the first ingest.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.classify import classify  # noqa: E402
from tracker.db import ensure_schema, make_engine  # noqa: E402
from tracker.records import CaseRecord, EventRecord  # noqa: E402
from tracker.status import FoldEvent, fold_status  # noqa: E402
from tracker.store import Outcome, ingest  # noqa: E402
from tracker.vocab import Kind  # noqa: E402

DOCKET = [
    "COMPLAINT against {d} ( Filing fee $ 405, receipt number ACANDC-{n}.) filed by {p}.",
    "NOTICE of Appearance by Jane Roe on behalf of {d}",
    "MOTION to Dismiss for Failure to State a Claim filed by {d}.",
    "RESPONSE in Opposition re MOTION to Dismiss filed by {p}.",
    "REPLY to Response to Motion re MOTION to Dismiss filed by {d}.",
    "ORDER granting in part and denying in part Motion to Dismiss. Signed by Judge Orrick.",
    "FIRST AMENDED COMPLAINT against {d} filed by {p}.",
    "ANSWER to Amended Complaint by {d}.",
    "STIPULATED PROTECTIVE ORDER. Signed by Magistrate Judge Cisneros.",
    "MOTION for Partial Summary Judgment filed by {p}.",
    "ORDER granting 180 Motion to Certify Class.",
    "NOTICE OF APPEAL to the 9th Circuit filed by {d}.",
]
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def make_records(cases: int, events: int) -> list[CaseRecord]:
    records = []
    start = date(2023, 1, 2)
    for n in range(cases):
        plaintiff, defendant = f"Author {n}", f"AI Company {n % 977}, Inc."
        record = CaseRecord(
            key=f"cand-3:{23 + n // 99999}-cv-{n % 99999:05d}", kind=Kind.LAWSUIT, jurisdiction="cand",
            title=f"{plaintiff} v. {defendant}", source="bench",
            identifiers={"court": "cand", "docket_number": f"3:23-cv-{n:05d}"},
            plaintiffs=[plaintiff], defendants=[defendant],
            urls=[f"https://www.courtlistener.com/docket/{n}/"], tags=["training-data"],
            events=[EventRecord(date=start + timedelta(days=30 * i + n % 17),
                                text=DOCKET[i % len(DOCKET)].format(d=defendant, p=plaintiff, n=n),
                                source="bench", entry_number=str(i + 1), external_id=f"entry-{i + 1}")
                    for i in range(events)])
        records.append(record)
    return records


def raw_rows(records: list[CaseRecord]) -> tuple[list, list, list]:
    """The rows the store ends up writing, computed up front so the baseline only writes."""
    cases, parties, events = [], [], []
    for case_id, r in enumerate(records, start=1):
        classified = [classify(r.kind, e.text) for e in r.events]
        fingerprints = [e.fingerprint(r.key) for e in r.events]
        folded = fold_status(r.kind, [FoldEvent(e.date, tuple(c.classes), e.sequence, fp)
                                      for e, c, fp in zip(r.events, classified, fingerprints, strict=True)])
        cases.append((case_id, r.key, str(r.kind), r.jurisdiction, r.title, '{"court": "cand"}',
                      folded.status, folded.status_date and folded.status_date.isoformat(),
                      f'["{r.urls[0]}"]', "[]", None, '["training-data"]', None, 0,
                      NOW.isoformat(), NOW.date().isoformat()))
        parties.append((case_id, "plaintiff", 0, r.plaintiffs[0], r.plaintiffs[0].casefold()))
        parties.append((case_id, "defendant", 1, r.defendants[0], r.defendants[0].casefold()))
        for e, c, fp in zip(r.events, classified, fingerprints, strict=True):
            events.append((case_id, e.date.isoformat(), e.text,
                           " ".join(c.classes), str(c.significance),
                           c.ruling and str(c.ruling), None, e.entry_number, None, e.source, None,
                           fp, NOW.isoformat()))
    return cases, parties, events


def fresh_database(folder: str, name: str):
    path = os.path.join(folder, name)
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    return path, engine


def time_baseline(path: str, rows) -> float:
    cases, parties, events = rows
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO cases (id, key, kind, jurisdiction, title, identifiers, status, status_date, "
        "urls, sources, summary, tags, why_tracked, on_watchlist, first_seen, last_seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cases)
    connection.executemany(
        "INSERT INTO parties (case_id, role, position, name, name_folded) VALUES (?, ?, ?, ?, ?)",
        parties)
    connection.executemany(
        "INSERT INTO events (case_id, date, text, classification, significance, ruling, sequence, "
        "entry_number, actor, source, source_url, fingerprint, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def time_store(engine, records: list[CaseRecord], batch: int) -> tuple[float, dict]:
    counts = dict.fromkeys(Outcome, 0)
    started = time.perf_counter()
    for start in range(0, len(records), batch):
        # Fresh record objects per batch, as a crawl would hand them over.
        report = ingest(engine, [replace(r) for r in records[start:start + batch]], now=NOW)
        for outcome in Outcome:
            counts[outcome] += report.count(outcome)
    return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    records = make_records(args.cases, args.events)
    rows = raw_rows(records)
    with tempfile.TemporaryDirectory() as folder:
        baseline_path, baseline_engine = fresh_database(folder, "baseline.db")
        baseline = time_baseline(baseline_path, rows)
        _, engine = fresh_database(folder, "store.db")
        first, first_counts = time_store(engine, records, args.batch)
        again, again_counts = time_store(engine, records, args.batch)
        size = os.path.getsize(os.path.join(folder, "store.db"))
    assert first_counts[Outcome.INSERTED] == args.cases, first_counts
    assert again_counts[Outcome.UNCHANGED] == args.cases, again_counts

    total_rows = sum(len(part) for part in rows)
    print(f"{args.cases:,} cases x {args.events} events ({total_rows:,} rows), batches of {args.batch}")
    print(f"baseline executemany  {baseline:8.2f} s")
    print(f"store ingest          {first:8.2f} s   ({args.cases / first:,.0f} cases/s)")
    print(f"store re-ingest       {again:8.2f} s   (unchanged: {again_counts[Outcome.UNCHANGED]:,})")
    print(f"database size         {size / 1e6:8.1f} MB")
    print(f"ratio baseline/store  {baseline / first:8.3f}   (goal >= 0.25)")
    print(f"ratio re-ingest/first {again / first:8.3f}   (goal <= 0.5)")


if __name__ == "__main__":
    main()
