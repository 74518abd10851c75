"""Timelines: a case's or a matter's events on a time axis, a row per case (a matter's members
each on their own row). Major events are large and dark, minor ones small; rulings are labelled
with their outcome where the classification says it (``Dismissal granted in part``); a dashed
"today" line divides what happened from dates ahead, which are drawn hollow."""

from dataclasses import dataclass
from datetime import date, timedelta

import drawsvg as dw
from sqlmodel import Session

from tracker.matters import matter_view
from tracker.models.cases import Case, Event
from tracker.pictures.svg import drawing, text
from tracker.queries import events_of
from tracker.vocab import ActionClass, Significance

# Classes that say how a ruling came out, in the order they are preferred as its label.
OUTCOMES = (
    ActionClass.MOTION_TO_DISMISS_GRANTED_IN_PART, ActionClass.MOTION_TO_DISMISS_GRANTED,
    ActionClass.MOTION_TO_DISMISS_DENIED, ActionClass.CLASS_CERTIFIED,
    ActionClass.CLASS_CERTIFICATION_DENIED,
    ActionClass.SUMMARY_JUDGMENT_RULING, ActionClass.VERDICT, ActionClass.JUDGMENT,
    ActionClass.APPELLATE_DECISION, ActionClass.SETTLEMENT, ActionClass.DISMISSAL_VOLUNTARY,
    ActionClass.EXECUTIVE_SIGNATURE, ActionClass.EXECUTIVE_VETO, ActionClass.BECAME_LAW,
)
WIDTH, LEFT, RIGHT, ROW, TOP = 860, 190, 20, 46, 34
CSS = ("text{fill:#1a1a1a;font-size:12px}text.row{font-size:12px}text.tick{fill:#666;font-size:11px;"
       "text-anchor:middle}text.outcome{font-size:10.5px;fill:#7a1f12;text-anchor:middle}"
       ".axis{stroke:#bbb}.tick-line{stroke:#e4e4e4}.row-line{stroke:#ddd}"
       ".today-line{stroke:#1d4f91;stroke-width:1.5;stroke-dasharray:4 3}"
       "text.today{fill:#1d4f91;font-size:11px}"
       "circle.major{fill:#b03020}circle.minor{fill:#888}circle.ahead{fill:#fff;stroke:#1d4f91;"
       "stroke-width:1.5}")


@dataclass
class TimelineRow:
    label: str
    events: list[Event]


def outcome(event: Event) -> str | None:
    """The outcome a ruling (or another deciding event) names, else ``None``."""
    classes = set(event.classification.split())
    found = next((c for c in OUTCOMES if c.value in classes), None)
    if found:
        return found.label
    return "Ruling" if event.ruling else None


def case_rows(session: Session, case: Case) -> list[TimelineRow]:
    return [TimelineRow(case.key, events_of(session, [case.id])[case.id])]


def matter_rows(session: Session, key: str) -> tuple[str, list[TimelineRow]]:
    """The matter's title and a row per member, the lead first (``tracker.matters``' order).

    :raises MatterError: when there is no such matter
    """
    view = matter_view(session, key)
    events = events_of(session, [m.case.id for m in view.members])
    return view.matter.title, [TimelineRow(m.case.key, events[m.case.id]) for m in view.members]


def _ticks(start: date, end: date) -> list[date]:
    years = list(range(start.year + 1, end.year + 1))
    if len(years) <= 1:  # a short span: quarters
        months = [date(y, m, 1) for y in range(start.year, end.year + 1) for m in (1, 4, 7, 10)]
        return [d for d in months if start < d <= end]
    step = max(1, len(years) // 8)
    return [date(y, 1, 1) for y in years[::step]]


def timeline_svg(rows: list[TimelineRow], *, today: date, caption: str) -> str:
    """The timeline as SVG text."""
    dates = [e.date for row in rows for e in row.events] or [today]
    start = min(dates) - timedelta(days=20)
    end = max(max(dates), today) + timedelta(days=30)
    span = (end - start).days or 1
    height = TOP + ROW * max(len(rows), 1) + 48

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    picture = drawing(WIDTH, height, caption, CSS)
    bottom = TOP + ROW * len(rows)
    for tick in _ticks(start, end):
        picture.append(dw.Line(x(tick), TOP - 6, x(tick), bottom, class_="tick-line"))
        label = str(tick.year) if tick.month == 1 else tick.strftime("%b %Y")
        picture.append(dw.Text(label, 11, x(tick), bottom + 16, class_="tick"))
    picture.append(dw.Line(LEFT, bottom, WIDTH - RIGHT, bottom, class_="axis"))
    for i, row in enumerate(rows):
        y = TOP + ROW * i + ROW / 2 + 6
        label = row.label if len(row.label) <= 28 else row.label[:27] + "…"
        picture.append(dw.Text(label, 12, LEFT - 10, y + 4, text_anchor="end", class_="row"))
        picture.append(dw.Line(LEFT, y, WIDTH - RIGHT, y, class_="row-line"))
        labelled = 0
        for event in row.events:
            major = event.significance == Significance.MAJOR
            kind = "ahead" if event.date > today else ("major" if major else "minor")
            dot = dw.Circle(x(event.date), y, 6 if major else 3.5, class_=kind)
            said = outcome(event)
            dot.append_title(f"{event.date.isoformat()}: {event.text[:200]}" + (f" ({said})" if said else ""))
            picture.append(dot)
            if said and (event.ruling or major):
                lift = 12 + 11 * (labelled % 2)
                picture.append(dw.Text(said, 10.5, x(event.date), y - lift, class_="outcome"))
                labelled += 1
    now = x(today)
    picture.append(dw.Line(now, TOP - 14, now, bottom, class_="today-line"))
    picture.append(dw.Text("today", 11, now - 4, TOP - 6, class_="today", text_anchor="end"))
    legend = ((LEFT, "major", 6, "Major event"), (LEFT + 110, "minor", 3.5, "Minor"),
              (LEFT + 180, "ahead", 5, "Date ahead"))
    for left, kind, radius, said in legend:
        picture.append(dw.Circle(left + 6, height - 12, radius, class_=kind))
        picture.append(dw.Text(said, 11, left + 16, height - 8))
    if not any(row.events for row in rows):
        picture.append(dw.Text("No events yet.", 12, LEFT, TOP + 18))
    return text(picture)
