"""How the command line writes: JSON on stdout for scripts, Rich tables and notes for people."""

import json
import sys
from typing import Annotated, Any

import typer

PIPED_WIDTH = 200  # piped into a file or grep, a row should stay one line
# Every command's --json flag.
JsonFlag = Annotated[bool, typer.Option("--json", help="JSON on stdout (schema in the README).")]


def console(stderr: bool = False):
    from rich.console import Console  # Rich costs start-up time; JSON output never needs it

    rich = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not rich.is_terminal:
        rich.width = PIPED_WIDTH
    return rich


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
