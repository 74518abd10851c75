"""The house rules that hold the code together, checked rather than drawn.

- The layers of ``pyproject.toml``'s import-linter contracts: faces over services over the store
  over models, vocabulary and configuration; each area of the models on its own.
- No module grows past about 400 lines: a module that long holds two ideas.
- The repository stands alone: nothing refers to documents outside it.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 420  # "about 400"
OUTSIDE = ("../shared", "RELIABILITY.md", "DESIGN.md", "STYLE.md", "ANCHORS.md", "sources.md")


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_the_import_contracts_hold():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--config", "pyproject.toml", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
    assert "0 broken" in result.stdout


def test_no_module_is_over_about_400_lines():
    long = {str(path.relative_to(ROOT)): lines for path in tracked("tracker/*.py", "spiders/*.py")
            if "migrations/versions" not in str(path)
            and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long


def test_nothing_refers_to_files_outside_the_repository():
    mentions = [f"{path.relative_to(ROOT)}: {word}"
                for path in tracked("*.py", "*.md", "*.toml", "*.cfg", "*.html", "*.txt", ".ci/*")
                if path != Path(__file__) for word in OUTSIDE if word in path.read_text(encoding="utf-8")]
    assert not mentions


def test_every_table_defers_its_validation_schema():
    """Tables derive from ``tracker.models.Table``, whose pydantic schema is built on first use:
    a table on ``SQLModel`` directly costs every command that imports it (bench/cli_latency.py)."""
    from sqlmodel import SQLModel

    from tracker.models import Table, load_all

    load_all()
    tables = [mapper.class_ for mapper in SQLModel._sa_registry.mappers
              if mapper.class_.__module__.startswith("tracker.")]
    assert len(tables) > 30
    assert [table.__name__ for table in tables if not issubclass(table, Table)] == []
