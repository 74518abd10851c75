"""Option types the commands share, each with a one-line message for a bad value."""

from datetime import date
from typing import Annotated

import typer


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def since_option(help_text: str):
    """``--since YYYY-MM-DD``, read as a date."""
    return Annotated[date | None, typer.Option(help=help_text, parser=parse_day, metavar="YYYY-MM-DD")]


# What the help shows for a value, in place of Typer's Python types (``<list[Status]>``).
TYPE_LABELS = {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER", "float": "NUMBER",
               "float range": "NUMBER", "Path": "PATH", "file": "FILE", "directory": "DIR",
               "path": "PATH"}


def _help_type(self, ctx) -> str | None:
    """The help's type column: nothing for a flag, the metavar when one is set, else the choices
    (``watch|support|oppose``) or a plain word (``TEXT``, ``INTEGER``, ``STATUS``); no ``list[]``."""
    if getattr(self, "is_flag", False):
        return None
    if self.metavar is not None:
        return self.metavar
    label = self.display_type(ctx).strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    return label if "|" in label else TYPE_LABELS.get(label, label.upper())


def plain_help_types() -> None:
    """Typer's help shows ``<bool>`` on every flag and ``<list[Status]>`` on repeatable options:
    show what to type instead (called once, where the app is built)."""
    from typer.core import TyperArgument, TyperOption

    TyperOption.display_type_rich = _help_type
    TyperArgument.display_type_rich = _help_type


def check_filters(session, filters, *, tag_option: str = "--tag") -> None:
    """Refuse a ``--jurisdiction`` no case has (naming the nearest known ones) and say when no
    case has the tag asked for (by ``tag_option``), rather than answer "No cases match".

    :raises typer.BadParameter: for an unknown jurisdiction or tag
    """
    from difflib import get_close_matches

    from tracker.queries import known_jurisdictions, known_tags

    if filters.jurisdictions:
        known = known_jurisdictions(session)
        for code in filters.jurisdictions:
            if known and code not in known:
                near = get_close_matches(code, known, n=3, cutoff=0.5) or known[:8]
                raise typer.BadParameter(f"no case has the jurisdiction {code!r}; known ones "
                                         f"include {', '.join(near)}", param_hint="'--jurisdiction'")
    if filters.tag:
        tags = known_tags(session)
        if tags and filters.tag.lower() not in {t.lower() for t in tags}:
            near = get_close_matches(filters.tag.lower(), sorted(tags), n=3, cutoff=0.5)
            raise typer.BadParameter(f"no case has the tag {filters.tag!r}"
                                     + (f" (did you mean {', '.join(near)}?)" if near else ""),
                                     param_hint=f"'{tag_option}'")
