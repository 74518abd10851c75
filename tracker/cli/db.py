"""``tracker db``: create, migrate and (for developers) extend the database schema."""

from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.db import ensure_schema, make_engine
from tracker.output import console

db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or migrate it to this version's schema."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    from tracker.config import mask_url_password
    from tracker.db import schema_version

    console(stderr=True).print(
        f"database {mask_url_password(settings.database_url)} is at revision {schema_version(engine)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="A revision id, or base to drop every table.")],
) -> None:
    """Migrate the database down to an earlier revision."""
    from tracker.db import downgrade

    downgrade(make_engine(load_settings().database_url), revision)


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from tracker.db import new_revision

    new_revision(make_engine(load_settings().database_url), message)

