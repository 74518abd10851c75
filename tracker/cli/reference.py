"""``tracker config`` and ``tracker vocab``: the settings in force and the words the tracker uses."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from tracker.config import describe_settings, load_settings
from tracker.output import JsonFlag, print_json
from tracker.vocab import STATUSES_BY_KIND, Claim, DateKind, FairUse, Kind


class Vocabulary(StrEnum):
    STATUSES = "statuses"
    CLAIMS = "claims"
    FAIR_USE = "fair-use"
    DATES = "dates"


OTHERS = {Vocabulary.CLAIMS: Claim, Vocabulary.FAIR_USE: FairUse, Vocabulary.DATES: DateKind}


def show_config(
    as_json: JsonFlag = False,
) -> None:
    """Print the settings in force, with secrets masked."""
    settings = load_settings()
    shown = describe_settings(settings)
    shown["config_file"] = str(settings.config_file) if settings.config_file else "(none)"
    if as_json:
        print_json(shown)
        return
    for name, value in shown.items():
        sys.stdout.write(f"{name:24} {value}\n")


def vocab(
    which: Annotated[Vocabulary, typer.Argument(
        help="statuses (each kind's), claims (a ruling's), fair-use (a ruling's) or dates (kinds of "
        "date ahead).")] = Vocabulary.STATUSES,
    as_json: JsonFlag = False,
) -> None:
    """The words the tracker uses, with labels and meanings: statuses by default."""
    if which is not Vocabulary.STATUSES:
        words = [{"value": w.value, "label": w.label, "meaning": w.meaning} for w in OTHERS[which]]
        if as_json:
            print_json(words)
            return
        for word in words:
            sys.stdout.write(f"  {word['value']:26} {word['meaning']}\n")
        return
    table = {kind.value: [{"status": s.value, "label": s.label, "meaning": s.meaning}
                          for s in statuses] for kind, statuses in STATUSES_BY_KIND.items()}
    if as_json:
        print_json(table)
        return
    for kind, statuses in table.items():
        sys.stdout.write(f"{Kind(kind).label}\n")
        for s in statuses:
            sys.stdout.write(f"  {s['status']:26} {s['meaning']}\n")

