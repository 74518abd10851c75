"""Matters: one followable dispute across dockets, bills and agency actions.

A matter groups the cases that carry one dispute: an MDL and its member dockets, a bill and its
reintroductions and companions, a notice of inquiry and the reports that followed it. A case
belongs to at most one matter; each membership says its role and where it came from (the
watchlist, or the person who made it). A matter's timeline merges its members' events in date
order, each labelled with its case, an event reported on two dockets once; its status is its
lead case's: the one marked lead, else the MDL docket, the latest bill, the latest document.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from tracker.db import write_session
from tracker.errors import NotFoundError, TrackerError
from tracker.models.cases import Case, Event
from tracker.models.matters import CaseLink, Matter, MatterMember
from tracker.queries import case_by_key
from tracker.records import slug

ROLES = ("lead", "member", "appeal", "transfer", "consolidated", "companion", "reintroduction",
         "same_as", "final_rule", "report", "statement_about", "related")
MATTERS_FILE = Path(__file__).resolve().parent / "data" / "matters.yaml"
WHITESPACE = re.compile(r"\s+")


class MatterError(TrackerError):
    exit_code = 1


def _matter(session: Session, key: str) -> Matter:
    matter = session.exec(select(Matter).where(Matter.key == key.strip().lower())).scalars().first()
    if matter is None:
        raise NotFoundError(f"no matter {key} (`tracker matters` lists them)")
    return matter


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise MatterError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    return role


def create_matter(engine: Engine, title: str, case_keys: list[str], *, by: str, now: datetime,
                  key: str | None = None) -> Matter:
    """:raises TrackerError: for a blank title, or a key with no letter or digit in it
    :raises MatterError: when the key is taken or a case is already in another matter"""
    if not title.strip():
        raise TrackerError("a matter needs a title")
    given = key or title
    key = slug(given)
    if not key:
        raise TrackerError(f"{given!r} makes no key (it has no letter or digit); give one with --key")
    with write_session(engine) as session:
        if session.exec(select(Matter).where(Matter.key == key)).scalars().first():
            raise MatterError(f"there is already a matter {key}")
        matter = Matter(key=key, title=title.strip(), created_at=now, created_by=by)
        session.add(matter)
        session.flush()
        for case_key in case_keys:
            _add(session, matter, case_key, "member", by, now)
        session.expunge(matter)
        return matter


def _add(session: Session, matter: Matter, case_key: str, role: str, source: str, now: datetime) -> None:
    case = case_by_key(session, case_key)
    current = session.get(MatterMember, case.id)
    if current is not None and current.matter_id != matter.id:
        other = session.get(Matter, current.matter_id)
        raise MatterError(f"{case.key} is already in the matter {other.key}; "
                          f"`tracker matter remove {other.key} {case.key}` first")
    if current is None:
        session.add(MatterMember(case_id=case.id, matter_id=matter.id, role=_check_role(role),
                                 source=source, added_at=now))
    else:
        current.role, current.source, current.added_at = _check_role(role), source, now


def add_case(engine: Engine, matter_key: str, case_key: str, *, role: str, by: str,
             now: datetime) -> None:
    with write_session(engine) as session:
        _add(session, _matter(session, matter_key), case_key, role, by, now)


def remove_case(engine: Engine, matter_key: str, case_key: str) -> None:
    with write_session(engine) as session:
        matter, case = _matter(session, matter_key), case_by_key(session, case_key)
        member = session.get(MatterMember, case.id)
        if member is None or member.matter_id != matter.id:
            raise MatterError(f"{case.key} is not in the matter {matter.key}")
        session.delete(member)


def merge(engine: Engine, into_key: str, other_key: str) -> int:
    """Move every member of ``other_key`` into ``into_key`` and drop the emptied matter."""
    with write_session(engine) as session:
        into, other = _matter(session, into_key), _matter(session, other_key)
        if into.id == other.id:
            raise MatterError("a matter cannot be merged into itself")
        moved = session.execute(update(MatterMember).where(col(MatterMember.matter_id) == other.id)
                                .values(matter_id=into.id)).rowcount
        session.delete(other)
        return moved


def delete_matter(engine: Engine, key: str) -> int:
    """Drop a matter; its cases stay, in no matter. :return: how many cases it held"""
    with write_session(engine) as session:
        matter = _matter(session, key)
        released = session.execute(MatterMember.__table__.delete()
                                   .where(MatterMember.__table__.c.matter_id == matter.id)).rowcount
        session.delete(matter)
        return released


def load_matters(engine: Engine, path: Path = MATTERS_FILE, *, now: datetime) -> tuple[int, int]:
    """The well-known matters of the watchlist: created when missing, their cases added when they
    are known and in no other matter; a person's changes are kept.

    :return: matters created, memberships added
    """
    import yaml  # seeding only

    entries = yaml.safe_load(path.read_text()) or []
    created = added = 0
    with write_session(engine) as session:
        for entry in entries:
            matter = session.exec(select(Matter).where(Matter.key == entry["key"])).scalars().first()
            if matter is None:
                matter = Matter(key=entry["key"], title=entry["title"], created_at=now,
                                created_by="watchlist")
                session.add(matter)
                session.flush()
                created += 1
            for member in entry["members"]:
                case = session.exec(select(Case).where(Case.key == member["case"])).scalars().first()
                if case is None or session.get(MatterMember, case.id) is not None:
                    continue
                session.add(MatterMember(case_id=case.id, matter_id=matter.id,
                                         role=_check_role(member.get("role", "member")),
                                         source="watchlist", added_at=now))
                added += 1
    return created, added


@dataclass
class MemberView:
    case: Case
    role: str
    source: str


@dataclass
class MatterView:
    matter: Matter
    members: list[MemberView]
    lead: Case | None
    timeline: list[tuple[Event, Case]]  # oldest first, an event told on two dockets once


def lead_of(members: list[MemberView]) -> Case | None:
    """The case whose status is the matter's: marked lead, else the MDL docket, else the member
    that moved last."""
    if not members:
        return None
    for member in members:
        if member.role == "lead":
            return member.case
    for member in members:
        if "-md-" in member.case.key:
            return member.case
    return max(members, key=lambda m: (m.case.status_date is not None, m.case.status_date or 0,
                                       m.case.key)).case


def _members(session: Session, matter: Matter) -> list[MemberView]:
    rows = session.execute(select(Case, MatterMember).join(MatterMember, col(MatterMember.case_id) == Case.id)
                           .where(MatterMember.matter_id == matter.id).order_by(col(Case.key))).all()
    members = [MemberView(case, member.role, member.source) for case, member in rows]
    return sorted(members, key=lambda m: (ROLES.index(m.role), m.case.key))  # the lead first


def matters_of(session: Session, case_ids: list[int]) -> dict[int, Matter]:
    """Each case's matter, for the cases that are in one."""
    if not case_ids:
        return {}
    rows = session.execute(select(MatterMember.case_id, Matter)
                           .join(Matter, col(Matter.id) == MatterMember.matter_id)
                           .where(col(MatterMember.case_id).in_(case_ids))).all()
    return dict(rows)


