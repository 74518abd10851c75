"""`tracker courtlistener alerts`: docket alerts for the watched dockets within the account's quota,
against the stand-in CourtListener over real HTTP (the docket-alerts endpoint as Django REST
framework serves it: the v4 list's format, a POST's 201 body and its 400s, from CourtListener's
alert API documentation and `cl/alerts` code; the account's alerts in `docket-alerts.json`).

The store holds the shipped watchlist: 14 lawsuits with a CourtListener docket. The account
already follows Andersen (66732129) and a docket the tracker does not watch, and has
unsubscribed from Thomson Reuters v. Ross (17131648): with a free account's 5 alerts, 3 are left.
"""

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlmodel import Session

from tests.upstream import Upstream
from tracker.db import open_store
from tracker.models.cases import Case
from tracker.status import LAWSUIT_DISPOSED

ANDERSEN, ROSS, ELSEWHERE = 66732129, 17131648, 4214664
ALERTS = "/api/rest/v4/docket-alerts/"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The shipped watchlist, seeded once (the command only reads the store)."""
    folder = tmp_path_factory.mktemp("store")
    url = f"sqlite:///{folder / 'tracker.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    (folder / "empty.toml").write_text("")
    env.update(TRACKER_DATABASE_URL=url, TRACKER_CONFIG=str(folder / "empty.toml"))
    seeded = subprocess.run([sys.executable, "-m", "tracker", "seed"], env=env, capture_output=True,
                            text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    with Session(open_store(url)) as session:
        lawsuits = {int(ids["courtlistener_id"]): (status, on_watchlist) for ids, status, on_watchlist
                    in session.execute(select(Case.identifiers, Case.status, Case.on_watchlist)
                                       .where(Case.kind == "lawsuit"))
                    if ids.get("courtlistener_id")}
    return env, lawsuits


@pytest.fixture
def courtlistener():
    with Upstream("courtlistener") as upstream:
        upstream.page_size = 2  # the account's three alerts come on two pages
        yield upstream


def alerts(store, upstream, *args, token="a-token-of-the-account", **settings):
    env, _ = store
    env = {**env, "TRACKER_SOURCES__COURTLISTENER__URL": upstream.url,
           "TRACKER_SOURCES__COURTLISTENER__DELAY": "0", **settings}
    env.pop("COURTLISTENER_TOKEN", None)
    if token:
        env["COURTLISTENER_TOKEN"] = token
    result = subprocess.run([sys.executable, "-m", "tracker", "courtlistener", "alerts", *args],
                            env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def followed(upstream) -> dict[int, int]:
    """What the account now holds: {docket: alert type}."""
    route = next(r for r in upstream.routes if r["path"] == ALERTS)
    return {item["docket"]: item["alert_type"] for item in route["items"]}


def outcomes(result) -> dict[int, str]:
    assert result.returncode == 0, result.stderr
    return {row["courtlistener_id"]: row["outcome"] for row in json.loads(result.stdout)["dockets"]}


def test_alerts_fill_the_quota_with_the_open_dockets_and_say_what_is_left(store, courtlistener):
    _, lawsuits = store
    first = alerts(store, courtlistener, "--json")
    report = json.loads(first.stdout)
    seen = outcomes(first)
    assert set(seen) == set(lawsuits) and len(seen) == 14
    assert (report["quota"], report["in_use"], report["elsewhere"]) == (5, 5, 1)
    assert seen[ANDERSEN] == "already" and seen[ROSS] == "unsubscribed"
    created = [docket for docket, outcome in seen.items() if outcome == "created"]
    left = [docket for docket, outcome in seen.items() if outcome == "quota"]
    assert len(created) == 3 and len(left) == 9
    # The account now follows exactly those, and Ross stays unsubscribed as its holder chose.
    assert followed(courtlistener) == {ELSEWHERE: 1, ANDERSEN: 1, ROSS: 0, **dict.fromkeys(created, 1)}
    assert sorted(json.loads(body)["docket"] for _, body in courtlistener.posts) == sorted(created)
    # An open case is never left without an alert while a closed one got one.
    disposed = {status.value for status in LAWSUIT_DISPOSED}
    if any(lawsuits[d][0] in disposed for d in created):
        assert all(lawsuits[d][0] in disposed for d in left)

    # Run again: the list says what is there, nothing is created twice.
    courtlistener.posts.clear()
    again = outcomes(alerts(store, courtlistener, "--json"))
    assert courtlistener.posts == []
    assert {d for d, o in again.items() if o == "already"} == {ANDERSEN, *created}
    assert [d for d, o in again.items() if o == "quota"] == left


def test_the_table_says_covered_and_not_covered_and_a_dry_run_creates_nothing(store, courtlistener):
    dry = alerts(store, courtlistener, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert courtlistener.posts == []
    lines = dry.stdout.splitlines()
    assert lines[0].split() == ["case", "docket", "alert", "why", "title"]
    andersen = next(line for line in lines if str(ANDERSEN) in line)
    assert "covered (already)" in andersen and "Andersen" in andersen
    ross = next(line for line in lines if str(ROSS) in line)
    assert "not covered" in ross and "unsubscribed in CourtListener" in ross
    assert sum("would be covered (dry run)" in line for line in lines) == 3
    assert sum("the quota: 5 of 5 in use" in line for line in lines) == 9
    assert dry.stderr == ("docket alerts: 5 of 5 in use (1 on dockets the tracker does not watch); 3 "
                          "would be created, 1 already there; 10 of 14 watched dockets not covered "
                          "(polling covers them: the hourly refresh checks every docket)\n")
    assert followed(courtlistener) == {ELSEWHERE: 1, ANDERSEN: 1, ROSS: 0}


def test_a_docket_courtlistener_refuses_is_said_and_the_next_takes_its_place(store, courtlistener):
    first = outcomes(alerts(store, courtlistener, "--json", TRACKER_COURTLISTENER_DOCKET_ALERTS="3"))
    (only,) = [d for d, o in first.items() if o == "created"]  # 3 allowed, 2 in use
    courtlistener.routes[-1]["refused"] = [next(d for d, o in first.items() if o == "quota")]
    refused_docket = courtlistener.routes[-1]["refused"][0]
    second = alerts(store, courtlistener, "--json", TRACKER_COURTLISTENER_DOCKET_ALERTS="4")
    rows = {row["courtlistener_id"]: row for row in json.loads(second.stdout)["dockets"]}
    assert rows[refused_docket]["outcome"] == "refused"
    assert rows[refused_docket]["reason"] == (f'refused: Invalid pk "{refused_docket}" - object does '
                                              "not exist.")
    assert [d for d, row in rows.items() if row["outcome"] == "created"] != []
    assert sum(kind for kind in followed(courtlistener).values()) == 4 and only in followed(courtlistener)


def test_a_server_error_midway_stops_the_run_and_the_next_run_picks_up(store, courtlistener):
    courtlistener.fail_posts(after=1, status=503)
    broken = alerts(store, courtlistener, "--json")
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1].startswith(
        f"error: CourtListener answered 503 to POST {courtlistener.url}{ALERTS}")
    rows = json.loads(broken.stdout)["dockets"]
    assert [row["outcome"] for row in rows].count("created") == 1
    # Every other docket without an alert waits for the next run, the one that failed first.
    not_tried = [row for row in rows if row["outcome"] == "not_tried"]
    assert len(not_tried) == 11 and not_tried[0]["reason"] == "the run stopped here (the error below)"
    courtlistener.failing_posts = None
    mended = outcomes(alerts(store, courtlistener, "--json"))
    assert list(mended.values()).count("created") == 2
    assert sum(kind for kind in followed(courtlistener).values()) == 5


def test_no_token_a_refused_one_or_no_answer_is_said_in_one_line(store, courtlistener):
    missing = alerts(store, courtlistener, token=None)
    assert missing.returncode == 2
    assert missing.stderr == ("error: docket alerts belong to a CourtListener account: set "
                              "COURTLISTENER_TOKEN\n")
    assert courtlistener.requests == []
    courtlistener.refuse(401, "invalid-token.json")
    refused = alerts(store, courtlistener, token="revoked")
    assert refused.returncode == 2
    assert refused.stderr == ("error: CourtListener refused the token (401: Invalid token.); check "
                              "COURTLISTENER_TOKEN\n")
    courtlistener.__exit__()  # CourtListener gone: nothing listens there any more
    unreachable = alerts(store, courtlistener)
    assert unreachable.returncode == 1
    gone = f"error: cannot reach CourtListener at {courtlistener.url}{ALERTS}: "
    assert unreachable.stderr.startswith(gone)
    assert len(unreachable.stderr.splitlines()) == 1
