"""``tracker scrapyd``: package the spiders for Scrapyd, where the scheduled crawls then run."""

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from tracker.config import load_settings, mask_url_password
from tracker.errors import ConfigError

scrapyd_app = typer.Typer(help="Crawls on Scrapyd (when scrapyd_url is set).", no_args_is_help=True)


@scrapyd_app.command("deploy")
def scrapyd_deploy(
    egg: Annotated[Path | None, typer.Option(
        help="Also keep the egg here (else only uploaded).", dir_okay=False)] = None,
) -> None:
    """Build the egg (the spiders and the tracker) and upload it to Scrapyd as a new version."""
    from tracker.scrapyd import build_egg, deploy

    url = load_settings().scrapyd_url
    if not url:
        raise ConfigError("TRACKER_SCRAPYD_URL is not set: name the Scrapyd to deploy to "
                          "(http://crawler:6800)")
    with tempfile.TemporaryDirectory() as folder:
        built = build_egg(Path(folder))
        if egg:
            egg.write_bytes(built.read_bytes())
        version, spiders = deploy(url, built)
    sys.stderr.write(f"deployed version {version} with {spiders} spiders to {mask_url_password(url)}\n")
