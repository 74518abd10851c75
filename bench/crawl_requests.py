"""Requests each source costs: a first crawl, a no-change refresh, a refresh with one changed case.

    .venv/bin/python bench/crawl_requests.py                 # every source
    .venv/bin/python bench/crawl_requests.py courtlistener   # one or more by name

A watchlist of realistic size (30 dockets, 20 federal bills, 20 state bills over five states,
the six statement sites of the recorded configuration) is served from 127.0.0.1 by the stand-in
upstream the tests use, in each upstream's recorded format: the recorded responses of
``tracker/demo/fixtures/<source>`` plus, for each watched case, a copy of a recorded docket or
bill under the case's own number. Each source is crawled three times into a fresh database with
``tracker crawl``, and what reached the server is counted (robots.txt aside):

- first crawl: nothing stored yet;
- no-change refresh: the upstream says nothing changed since;
- one changed case: the upstream reports one watched case changed (a new docket entry, a new
  bill action, a new article), and answers its requests with the new version.

Congress.gov's refreshes are measured as the next day's first runs (the runs recorded before are
moved a day back), the dearest of the day: they also sweep the committee meetings updated since
(``spiders.committee_meetings``), which a later run the same day does not.

The goals (issue #19): a no-change refresh costs at most (queries + 1) requests, each page of a
list counting as a query; one changed case adds at most 2. The last column is the largest
watchlist the source's free quota keeps fresh at its default interval, from the cost model each
spider's docstring gives (the queries, plus one batched request per batch of watched cases).
"""

import copy
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.upstream import FIXTURES, Upstream  # noqa: E402
from tracker.config import SOURCE_DEFAULTS  # noqa: E402
from tracker.db import make_engine  # noqa: E402
from tracker.models.runs import SourceRun  # noqa: E402
from tracker.relevance import (  # noqa: E402
    COURTLISTENER_QUERIES,
    FEDERAL_REGISTER_AGENCIES,
    FEDERAL_REGISTER_TERMS,
    OPENSTATES_QUERIES,
)

DOCKETS, FEDERAL_BILLS, STATES, BILLS_PER_STATE = 30, 20, ("ca", "ny", "il", "tx", "wa"), 4
COURTS = ("cand", "nysd", "ded", "mad", "cacd")


def load(path: Path):
    return json.loads(path.read_text())


def save(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1))


def watched(key: str, kind: str, jurisdiction: str, title: str, **identifiers) -> dict:
    """A watchlist entry in the shipped format."""
    return {"key": key, "kind": kind, "jurisdiction": jurisdiction, "title": title,
            "identifiers": identifiers, "why_tracked": "On the bench's watchlist.", "tags": [],
            "sources": ["https://example.org/bench"], "confidence": "high", "events": []}


def route(folder: Path, path: str, file: str, **query: str) -> None:
    routes = load(folder / "routes.json")
    routes.append({"path": path, "query": query, "responses": [{"file": file}]})
    save(folder / "routes.json", routes)


