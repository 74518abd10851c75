"""The statements spider reads what it is pointed at only when that is a public web page on the
source's own site: no other schemes, hosts or internal addresses, redirects included (#17)."""

import json

import pytest

from tests.spiders.crawling import crawl_environment, tracker
from tests.spiders.test_statements import BASE, FOLDER, outcome, respond, spider  # noqa: F401
from tests.upstream import Upstream

LISTING = f"{BASE}/sag-aftra/press-releases"
FIRST_LINK = (b'href="/sag-aftra-statement-synthetic-performers?utm_source=newsletter&amp;'
              b'utm_campaign=press"')


def listing_with_first_link(spider, href: str):  # noqa: F811
    page = respond(spider, "sag-aftra", "sag-aftra-page1.html", LISTING)
    return page.replace(body=page.body.replace(FIRST_LINK, f'href="{href}"'.encode()))


@pytest.mark.parametrize("href", ["mailto:press@sagaftra.org", "http://127.0.0.1/admin",
                                  "https://evil.example/x", "file:///etc/passwd",
                                  "data:text/html,AI%20copyright", "ftp://example.org/a"])
def test_links_off_the_site_are_skipped_and_the_rest_still_read(spider, href):  # noqa: F811
    requests = list(spider.parse_listing(listing_with_first_link(spider, href)))
    urls = [request.url for request in requests]
    assert urls and all(url.startswith(BASE) for url in urls)
    assert not any("synthetic-performers" in url for url in urls)
    assert spider.crawler.stats.get_value("statements/offsite") == 1
    assert outcome(spider, "sag-aftra").state == "ok"


def test_a_listing_that_cannot_be_read_in_full_fails_and_keeps_no_validators(spider):  # noqa: F811
    list(spider.parse_listing(listing_with_first_link(spider, "http://[::1/broken")))
    failed = outcome(spider, "sag-aftra")
    assert failed.state == "failed" and failed.reason.startswith(f"could not read all of {LISTING}")
    assert LISTING not in spider.validators_to_save()  # read again next time, not a 304


def crawl(upstream, tmp_path, networks: str, url: str | None = None):
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "one.toml"
    config.write_text(f'[statements]\nlookback_days = 36500\n[[statements.sources]]\nname = "dga"\n'
                      f'organisation = "DGA"\nurl = "{url or upstream.url + "/dga/rss"}"\n')
    env = crawl_environment(tmp_path, TRACKER_CONFIG=str(config), TRACKER_SOURCES__STATEMENTS__DELAY="0",
                            TRACKER_STATEMENTS__ALLOWED_NETWORKS=networks)
    result = tracker("crawl", "--source", "statements", env=env, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    health = {row["source"]: row for row in json.loads(tracker("sources", "--json", env=env).stdout)}
    return health["statements:dga"]


@pytest.fixture
def upstream():
    with Upstream("statements") as server:
        yield server


def test_internal_addresses_are_refused_unless_their_network_is_allowed(upstream, tmp_path):
    refused = crawl(upstream, tmp_path, networks="")
    assert "127.0.0.1 is a loopback address" in refused["last_failure"]["reason"]
    assert upstream.requests == []  # nothing was fetched
    allowed = crawl(upstream, tmp_path / "again", networks="127.0.0.1/32")
    assert allowed["last_run"]["state"] == "ok"


def test_a_redirect_to_an_internal_address_is_refused(upstream, tmp_path):
    answer = upstream.respond

    def to_metadata(path, query, asked=None, **request):
        if path == "/dga/rss":
            return 302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""
        return answer(path, query, asked, **request)

    upstream.respond = to_metadata
    dga = crawl(upstream, tmp_path, networks="127.0.0.1/32")
    assert "169.254.169.254 is a link-local address" in dga["last_failure"]["reason"]


def test_scrapy_reads_no_file_data_ftp_or_s3_url():
    from scrapy.utils.project import get_project_settings

    handlers = get_project_settings().getwithbase("DOWNLOAD_HANDLERS")
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))
    assert handlers["https"] is not None
