"""The map of the states: each coloured by its most advanced AI-copyright bill.

A state's *stage* is that of its most advanced bill among those selected: ``enacted``;
``passed`` (passed a chamber: passed one or both, or sent to the governor); ``pending``
(introduced, in committee, or any status this module does not know yet, so a new bill status
shows as alive); ``ended`` (only vetoed, failed or withdrawn bills); ``none`` (no bill tracked).
The shapes are public domain (``SHAPES.txt`` says where they come from).
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import drawsvg as dw
from sqlmodel import Session, col, select

from tracker.models.cases import Case
from tracker.pictures.svg import Link, drawing, text
from tracker.queries import events_of, status_label
from tracker.vocab import Kind, Status

SHAPES_FILE = Path(__file__).resolve().parent / "us_states.json"
YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class Stage:
    name: str
    label: str
    colour: str


# Most advanced first; the order a state's bills are ranked in.
STAGES = (
    Stage("enacted", "Enacted", "#1b5e20"),
    Stage("passed", "Passed a chamber", "#66a85c"),
    Stage("pending", "Pending", "#c5e1a5"),
    Stage("ended", "Vetoed, failed or withdrawn only", "#d7ccc8"),
    Stage("none", "No bill tracked", "#eeeeee"),
)
STAGE_OF_STATUS = {
    Status.ENACTED: "enacted",
    Status.PASSED_ONE_CHAMBER: "passed", Status.PASSED_BOTH: "passed", Status.SENT_TO_EXECUTIVE: "passed",
    Status.INTRODUCED: "pending", Status.IN_COMMITTEE: "pending",
    Status.VETOED: "ended", Status.FAILED: "ended", Status.WITHDRAWN: "ended",
}
RANK = {stage.name: rank for rank, stage in enumerate(STAGES)}


def stage_of(status: str | None) -> str:
    """A bill's stage; a status not known here counts as pending (alive)."""
    return STAGE_OF_STATUS.get(Status._value2member_map_.get(status or ""), "pending")


@cache
def shapes() -> dict:
    return json.loads(SHAPES_FILE.read_text(encoding="utf-8"))


@dataclass
class StateRow:
    code: str
    name: str
    stage: str = "none"
    bills: list[dict] = field(default_factory=list)  # key, title, status, status_label, stage

    @property
    def count(self) -> int:
        return len(self.bills)

    @property
    def stage_label(self) -> str:
        return next(s.label for s in STAGES if s.name == self.stage)

    def counts(self) -> dict[str, int]:
        return {s.name: sum(b["stage"] == s.name for b in self.bills) for s in STAGES[:-1]}


def session_years(case: Case, event_years: set[int]) -> set[int]:
    """The years of a bill's session: read from its session (``20252026``, ``2025-2026``,
    ``2025``), else the years it had events in (a numbered session such as ``113``)."""
    years = [int(y) for y in YEAR.findall(str(case.identifiers.get("session", "")))]
    if years:
        return set(range(min(years), max(years) + 1))
    return event_years or ({case.status_date.year} if case.status_date else set())


def state_rows(session: Session, *, topic: str | None = None, year: int | None = None,
               status: str | None = None) -> list[StateRow]:
    """Every state (and DC), with its selected bills, the most advanced first. ``topic`` is a
    tag; ``status`` a bill status or a stage name; ``year`` a session year."""
    rows = {code: StateRow(code, state["name"]) for code, state in shapes()["states"].items()}
    bills = list(session.exec(select(Case).where(Case.kind == Kind.STATE_BILL)
                              .order_by(col(Case.key))))
    if topic:
        bills = [b for b in bills if topic in b.tags]
    if status:
        bills = [b for b in bills if status in (b.status, stage_of(b.status))]
    if year is not None:
        dateless = [b.id for b in bills if not YEAR.search(str(b.identifiers.get("session", "")))]
        events = events_of(session, dateless)
        bills = [b for b in bills if year in session_years(b, {e.date.year for e in events.get(b.id, [])})]
    for bill in bills:
        row = rows.get(bill.jurisdiction.lower())
        if row is None:  # a territory the map does not draw
            continue
        row.bills.append({"key": bill.key, "title": bill.title, "status": bill.status,
                          "status_label": status_label(bill.status), "stage": stage_of(bill.status)})
    for row in rows.values():
        row.bills.sort(key=lambda b: (RANK[b["stage"]], b["key"]))
        if row.bills:
            row.stage = row.bills[0]["stage"]
    return sorted(rows.values(), key=lambda r: r.name)


