"""Reading the dates a docket entry sets, moves or vacates: a pure function of the entry's text.

Clerks write settings in a few shapes (CM/ECF's "Set/Reset Hearings" and "Set/Reset Deadlines",
minute entries, notices and orders), clause by clause:

- "Motion Hearing set for 7/19/2023 02:00 PM in San Francisco."
- "Motions [42][43] reset for hearing on 9/22/2014 at 01:30 PM before Judge James V. Selna."
- "Status hearing held on 8/6/2013 and continued to 9/16/2013 at 09:30 AM."
- "the status hearing set for 8/28/2014 is vacated and reset for 9/4/2014 at 9:30 a.m."
- "The Status Conference set for 10/14/2015 at 1:30 PM is hereby cancelled."
- "the hearing set for 2/17/10 will be on the briefs"
- "Responses due by 2/4/2022." "Answer due by 10/1/2009."

Each clause gives settings: a date set (``SET``; when it moves a pending setting the text may name
the earlier date, ``previous``) or a setting vacated (``VACATE``). Which stored date a setting
replaces is ``tracker.calendar``'s business: this module only reads.
"""

import re
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from enum import StrEnum

from tracker.vocab import DateKind


class Action(StrEnum):
    SET = "set"
    VACATE = "vacate"


@dataclass(frozen=True)
class Setting:
    action: Action
    kind: DateKind
    title: str  # as the docket names it: "Motion Hearing", "Jury Trial", "Responses due"
    day: date | None  # the date set; for VACATE the date named, if any
    time: clock_time | None = None
    location: str | None = None
    previous: date | None = None  # the date a reset moves it from, when the text names it

    @property
    def identity(self) -> str:
        """What stays the same when a setting moves: one trial and one oral argument per case;
        hearings and deadlines by their name ("case management conference", "responses due")."""
        return identity_of(self.kind, self.title)


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATE = (r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
        r"(?:\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?!\d)"
        r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})")
TIME = r"\d{1,2}(?::\d{2}){0,2}\s*[ap]\.?\s?m\b\.?|\d{1,2}:\d{2}(?::\d{2})?"
# "9:00 2/9/04" (older dockets put the time first), "7/19/2023 02:00 PM", "9/4/2014 at 9:30 a.m."
WHEN = rf"(?:(?:{TIME})\s+)?{DATE}(?:,?\s+(?:at\s+)?(?:{TIME}))?"
WHEN_PARTS = re.compile(rf"(?:(?P<before>{TIME})\s+)?(?P<date>{DATE})(?:,?\s+(?:at\s+)?(?P<after>{TIME}))?",
                        re.IGNORECASE)
# A setting's name: the few words before "set for", from the clause's start or a colon.
NAME = r"(?P<name>[A-Za-z][\w'/&-]*(?:\s+(?:\[\d+\])+|\s+[A-Za-z][\w'/&-]*){0,7}?)"
SETS = re.compile(rf"{NAME}\s+(?:(?:has\s+been|is|are)\s+)?(?P<verb>re-?set|set|scheduled|rescheduled)"
                  rf"\s+(?P<for>for\s+hearing\s+on|for|to)\s+(?P<when>{WHEN})", re.IGNORECASE)
REFERENCE = re.compile(rf"{NAME}\s+(?:previously\s+|currently\s+)?(?:set|scheduled)\s+for\s+(?P<when>{WHEN})"
                       rf"|\bthe\s+(?P<when2>{DATE})\s+(?P<name2>[\w -]{{3,40}}?)\s+(?:is|are|was)\b"
                       rf"|{NAME.replace('name', 'name3')}\s+on\s+(?P<when3>{DATE})\s+(?:is|are|was)\b",
                       re.IGNORECASE)
MOVED = re.compile(rf"\b(?:re-?set|advanced|moved|continued|rescheduled)\s+(?:for|to)\s+"
                   rf"(?:(?P<when>{WHEN})|(?P<time>{TIME})\s+on\s+that\s+date)", re.IGNORECASE)
HELD_AND_CONTINUED = re.compile(rf"{NAME}\s+(?:held(?:\s+on\s+{DATE})?\s+and\s+|is\s+)?continued\s+to\s+"
                                rf"(?P<when>{WHEN})", re.IGNORECASE)
VACATED = re.compile(r"vacat|cancell?ed|\bstricken\b|off calendar|will be on the briefs"
                     r"|continued generally|\bis continued\s*(?:\.|$)|continued to be reset"
                     r"|without (?:a |oral )?(?:hearing|argument)", re.IGNORECASE)
ALL_HEARINGS_VACATED = re.compile(r"all pending hearings are vacated", re.IGNORECASE)
STILL_SET = re.compile(r"remains as scheduled|remains set", re.IGNORECASE)
DUE = re.compile(rf"(?P<name>(?:[A-Za-z][\w'/&()-]*\s+){{1,6}}?)(?:due|to be filed)\s+(?:by|on)\s+"
                 rf"(?P<when>{DATE})", re.IGNORECASE)
LOCATION = re.compile(r"^,?\s*in\s+(?P<where>[^.;()]{3,120}?)(?=\s+before\b|\s*\.(?:\s|$)|\s*[;(]|$)",
                      re.IGNORECASE)
CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(?:([ap])\.?\s?m\.?)?", re.IGNORECASE)
CLAUSES = re.compile(r"(?<=[.;])\s+(?=[A-Z*(\[])|\s*;\s*")
# Words that make a name a court date; anything else "set for" (a flag, a fee) is not one.
COURT_DATE = re.compile(r"hearing|conference|argument|\btrial\b|pre-?trial|docket call|sentencing|arraignment"
                        r"|appearance|mediation|motions?\b|cut-?off|deadline", re.IGNORECASE)
