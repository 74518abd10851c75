"""People from the records: legislators, judges and parties stored once each, and their links to
cases with the role each plays (sponsor, cosponsor, judge, plaintiff, defendant, amicus).

``record_people`` runs in the intake right after ``tracker.store.ingest``. Who is who:

- A legislator or a judge is one person across sources where an identifier ties them: the
  bioguide id (Congress.gov), the Open States person id, the CourtListener person id. A mention
  whose identifiers are known belongs to that person (the first scheme found wins, and the
  person gains the mention's other identifiers); otherwise it makes a new person. Two mentions
  with the same name and no shared identifier are two people: names alone never join.
- A mention with no identifier (an Open States sponsorship without a ``person``, a committee, a
  judge CourtListener did not link) stays on the case by name, with no person.
- Parties have no identifiers: they are joined by their names as ``tracker/data/parties.yaml``
  folds them (``OpenAI OpCo, LLC`` and ``OpenAI, Inc.`` are ``party-openai``).

A record's list replaces what the same source said before of each role it names, on that case
only, and writes nothing when nothing changed, so a re-crawl that finds nothing new writes
nothing.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, or_, select, update

from tracker.db import chunks, write_session
from tracker.models.cases import Case
from tracker.models.people import CasePerson, Person, PersonIdentifier
from tracker.parties import normalise_party
from tracker.records import CaseRecord, PersonRecord, slug
from tracker.vocab import PersonKind, Role

PEOPLE = Person.__table__
IDENTIFIERS = PersonIdentifier.__table__
LINKS = CasePerson.__table__
CASES = Case.__table__
# The schemes that tie a person across sources, in the order a person's key is made from.
SCHEMES = ("bioguide", "openstates", "courtlistener")
PARTY_ROLES = (Role.PLAINTIFF, Role.DEFENDANT, Role.AMICUS)
KIND_OF_ROLE = {Role.SPONSOR: PersonKind.LEGISLATOR, Role.COSPONSOR: PersonKind.LEGISLATOR,
                Role.JUDGE: PersonKind.JUDGE, Role.PLAINTIFF: PersonKind.PARTY,
                Role.DEFENDANT: PersonKind.PARTY, Role.AMICUS: PersonKind.PARTY}
PERSON_FIELDS = ("name", "party", "jurisdiction", "seat")


def identities(mention: PersonRecord) -> list[tuple[str, str]]:
    """The (scheme, value) pairs that say who a mention is: its source ids, or for a party the
    name the parties table folds it to; none for a legislator or judge named without an id."""
    if mention.role in PARTY_ROLES:
        folded = slug(normalise_party(mention.name))
        return [("party", folded)] if folded else []
    return [(scheme, str(mention.identifiers[scheme]).strip()) for scheme in SCHEMES
            if str(mention.identifiers.get(scheme) or "").strip()]


def person_key(scheme: str, value: str) -> str:
    """``bioguide-c001088``, ``openstates-2918acca-...``, ``courtlistener-1124``, ``party-openai``."""
    return f"{scheme}-{slug(value.removeprefix('ocd-person/'))}"


def mentions_of(record: CaseRecord) -> tuple[list[PersonRecord], set[str]]:
    """Everyone a record names, with the roles it speaks for (a role it names with nobody, as
    ``plaintiffs: []``, clears that role). Its plaintiffs and defendants count as parties."""
    mentions = list(record.people or [])
    roles = {m.role for m in mentions}
    for role, names in ((Role.PLAINTIFF, record.plaintiffs), (Role.DEFENDANT, record.defendants)):
        if names is not None:
            roles.add(role)
            mentions += [PersonRecord(role=role, name=name) for name in names if name.strip()]
    return mentions, roles


def record_people(engine: Engine, records: Sequence[CaseRecord], *, now: datetime) -> int:
    """Store the people the records name and their links to the records' cases.

    :return: how many links were written (0 when everything was known already)
    """
    named: dict[tuple[str, str], tuple[list[PersonRecord], set[str]]] = {}
    for record in records:  # a case twice from one source (two pages of a crawl): the later wins
        mentions, roles = mentions_of(record)
        if roles:
            named[record.key, record.source] = (mentions, roles)
    if not named:
        return 0
    with write_session(engine) as session:
        connection = session.connection()
        case_ids = _case_ids(connection, list({key for key, _ in named}))
        people = _people(connection, [m for mentions, _ in named.values() for m in mentions], now)
        return sum(_link(connection, case_ids[key], source, mentions, roles, people)
                   for (key, source), (mentions, roles) in named.items() if key in case_ids)


def _case_ids(connection, keys: list[str]) -> dict[str, int]:
    ids = {}
    for chunk in chunks(keys):
        ids.update(connection.execute(select(CASES.c.key, CASES.c.id).where(CASES.c.key.in_(chunk))).all())
    return ids


def _people(connection, mentions: list[PersonRecord], now: datetime) -> dict[tuple[str, str], int]:
    """Each identity the mentions carry → its person's id, making and updating people."""
    wanted = {identity for m in mentions for identity in identities(m)}
    known = _known(connection, wanted)
    for mention in mentions:
        pairs = identities(mention)
        if not pairs:
            continue
        person_id = next((known[p] for p in pairs if p in known), None)
        values = {"name": _name(mention), "party": mention.party, "jurisdiction": mention.jurisdiction,
                  "seat": mention.seat}
        if person_id is None:
            scheme, value = pairs[0]
            person_id = connection.execute(insert(PEOPLE).values(
                key=person_key(scheme, value), kind=str(KIND_OF_ROLE[Role(mention.role)]),
                identifiers=dict(pairs), first_seen=now, updated_at=now, **values)).inserted_primary_key[0]
        else:
            _update(connection, person_id, values, now)
        fresh = [p for p in pairs if p not in known]
        if fresh:
            connection.execute(insert(IDENTIFIERS), [
                {"scheme": scheme, "value": value, "person_id": person_id} for scheme, value in fresh])
            if any(p in known for p in pairs):  # a known person gains an identifier
                stored = connection.execute(select(PEOPLE.c.identifiers).where(
                    PEOPLE.c.id == person_id)).scalar_one()
                connection.execute(update(PEOPLE).where(PEOPLE.c.id == person_id).values(
                    identifiers={**stored, **dict(fresh)}, updated_at=now))
            known.update(dict.fromkeys(fresh, person_id))
    return known


