"""Links between cases, the one record of which cases belong together, read from what the sources said.

Each link found is proposed through the store as a ``new_link`` change that refers to it, and
waits for review like any other change. The change's source says what the link was read from
(``tracker.vocab.LinkEvidence``): the default auto-approve rule lets through the deterministic
ones, read from identifiers or the same title. Approved, a link that carries a dispute places
both cases in one matter (``tracker.matters.place_link``); the others (a correction, the same
docket, a related case, a statement about one) show on both cases without forming one. A link
points from the case that depends to the one it depends on.

From identifiers:

- a case naming another by key: a correction (``correction_of``, or ``corrections`` on the
  corrected one) → ``correction``; ``related_case`` → ``related`` (from a statement,
  ``statement_about``);
- a bill naming its companion by number (``companion: H.R.8915``) → ``companion``;
- a bill Congress.gov or Open States relates to another (``related_bills``) → ``companion``,
  ``reintroduction`` or ``related``, as the source says;
- agency documents sharing a regulation identifier number or docket: a final rule →
  ``final_rule`` of the proposed rule; otherwise ``same_docket``.

From titles:

- bills of one jurisdiction with the same title less its year: the later congress's or
  session's → ``reintroduction`` of the earlier; in the same one, the House's → ``companion`` of
  the Senate's, else ``related``;
- a state bill whose normalised title is close to another state's (``link_title_similarity``)
  → ``same_as`` the earlier one.

From CourtListener's dockets:

- a suit whose docket (``mdl_status``) or docket text names "MDL No. 3143" → ``member`` of the
  MDL docket (``...-md-03143``); a court of appeals' docket whose ``original_court_info`` names a
  district docket → ``appeal`` of it, and a district docket whose ``original_court_info`` names
  another court's docket, or whose text says "transferred in from" it → ``transfer`` of it.
"""

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, String, cast, or_, select
from sqlmodel import Session, col

from tracker.db import chunks
from tracker.models.cases import Case, Event
from tracker.records import lawsuit_key, state_bill_key
from tracker.store import Link, propose_links
from tracker.vocab import LinkEvidence as Evidence
from tracker.vocab import Relation

MDL = re.compile(r"\bMDL\s*(?:No\.?\s*)?(\d{3,5})\b", re.IGNORECASE)
MDL_DOCKET = re.compile(r"-md-0*(\d{3,5})$")
# "CASE TRANSFERRED IN from the District of Delaware; Case Number 1:24-cv-01234."
TRANSFERRED_FROM = re.compile(r"transferred (?:in )?from\b.*?\b(\d+:\d{2}-[a-z]{2,4}-\d+)",
                              re.IGNORECASE | re.DOTALL)
# "H.R.8915" / "S.4591" / "HR 2794" → chamber prefix and number
FEDERAL_NUMBER = re.compile(r"^\s*(H\.?\s*R|S)\.?\s*(\d+)\s*$", re.IGNORECASE)
# "NO FAKES Act of 2026" → "no fakes act"; "(TAKE IT DOWN) Act" → "act"
TITLE_YEAR = re.compile(r"\s+of\s+\d{4}\b|\([^)]*\)", re.IGNORECASE)
PUNCTUATION = re.compile(r"[^a-z0-9 ]+")
SHARED_FIELDS = ("regulation_id_numbers", "docket_ids")
BILL_KINDS = ("federal_bill", "state_bill")


def _stem(title: str) -> str:
    return " ".join(TITLE_YEAR.sub(" ", title).lower().split())


def _normalised(stem: str) -> str:
    """A title stem less its punctuation, for the likeness of two states' bills."""
    return " ".join(PUNCTUATION.sub(" ", stem).split())


def _keys(value) -> list[str]:
    """``"fr-2023-19240, fr-2023-19241"`` → the keys."""
    return [key.strip() for key in str(value or "").split(",") if key.strip()]


def _mdl_numbers(case: Case, texts: Iterable[str]) -> set[str]:
    found = set(MDL.findall(str(case.identifiers.get("mdl") or "")))
    for text in texts:
        found.update(MDL.findall(text))
    return found


# CourtListener's courts of appeals: only on their dockets does ``original_court_info`` name the
# docket appealed from; on a district docket it names the court the case was transferred from.
APPELLATE_COURTS = frozenset({*(f"ca{n}" for n in range(1, 12)), "cadc", "cafc"})


def _same_number(session: Session, case: Case, docket_number: str, relation: str,
                 reason: str) -> list[Link]:
    """Links to the suits in other courts with this docket number."""
    number = lawsuit_key("x", docket_number).removeprefix("x-")
    others = session.exec(select(Case).where(Case.kind == "lawsuit", Case.key != case.key,
                                             col(Case.key).endswith(f"-{number}")))
    return [Link(case.key, other.key, relation, reason, Evidence.DOCKET) for other in others.scalars()
            if other.jurisdiction != case.jurisdiction]


