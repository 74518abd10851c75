"""The read side of people: who is tracked, a person's cases by role, the people of cases.

Shared by ``tracker people`` and ``tracker person show``, the web pages, the digests (a followed
person's cases) and ``tracker cases --sponsor/--judge``.
"""

import difflib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker.db import chunks
from tracker.errors import NotFoundError
from tracker.models.cases import Case, Event
from tracker.models.people import CasePerson, Person
from tracker.vocab import Role

# What ``--role`` groups: a legislator's bills, a judge's suits, a party's suits.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "sponsor": (Role.SPONSOR, Role.COSPONSOR),
    "judge": (Role.JUDGE,),
    "party": (Role.PLAINTIFF, Role.DEFENDANT, Role.AMICUS),
}
RECENT_EVENTS = 10


@dataclass(frozen=True)
class Mention:
    """A person on a case: who (``key`` is None for a name without an identifier), in what role."""

    key: str | None
    name: str
    role: str
    detail: str | None
    party: str | None = None
    seat: str | None = None

    @property
    def label(self) -> str:
        """``Jen Gong-Gershowitz (Democratic, Representative, district 17)``."""
        extra = ", ".join(v for v in (self.party, self.seat) if v)
        return f"{self.name} ({extra})" if extra else self.name


def get_person(session: Session, key: str) -> Person:
    """:raises NotFoundError: naming the nearest keys, when no person has ``key``"""
    wanted = key.strip().lower()
    person = session.exec(select(Person).where(Person.key == wanted)).scalars().first()
    if person is None:
        keys = list(session.exec(select(Person.key)).scalars())
        raise NotFoundError(f"no person {key} (`tracker people` lists them)",
                            suggestions=difflib.get_close_matches(wanted, keys, n=3, cutoff=0.6))
    return person


def list_people(session: Session, *, roles: tuple[str, ...] = (), jurisdictions: list[str] | None = None
                ) -> list[dict[str, Any]]:
    """People with their number of cases per role, those with the most cases first. ``roles``
    and ``jurisdictions`` (of the cases) narrow both the people and the counts."""
    query = (select(Person, CasePerson.role, func.count(func.distinct(CasePerson.case_id)))
             .join(CasePerson, col(CasePerson.person_id) == Person.id)
             .join(Case, col(Case.id) == CasePerson.case_id)
             .group_by(col(Person.id), col(CasePerson.role)))
    if roles:
        query = query.where(col(CasePerson.role).in_(roles))
    if jurisdictions:
        query = query.where(col(Case.jurisdiction).in_(jurisdictions))
    people: dict[int, dict[str, Any]] = {}
    for person, role, count in session.execute(query):
        row = people.setdefault(person.id, {**person_dict(person), "cases": {}})
        row["cases"][role] = count
    return sorted(people.values(), key=lambda p: (-sum(p["cases"].values()), p["name"].lower()))


def person_dict(person: Person) -> dict[str, Any]:
    return {"key": person.key, "kind": person.kind, "name": person.name, "party": person.party,
            "jurisdiction": person.jurisdiction, "seat": person.seat,
            "identifiers": dict(person.identifiers)}


def case_ids_of(session: Session, person_key: str, roles: tuple[str, ...] = ()) -> list[int]:
    query = (select(CasePerson.case_id).join(Person, col(Person.id) == CasePerson.person_id)
             .where(Person.key == person_key.strip().lower()))
    if roles:
        query = query.where(col(CasePerson.role).in_(roles))
    return sorted(set(session.exec(query).scalars()))


def person_detail(session: Session, key: str) -> dict[str, Any]:
    """``tracker person show --json``: the person, their cases grouped by role (the most recently
    moved first) and the latest events of those cases.

    :raises NotFoundError: when no person has ``key``
    """
    person = get_person(session, key)
    rows = session.execute(
        select(CasePerson.role, CasePerson.detail, Case).join(Case, col(Case.id) == CasePerson.case_id)
        .where(CasePerson.person_id == person.id)
        .order_by(col(Case.status_date).desc().nulls_last(), col(Case.key))).all()
    by_role: dict[str, list[dict[str, Any]]] = {}
    for role, detail, case in rows:
        entries = by_role.setdefault(role, [])
        if all(entry["key"] != case.key for entry in entries):
            entries.append({"key": case.key, "kind": case.kind, "jurisdiction": case.jurisdiction,
                            "title": case.title, "status": case.status,
                            "status_date": case.status_date.isoformat() if case.status_date else None,
                            "detail": detail})
    ordered = {role.value: by_role[role.value] for role in Role if role.value in by_role}
    case_ids = list({case.id for _, _, case in rows})
    events = session.execute(
        select(Event, Case.key).join(Case, col(Case.id) == Event.case_id)
        .where(col(Event.case_id).in_(case_ids or [-1]))
        .order_by(col(Event.date).desc(), col(Event.id).desc()).limit(RECENT_EVENTS)).all()
    return {**person_dict(person), "roles": ordered,
            "recent_events": [{"case": case_key, "date": event.date.isoformat(), "text": event.text,
                               "source_url": event.source_url} for event, case_key in events]}


def people_of(session: Session, case_ids: list[int]) -> dict[int, list[Mention]]:
    """Each case's people in role order, once per person and role (two sources naming the same
    person, or one naming a company by two of its entities, show once)."""
    found: dict[int, list[Mention]] = defaultdict(list)
    rank = {role.value: position for position, role in enumerate(Role)}
    for chunk in chunks(case_ids):
        query = (select(CasePerson, Person).outerjoin(Person, col(Person.id) == CasePerson.person_id)
                 .where(col(CasePerson.case_id).in_(chunk))
                 .order_by(col(CasePerson.case_id), col(CasePerson.source), col(CasePerson.position)))
        for link, person in session.execute(query):
            mention = Mention(person.key if person else None, person.name if person else link.name,
                              link.role, link.detail, person.party if person else None,
                              person.seat if person else None)
            if not any((m.key or m.name, m.role) == (mention.key or mention.name, mention.role)
                       for m in found[link.case_id]):
                found[link.case_id].append(mention)
    for mentions in found.values():
        mentions.sort(key=lambda m: rank.get(m.role, len(rank)))
    return found


def sponsors_of_keys(session: Session, keys: list[str]) -> dict[str, list[Mention]]:
    """The sponsors and cosponsors of the bills among ``keys``: who carried the same text where,
    side by side on a matter of copied bills."""
    ids = dict(session.execute(select(Case.key, Case.id).where(col(Case.key).in_(keys))).all())
    people = people_of(session, list(ids.values()))
    return {key: [m for m in people.get(case_id, []) if m.role in ROLE_GROUPS["sponsor"]]
            for key, case_id in ids.items() if people.get(case_id)}
