"""Intake: how records from any source (the watchlist seed, a crawl's batches, a future importer)
enter the tracker, in one order.

1. ``tracker.store.ingest`` stores the records and notes what changed;
2. ``tracker.people.record_people`` stores the sponsors, judges and parties they name;
3. optionally, a matters file places well-known cases in their matters (the seed does this), so
   cases a matter already holds together get no link proposal;
4. ``tracker.linking.propose`` proposes the links of the records' cases for review;
5. ``tracker.review.apply_rules`` lets through what the staff's auto-approve rules approve of the
   changes this intake made (skipped when it made none);
6. the dates ahead of the cases that changed (and the watchlist's curated ones) are refolded
   (``tracker.calendar``) and their new rulings recorded with what their text says
   (``tracker.rulings``).

Every step is stamped ``now``: the rules pick the changes this intake detected by that moment.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from tracker.approval_rules import ApproveRule
from tracker.calendar import refresh_dates
from tracker.linking import propose
from tracker.matters import load_matters
from tracker.people import record_people
from tracker.records import CaseRecord, CuratedRecord
from tracker.review import apply_rules
from tracker.rulings import record_rulings
from tracker.store import IngestReport, Outcome, ingest

# What an intake counts of the cases it stored, named as a source's run records them (``SourceRun``).
COUNTS = ("cases_new", "cases_updated", "cases_unchanged", "events_added", "changes_added")


@dataclass
class IntakeReport:
    """What one or more intakes did: the store's report, links proposed, changes approved by a
    rule, and the matters and memberships a matters file added."""

    stored: IngestReport = field(default_factory=IngestReport)
    links_proposed: int = 0
    auto_approved: int = 0
    matters_created: int = 0
    memberships_added: int = 0
    people_linked: int = 0

    def merge(self, other: "IntakeReport") -> None:
        """Add a later batch's report; a case in both counts once, with its latest outcome."""
        self.stored.merge(other.stored)
        self.links_proposed += other.links_proposed
        self.auto_approved += other.auto_approved
        self.matters_created += other.matters_created
        self.memberships_added += other.memberships_added
        self.people_linked += other.people_linked

    def counts(self) -> dict[str, int]:
        """The cases stored new, updated and unchanged, and the events and changes added (``COUNTS``)."""
        stored = self.stored
        return dict(zip(COUNTS, (
            stored.count(Outcome.INSERTED), stored.count(Outcome.UPDATED),
            stored.count(Outcome.UNCHANGED), stored.events_added, stored.changes_added), strict=True))


def intake(engine: Engine, records: Sequence[CaseRecord], *, rules: list[ApproveRule],
           similarity: float, now: datetime, matters: Path | None = None) -> IntakeReport:
    """Store ``records``, propose their cases' links and apply the auto-approve ``rules``.

    :param similarity: how alike two state bills' titles must be to be proposed as copies
    :param now: an aware UTC datetime: when the changes, links and decisions are made
    :param matters: a matters file (``tracker/data/matters.yaml``'s format) to place cases by
    :raises InvalidRecord: before anything is written, when a record is unusable
    """
    report = IntakeReport(stored=ingest(engine, records, now=now))
    report.people_linked = record_people(engine, records, now=now)
    if matters is not None:
        report.matters_created, report.memberships_added = load_matters(engine, matters, now=now)
    report.links_proposed = propose(engine, [r.key for r in records], similarity=similarity, now=now)
    if report.stored.changes_added or report.links_proposed:
        report.auto_approved = len(apply_rules(engine, rules, detected_at=now))
    curated = {r.key: r.dates for r in records if isinstance(r, CuratedRecord)}
    changed = [key for key, outcome in report.stored.outcomes.items() if outcome is not Outcome.UNCHANGED]
    if changed or curated:
        refresh_dates(engine, [*changed, *curated], now=now, curated=curated)
    if report.stored.events_added:
        record_rulings(engine, changed, now=now)
    return report
