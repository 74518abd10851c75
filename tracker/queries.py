"""The read side of the store: the queries every face (CLI, web, digests) shares.

Reads never write; they take a plain ``Session`` and return models and dicts. ``case_to_dict``
is the one JSON shape of a case (``tracker cases --json``, ``tracker show --json``,
``tracker export``); its fields are documented in the README and only ever added to.
"""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, cast, exists, func, or_, text
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from tracker.db import chunks
from tracker.errors import NotFoundError
from tracker.models.cases import Case, CaseNote, CaseStance, CaseTag, Event, Party
from tracker.models.people import CasePerson, Person
from tracker.people_queries import people_of
from tracker.vocab import Kind, Relation, Stance, Status


@dataclass
class CaseFilter:
    """What ``tracker cases`` and ``tracker export`` select on; every part is optional."""

    kinds: list[Kind] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    since: date | None = None  # status date on or after
    search: str | None = None  # in key, title or summary
    party: str | None = None  # in a plaintiff's or defendant's name
    tag: str | None = None  # the sources' tags or staff's
    staff_tags: bool = False  # whether ``tag`` matches staff tags too: for staff (the CLI) only
    watchlist_only: bool = False
    stance: Stance | None = None
    defendant: str | None = None  # in a defendant's name
    person: str | None = None  # a person's key (``tracker people``), in one of ``person_roles``
    person_roles: tuple[str, ...] = ()


@dataclass
class CaseDetail:
    case: Case
    parties: dict[str, list[str]]
    events: list[Event]
    staff: dict[str, Any]


def _where(query, filters: CaseFilter):
    if filters.kinds:
        query = query.where(col(Case.kind).in_([str(k) for k in filters.kinds]))
    if filters.statuses:
        query = query.where(col(Case.status).in_([str(s) for s in filters.statuses]))
    if filters.jurisdictions:
        query = query.where(col(Case.jurisdiction).in_([j.lower() for j in filters.jurisdictions]))
    if filters.since:
        query = query.where(col(Case.status_date) >= filters.since)
    if filters.search:
        term = f"%{filters.search}%"
        query = query.where(or_(col(Case.key).ilike(term), col(Case.title).ilike(term),
                                col(Case.summary).ilike(term)))
    if filters.party:
        query = query.where(exists().where(
            Party.case_id == Case.id,
            col(Party.name_folded).contains(filters.party.casefold(), autoescape=True),
        ))
    if filters.defendant:
        query = query.where(exists().where(
            Party.case_id == Case.id, Party.role == "defendant",
            col(Party.name_folded).contains(filters.defendant.casefold(), autoescape=True),
        ))
    if filters.person:
        query = query.where(exists().where(
            CasePerson.case_id == Case.id, CasePerson.person_id == Person.id,
            Person.key == filters.person.strip().lower(), col(CasePerson.role).in_(filters.person_roles)))
    if filters.tag:
        # Tags are a JSON list; matching its text with the quotes keeps "ai" from matching "fair".
        tagged = cast(Case.tags, String).contains(f'"{filters.tag}"', autoescape=True)
        if filters.staff_tags:
            tagged = or_(tagged, exists().where(CaseTag.case_id == Case.id,
                                                CaseTag.tag == filters.tag.lower()))
        query = query.where(tagged)
    if filters.stance:
        query = query.where(exists().where(CaseStance.case_id == Case.id,
                                           CaseStance.stance == filters.stance))
    if filters.watchlist_only:
        query = query.where(col(Case.on_watchlist).is_(True))
    return query


def count_cases(session: Session, filters: CaseFilter) -> int:
    return session.exec(_where(select(func.count()).select_from(Case), filters)).one()


def list_cases(session: Session, filters: CaseFilter, *, limit: int | None = None, offset: int = 0,
               order: str = "date") -> list[Case]:
    """Matching cases, the most recently moved first (``order="status"``: by status, then so)."""
    latest = (col(Case.status_date).desc().nulls_last(), col(Case.key))
    # By status: in the vocabulary's order (filed before dismissed before judgment...).
    by_status = sql_case({status.value: rank for rank, status in enumerate(Status)},
                         value=col(Case.status), else_=len(Status))
    query = _where(select(Case), filters).order_by(*((by_status, *latest) if order == "status" else latest))
    if limit:
        query = query.limit(limit)
    return list(session.exec(query.offset(offset) if offset else query))


