"""Cases, their parties and their events (the status history ``tracker.store`` writes and
``tracker.status`` folds), and what staff add to a case: notes, tags and a stance, which
``tracker.review`` writes. ``tracker show`` reads all of these and nothing else.

Anything the tracker filters on is a real column; JSON holds lists and identifier maps that are
read whole. (No ``from __future__ import annotations`` in this package: it breaks SQLModel's
relationship resolution, fastapi/sqlmodel#196.)
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from tracker.models import Table


class Case(Table, table=True):
    """One tracked matter: a lawsuit, a bill, an agency action or a statement."""

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, description="Natural key, e.g. cand-3:23-cv-00201, us-119-s-1367")
    kind: str = Field(index=True, description="A tracker.vocab.Kind value")
    jurisdiction: str = Field(index=True, description="us, a state (ca), or a court id (cand)")
    title: str
    identifiers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False),
        description="Court, docket number, congress, bill type and number, FR document number...",
    )
    status: str | None = Field(default=None, index=True, description="Folded from the events")
    status_date: date | None = Field(default=None, index=True)
    urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sources: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False),
        description="Where the curated facts about the case were read",
    )
    summary: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    why_tracked: str | None = None
    on_watchlist: bool = Field(default=False, description="On the curated watchlist")
    # Staff only (issue #16): shown by the CLI, its --json and exports; never by public pages,
    # the public API, digests or feeds.
    as_of: date | None = Field(default=None, description="Day the curated facts were last checked")
    confidence: str | None = Field(default=None, description="How sure the curated research was")
    research_notes: str | None = Field(default=None, description="Staff notes on the research")
    first_seen: datetime
    last_seen: date


class Party(Table, table=True):
    """A named party to a suit; a table of its own so ``--party`` is an indexed lookup."""

    __tablename__ = "parties"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    role: str = Field(description="plaintiff or defendant")
    position: int = Field(description="Order in the source's list")
    name: str
    name_folded: str = Field(index=True, description="Lower-cased name, for searching")


class Event(Table, table=True):
    """One dated entry in a case's status history, kept with its raw text."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("case_id", "fingerprint", name="uq_events_case_id_fingerprint"),
        Index("ix_events_case_id_date", "case_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", ondelete="CASCADE")
    date: date
    text: str
    classification: str = Field(
        default="",
        description="tracker.vocab.ActionClass values, space-separated (slugs have no spaces)",
    )
    significance: str = Field(description="major or minor")
    ruling: str | None = Field(default=None, description="interim or final, for rulings")
    sequence: int | None = Field(default=None, description="The source's order within a day")
    entry_number: str | None = Field(default=None, description="Docket entry number")
    actor: str | None = Field(default=None, description="Chamber or body that acted")
    source: str
    source_url: str | None = None
    fingerprint: str = Field(description="Stable hash so a re-crawl never duplicates the event")
    recorded_at: datetime


class CaseNote(Table, table=True):
    """A staff note on a case: internal (staff only) unless marked public, when the case page,
    its JSON and digests show it (without its author)."""

    __tablename__ = "case_notes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    author: str
    created_at: datetime
    text: str
    public: bool = Field(default=False, description="Written for the public; else internal")


class CaseTag(Table, table=True):
    """A tag staff put on a case (the sources' own tags are ``Case.tags``)."""

    __tablename__ = "case_tags"

    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, index=True)
    added_by: str
    added_at: datetime


class CaseStance(Table, table=True):
    """The organisation's stance on a case: watch, support or oppose."""

    __tablename__ = "case_stances"

    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    stance: str = Field(index=True)
    set_by: str
    set_at: datetime
