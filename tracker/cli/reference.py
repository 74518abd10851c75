"""``tracker config`` and ``tracker vocab``: the settings in force and the words the tracker uses."""

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from tracker.config import (
    SOURCE_DEFAULTS,
    Settings,
    SourceSettings,
    load_settings,
    mask_url_password,
    templates_dir,
)
from tracker.output import JsonFlag, print_json
from tracker.vocab import STATUSES_BY_KIND, Claim, DateKind, FairUse, Kind


class Vocabulary(StrEnum):
    STATUSES = "statuses"
    CLAIMS = "claims"
    FAIR_USE = "fair-use"
    DATES = "dates"


OTHERS = {Vocabulary.CLAIMS: Claim, Vocabulary.FAIR_USE: FairUse, Vocabulary.DATES: DateKind}


def _shown(value: Any) -> str:
    """A setting as ``tracker config`` prints it: a secret masked (a URL keeps all but its
    password), the rest as it is."""
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if "://" in secret:
            return mask_url_password(secret)
        return "DEMO_KEY" if secret == "DEMO_KEY" else ("*" * 8 if secret else "")
    return "" if value is None else str(value)


def describe_settings(settings: Settings) -> dict[str, str]:
    """The settings in force as strings, with every secret masked; a source's settings as
    ``sources.NAME.FIELD``, and the relevance, review and statements tables as the rules in force."""
    shown: dict[str, str] = {}
    for name in Settings.model_fields:
        if name == "sources":
            for source in SOURCE_DEFAULTS:
                table = settings.source(source)
                for field in SourceSettings.model_fields:
                    shown[f"sources.{source}.{field}"] = _shown(getattr(table, field))
        else:
            shown[name] = _shown(getattr(settings, name))
    shown["database_url"] = mask_url_password(settings.database_url)
    relevance = settings.relevance_settings
    shown["relevance"] = "; ".join(
        f"{name}: {', '.join(words)}" for name, words in relevance.model_dump().items()
        if words and name != "topics") + "; topics: " + ", ".join(relevance.topics)
    shown["review"] = "; ".join(f"{r.name}: {r.describe()}"
                                for r in settings.auto_approve_rules) or "(no auto-approve rules)"
    shown["statements"] = ", ".join(
        f"{s.name} ({s.type}{'' if s.enabled else ', disabled'})"
        for s in settings.statement_settings.sources) or "(none)"
    shown["templates_dir"] = str(templates_dir())
    return shown


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

