"""The end of a bill's session or Congress, as a dated event, from the shipped table of end dates.

A bill of a Congress or a state session that ended without enactment has died. The status fold
stays pure: it only folds events, so the end of a session is an event like any other ("Died at
the end of the 118th Congress.", dated, with its source), which the daily job and ``tracker
refold`` add to the bills of ended sessions. The fold decides what it means: a bill already
enacted, vetoed or withdrawn keeps its status.

The dates come from ``tracker/data/sessions.yaml`` (each entry with its source); a date in the
bill's own identifiers (``session_end``, e.g. Open States' ``end_date`` for its session) wins
over the table.
"""

from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tracker.records import EventRecord
from tracker.vocab import ActionClass, Kind

SOURCE = "sessions"
OPEN_STATES_SESSIONS = ("https://v3.openstates.org/jurisdictions/ocd-jurisdiction/country:us/state:{state}"
                        "/government?include=legislative_sessions")
EXTERNAL_ID = "session-end"


@cache
def session_table() -> dict[str, Any]:
    return yaml.safe_load(resources.files("tracker.data").joinpath("sessions.yaml").read_text())


def ordinal(n: int) -> str:
    """``118`` → ``118th``, ``121`` → ``121st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _end_of_congress(identifiers: dict) -> tuple[date, str, str] | None:
    try:
        congress = int(identifiers["congress"])
    except (KeyError, TypeError, ValueError):
        return None
    table = session_table()["congress"]
    end = table["ends"].get(congress)
    if end is None:
        return None
    return datetime.fromisoformat(end).date(), f"the {ordinal(congress)} Congress", table["url"]


def _end_of_state_session(identifiers: dict) -> tuple[date, str, str] | None:
    state, session = str(identifiers.get("state") or "").lower(), str(identifiers.get("session") or "")
    if not state or not session:
        return None
    entry = session_table()["states"].get(state)
    label = f"the {entry['name'] if entry else state.upper()}'s {session} session"
    if identifiers.get("session_end"):
        try:
            return date.fromisoformat(str(identifiers["session_end"])), label, OPEN_STATES_SESSIONS.format(
                state=state)
        except ValueError:
            return None
    if entry is None or session not in entry["sessions"]:
        return None
    return date.fromisoformat(entry["sessions"][session]), label, entry["url"]


def session_end(kind: Kind | str, identifiers: dict, today: date) -> EventRecord | None:
    """The "died at the end of its session" event of a bill whose session has ended by ``today``.

    :param identifiers: the case's identifiers (``congress`` for a federal bill; ``state``,
        ``session`` and, when known, ``session_end`` for a state bill)
    :return: ``None`` for a case that is not a bill, a session still running, or one the table
        does not know
    """
    kind = Kind(kind)
    if kind is Kind.FEDERAL_BILL:
        ended = _end_of_congress(identifiers)
    elif kind is Kind.STATE_BILL:
        ended = _end_of_state_session(identifiers)
    else:
        return None
    if ended is None or ended[0] > today:
        return None
    day, label, source = ended
    return EventRecord(day, f"Died at the end of {label}.", SOURCE, source_url=source,
                       classification=(ActionClass.SESSION_END.value,), external_id=EXTERNAL_ID)
