"""Automatic links: which stored cases belong to one dispute, read from what the sources said.

Each link found is proposed through the store as a ``new_link`` change, so it waits for review
like any other change (or for an auto-approve rule on ``new_link``); approved, it places both
cases in one matter (``tracker.matters.place_link``). A link points from the case that depends
to the one it depends on:

- a suit whose docket (CourtListener's ``mdl_status``) or docket text names "MDL No. 3143" →
  ``member`` of the MDL docket (``...-md-03143``); an appeal whose ``original_court_info``
  names a district docket → ``appeal`` of it; a suit whose docket text says it was
  "transferred in from" another court's docket → ``transfer`` of that docket;
- a bill Congress.gov or Open States relates to another (``related_bills``) → ``companion``,
  ``reintroduction`` or ``related``, as the source says;
- a bill whose title, less its year, is another congress's → ``reintroduction`` of the earlier
  one; the other chamber's in the same congress → ``companion``;
- a state bill whose normalised title is close to another state's (``link_title_similarity``)
  → ``same_as`` the earlier one;
- agency documents sharing a regulation identifier number or docket: a final rule →
  ``final_rule`` of the proposed rule; otherwise, and for ``correction_of``, ``related``.
"""

import difflib
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, String, cast, or_, select
from sqlmodel import Session, col

from tracker.db import chunks
from tracker.models.cases import Case, Event
from tracker.models.matters import MatterMember
from tracker.records import lawsuit_key
from tracker.related import title_stem
from tracker.store import Link, propose_links

MDL = re.compile(r"\bMDL\s*(?:No\.?\s*)?(\d{3,5})\b", re.IGNORECASE)
MDL_DOCKET = re.compile(r"-md-0*(\d{3,5})$")
# "CASE TRANSFERRED IN from the District of Delaware; Case Number 1:24-cv-01234."
TRANSFERRED_FROM = re.compile(r"transferred (?:in )?from\b.*?\b(\d+:\d{2}-[a-z]{2,4}-\d+)",
                              re.IGNORECASE | re.DOTALL)
PUNCTUATION = re.compile(r"[^a-z0-9 ]+")
SHARED_FIELDS = ("regulation_id_numbers", "docket_ids")


def _mdl_numbers(case: Case, texts: Iterable[str]) -> set[str]:
    found = set(MDL.findall(str(case.identifiers.get("mdl") or "")))
    for text in texts:
        found.update(MDL.findall(text))
    return found


def _same_number(session: Session, case: Case, docket_number: str, relation: str,
                 reason: str) -> list[Link]:
    """Links to the suits in other courts with this docket number."""
    number = lawsuit_key("x", docket_number).removeprefix("x-")
    others = session.exec(select(Case).where(Case.kind == "lawsuit", Case.key != case.key,
                                             col(Case.key).endswith(f"-{number}")))
    return [Link(case.key, other.key, relation, reason) for other in others.scalars()
            if other.jurisdiction != case.jurisdiction]


def _normalised(title: str) -> str:
    return " ".join(PUNCTUATION.sub(" ", title_stem(title)).split())


def _year(case: Case) -> int:
    """A bill's congress or session start, to tell the earlier of two."""
    ids = case.identifiers
    digits = re.findall(r"\d{3,4}", str(ids.get("congress") or ids.get("session") or case.key))
    return int(digits[0]) if digits else 0


def links_for(session: Session, cases: list[Case], *, similarity: float) -> list[Link]:
    """The links each of ``cases`` has to stored cases."""
    links: list[Link] = []
    suits = [c for c in cases if c.kind == "lawsuit" and not MDL_DOCKET.search(c.key)]
    if suits:
        texts: dict[int, list[str]] = {}
        for event in session.exec(select(Event).where(
                col(Event.case_id).in_([c.id for c in suits]),
                or_(col(Event.text).ilike("%MDL%"), col(Event.text).ilike("%transferred%")))).scalars():
            texts.setdefault(event.case_id, []).append(event.text)
        mdl_dockets = {MDL_DOCKET.search(key).group(1).lstrip("0"): key for key in session.exec(
            select(Case.key).where(Case.kind == "lawsuit", col(Case.key).contains("-md-"))).scalars()}
        for case in suits:
            for number in sorted(_mdl_numbers(case, texts.get(case.id, []))):
                target = mdl_dockets.get(number.lstrip("0"))
                if target:
                    links.append(Link(case.key, target, "member", f"MDL No. {number}"))
            original = case.identifiers.get("original_docket_number")
            if original:  # an appeal: the district docket it came from, in any court
                links += _same_number(session, case, str(original), "appeal", f"appeal from {original}")
            for text in texts.get(case.id, []):
                if found := TRANSFERRED_FROM.search(text):  # PACER's "CASE TRANSFERRED IN from ..."
                    links += _same_number(session, case, found.group(1), "transfer",
                                          f"transferred from {found.group(1)}")
    # Every stored bill of a kind, read once per batch, with its title made comparable once.
    federal: dict[str, list[Case]] = {}
    if any(c.kind == "federal_bill" for c in cases):
        for other in session.exec(select(Case).where(Case.kind == "federal_bill")).scalars():
            federal.setdefault(title_stem(other.title), []).append(other)
    state: list[tuple[str, Case]] = []
    if any(c.kind == "state_bill" for c in cases):
        state = [(_normalised(other.title), other)
                 for other in session.exec(select(Case).where(Case.kind == "state_bill")).scalars()]
    for case in cases:
        if case.kind == "federal_bill":
            links += _federal_bill_links(case, federal.get(title_stem(case.title), []))
        elif case.kind == "state_bill":
            links += _state_bill_links(case, state, similarity)
        elif case.kind == "agency_action":
            links += _agency_links(session, case)
    return links


