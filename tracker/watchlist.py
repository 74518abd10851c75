"""The curated watchlist shipped with the tracker, as case records for the store.

``tracker/data/watchlist.yaml`` lists the major AI-copyright matters with their natural keys,
identifiers, parties, tags, why each is tracked, the public sources its facts were read in,
and a dated history; and, for staff only, the day its facts were last checked (``as_of``), how
sure the research was (``confidence``) and its notes (``research_notes``). ``tracker seed``
hands these records to ``tracker.store.ingest`` like any other source, so seeding twice changes
nothing and a later crawl simply extends the history.
"""

from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import ConfigError, InvalidRecord
from tracker.records import CuratedDate, CuratedRecord, EventRecord, check_record, is_web_url
from tracker.vocab import DateKind, Kind

# Through importlib.resources, so it reads from a zipped egg too (crawls on Scrapyd).
WATCHLIST_FILE = resources.files("tracker.data") / "watchlist.yaml"
SOURCE = "watchlist"
SHIPPED_CONFIDENCE = {"high", "medium"}


def load_watchlist(path: Path | None = None) -> list[CuratedRecord]:
    """Read a watchlist file (the shipped one by default) into case records.

    :raises ConfigError: when the file cannot be read or parsed, or an entry is unusable
    """
    path = path or WATCHLIST_FILE
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the watchlist {path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read the watchlist {path}: it is not UTF-8 text") from None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list of cases")
    records = []
    for number, entry in enumerate(entries, start=1):
        try:
            record = parse_entry(entry)
            check_record(record)
        except (InvalidRecord, KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: entry {number}: {exc}") from None
        records.append(record)
    return records


def parse_entry(entry: dict[str, Any]) -> CuratedRecord:
    if entry.get("confidence") not in SHIPPED_CONFIDENCE:
        raise ValueError(f"{entry.get('key')}: only high- or medium-confidence facts are shipped")
    sources = list(entry.get("sources") or [])
    events = [
        EventRecord(
            date=_date(event["date"]),
            text=event["text"],
            source=SOURCE,
            source_url=event.get("source_url") or (sources[0] if sources else None),
            classification=tuple(event["class"]) if "class" in event else None,
        )
        for event in entry.get("events") or []
    ]
    return CuratedRecord(
        key=entry["key"],
        kind=Kind(entry["kind"]),
        jurisdiction=entry["jurisdiction"],
        title=entry["title"],
        source=SOURCE,
        identifiers=dict(entry.get("identifiers") or {}),
        plaintiffs=entry.get("plaintiffs"),
        defendants=entry.get("defendants"),
        urls=list(entry.get("urls") or []),
        sources=sources,
        summary=entry.get("summary"),
        tags=list(entry.get("tags") or []),
        why_tracked=entry.get("why_tracked"),
        on_watchlist=True,
        events=events,
        as_of=_date(entry["as_of"]) if entry.get("as_of") else None,
        confidence=entry["confidence"],
        research_notes=_notes(entry.get("research_notes")),
        dates=[_curated_date(d) for d in entry.get("dates") or []],
    )


def _curated_date(entry: dict[str, Any]) -> CuratedDate:
    """``{kind: oral-argument, title: ..., date: 2026-06-11, time: "10:00", timezone: ...,
    source_url: ...}``: a date ahead the sources name but no feed gives."""
    url = entry.get("source_url")
    if url is not None and not is_web_url(url):
        raise ValueError(f"date {entry.get('title')!r}: source_url is not an http(s) URL")
    at = entry.get("time")
    return CuratedDate(kind=DateKind(entry["kind"]), title=str(entry["title"]), day=_date(entry["date"]),
                       time=time.fromisoformat(str(at)) if at is not None else None,
                       timezone=entry.get("timezone"), location=entry.get("location"),
                       text=entry.get("text"), source_url=url)


def _notes(value: Any) -> str | None:
    """Research notes as one text: a list of notes becomes one note a line."""
    if isinstance(value, list):
        return "\n".join(str(note).strip() for note in value if str(note).strip()) or None
    return str(value).strip() or None if value is not None else None


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
