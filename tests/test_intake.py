"""Intake (tracker/intake.py): the seed and a crawl take records in by the same steps, with the
same links proposed and the same changes approved by rule."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlmodel import Session, col

from spiders.pipelines import StorePipeline
from tests.spiders.crawling import crawl_environment, tracker
from tracker.approval_rules import ApproveRule
from tracker.db import make_engine
from tracker.intake import intake
from tracker.models.cases import Case
from tracker.models.review import Change
from tracker.watchlist import load_watchlist

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

# An MDL with a member that names it, and a bill reintroduced in the next congress: two links.
WATCHLIST = """
- {key: "nysd-1:99-md-09999", kind: lawsuit, jurisdiction: nysd, confidence: high,
   title: In re Imaginary AI Litigation, events: [{date: 2025-04-03, text: MDL transfer order}]}
- {key: "nysd-1:99-cv-00001", kind: lawsuit, jurisdiction: nysd, confidence: high,
   title: Writers v. Imaginary AI, identifiers: {mdl: MDL No. 9999},
   events: [{date: 2025-01-02, text: COMPLAINT filed}]}
- {key: us-118-s-9001, kind: federal_bill, jurisdiction: us, confidence: high,
   title: Imaginary Act of 2024, identifiers: {congress: 118}, events: [{date: 2024-03-01, text: Introduced}]}
- {key: us-119-s-9002, kind: federal_bill, jurisdiction: us, confidence: high,
   title: Imaginary Act of 2025, identifiers: {congress: 119}, events: [{date: 2025-03-01, text: Introduced}]}
"""
LINK_RULE = '[[review.auto_approve]]\nname = "links"\nchanges = ["new_link"]\n'


def changes(database_url: str) -> list[tuple]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.execute(select(Case.key, Change.kind, Change.after, Change.review_state, Change.rule)
                               .join(Case, col(Case.id) == Change.case_id)).all()
    engine.dispose()
    return sorted(tuple(row) for row in rows)


def test_the_seed_and_a_crawl_propose_the_same_links_and_apply_the_same_rules(tmp_path, monkeypatch):
    watchlist, config = tmp_path / "watchlist.yaml", tmp_path / "rules.toml"
    watchlist.write_text(WATCHLIST)
    config.write_text(LINK_RULE)
    seeded = crawl_environment(tmp_path, TRACKER_CONFIG=str(config))
    result = tracker("seed", "--file", str(watchlist), env=seeded)
    assert result.returncode == 0, result.stderr
    assert "2 approved by rule" in result.stderr and "2 links proposed" in result.stderr

    crawled = f"sqlite:///{tmp_path / 'crawl.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", crawled)
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    crawler = get_crawler(Spider)
    pipeline = StorePipeline.from_crawler(crawler)

    async def crawl():
        await pipeline.open_spider()
        for item in load_watchlist(watchlist):
            await pipeline.process_item(item)
        await pipeline.close_spider()

    asyncio.run(crawl())
    stats = crawler.stats
    assert (stats.get_value("tracker/links_proposed"), stats.get_value("tracker/changes_auto_approved")) \
        == (2, 2)
    landed = changes(seeded["TRACKER_DATABASE_URL"])
    assert ("nysd-1:99-cv-00001", "new_link", "member of nysd-1:99-md-09999 (MDL No. 9999)", "approved",
            "links") in landed
    assert ("us-119-s-9002", "new_link", "reintroduction of us-118-s-9001 (same title as us-118-s-9001)",
            "approved", "links") in landed
    assert changes(crawled) == landed


def test_a_matters_file_places_its_cases_and_their_links_are_still_recorded(store_engine, tmp_path: Path):
    """case_links is the one record of which cases belong together, so the reintroduction a
    matters file already groups is linked too (and, approved, changes no matter)."""
    matters = tmp_path / "matters.yaml"
    matters.write_text("- key: imaginary-act\n  title: Imaginary Act, across congresses\n  members:\n"
                       "  - {case: us-119-s-9002, role: lead}\n"
                       "  - {case: us-118-s-9001, role: reintroduction}\n")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST)
    records = load_watchlist(watchlist)
    rules = [ApproveRule(name="links", changes=["new_link"])]
    report = intake(store_engine, records, rules=rules, similarity=0.9, now=NOW, matters=matters)
    assert (report.matters_created, report.memberships_added) == (1, 2)
    assert (report.links_proposed, report.auto_approved) == (2, 2)  # the MDL member; the reintroduction
    assert report.counts() == {"cases_new": 4, "cases_updated": 0, "cases_unchanged": 0,
                               "events_added": 4, "changes_added": 4}
    again = intake(store_engine, records, rules=rules, similarity=0.9, now=NOW.replace(hour=13))
    assert (again.counts()["cases_unchanged"], again.links_proposed, again.auto_approved) == (4, 0, 0)
