"""``tracker db``: create, migrate and (for developers) extend the database schema."""

from pathlib import Path
from typing import Annotated

import typer

from tracker.config import load_settings
from tracker.db import ensure_schema, make_engine
from tracker.output import console

db_app = typer.Typer(help="Create, migrate, back up or restore the database.", no_args_is_help=True)

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



@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="The new backup file.", dir_okay=False)]) -> None:
    """Copy the SQLite database to FILE while it is in use (SQLite's online backup)."""
    from tracker.backup import backup

    size = backup(make_engine(load_settings().database_url), file)
    console(stderr=True).print(f"backed up to {file} ({size:,} bytes)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup made by tracker db backup.", dir_okay=False)],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the database.")] = False,
) -> None:
    """Replace the SQLite database's contents with a backup (stop the scheduler and web first)."""
    from tracker.backup import restore

    settings = load_settings()
    engine = make_engine(settings.database_url)
    if not yes and not typer.confirm(f"Replace everything in {engine.url.database} with {file}?"):
        raise typer.Exit(1)
    revision = restore(engine, file)
    console(stderr=True).print(f"restored {file} (made at schema revision {revision}) into "
                               f"{engine.url.database}")
