"""Matters (one dispute across dockets and bills), their members, and the links between cases,
some of which place cases in them (``tracker.linking``, ``tracker.matters``)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from tracker.models import Table


class Matter(Table, table=True):
    __tablename__ = "matters"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, description="A slug, e.g. in-re-openai-copyright")
    title: str
    created_at: datetime
    created_by: str


class MatterMember(Table, table=True):
    """A case in a matter; a case is in at most one."""

    __tablename__ = "matter_members"

    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    matter_id: int = Field(foreign_key="matters.id", index=True, ondelete="CASCADE")
    role: str = Field(description="lead, member, appeal, transfer, companion, reintroduction...")
    source: str = Field(description="watchlist, or the person who added it")
    added_at: datetime


class CaseLink(Table, table=True):
    """A link between two cases, the one record of which cases belong together: read from what
    the sources say (an MDL number, a correction, a companion's number, a reintroduced title, a
    shared regulation number) and proposed for review by a ``new_link`` change that refers to it
    (``Change.link_id``). Approved, a link that carries a dispute places both cases in one
    matter; the others show on both cases without forming one."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_key", name="uq_case_links_case_id_other_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    other_key: str = Field(index=True, description="The linked case's key")
    relation: str = Field(description="A tracker.vocab.Relation value: the case's role towards "
                          "the other (member, appeal, reintroduction, correction, same_docket...)")
    reason: str = Field(description="What in the sources made the link, e.g. 'MDL No. 3143'")
    detected_at: datetime