def parties_of(session: Session, case_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    parties: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"plaintiffs": [], "defendants": []})
    for chunk in chunks(case_ids):
        query = select(Party).where(col(Party.case_id).in_(chunk)).order_by(col(Party.position))
        for party in session.exec(query):
            parties[party.case_id][f"{party.role}s"].append(party.name)
    return parties


def events_of(session: Session, case_ids: list[int]) -> dict[int, list[Event]]:
    """Each case's events in history order: date, then the source's order, then arrival."""
    events: dict[int, list[Event]] = defaultdict(list)
    for chunk in chunks(case_ids):
        query = select(Event).where(col(Event.case_id).in_(chunk)).order_by(
            col(Event.date), col(Event.sequence).nulls_first(), col(Event.id))
        for event in session.exec(query):
            events[event.case_id].append(event)
    return events


def case_by_key(session: Session, key: str) -> Case:
    """The case with this key as a user types it (spaces around it and capitals do not matter).

    :raises NotFoundError: when there is none
    """
    case = session.exec(select(Case).where(Case.key == key.strip().lower())).first()
    if case is None:
        raise NotFoundError(f"no case {key}")
    return case


def get_case(session: Session, key: str) -> CaseDetail | None:
    try:
        case = case_by_key(session, key)
    except NotFoundError:
        return None
    return CaseDetail(case, parties_of(session, [case.id])[case.id],
                      events_of(session, [case.id])[case.id], staff_of(session, [case.id])[case.id])


def events_since(session: Session, filters: CaseFilter, since: date, *,
                 matter: str | None = None) -> list[tuple[Event, Case]]:
    """Every event dated on or after ``since`` on the cases ``filters`` select (and, given a
    matter's key, that are in it), the newest first.

    :raises NotFoundError: for a matter that does not exist
    """
    query = _where(select(Event, Case).join(Case, col(Case.id) == Event.case_id), filters)
    if matter is not None:
        found = session.execute(text("SELECT id FROM matters WHERE key = :key"),
                                {"key": matter.strip().lower()}).scalar()
        if found is None:
            raise NotFoundError(f"no matter {matter} (`tracker matters` lists them)")
        members = text("SELECT case_id FROM matter_members WHERE matter_id = :matter").bindparams(
            matter=found).columns(case_id=Integer)
        query = query.where(col(Case.id).in_(members))
    query = query.where(col(Event.date) >= since).order_by(
        col(Event.date).desc(), col(Event.sequence).desc().nulls_last(), col(Event.id).desc())
    return [(event, case) for event, case in session.execute(query)]


def resolve_key(session: Session, key: str) -> str:
    """The key itself when a case has it, else the one key it is a prefix of (a shortened key as
    ``tracker cases`` shows it, "…" and all); else ``key`` unchanged.

    :raises NotFoundError: when it is the start of several keys, naming them
    """
    wanted = key.strip().lower().removesuffix("…")
    if not wanted or session.exec(select(Case.id).where(Case.key == wanted)).first() is not None:
        return wanted
    starting = list(session.exec(select(Case.key).where(
        col(Case.key).startswith(wanted, autoescape=True)).order_by(col(Case.key)).limit(6)))
    if len(starting) > 1:
        raise NotFoundError(f"{key!r} is the start of several keys; give more of it", starting[:5])
    return starting[0] if starting else wanted


def suggest_keys(session: Session, key: str, *, n: int = 5) -> list[str]:
    """The stored keys closest to a mistyped one: containing it first, then by similarity."""
    wanted = key.strip().lower()
    containing = list(session.exec(
        select(Case.key).where(col(Case.key).contains(wanted, autoescape=True)).limit(n)))
    if len(containing) >= n:
        return containing
    keys = list(session.exec(select(Case.key)))
    similar = difflib.get_close_matches(wanted, keys, n=n, cutoff=0.5)
    return list(dict.fromkeys(containing + similar))[:n]


def status_label(status: str | None) -> str | None:
    if status is None:
        return None
    try:
        return Status(status).label
    except ValueError:
        return status


def event_to_dict(event: Event) -> dict[str, Any]:
    return {
        "date": event.date.isoformat(),
        "text": event.text,
        "classification": event.classification.split(),
        "significance": event.significance,
        "ruling": event.ruling,
        "entry_number": event.entry_number,
        "source": event.source,
        "source_url": event.source_url,
    }


