"""Rulings as records: what a ruling event decided (``tracker.rulings`` writes it, ``tracker
rulings`` reads it). Read from the text where the text says so; staff set the rest in review."""

from datetime import datetime

from sqlmodel import Field

from tracker.models import Table

# Who said it: read from the ruling's text, or set by staff in review (never read over again).
FROM_TEXT, FROM_REVIEW = "text", "review"


class RulingOutcome(Table, table=True):
    __tablename__ = "ruling_outcomes"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    motion: str | None = Field(default=None, description="The motion it decides: 'motion to dismiss'")
    disposition: str | None = Field(default=None, index=True, description="A tracker.vocab.Disposition")
    fair_use: str | None = Field(default=None, index=True, description="A tracker.vocab.FairUse")
    holding: str | None = Field(default=None, description="A one-line holding staff wrote")
    document_url: str | None = Field(default=None, description="The opinion, RECAP document or entry")
    read_from: str = Field(description="text or review")
    set_by: str | None = None
    set_at: datetime


class RulingClaim(Table, table=True):
    """A claim a ruling reached (a tracker.vocab.Claim value)."""

    __tablename__ = "ruling_claims"

    event_id: int = Field(foreign_key="ruling_outcomes.event_id", primary_key=True, ondelete="CASCADE")
    claim: str = Field(primary_key=True, index=True)
