"""Golden files: a parser's output compared with a reviewed ``<fixture>.expected.json``.

A missing golden file (or ``UPDATE_GOLDEN=1``) is written and the test fails, so a person reads
the new expectation before it is committed (juriscraper's loop).
"""

import dataclasses
import json
import os
from datetime import date, datetime
from enum import Enum

import pytest

from tests.upstream import FIXTURES


def plain(value):
    """Items and requests as JSON-ready data: dataclasses to dicts, dates to ISO strings."""
    if dataclasses.is_dataclass(value):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def check_golden(source: str, name: str, output) -> None:
    path = FIXTURES / source / f"{name}.expected.json"
    actual = plain(output)
    if not path.exists() or os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
        pytest.fail(f"wrote {path.name}: review it, then commit it")
    assert actual == json.loads(path.read_text())
