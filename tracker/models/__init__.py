"""Every SQLModel table of the tracker, split by area, one module each.

Writers import models, never the reverse, and importing one area's module does not import the
others, so a query command pays only for the tables it reads. ``load_all`` imports every area,
for the migration environment and for anything that needs the whole schema.
"""

import importlib

from pydantic import ConfigDict
from sqlalchemy import MetaData
from sqlmodel import SQLModel

AREAS = ("cases", "review", "matters", "subscribers", "runs", "staff", "limits", "calendar", "rulings",
         "mailops", "people", "shared")

# Stable constraint names, so Alembic's batch mode on SQLite and PostgreSQL agree. Set here,
# before any area module defines a table.
SQLModel.metadata.naming_convention = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
).naming_convention


class Table(SQLModel):
    """The base of every table. Pydantic builds a table's validation schema when it is first
    used rather than at import: rows read from the database are never validated, and the
    schemas of a query command's tables cost ``tracker show`` about 10 ms (bench/cli_latency.py)."""

    model_config = ConfigDict(defer_build=True)


def load_all() -> MetaData:
    """Import every area's tables and return the metadata that now holds them all."""
    for area in AREAS:
        importlib.import_module(f"tracker.models.{area}")
    return SQLModel.metadata
