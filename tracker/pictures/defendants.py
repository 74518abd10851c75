"""Suits per defendant: a bar per company (names folded by ``tracker.parties``), split by where
its suits stand: ``active``, ``decided`` (dismissed, judgment, closed) or ``settled``. A suit
naming two entities of one company (OpenAI, Inc. and OpenAI OpCo, LLC) counts once for it."""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

import drawsvg as dw
from sqlmodel import Session, col, select

from tracker.models.cases import Case, Party
from tracker.parties import normalise_party
from tracker.pictures.svg import Link, drawing, text
from tracker.vocab import Kind, Status

GROUPS = (("active", "Active", "#c0504d"), ("decided", "Decided", "#4f6d8f"),
          ("settled", "Settled", "#9bbb59"))
DECIDED = {Status.DISMISSED, Status.JUDGMENT, Status.CLOSED}


def group_of(status: str | None) -> str:
    if status == Status.SETTLED:
        return "settled"
    return "decided" if status in DECIDED else "active"


@dataclass
class DefendantRow:
    name: str
    suits: list[Case] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.suits)

    def counts(self) -> dict[str, int]:
        return {name: sum(group_of(s.status) == name for s in self.suits) for name, _, _ in GROUPS}


def defendant_rows(session: Session) -> list[DefendantRow]:
    """Each defendant with its suits, the most sued first."""
    rows: dict[str, DefendantRow] = {}
    seen: dict[str, set[int]] = defaultdict(set)
    query = (select(Party, Case).join(Case, col(Case.id) == Party.case_id)
             .where(Party.role == "defendant", Case.kind == Kind.LAWSUIT)
             .order_by(col(Case.status_date).desc().nulls_last(), col(Case.key)))
    for party, case in session.exec(query):
        name = normalise_party(party.name)
        if case.id in seen[name]:
            continue
        seen[name].add(case.id)
        rows.setdefault(name, DefendantRow(name)).suits.append(case)
    return sorted(rows.values(), key=lambda r: (-r.count, r.name.casefold()))


def defendant_link(name: str, base: str = "") -> str:
    return f"{base}/defendants/{quote(name, safe='')}"


CSS = ("text{fill:#1a1a1a;font-size:13px}"
       "text.n{font-size:11px;fill:#fff;text-anchor:middle;pointer-events:none}"
       "a:hover text.name,a:focus text.name{text-decoration:underline}"
       + "".join(f".g-{name}{{fill:{colour}}}" for name, _, colour in GROUPS))
ROW, LEFT, WIDTH, NAME = 24, 200, 720, 28  # NAME: the longest label, in characters


def defendants_svg(rows: list[DefendantRow], *, base: str = "") -> str:
    """Horizontal bars, one per defendant, each segment a group; the whole row links to the
    defendant's suits."""
    most = max((r.count for r in rows), default=1)
    unit = (WIDTH - LEFT - 40) / most
    height = ROW * len(rows) + 50
    picture = drawing(WIDTH, height, "Suits per defendant, by where they stand", CSS)
    for i, row in enumerate(rows):
        y = 10 + i * ROW
        link = Link(defendant_link(row.name, base), id=f"defendant-{i}")
        counts = row.counts()
        title = f"{row.name}: {row.count} suit{'s' * (row.count != 1)} (" + ", ".join(
            f"{counts[name]} {label.lower()}" for name, label, _ in GROUPS if counts[name]) + ")"
        link.append_title(title)
        label = row.name if len(row.name) <= NAME else row.name[:NAME - 1] + "…"
        link.append(dw.Text(label, 13, LEFT - 8, y + 15, text_anchor="end", class_="name"))
        x = LEFT
        for name, _, _ in GROUPS:
            if counts[name]:
                link.append(dw.Rectangle(x, y + 2, counts[name] * unit, ROW - 6, class_=f"g-{name}",
                                         data_group=name, data_count=counts[name]))
                if counts[name] * unit >= 14:
                    middle = x + counts[name] * unit / 2
                    link.append(dw.Text(str(counts[name]), 11, middle, y + 15, class_="n"))
                x += counts[name] * unit
        link.append(dw.Text(str(row.count), 12, x + 6, y + 15))
        picture.append(link)
    x = LEFT
    for name, label, _ in GROUPS:
        picture.append(dw.Rectangle(x, height - 28, 14, 14, class_=f"g-{name}"))
        picture.append(dw.Text(label, 13, x + 19, height - 16))
        x += 40 + 7 * len(label)
    return text(picture)