def _named_links(case: Case, source: str, relation_of) -> list[Link]:
    """The bills a source relates this one to (``related_bills``: "key relation; ...")."""
    links = []
    for named in str(case.identifiers.get("related_bills") or "").split(";"):
        other_key, _, relation = named.strip().partition(" ")
        if other_key and other_key != case.key:
            links.append(Link(case.key, other_key, relation_of(relation, other_key),
                              f"{source}: {relation or 'related'} bill"))
    return links


def _congress_of(key: str) -> int:
    """``us-118-hr-9551`` → 118."""
    parts = key.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


def _federal_bill_links(case: Case, same_title: list[Case]) -> list[Link]:
    def relation_of(relation: str, other_key: str) -> str:
        # Congress.gov's identical bill: an earlier congress's is this one's forerunner, the
        # same congress's is the other chamber's companion.
        if relation != "identical":
            return "related"
        return "reintroduction" if _congress_of(other_key) < _year(case) else "companion"

    links = _named_links(case, "Congress.gov", relation_of)
    for other in same_title:
        if other.key == case.key:
            continue
        if _year(other) < _year(case):
            links.append(Link(case.key, other.key, "reintroduction", f"same title as {other.key}"))
        elif _year(other) == _year(case) and other.key.split("-")[2] != case.key.split("-")[2] \
                and case.key.split("-")[2] == "hr":  # the House bill is the Senate bill's companion
            links.append(Link(case.key, other.key, "companion", f"same title as {other.key}"))
    return links


# Open States' relation types, as the case's role towards the bill it names.
STATE_RELATIONS = {"companion": "companion", "prior-session": "reintroduction",
                   "replaced-by": "related", "replaces": "reintroduction"}


def _state_bill_links(case: Case, others: list[tuple[str, Case]], similarity: float) -> list[Link]:
    links = _named_links(case, "Open States", lambda relation, _: STATE_RELATIONS.get(relation, "related"))
    matcher = difflib.SequenceMatcher(None, b=_normalised(case.title))
    for title, other in others:
        later = (other.first_seen, other.key) >= (case.first_seen, case.key)
        if other.jurisdiction == case.jurisdiction or later:
            continue  # a copy is another state's, and links to the earlier bill
        matcher.set_seq1(title)
        # The cheap upper bounds first: most titles are nothing alike.
        if matcher.real_quick_ratio() >= similarity and matcher.quick_ratio() >= similarity \
                and (ratio := matcher.ratio()) >= similarity:
            links.append(Link(case.key, other.key, "same_as", f"title {ratio:.0%} alike {other.key}"))
    return links


def _agency_links(session: Session, case: Case) -> list[Link]:
    ids, links = case.identifiers, []
    if ids.get("correction_of"):
        links.append(Link(case.key, str(ids["correction_of"]), "related", "correction"))
    values = [v.strip() for f in SHARED_FIELDS for v in str(ids.get(f) or "").split(",") if v.strip()]
    if not values:
        return links
    conditions = [cast(Case.identifiers, String).contains(v, autoescape=True) for v in values]
    for other in session.exec(select(Case).where(Case.kind == "agency_action", Case.key != case.key,
                                                 or_(*conditions))).scalars():
        shared = next(v for v in values if v in str(other.identifiers))
        kinds = (ids.get("document_type"), other.identifiers.get("document_type"))
        if kinds == ("Rule", "Proposed Rule"):
            links.append(Link(case.key, other.key, "final_rule", f"RIN/docket {shared}"))
        elif kinds != ("Proposed Rule", "Rule") and case.key > other.key:
            links.append(Link(case.key, other.key, "related", f"RIN/docket {shared}"))
    return links


def propose(engine: Engine, keys: Iterable[str], *, similarity: float, now: datetime) -> int:
    """Find the links of the cases with these keys and propose the new ones for review."""
    with Session(engine) as session:
        cases = [case for chunk in chunks(list(keys))
                 for case in session.exec(select(Case).where(col(Case.key).in_(chunk))).scalars()]
        links = links_for(session, cases, similarity=similarity)
        # Cases a matter already holds together need no proposal.
        keys = {k for link in links for k in (link.case_key, link.other_key)}
        together = {case.key: member.matter_id for case, member in session.execute(
            select(Case, MatterMember).join(MatterMember, col(MatterMember.case_id) == Case.id)
            .where(col(Case.key).in_(keys or [""])))}
        links = [link for link in links if together.get(link.case_key) is None
                 or together.get(link.case_key) != together.get(link.other_key)]
    return propose_links(engine, links, now=now)