def _year(case: Case) -> int:
    """A bill's congress or session start, to tell the earlier of two."""
    ids = case.identifiers
    digits = re.findall(r"\d{3,4}", str(ids.get("congress") or ids.get("session") or case.key))
    return int(digits[0]) if digits else 0


def _suit_links(session: Session, suits: list[Case]) -> list[Link]:
    links: list[Link] = []
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
                links.append(Link(case.key, target, Relation.MEMBER, f"MDL No. {number}", Evidence.DOCKET))
        original = case.identifiers.get("original_docket_number")
        if original and case.jurisdiction in APPELLATE_COURTS:  # an appeal from this district docket
            links += _same_number(session, case, str(original), Relation.APPEAL, f"appeal from {original}")
        elif original:  # on a district docket it names the court the case was transferred from
            links += _same_number(session, case, str(original), Relation.TRANSFER,
                                  f"transferred from {original}")
        for text in texts.get(case.id, []):
            if found := TRANSFERRED_FROM.search(text):  # PACER's "CASE TRANSFERRED IN from ..."
                links += _same_number(session, case, found.group(1), Relation.TRANSFER,
                                      f"transferred from {found.group(1)}")
    return links


def links_for(session: Session, cases: list[Case], *, similarity: float) -> list[Link]:
    """The links each of ``cases`` has to other cases, those named by identifiers first."""
    links = [link for case in cases for link in _identifier_links(case)]
    suits = [c for c in cases if c.kind == "lawsuit" and not MDL_DOCKET.search(c.key)]
    if suits:
        links += _suit_links(session, suits)
    # Every stored bill of a kind, read once per batch, its title made comparable once.
    same_title: dict[tuple[str, str, str], list[Case]] = defaultdict(list)
    state: list[tuple[str, Case]] = []
    for kind in sorted({c.kind for c in cases} & set(BILL_KINDS)):
        for other in session.exec(select(Case).where(Case.kind == kind)).scalars():
            stem = _stem(other.title)
            same_title[other.kind, other.jurisdiction, stem].append(other)
            if kind == "state_bill":
                state.append((_normalised(stem), other))
    for case in cases:
        if case.kind in BILL_KINDS:
            links += _named_links(case)
            stem = _stem(case.title)
            if len(stem.split()) > 1:  # "(TAKE IT DOWN) Act" and "(NO FAKES) Act" are both "act"
                links += [_same_title_link(case, other) for other
                          in same_title[case.kind, case.jurisdiction, stem] if other.key != case.key]
            if case.kind == "state_bill":
                links += _state_copies(case, state, similarity)
        elif case.kind == "agency_action":
            links += _agency_links(session, case)
    return links


def _companion_key(case: Case, number: str) -> str | None:
    """The key of the companion bill an identifier names, in the case's congress or session."""
    ids = case.identifiers
    if case.kind == "federal_bill":
        match = FEDERAL_NUMBER.match(number)
        if match and ids.get("congress"):
            bill_type = "hr" if match.group(1).upper().startswith("H") else "s"
            return f"us-{ids['congress']}-{bill_type}-{match.group(2)}"
    elif case.kind == "state_bill" and ids.get("state") and ids.get("session") and number.strip():
        return state_bill_key(ids["state"], ids["session"], number.strip())
    return None


def _identifier_links(case: Case) -> list[Link]:
    """The cases this one's identifiers name by key or bill number."""
    ids, links = case.identifiers, []
    links += [Link(case.key, key, Relation.CORRECTION, "correction", Evidence.IDENTIFIERS)
              for key in _keys(ids.get("correction_of"))]
    links += [Link(key, case.key, Relation.CORRECTION, "correction", Evidence.IDENTIFIERS)
              for key in _keys(ids.get("corrections"))]  # the correction depends on this case
    relation = Relation.STATEMENT_ABOUT if case.kind == "statement" else Relation.RELATED
    links += [Link(case.key, key, relation, f"related_case: {key}", Evidence.IDENTIFIERS)
              for key in _keys(ids.get("related_case"))]
    for number in str(ids.get("companion") or "").split("/"):
        key = _companion_key(case, number)
        if key:
            links.append(Link(case.key, key, Relation.COMPANION, f"companion: {number.strip()}",
                              Evidence.IDENTIFIERS))
    return [link for link in links if link.case_key != link.other_key]


def _congress_of(key: str) -> int:
    """``us-118-hr-9551`` → 118."""
    parts = key.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


# Open States' relation types, as the case's role towards the bill it names.
STATE_RELATIONS = {"companion": Relation.COMPANION, "prior-session": Relation.REINTRODUCTION,
                   "replaced-by": Relation.RELATED, "replaces": Relation.REINTRODUCTION}


