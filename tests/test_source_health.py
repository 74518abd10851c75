"""Source health as `tracker sources` and the staff page read it: a source is stale only once it
has had its chance; until then it has yet to succeed, or was skipped, and says so."""

from datetime import timedelta

from tests.conftest import NOW
from tracker.db import write_session
from tracker.models.runs import SourceRun
from tracker.runs import source_health

HOUR = timedelta(hours=1)
NO_KEY = "no OPENSTATES_API_KEY (a free key: https://open.pluralpolicy.com/accounts/signup/)"


def record(engine, source: str, state: str, *, ago: timedelta, reason: str = "finished") -> None:
    with write_session(engine) as session:
        session.add(SourceRun(source=source, started_at=NOW - ago, finished_at=NOW - ago,
                              state=state, finish_reason=reason))


def health(engine, *, now=NOW) -> dict[str, tuple[str, str | None]]:
    """{source: (status, stale reason)}, CourtListener crawled hourly and Open States daily."""
    return {h.source: (h.status, h.stale) for h in source_health(
        engine, ["courtlistener", "openstates"], now=now, stale_after=3, stale_runs=3,
        intervals={"courtlistener": 1.0, "openstates": 24.0})}


def test_a_first_failed_crawl_reads_never_succeeded_until_the_source_has_had_its_chance(store_engine):
    assert health(store_engine)["courtlistener"] == ("never run", None)
    record(store_engine, "courtlistener", "failed", ago=10 * timedelta(minutes=1), reason="unreachable")
    assert health(store_engine)["courtlistener"] == ("never succeeded", None)
    # Three intervals after its first attempt, still without a success: now it is stale.
    assert health(store_engine, now=NOW + 3 * HOUR)["courtlistener"] == (
        "STALE: never succeeded in 3 h", "never succeeded in 3 h")


def test_a_success_then_silence_is_stale_after_the_same_window(store_engine):
    record(store_engine, "courtlistener", "ok", ago=2 * HOUR)
    assert health(store_engine)["courtlistener"] == ("ok", None)
    assert health(store_engine, now=NOW + 2 * HOUR)["courtlistener"] == (
        "STALE: no success in 3 h", "no success in 3 h")


def test_a_source_skipped_for_want_of_a_key_says_so_and_is_never_stale(store_engine):
    for days in (3, 2, 1):
        record(store_engine, "openstates", "skipped", ago=days * 24 * HOUR, reason=NO_KEY)
    assert health(store_engine)["openstates"] == (f"skipped: {NO_KEY}", None)


def test_interrupted_runs_are_no_verdict_and_failures_in_a_row_are(store_engine):
    record(store_engine, "courtlistener", "ok", ago=30 * timedelta(minutes=1))
    for minutes in (20, 15, 10):
        record(store_engine, "courtlistener", "interrupted", ago=minutes * timedelta(minutes=1))
    assert health(store_engine)["courtlistener"] == ("ok", None)
    for minutes in (9, 8, 7):
        record(store_engine, "courtlistener", "failed", ago=minutes * timedelta(minutes=1))
    assert health(store_engine)["courtlistener"] == (
        "STALE: nothing in the last 3 runs", "nothing in the last 3 runs")
