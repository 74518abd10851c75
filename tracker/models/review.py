"""Changes and their review: ``tracker.store`` writes new changes; only ``tracker.review`` decides
them, and keeps every decision and edit in ``review_log``."""

from datetime import datetime

from sqlmodel import Field

from tracker.models import Table


class Change(Table, table=True):
    """Something an ingest found new or different about a case; waits for review."""

    __tablename__ = "changes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(default=None, foreign_key="events.id", ondelete="SET NULL")
    link_id: int | None = Field(default=None, foreign_key="case_links.id", index=True,
                                ondelete="SET NULL", description="The link a new_link change proposes")
    kind: str = Field(description="A tracker.vocab.ChangeKind value")
    before: str | None = None
    after: str | None = None
    detected_at: datetime
    source: str | None = Field(default=None, description="The spider (or seed) that found it")
    significance: str | None = Field(default=None, description="Its event's: major or minor")
    review_state: str = Field(default="pending", index=True)
    correction: bool = Field(
        default=False, description="A status recomputed because the tracker now reads the text right "
        "(tracker refold), not news")
    # Set by staff review (tracker.review); every decision and edit is also in review_log.
    reviewed_by: str | None = Field(default=None, description="A person, or 'rule <name>'")
    reviewed_at: datetime | None = None
    rule: str | None = Field(default=None, description="The auto-approve rule that approved it")
    headline: str | None = None
    note: str | None = Field(default=None, description="Why it matters, in a line")
    priority: str | None = Field(default=None, description="high, normal or low")
    reason: str | None = Field(default=None, description="Why it was rejected")
    superseded_by: int | None = Field(default=None, foreign_key="changes.id")
    approval_seq: int | None = Field(
        default=None, unique=True, description="Order of approval, which digests follow")


class ReviewEntry(Table, table=True):
    """One decision or edit on a change: the audit trail, never updated or deleted."""

    __tablename__ = "review_log"

    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(foreign_key="changes.id", index=True, ondelete="CASCADE")
    action: str = Field(description="approved, rejected, superseded or edited")
    actor: str
    at: datetime
    headline: str | None = None
    note: str | None = None
    priority: str | None = None
    reason: str | None = None
    rule: str | None = None