def matter_of_case(session: Session, case_id: int) -> dict[str, str] | None:
    """The case's matter as ``{key, title, role}``. Plain SQL, so that ``tracker show`` need not
    load the matters module and its tables (tracker.matters owns them)."""
    row = session.execute(text(
        "SELECT m.key, m.title, mm.role FROM matter_members mm JOIN matters m ON m.id = mm.matter_id "
        "WHERE mm.case_id = :case_id"), {"case_id": case_id}).first()
    return {"key": row[0], "title": row[1], "role": row[2]} if row else None


MDL_NUMBER = re.compile(r"-\d+:\d{2}-md-0*(\d+)")


def mdl_of_case(session: Session, case: Case) -> dict[str, str | None] | None:
    """For a member case held in an MDL, the MDL's own docket and the stage it is at: the lead of
    the case's matter whose key is an MDL docket (``nysd-1:25-md-03143``). Plain SQL, as
    ``matter_of_case``."""
    if case.status != Status.IN_MDL:
        return None
    row = session.execute(text(
        "SELECT c.key, c.status, c.status_date FROM matter_members mm "
        "JOIN matter_members lead ON lead.matter_id = mm.matter_id AND lead.role = 'lead' "
        "JOIN cases c ON c.id = lead.case_id WHERE mm.case_id = :id AND c.id != :id"),
        {"id": case.id}).first()
    number = MDL_NUMBER.search(row[0]) if row else None
    if row is None or number is None:
        return None
    since = row[2] if row[2] is None or isinstance(row[2], str) else row[2].isoformat()
    return {"key": row[0], "name": f"MDL No. {number.group(1)}", "stage": row[1],
            "stage_label": status_label(row[1]), "since": since}


def case_links(session: Session, case: Case) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The links from and to a case with where their review stands, and the tracked cases its
    approved links relate it to, each once (``tracker show``'s ``links`` and ``related``).
    Plain SQL, as ``matter_of_case``: the store owns ``case_links``."""
    rows = session.execute(text(
        "SELECT 'to', l.relation, l.other_key, l.reason, c.review_state, o.title, o.status "
        "FROM case_links l LEFT JOIN changes c ON c.link_id = l.id "
        "LEFT JOIN cases o ON o.key = l.other_key WHERE l.case_id = :id "
        "UNION ALL "
        "SELECT 'from', l.relation, s.key, l.reason, c.review_state, s.title, s.status "
        "FROM case_links l JOIN cases s ON s.id = l.case_id "
        "LEFT JOIN changes c ON c.link_id = l.id WHERE l.other_key = :key ORDER BY 3, 1"),
        {"id": case.id, "key": case.key}).all()
    links = [{"direction": direction, "relation": relation, "key": key, "reason": reason,
              "review_state": state} for direction, relation, key, reason, state, _, _ in rows]
    related: dict[str, dict[str, Any]] = {}
    for direction, relation, key, _, state, title, status in rows:
        if state == "approved" and title is not None and key not in related:
            known = Relation._value2member_map_.get(relation)
            said = (known.label if direction == "to" else known.inverse) if known else relation
            related[key] = {"relation": said, "key": key, "title": title, "status": status,
                            "status_label": status_label(status)}
    return links, list(related.values())


def link_said(link: dict[str, Any]) -> str:
    """A link as its case sees it: ``member of nysd-1:25-md-03143``, ``nysd-1:23-cv-11195 is its
    member``."""
    known = Relation._value2member_map_.get(link["relation"])
    if link["direction"] == "to":
        return f"{known.label if known else link['relation']} {link['key']}"
    return f"{link['key']} is its {known.noun if known else link['relation']}"


def staff_of(session: Session, case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What staff said about each case: ``stance``, ``staff_tags`` and ``notes`` (oldest first,
    each internal unless ``public``). All of it is for staff: ``public_view`` is what the public
    may see."""
    staff: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"stance": None, "staff_tags": [], "notes": []})
    for chunk in chunks(case_ids):
        for row in session.exec(select(CaseStance).where(col(CaseStance.case_id).in_(chunk))):
            staff[row.case_id]["stance"] = row.stance
        for row in session.exec(select(CaseTag).where(col(CaseTag.case_id).in_(chunk))
                                .order_by(col(CaseTag.tag))):
            staff[row.case_id]["staff_tags"].append(row.tag)
        for row in session.exec(select(CaseNote).where(col(CaseNote.case_id).in_(chunk))
                                .order_by(col(CaseNote.id))):
            staff[row.case_id]["notes"].append({
                "author": row.author, "at": row.created_at.isoformat(timespec="seconds"),
                "text": row.text, "public": row.public})
    return staff