def _named_links(case: Case) -> list[Link]:
    """The bills a source relates this one to (``related_bills``: "key relation; ...")."""
    def relation_of(relation: str, other_key: str) -> str:
        if case.kind == "state_bill":
            return STATE_RELATIONS.get(relation, Relation.RELATED)
        # Congress.gov's identical bill: an earlier congress's is this one's forerunner, the
        # same congress's is the other chamber's companion.
        if relation != "identical":
            return Relation.RELATED
        return Relation.REINTRODUCTION if _congress_of(other_key) < _year(case) else Relation.COMPANION

    source = "Open States" if case.kind == "state_bill" else "Congress.gov"
    links = []
    for named in str(case.identifiers.get("related_bills") or "").split(";"):
        other_key, _, relation = named.strip().partition(" ")
        if other_key and other_key != case.key:
            links.append(Link(case.key, other_key, relation_of(relation, other_key),
                              f"{source}: {relation or 'related'} bill", Evidence.IDENTIFIERS))
    return links


def _senate(case: Case) -> bool:
    """``us-119-s-4591``, ``ca-20252026-sb-1047``: a Senate bill."""
    parts = case.key.split("-")
    return len(parts) > 3 and parts[2].startswith("s")


def _same_title_link(case: Case, other: Case) -> Link:
    """Two bills of one jurisdiction whose titles, less the year, are the same; the link points
    the same way whichever of the two is new."""
    if _year(case) != _year(other):
        later, earlier = (case, other) if _year(case) > _year(other) else (other, case)
        return Link(later.key, earlier.key, Relation.REINTRODUCTION, f"same title as {earlier.key}",
                    Evidence.SAME_TITLE)
    if _senate(case) != _senate(other):  # the House bill is the Senate bill's companion
        house, senate = (other, case) if _senate(case) else (case, other)
        return Link(house.key, senate.key, Relation.COMPANION, f"same title as {senate.key}",
                    Evidence.SAME_TITLE)
    first, second = sorted((case, other), key=lambda c: c.key)
    return Link(second.key, first.key, Relation.RELATED, f"same title as {first.key}", Evidence.SAME_TITLE)


def _state_copies(case: Case, others: list[tuple[str, Case]], similarity: float) -> list[Link]:
    links = []
    matcher = difflib.SequenceMatcher(None, b=_normalised(_stem(case.title)))
    for title, other in others:
        later = (other.first_seen, other.key) >= (case.first_seen, case.key)
        if other.jurisdiction == case.jurisdiction or later:
            continue  # a copy is another state's, and links to the earlier bill
        matcher.set_seq1(title)
        # The cheap upper bounds first: most titles are nothing alike.
        if matcher.real_quick_ratio() >= similarity and matcher.quick_ratio() >= similarity \
                and (ratio := matcher.ratio()) >= similarity:
            links.append(Link(case.key, other.key, Relation.SAME_AS,
                              f"title {ratio:.0%} alike {other.key}", Evidence.SIMILAR_TITLE))
    return links


def _agency_links(session: Session, case: Case) -> list[Link]:
    """Documents sharing a RIN or docket; the link points the same way whichever is new."""
    ids, links = case.identifiers, []
    values = [v.strip() for f in SHARED_FIELDS for v in str(ids.get(f) or "").split(",") if v.strip()]
    if not values:
        return links
    conditions = [cast(Case.identifiers, String).contains(v, autoescape=True) for v in values]
    for other in session.exec(select(Case).where(Case.kind == "agency_action", Case.key != case.key,
                                                 or_(*conditions))).scalars():
        reason = f"RIN/docket {next(v for v in values if v in str(other.identifiers))}"
        kinds = (ids.get("document_type"), other.identifiers.get("document_type"))
        if "Rule" in kinds and "Proposed Rule" in kinds:
            final, proposed = (case, other) if kinds[0] == "Rule" else (other, case)
            links.append(Link(final.key, proposed.key, Relation.FINAL_RULE, reason, Evidence.IDENTIFIERS))
        else:
            later, earlier = sorted((case, other), key=lambda c: c.key, reverse=True)
            links.append(Link(later.key, earlier.key, Relation.SAME_DOCKET, reason, Evidence.IDENTIFIERS))
    return links


def propose(engine: Engine, keys: Iterable[str], *, similarity: float, now: datetime) -> int:
    """Find the links of the cases with these keys and propose the new ones for review."""
    with Session(engine) as session:
        cases = [case for chunk in chunks(list(keys))
                 for case in session.exec(select(Case).where(col(Case.key).in_(chunk))).scalars()]
        links = links_for(session, cases, similarity=similarity)
    return propose_links(engine, links, now=now)
