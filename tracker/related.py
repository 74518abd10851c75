"""Cases related to a case: companions, reintroductions, corrections, rules and their proposals.

Links come from what the sources and the watchlist already say, read when asked rather than
stored, so a link appears as soon as both cases are known:

- an identifier naming another case: a companion bill (``companion: H.R.8915``), a correction
  (``correction_of``, ``corrections``), a related case (``related_case``), in either direction;
- bills of the same kind and title in another congress or session, or in the other chamber
  ("NO FAKES Act of 2025" and "... of 2026"): a reintroduction or a companion;
- agency documents that share a docket or a regulation identifier number: a proposed rule and
  its final rule, a notice of inquiry and what followed it.
"""

import re
from dataclasses import dataclass

from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from tracker.models.cases import Case
from tracker.queries import status_label
from tracker.records import state_bill_key

KEY_FIELDS = {"correction_of": "correction of", "corrections": "corrected by",
              "related_case": "related case"}
# "H.R.8915" / "S.4591" / "HR 2794" → chamber prefix and number
FEDERAL_NUMBER = re.compile(r"^\s*(H\.?\s*R|S)\.?\s*(\d+)\s*$", re.IGNORECASE)
# "NO FAKES Act of 2026" → "no fakes act"; "(TAKE IT DOWN) Act" → "act"
TITLE_YEAR = re.compile(r"\s+of\s+\d{4}\b|\([^)]*\)", re.IGNORECASE)
SHARED_FIELDS = ("docket_ids", "regulation_id_numbers")
NAMING_KINDS = ("federal_bill", "state_bill", "agency_action", "statement")


@dataclass(frozen=True)
class Related:
    relation: str
    key: str
    title: str
    status: str | None

    def to_dict(self) -> dict:
        return {"relation": self.relation, "key": self.key, "title": self.title,
                "status": self.status, "status_label": status_label(self.status)}


def companion_key(case: Case, number: str) -> str | None:
    """The key of the companion bill an identifier names, in the case's congress or session."""
    ids = case.identifiers
    if case.kind == "federal_bill":
        match = FEDERAL_NUMBER.match(number)
        if match and ids.get("congress"):
            bill_type = "hr" if match.group(1).upper().startswith("H") else "s"
            return f"us-{ids['congress']}-{bill_type}-{match.group(2)}"
    elif case.kind == "state_bill" and ids.get("state") and ids.get("session"):
        return state_bill_key(ids["state"], ids["session"], number)
    return None


def title_stem(title: str) -> str:
    return " ".join(TITLE_YEAR.sub(" ", title).lower().split())


def related_cases(session: Session, case: Case) -> list[Related]:
    found: dict[str, tuple[str, Case]] = {}

    def add(relation: str, other: Case | None) -> None:
        if other is not None and other.key != case.key and other.key not in found:
            found[other.key] = (relation, other)

    def by_key(key: str) -> Case | None:
        return session.exec(select(Case).where(Case.key == key)).first()

    ids = case.identifiers
    for field, relation in KEY_FIELDS.items():
        for key in str(ids.get(field) or "").split(","):
            if key.strip():
                add(relation, by_key(key.strip()))
    if ids.get("companion"):
        for number in str(ids["companion"]).split("/"):
            key = companion_key(case, number)
            if key:
                add("companion", by_key(key))
    # The other direction: cases whose identifiers name this one. Only bills, agency actions
    # and statements name other cases by key, and the kind index keeps the scan to those.
    for other in session.exec(select(Case).where(
            col(Case.kind).in_(NAMING_KINDS),
            cast(Case.identifiers, String).contains(case.key, autoescape=True))):
        add("names this case", other)
    if case.kind in ("federal_bill", "state_bill"):
        # Companions that name this bill by number ("companion: H.R.8915").
        number = str(ids.get("bill_number") or ids.get("bill") or "").split()[-1:] or [""]
        if number[0]:
            for other in session.exec(select(Case).where(
                    Case.kind == case.kind,
                    cast(Case.identifiers, String).contains(number[0], autoescape=True))):
                names = str(other.identifiers.get("companion") or "").split("/")
                if any(companion_key(other, n) == case.key for n in names):
                    add("companion", other)
        stem = title_stem(case.title)
        same_kind = session.exec(select(Case).where(Case.kind == case.kind,
                                                    Case.jurisdiction == case.jurisdiction))
        for other in same_kind:
            if other.key != case.key and title_stem(other.title) == stem:
                add("same title (reintroduction or companion)", other)
    shared = [str(ids[f]) for f in SHARED_FIELDS if ids.get(f)]
    if case.kind == "agency_action" and shared:
        conditions = [cast(Case.identifiers, String).contains(value, autoescape=True)
                      for value in shared]
        for other in session.exec(select(Case).where(Case.kind == "agency_action",
                                                     or_(*conditions))):
            add("same docket", other)
    return [Related(relation, other.key, other.title, other.status)
            for relation, other in sorted(found.values(), key=lambda item: item[1].key)]
