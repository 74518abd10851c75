"""``tracker crawl`` over every source: each is run, skipped with a reason, or failed with one."""

from tests.spiders.crawling import crawl_environment, tracker


def test_crawl_of_all_sources_with_nothing_reachable_says_so_per_source(tmp_path):
    # Every upstream points at a loopback port nothing listens on; Open States has no key.
    env = crawl_environment(tmp_path, TRACKER_SOURCES__COURTLISTENER__DELAY="0",
                            TRACKER_SOURCES__OPENSTATES__DELAY="0")
    assert tracker("seed", env=env).returncode == 0
    result = tracker("crawl", env=env, cwd=tmp_path)
    assert result.returncode == 1
    summary = result.stderr[result.stderr.index("crawl summary"):]
    states = ("ok", "partial", "failed", "skipped")  # a long note wraps onto lines of its own
    rows = {line.split()[0]: line.split()[1] for line in summary.splitlines()[2:]
            if len(line.split()) > 1 and line.split()[1] in states}
    assert rows == {"congress": "failed", "courtlistener": "failed",
                    "federal_register": "failed", "openstates": "skipped", "statements": "failed"}
    assert summary.count("cannot reach 127.0.0.1:9") == 4  # the fourth: the one statement site
    cases = tracker("cases", "--limit", "0", env=env)
    assert cases.returncode == 0 and "cand-3:23-cv-00201" in cases.stdout  # the seeded cases
