"""``tracker sources --plan``: each source's day of requests against its free quota."""

import math
from datetime import UTC, datetime

from tracker.config import Settings
from tracker.db import open_store
from tracker.output import console, print_json


def print_plan(settings: Settings, sources: list[str], *, as_json: bool) -> None:
    from tracker.budget import plan

    plans = plan(open_store(settings.database_url), settings, sources, now=datetime.now(UTC))
    rows = [{"source": p.source, "refresh_requests": p.cost, "daily_quota": p.quota,
             "interval_hours": p.interval,
             "fitting_interval_hours": None if p.fitting is None or math.isinf(p.fitting)
             else round(p.fitting, 2),
             "fits": p.fits, "spent_today": p.spent_today} for p in plans]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("source", "refresh costs", "quota a day", "every", "fits the day", "spent today"):
        table.add_column(column, overflow="fold")
    for row in rows:
        cost, quota, fitting = row["refresh_requests"], row["daily_quota"], row["fitting_interval_hours"]
        if quota is None:
            verdict = "no quota"
        elif cost is None:
            verdict = "not measured yet (no refresh so far)"
        elif row["fits"]:
            verdict = f"yes (every {fitting:g} h or more)"
        elif fitting is None:
            verdict = "no: one refresh costs more than the quota"
        else:
            verdict = f"no: every {fitting:g} h or more; the scheduler spaces the runs"
        table.add_row(row["source"], "" if cost is None else f"{cost} requests",
                      "" if quota is None else str(quota), f"{row['interval_hours']:g} h", verdict,
                      str(row["spent_today"]))
    console().print(table)