# Deadlines of the clerk's office, not of the case: transcripts, fees, bankruptcy claims, defects.
CLERICAL = re.compile(r"transcript|restriction|claims?\b|341|creditor|fee\b|installment|ssn|counsel+ing"
                      r"|deficien|incomplete|cured|corrected|mediator|consent|declination|document\(s\)"
                      r"|flag|status check|order due|plan\b", re.IGNORECASE)
# Words a clerk puts before a setting's name: "ORDER", "NOTICE of Hearing.", "Set/Reset Hearings:".
LEAD_IN = re.compile(r"^(?:(?:[A-Z][A-Z/'-]+|(?i:and|the|a|an|with|that|of|on))\b\s*)+(?=[A-Za-z\[])")
NAME_NOISE = re.compile(r"\b(?:the|telephonic|telephone|further|in-person|video|remote|zoom)\b\s*",
                        re.IGNORECASE)


def identity_of(kind: str, title: str) -> str:
    """A setting's identity (``Setting.identity``), for a stored date as for one read."""
    return str(kind) if kind in (DateKind.TRIAL, DateKind.ORAL_ARGUMENT) else name_key(title)


def name_key(title: str) -> str:
    """A setting's name folded for comparison: "the Telephone Status Conference" → "status conference"."""
    return " ".join(NAME_NOISE.sub("", title.lower()).split())


def parse_day(text: str) -> date | None:
    """``1/14/2026``, ``2/17/10``, ``June 1, 2010``, ``Monday, April 10, 2006`` → a date."""
    text = re.sub(r"^[a-z]+day,?\s+", "", text.strip(), flags=re.IGNORECASE)
    numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text)
    try:
        if numeric:
            month, day, year = (int(part) for part in numeric.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        named = re.fullmatch(r"([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})", text, re.IGNORECASE)
        if named and named.group(1).lower() in MONTHS:
            return date(int(named.group(3)), MONTHS.index(named.group(1).lower()) + 1, int(named.group(2)))
    except ValueError:  # 2/30/2026
        return None
    return None


def parse_time(text: str | None) -> clock_time | None:
    """``02:00 PM``, ``9:30 a.m.``, ``9 a.m.``, ``02:00:00 PM``, ``10:30`` → a time."""
    if not text:
        return None
    match = CLOCK.fullmatch(text.strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    return clock_time(hour, minute) if hour < 24 and minute < 60 else None


def _when(text: str) -> tuple[date | None, clock_time | None]:
    match = WHEN_PARTS.search(text)
    if match is None:
        return None, None
    return parse_day(match.group("date")), parse_time(match.group("after") or match.group("before"))


def _title(name: str) -> str:
    return LEAD_IN.sub("", name.strip()).strip(" ,:-") or name.strip()


def kind_of(title: str) -> DateKind:
    lowered = title.lower()
    if "argument" in lowered:
        return DateKind.ORAL_ARGUMENT
    if re.search(r"\btrial\b", lowered) and not re.search(r"pre-trial|trial setting|trial-setting", lowered):
        return DateKind.TRIAL
    if re.search(r"cut-?off|deadline|\bdue\b", lowered):
        return DateKind.DEADLINE
    return DateKind.HEARING


def _location(after: str) -> str | None:
    match = LOCATION.match(after)
    return " ".join(match.group("where").split()).strip(" ,-") if match else None


def read_settings(text: str) -> list[Setting]:
    """The dates one docket entry sets, moves or vacates, in the order it states them."""
    settings: list[Setting] = []
    for clause in CLAUSES.split(text):
        if ALL_HEARINGS_VACATED.search(clause):
            settings.append(Setting(Action.VACATE, DateKind.HEARING, "All pending hearings", None))
            continue
        settings.extend(_clause(clause))
    return settings


def _clause(clause: str) -> list[Setting]:
    found: list[Setting] = []
    references = list(REFERENCE.finditer(clause))
    moved = MOVED.search(clause)
    if references and (moved or VACATED.search(clause)) and not STILL_SET.search(clause):
        for reference in references:
            name = reference.group("name") or reference.group("name2") or reference.group("name3")
            title = _title(name)
            if not COURT_DATE.search(title):
                continue
            was, was_time = _when(next(reference.group(g) for g in ("when", "when2", "when3")
                                       if reference.group(g)))
            kind = kind_of(title)
            if moved is None or moved.start() < reference.end():
                found.append(Setting(Action.VACATE, kind, title, was, was_time))
                continue
            if moved.group("when"):
                day, at = _when(moved.group("when"))
            else:  # "advanced to 8:15 AM on that date"
                day, at = was, parse_time(moved.group("time"))
            found.append(Setting(Action.SET, kind, title, day, at, _location(clause[moved.end():]), was))
        return found
    continued = HELD_AND_CONTINUED.search(clause)
    if continued and COURT_DATE.search(_title(continued.group("name"))):
        title = _title(continued.group("name"))
        day, at = _when(continued.group("when"))
        return [Setting(Action.SET, kind_of(title), title, day, at, _location(clause[continued.end():]))]
    for match in SETS.finditer(clause):
        title = _title(match.group("name"))
        if match.group("for").lower().startswith("for hearing") and "hearing" not in title.lower():
            title = f"{title} hearing"
        if not COURT_DATE.search(title) or CLERICAL.search(title):
            continue
        day, at = _when(match.group("when"))
        if day is not None:
            found.append(Setting(Action.SET, kind_of(title), title, day, at, _location(clause[match.end():])))
    for match in DUE.finditer(clause):
        title = f"{_title(match.group('name'))} due"
        if CLERICAL.search(title) or not title.strip():
            continue
        day = parse_day(match.group("when"))
        if day is not None:
            found.append(Setting(Action.SET, DateKind.DEADLINE, title, day))
    return found