def courtlistener(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """30 watched dockets, each a copy of Andersen's under its own id, court and number."""
    template = load(folder / "docket-andersen.json")
    watchlist = []
    for n in range(DOCKETS):
        docket_id, court, number = 70000001 + n, COURTS[n % len(COURTS)], f"1:25-cv-{n + 1:05d}"
        docket = {**template, "id": docket_id, "court_id": court, "docket_number": number,
                  "case_name": f"Watched Plaintiff {n + 1} v. Model Developer",
                  "absolute_url": f"/docket/{docket_id}/watched-{n + 1}/"}
        save(folder / f"docket-{docket_id}.json", docket)
        route(folder, f"/api/rest/v4/dockets/{docket_id}/", f"docket-{docket_id}.json")
        route(folder, "/api/rest/v4/docket-entries/", "entries-concord.json", docket=str(docket_id))
        watchlist.append(watched(f"{court}-{number}", "lawsuit", court, docket["case_name"],
                                 court=court, docket_number=number, courtlistener_id=docket_id))
    changed = load(folder / "changes-andersen.json")
    changed["results"] = changed["results"][:1]
    changed["results"][0].update(docket_id=70000001, court_id=COURTS[0], docketNumber="1:25-cv-00001")
    save(folder / "changes-one.json", changed)
    save(folder / "docket-70000001-new.json", {**load(folder / "docket-70000001.json"),
                                               "date_modified": "{now_pacific}"})
    return watchlist, {"changes-none.json": "changes-one.json",
                       "docket-70000001.json": "docket-70000001-new.json"}


def congress(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """20 watched bills, each a copy of H.R. 9912 under its own number."""
    detail, watchlist = load(folder / "bill-hr9912.json"), []
    for n in range(9001, 9001 + FEDERAL_BILLS):
        bill = copy.deepcopy(detail)
        bill["bill"].update(number=str(n), title=f"Watched Bill {n}")
        save(folder / f"bill-hr{n}.json", bill)
        route(folder, f"/v3/bill/119/hr/{n}", f"bill-hr{n}.json")
        route(folder, f"/v3/bill/119/hr/{n}/actions", "actions-hr9912.json")
        watchlist.append(watched(f"us-119-hr-{n}", "federal_bill", "us", f"Watched Bill {n}",
                                 congress=119, bill_type="hr", bill_number=n))
    listed = load(folder / "bills-page1.json")
    entry = {**listed["bills"][1], "number": "9001", "title": "Watched Bill 9001",
             "updateDate": "{now_utc}", "updateDateIncludingText": "{now_utc}"}
    listed["bills"].append(entry)
    save(folder / "bills-page1-one.json", listed)
    changed = load(folder / "bill-hr9001.json")
    changed["bill"].update(updateDate="{now_utc}", updateDateIncludingText="{now_utc}")
    save(folder / "bill-hr9001-new.json", changed)
    return watchlist, {"bills-page1.json": "bills-page1-one.json",
                       "bill-hr9001.json": "bill-hr9001-new.json"}


def openstates(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """20 watched bills, four in each of five states, each a copy of Illinois HB 4875."""
    template, watchlist = load(folder / "bill-il-hb4875.json"), []
    for state in STATES:
        bills = []
        for n in range(1, BILLS_PER_STATE + 1):
            bill = copy.deepcopy(template)
            bill["identifier"], bill["session"] = f"HB {100 + n}", "2026"
            bill["id"] = f"ocd-bill/{state}-{n}"
            bill["jurisdiction"]["id"] = f"ocd-jurisdiction/country:us/state:{state}/government"
            bills.append(bill)
            watchlist.append(watched(f"{state}-2026-hb-{100 + n}", "state_bill", state,
                                     f"{state.upper()} HB {100 + n}", state=state, session="2026",
                                     bill=f"HB {100 + n}"))
        pagination = {"per_page": 20, "page": 1, "max_page": 1}
        save(folder / f"watched-{state}.json", {"results": bills, "pagination": pagination})
        save(folder / f"watched-{state}-none.json", {"results": [], "pagination": pagination})
        route(folder, "/bills", f"watched-{state}.json", jurisdiction=state, session="2026")
        route(folder, "/bills", f"watched-{state}-none.json", jurisdiction=state, session="2026",
              updated_since="*")
        if state == STATES[0]:
            bill = copy.deepcopy(bills[0])
            bill["actions"].append({**bill["actions"][-1], "description": "Read third time. Passed.",
                                    "date": "2026-11-29", "order": 99,
                                    "classification": ["passage"]})
            save(folder / f"watched-{state}-one.json", {"results": [bill], "pagination": pagination})
    return watchlist, {f"watched-{STATES[0]}-none.json": f"watched-{STATES[0]}-one.json"}


def federal_register(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """The recorded watchlist and searches; the change: a new document on a search's last page."""
    return yaml.safe_load((folder / "watchlist.yaml").read_text()), {
        "search-ai-copyright-page2.json": "search-ai-copyright-page2-new.json"}


def statements(folder: Path) -> tuple[list[dict], dict[str, str]]:
    """The six recorded sites; the change: a new item in the Authors Guild's feed."""
    return [], {"authors-guild-feed.xml": "authors-guild-feed-new.xml"}


BUILDERS: dict[str, Callable[[Path], tuple[list[dict], dict[str, str]]]] = {
    "courtlistener": courtlistener, "congress": congress, "openstates": openstates,
    "federal_register": federal_register, "statements": statements}
# The queries of a no-change refresh, each answered in one page (the model of the last column).
QUERIES = {"courtlistener": len(COURTLISTENER_QUERIES), "openstates": len(OPENSTATES_QUERIES),
           "federal_register": len(FEDERAL_REGISTER_TERMS) + len(FEDERAL_REGISTER_AGENCIES)}
BATCH = {"courtlistener": 50, "openstates": 20}  # watched cases per batched request


def kept_fresh(source: str) -> str:
    """The largest watchlist the free quota keeps fresh at the default interval, no change."""
    defaults = SOURCE_DEFAULTS[source]
    quota, interval = defaults.get("daily_requests"), defaults.get("interval", 24.0)
    if quota is None:
        return "no quota"
    per_run = math.floor(quota / (24 / interval))
    if source not in BATCH:  # the list of what changed: its size is the upstream's, not ours
        return f"any ({per_run} a run)"
    batches = per_run - QUERIES[source]
    if source == "openstates":  # a batch per jurisdiction and session: the states bound it first
        return f"{batches} groups of 20 ({per_run} a run)" if batches > 0 else "0"
    return f"{batches * BATCH[source]} ({per_run} a run)" if batches > 0 else "0"


def environment(source: str, upstream: Upstream, folder: Path, work: Path,
                watchlist: list[dict]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_DATABASE_URL=f"sqlite:///{work}/tracker.db", XDG_DATA_HOME=str(work),
               COURTLISTENER_TOKEN="0" * 40, OPENSTATES_API_KEY="bench",
               TRACKER_STATEMENTS__ALLOWED_NETWORKS="127.0.0.1/32")
    config = work / "config.toml"
    if source == "statements":
        config.write_text((folder / "config.toml").read_text().replace("{base}", upstream.url))
    else:
        config.write_text("")
        env[f"TRACKER_SOURCES__{source.upper()}__URL"] = upstream.url
    env["TRACKER_CONFIG"] = str(config)
    env[f"TRACKER_SOURCES__{source.upper()}__DELAY"] = "0"
    if SOURCE_DEFAULTS[source].get("daily_requests"):  # count every request: no budget stops one
        env[f"TRACKER_SOURCES__{source.upper()}__DAILY_REQUESTS"] = "100000"
    watch = work / "watchlist.yaml"
    watch.write_text(yaml.safe_dump(watchlist))
    env["TRACKER_WATCHLIST_FILE"] = str(watch)
    return env


def a_day_later(database_url: str) -> None:
    """The runs recorded so far moved a day back: the next crawl is the next day's first."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for run_id, started in connection.execute(select(SourceRun.id, SourceRun.started_at)).all():
            connection.execute(update(SourceRun).where(SourceRun.id == run_id)
                               .values(started_at=started - timedelta(days=1)))
    engine.dispose()


def measure(source: str) -> list[int]:
    with tempfile.TemporaryDirectory() as tmp:
        work, folder = Path(tmp), Path(tmp) / source
        shutil.copytree(FIXTURES / source, folder)
        watchlist, change = BUILDERS[source](folder)
        with Upstream(source, folder) as upstream:
            env = environment(source, upstream, folder, work, watchlist)
            counts = []
            for label in ("first crawl", "no-change refresh", "one changed case"):
                if label == "one changed case":
                    for name, replacement in change.items():
                        upstream.override(name, replacement)
                if source == "congress" and label != "first crawl":
                    a_day_later(env["TRACKER_DATABASE_URL"])
                upstream.requests.clear()
                result = subprocess.run([sys.executable, "-m", "tracker", "crawl", "--source", source],
                                        env=env, cwd=work, capture_output=True, text=True)
                if result.returncode != 0:
                    raise SystemExit(f"{source} {label} failed:\n{result.stderr[-6000:]}")
                counts.append(len([p for p in upstream.paths() if p != "/robots.txt"]))
    return counts


def main() -> None:
    sources = sys.argv[1:] or list(BUILDERS)
    print(f"{'source':17} {'watched':>7} {'first':>6} {'no-change':>9} {'one change':>10}   "
          "kept fresh by the free quota at the default interval")
    for source in sources:
        first, unchanged, changed = measure(source)
        watched = {"courtlistener": DOCKETS, "congress": FEDERAL_BILLS,
                   "openstates": len(STATES) * BILLS_PER_STATE}.get(source, "-")
        print(f"{source:17} {watched!s:>7} {first:6} {unchanged:9} {changed:10}   {kept_fresh(source)}")


if __name__ == "__main__":
    main()