def _known(connection, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    known: dict[tuple[str, str], int] = {}
    pairs = sorted(wanted)
    for chunk in chunks(pairs, 500):
        query = select(IDENTIFIERS.c.scheme, IDENTIFIERS.c.value, IDENTIFIERS.c.person_id).where(
            or_(*(and_(IDENTIFIERS.c.scheme == scheme, IDENTIFIERS.c.value == value)
                  for scheme, value in chunk)))
        known.update({(scheme, value): person_id for scheme, value, person_id in connection.execute(query)})
    return known


def _name(mention: PersonRecord) -> str:
    """A party's name as the table folds it; anyone else's as the source wrote it."""
    return normalise_party(mention.name) if mention.role in PARTY_ROLES else " ".join(mention.name.split())


def _update(connection, person_id: int, values: dict[str, Any], now: datetime) -> None:
    """The latest source's name and seat win; a field it leaves empty is kept."""
    stored = connection.execute(select(*(PEOPLE.c[f] for f in PERSON_FIELDS)).where(
        PEOPLE.c.id == person_id)).one()._mapping
    changes = {f: v for f, v in values.items() if v and v != stored[f]}
    if changes:
        connection.execute(update(PEOPLE).where(PEOPLE.c.id == person_id).values(updated_at=now, **changes))


def _link(connection, case_id: int, source: str, mentions: Iterable[PersonRecord], roles: set[str],
          people: dict[tuple[str, str], int]) -> int:
    """Replace what ``source`` said of ``roles`` on the case, when it says something else now."""
    wanted: dict[str, list[tuple[int | None, str, str | None]]] = defaultdict(list)
    for mention in mentions:
        person_id = next((people[p] for p in identities(mention) if p in people), None)
        row = (person_id, " ".join(mention.name.split()), mention.detail)
        if row not in wanted[mention.role]:
            wanted[mention.role].append(row)
    stored: dict[str, list[tuple[int | None, str, str | None]]] = defaultdict(list)
    query = (select(LINKS.c.role, LINKS.c.person_id, LINKS.c.name, LINKS.c.detail)
             .where(LINKS.c.case_id == case_id, LINKS.c.source == source).order_by(LINKS.c.position))
    for role, person_id, name, detail in connection.execute(query):
        stored[role].append((person_id, name, detail))
    changed = [role for role in sorted(roles) if wanted.get(role, []) != stored.get(role, [])]
    if not changed:
        return 0
    connection.execute(delete(LINKS).where(LINKS.c.case_id == case_id, LINKS.c.source == source,
                                           LINKS.c.role.in_(changed)))
    rows = [{"case_id": case_id, "person_id": person_id, "role": role, "name": name, "detail": detail,
             "source": source, "position": position}
            for role in changed for position, (person_id, name, detail) in enumerate(wanted.get(role, []))]
    if rows:
        connection.execute(insert(LINKS), rows)
    return len(rows) or len(changed)
