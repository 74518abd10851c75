"""Parties' names folded into one name per company (``tracker/data/parties.yaml``), so that suits
can be grouped per defendant whatever entity a complaint named."""

import re
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

PARTIES_FILE = resources.files("tracker.data") / "parties.yaml"  # readable from a zipped egg too
# ", Inc." / " LLC" / " Corp." / " et al." at the end of a name
SUFFIX = re.compile(r"[,\s]+(inc|llc|l\.l\.c|lp|l\.p|ltd|limited|corp|corporation|co|pbc|gmbh|plc|"
                    r"opco|et al|and others)\.?$", re.IGNORECASE)
WORDS = re.compile(r"[^a-z0-9.]+")


@cache
def _table(path: Path = PARTIES_FILE) -> list[tuple[str, tuple[str, ...]]]:
    return [(entry["name"], tuple(entry["starts"])) for entry in yaml.safe_load(path.read_text())]


def _folded(text: str) -> str:
    return " ".join(WORDS.sub(" ", text.lower()).split())


def known_party(name: str) -> str | None:
    """The table's name for ``name`` (``OpenAI OpCo, LLC`` → ``OpenAI``), or ``None`` when the
    table does not know it."""
    folded = _folded(name)
    for canonical, starts in _table():
        if any(folded == start or folded.startswith(start + " ") for start in starts):
            return canonical
    return None


def normalise_party(name: str) -> str:
    """``OpenAI OpCo, LLC`` → ``OpenAI``; an unknown name less its corporate suffixes."""
    if known := known_party(name):
        return known
    cleaned = name.strip()
    while (shorter := SUFFIX.sub("", cleaned)) != cleaned:
        cleaned = shorter
    return cleaned