def bill_years(session: Session) -> list[int]:
    """The session years of the stored state bills, the latest first (the map's year choices)."""
    years: set[int] = set()
    for identifiers in session.exec(select(Case.identifiers).where(Case.kind == Kind.STATE_BILL)):
        found = [int(y) for y in YEAR.findall(str(identifiers.get("session", "")))]
        years.update(range(min(found), max(found) + 1) if found else ())
    return sorted(years, reverse=True)


def bills_link(code: str, topic: str | None = None, base: str = "") -> str:
    """The cases page listing a state's bills (of the topic)."""
    query = {"kind": Kind.STATE_BILL.value, "jurisdiction": code, **({"tag": topic} if topic else {})}
    return f"{base}/cases?{urlencode(query)}"


def state_title(row: StateRow) -> str:
    if not row.bills:
        return f"{row.name}: no bill tracked"
    counts = ", ".join(f"{n} {name}" for name, n in row.counts().items() if n)
    plural = "s" * (row.count != 1)
    return f"{row.name}: {row.count} bill{plural} ({counts}); most advanced: {row.stage_label}"


CSS = ("path.state{stroke:#fff;stroke-width:.8}a:hover path.state,a:focus path.state{stroke:#1a1a1a;"
       "stroke-width:1.5}text{fill:#1a1a1a;font-size:13px}text.count{font-size:11px;font-weight:bold;"
       "text-anchor:middle;pointer-events:none}text.count.dark{fill:#fff}"
       + "".join(f".stage-{s.name}{{fill:{s.colour}}}" for s in STAGES))
# Where a state's count goes: the centre of its box, moved for the states whose box misleads.
NUDGE = {"fl": (25, 10), "la": (-12, 0), "mi": (15, 20), "ca": (-10, 0), "ak": (0, -5), "hi": (10, 5),
         "ky": (5, 3), "va": (10, 5), "md": (0, -4), "id": (0, 20), "mn": (-5, 0)}


def _centre(d: str) -> tuple[float, float]:
    """The centre of the box of the state's largest ring, from its relative path data."""
    boxes = []
    for ring in d.split("z")[:-1]:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", ring)]
        x, y, xs, ys = numbers[0], numbers[1], [numbers[0]], [numbers[1]]
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=False):
            x, y = x + dx, y + dy
            xs.append(x)
            ys.append(y)
        boxes.append(((max(xs) - min(xs)) * (max(ys) - min(ys)), (min(xs) + max(xs)) / 2,
                      (min(ys) + max(ys)) / 2))
    _, x, y = max(boxes)
    return x, y


def map_svg(rows: list[StateRow], *, topic: str | None = None, base: str = "",
            caption: str = "AI-copyright bills by state") -> str:
    """The map as SVG text: a linked, titled path per state, its bill count, and a legend."""
    data = shapes()
    width, height = data["width"], data["height"] + 40
    picture = drawing(width, height, caption, CSS)
    for row in rows:
        d = data["states"][row.code]["d"]
        link = Link(bills_link(row.code, topic, base))
        path = dw.Path(d=d, class_=f"state stage-{row.stage}", id=f"state-{row.code}")
        path.append_title(state_title(row))
        link.append(path)
        picture.append(link)
        if row.count and row.code not in ("dc",):
            x, y = _centre(d)
            nx, ny = NUDGE.get(row.code, (0, 0))
            dark = " dark" if row.stage in ("enacted", "passed") else ""
            picture.append(dw.Text(str(row.count), 11, x + nx, y + ny + 4, class_=f"count{dark}"))
    x = 10
    for stage in STAGES:
        picture.append(dw.Rectangle(x, height - 28, 14, 14, class_=f"stage-{stage.name}",
                                    stroke="#999", stroke_width=0.5))
        picture.append(dw.Text(stage.label, 13, x + 19, height - 16))
        x += 32 + 6.4 * len(stage.label)
    return text(picture)