def matter_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of ``keys`` name a matter."""
    return set(session.exec(select(Matter.key).where(col(Matter.key).in_(keys))).scalars()) if keys else set()


def matter_view(session: Session, key: str) -> MatterView:
    matter = _matter(session, key)
    members = _members(session, matter)
    by_id = {m.case.id: m.case for m in members}
    events = session.exec(select(Event).where(col(Event.case_id).in_(list(by_id) or [-1]))
                          .order_by(col(Event.date), col(Event.sequence).nulls_first(),
                                    col(Event.id))).scalars()
    seen, timeline = set(), []
    for event in events:
        told = (event.date, WHITESPACE.sub(" ", event.text).strip().lower())
        if told in seen:
            continue
        seen.add(told)
        timeline.append((event, by_id[event.case_id]))
    return MatterView(matter, members, lead_of(members), timeline)


@dataclass
class MatterSummary:
    matter: Matter
    members: int
    lead: Case | None
    kind: str | None  # the members' kind, or "mixed"
    latest: date | None  # the date of the latest event on any member


def list_matters(session: Session) -> list[MatterSummary]:
    latest = dict(session.execute(
        select(MatterMember.matter_id, func.max(Event.date))
        .join(Event, col(Event.case_id) == MatterMember.case_id)
        .group_by(MatterMember.matter_id)).all())
    summaries = []
    for matter in session.exec(select(Matter).order_by(col(Matter.key))).scalars():
        members = _members(session, matter)
        kinds = {m.case.kind for m in members}
        summaries.append(MatterSummary(matter, len(members), lead_of(members),
                                       kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else None),
                                       latest.get(matter.id)))
    return summaries


# A relation that carries a dispute, as the two cases' roles in their matter: (the linking
# case's, the other's). The lead is the case whose status is the matter's: the MDL docket, the
# latest bill (so a reintroduction takes the lead from the bill before it), the final rule. The
# other relations (a correction, the same docket, related, a statement about) form no matter.
LINK_ROLES = {"member": ("member", "lead"), "appeal": ("appeal", "member"),
              "transfer": ("member", "transfer"), "reintroduction": ("lead", "reintroduction"),
              "companion": ("companion", "lead"), "same_as": ("same_as", "lead"),
              "final_rule": ("lead", "member")}


def _join(session: Session, matter_id: int, case_id: int, role: str, demoted: str, by: str,
          now: datetime) -> None:
    """Add a case to a matter; a new lead demotes the old one to ``demoted``."""
    if role == "lead":
        session.execute(update(MatterMember).where(col(MatterMember.matter_id) == matter_id,
                                                   col(MatterMember.role) == "lead")
                        .values(role=demoted))
    session.add(MatterMember(case_id=case_id, matter_id=matter_id, role=role, source=by, added_at=now))


def place_link(session: Session, link_id: int, *, by: str, now: datetime) -> str | None:
    """Put an approved link's two cases in one matter, if the link carries a dispute: the
    other's, the case's, or a new one named after its lead, each in the role its relation gives
    (``LINK_ROLES``). Cases already in two different matters are left for a person to merge.
    Returns what was done, for the review log."""
    link = session.get(CaseLink, link_id)
    if link is None or link.relation not in LINK_ROLES:
        return None
    case = session.get(Case, link.case_id)
    other = session.exec(select(Case).where(Case.key == link.other_key)).scalars().first()
    if other is None:
        return f"{link.other_key} is not tracked yet: no matter made"
    mine, theirs = session.get(MatterMember, case.id), session.get(MatterMember, other.id)
    if mine and theirs:
        if mine.matter_id == theirs.matter_id:
            return None
        return (f"{case.key} and {other.key} are in two matters; "
                f"`tracker matter merge` them if they are one dispute")
    case_role, other_role = LINK_ROLES[link.relation]
    if theirs:
        _join(session, theirs.matter_id, case.id, case_role, other_role, by, now)
        return f"{case.key} added to {session.get(Matter, theirs.matter_id).key} as {case_role}"
    if mine:
        _join(session, mine.matter_id, other.id, other_role, case_role, by, now)
        return f"{other.key} added to {session.get(Matter, mine.matter_id).key} as {other_role}"
    lead = case if case_role == "lead" else other
    key = slug(lead.title)[:80]
    if session.exec(select(Matter).where(Matter.key == key)).scalars().first():
        key = f"{key}-{lead.id}"
    matter = Matter(key=key, title=lead.title, created_at=now, created_by=by)
    session.add(matter)
    session.flush()
    session.add_all([
        MatterMember(case_id=other.id, matter_id=matter.id, role=other_role, source=by, added_at=now),
        MatterMember(case_id=case.id, matter_id=matter.id, role=case_role, source=by, added_at=now)])
    return f"matter {key} made for {other.key} ({other_role}) and {case.key} ({case_role})"
