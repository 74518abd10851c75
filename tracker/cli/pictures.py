"""``tracker map`` and ``tracker matter show KEY --timeline``: the web app's pictures as SVG files
for reports."""

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from tracker.config import load_settings
from tracker.db import open_store
from tracker.errors import TrackerError
from tracker.pictures.png import svg_to_png
from tracker.pictures.statemap import STAGES, map_svg, state_rows
from tracker.pictures.timeline import matter_rows, timeline_svg
from tracker.vocab import BILL_STATUSES

OutputOption = Annotated[Path, typer.Option(
    "--output", "-o", help="The file to write: SVG, or PNG when it ends in .png (needs the [png] extra).")]


def write_svg(svg: str, output: Path) -> None:
    """Write the picture (as a PNG when ``output`` ends in ``.png``), or say in one line why not."""
    data = svg.encode("utf-8")
    if output.suffix.lower() == ".png":
        data = svg_to_png(svg)
        if data is None:
            raise TrackerError("this machine cannot draw PNGs (pip install 'ai-copyright-tracker[png]' "
                               "and the cairo library); write an .svg instead")
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise TrackerError(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stderr.write(f"wrote {output} ({len(data) // 1024 + 1} KB)\n")


def map_command(
    output: OutputOption,
    topic: Annotated[str | None, typer.Option(help="Only bills with this topic tag (likeness...).")] = None,
    year: Annotated[int | None, typer.Option(help="Only bills of a session covering this year.")] = None,
    status: Annotated[str | None, typer.Option(
        help="Only bills at this stage (enacted, passed, pending, ended) or with this status.")] = None,
) -> None:
    """The map of the states, each coloured by its most advanced AI-copyright bill, as SVG."""
    allowed = list(dict.fromkeys([s.name for s in STAGES[:-1]] + [s.value for s in BILL_STATUSES]))
    if status is not None and status not in allowed:
        raise TrackerError(f"unknown status {status!r}; one of: {', '.join(allowed)}")
    settings = load_settings()
    with Session(open_store(settings.database_url)) as session:
        rows = state_rows(session, topic=topic, year=year, status=status)
    caption = ("AI-copyright bills by state" + (f" on {topic}" if topic else "")
               + (f", {year}" if year else ""))
    write_svg(map_svg(rows, topic=topic, base=settings.base_url.rstrip("/"), caption=caption), output)


def write_timeline(session: Session, matter_key: str, output: Path) -> None:
    """``tracker matter show KEY --timeline FILE``: the matter's timeline, a row per member."""
    title, rows = matter_rows(session, matter_key)
    write_svg(timeline_svg(rows, today=datetime.now(UTC).date(), caption=f"Timeline of {title}"), output)
