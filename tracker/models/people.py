"""People: legislators, judges and parties, the identifiers that tie each to the sources, and the
links from a case to its people with the role each plays (``tracker.people`` writes them).

A person is one row whatever the number of sources that name them: ``person_identifiers`` holds
each (scheme, value) pair once, so a bioguide id, an Open States id or a CourtListener person id
can only ever point at one person. A link whose source gave no identifier keeps the name it was
given and no person (``person_id`` is null): the tracker never joins people by name alone.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from tracker.models import Table


class Person(Table, table=True):
    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, description="bioguide-c001088, openstates-<uuid>, courtlistener-1124, "
                                              "party-openai")
    kind: str = Field(index=True, description="A tracker.vocab.PersonKind value")
    name: str
    party: str | None = Field(default=None, description="A legislator's political party")
    jurisdiction: str | None = Field(default=None, index=True,
                                     description="Where they serve: us, a state, a court id")
    seat: str | None = Field(default=None, description="DE, FL-27, a state district")
    identifiers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime
    updated_at: datetime


class PersonIdentifier(Table, table=True):
    """One source's id of a person: the only thing that makes two mentions one person."""

    __tablename__ = "person_identifiers"

    scheme: str = Field(primary_key=True, description="bioguide, openstates, courtlistener or party")
    value: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")


class CasePerson(Table, table=True):
    """A person named on a case by one source, in one role (sponsor, judge, defendant...)."""

    __tablename__ = "case_people"
    __table_args__ = (UniqueConstraint("case_id", "source", "role", "position",
                                       name="uq_case_people_case_id_source_role_position"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="people.id", index=True, ondelete="CASCADE",
                                  description="Null when the source gave no identifier")
    role: str = Field(index=True, description="A tracker.vocab.Role value")
    name: str = Field(description="As the source wrote it")
    detail: str | None = None
    source: str
    position: int = Field(description="Order in the source's list")
