"""Alembic environment: runs on the connection ``tracker.db`` hands over, or on the URL."""

from alembic import context
from sqlalchemy import create_engine

from tracker.models import load_all

config = context.config
target_metadata = load_all()
# APScheduler's job store makes and owns this table; migrations leave it alone.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER TABLE is limited
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as own_connection:
        run_migrations(own_connection)