def case_to_dict(case: Case, parties: dict[str, list[str]],
                 events: list[Event] | None = None,
                 staff: dict[str, Any] | None = None, *, curation: bool = False) -> dict[str, Any]:
    """A case as JSON. ``curation`` adds the watchlist's staff-only research fields (as_of,
    confidence, research_notes): the CLI asks for them, the public web app never does."""
    data = {
        "key": case.key,
        "kind": case.kind,
        "jurisdiction": case.jurisdiction,
        "title": case.title,
        "status": case.status,
        "status_label": status_label(case.status),
        "status_date": case.status_date.isoformat() if case.status_date else None,
        "identifiers": dict(case.identifiers),
        "parties": {"plaintiffs": list(parties["plaintiffs"]),
                    "defendants": list(parties["defendants"])},
        "urls": list(case.urls),
        "sources": list(case.sources),
        "tags": list(case.tags),
        "summary": case.summary,
        "why_tracked": case.why_tracked,
        "on_watchlist": case.on_watchlist,
        "first_seen": case.first_seen.date().isoformat(),
        "last_seen": case.last_seen.isoformat(),
        "stance": (staff or {}).get("stance"),
        "staff_tags": list((staff or {}).get("staff_tags", [])),
        "notes": list((staff or {}).get("notes", [])),
        "events": [event_to_dict(e) for e in events or []],
    }
    if curation:
        data["curation"] = {"as_of": case.as_of.isoformat() if case.as_of else None,
                            "confidence": case.confidence, "research_notes": case.research_notes}
    return data


def case_dicts(session: Session, cases: list[Case], *, curation: bool = False) -> list[dict[str, Any]]:
    """``case_to_dict`` for many cases, with two queries in all rather than two per case."""
    ids = [c.id for c in cases]
    parties, events, staff = parties_of(session, ids), events_of(session, ids), staff_of(session, ids)
    return [case_to_dict(c, parties[c.id], events[c.id], staff[c.id], curation=curation)
            for c in cases]


def show_dict(session: Session, detail: CaseDetail, *, curation: bool = False) -> dict[str, Any]:
    """``tracker show --json`` and the web's case JSON: ``case_to_dict`` with the case's matter,
    its links and the cases they relate it to, for an MDL member its MDL's stage, and its people
    (sponsors, judges, parties: ``tracker.people_queries.people_of``)."""
    links, related = case_links(session, detail.case)
    people = [{"key": m.key, "name": m.name, "role": m.role, "detail": m.detail, "label": m.label}
              for m in people_of(session, [detail.case.id]).get(detail.case.id, [])]
    return {**case_to_dict(detail.case, detail.parties, detail.events, detail.staff, curation=curation),
            "related": related, "matter": matter_of_case(session, detail.case.id), "links": links,
            "mdl": mdl_of_case(session, detail.case), "people": people}


STAFF_ONLY = ("stance", "staff_tags", "curation")


def public_view(data: dict[str, Any]) -> dict[str, Any]:
    """A case's JSON as the public sees it (the web pages and API to anyone not signed in):
    without the stance, staff tags and curation, and with the public notes alone, without who
    wrote them."""
    shown = {name: value for name, value in data.items() if name not in STAFF_ONLY}
    shown["notes"] = public_notes(data["notes"])
    return shown


def public_notes(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notes written for the public, each its date and text."""
    return [{"at": note["at"], "text": note["text"]} for note in notes if note["public"]]


def known_jurisdictions(session: Session) -> list[str]:
    """Every jurisdiction a case has, sorted."""
    return sorted(session.exec(select(Case.jurisdiction).distinct()))


def known_tags(session: Session) -> set[str]:
    """Every tag a case has, the sources' and the staff's."""
    tags = {tag for row in session.exec(select(Case.tags)) for tag in row or []}
    return tags | set(session.exec(select(CaseTag.tag).distinct()))
