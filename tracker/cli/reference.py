"""``tracker config`` and ``tracker vocab``: the settings in force and the words the tracker uses."""

import sys

from tracker.config import describe_settings, load_settings
from tracker.output import JsonFlag, print_json
from tracker.vocab import STATUSES_BY_KIND, Kind


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
    as_json: JsonFlag = False,
) -> None:
    """The status vocabulary of each kind of case, with labels and meanings."""
    table = {kind.value: [{"status": s.value, "label": s.label, "meaning": s.meaning}
                          for s in statuses] for kind, statuses in STATUSES_BY_KIND.items()}
    if as_json:
        print_json(table)
        return
    for kind, statuses in table.items():
        sys.stdout.write(f"{Kind(kind).label}\n")
        for s in statuses:
            sys.stdout.write(f"  {s['status']:26} {s['meaning']}\n")

