"""Alembic environment: runs on the connection ``tracker.db`` hands over, or on the URL."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import tracker.mailer  # noqa: F401  (outbox)
import tracker.matters  # noqa: F401  (matters, matter_members)
import tracker.models  # noqa: F401  (registers the tables on SQLModel.metadata)
import tracker.review  # noqa: F401  (review_log)
import tracker.runs  # noqa: F401  (source_runs)
import tracker.scheduler  # noqa: F401  (job_runs)
import tracker.staff  # noqa: F401  (staff_accounts)
import tracker.store  # noqa: F401  (case_links)
import tracker.subscriptions  # noqa: F401  (subscribers)

config = context.config
target_metadata = SQLModel.metadata
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
