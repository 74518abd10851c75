"""Keys stay secret: never in a URL, a log line or a stored error, never sent to another host (#17)."""

from datetime import UTC, datetime

from sqlmodel import Session

from tests.spiders.crawling import crawl_environment, tracker
from tests.upstream import FIXTURES, Upstream
from tracker.db import open_store
from tracker.models.runs import SourceRun
from tracker.runs import begin_run, finish_run

CONGRESS_KEY = "c0ngress-secret-key-0123456789"
OPENSTATES_KEY = "0penstates-secret-key-0123456789"


def test_the_congress_key_is_in_a_header_and_in_no_url_or_log(tmp_path):
    with Upstream("congress") as upstream:
        env = crawl_environment(tmp_path, TRACKER_SOURCES__CONGRESS__URL=upstream.url,
                                TRACKER_WATCHLIST_FILE=str(FIXTURES / "congress" / "watchlist.yaml"),
                                CONGRESS_API_KEY=CONGRESS_KEY)
        result = tracker("crawl", "--source", "congress", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    asked = [(path, query, headers) for path, query, headers in upstream.requests
             if path.startswith("/v3/")]
    assert asked and all(headers.get("X-Api-Key") == CONGRESS_KEY for _, _, headers in asked)
    assert not any(CONGRESS_KEY in str(query) for _, query, _ in asked)
    assert CONGRESS_KEY not in result.stderr + result.stdout


def test_a_key_header_is_not_sent_on_to_another_host(tmp_path):
    """Open States answers with a redirect to another host: the key stays behind."""
    with Upstream("openstates") as home, Upstream("openstates") as elsewhere:
        answer = home.respond

        def redirect_first(path, query, asked=None, **request):
            if path == "/bills" and not elsewhere.requests:
                other = elsewhere.url.replace("127.0.0.1", "localhost")
                return 302, {"Location": f"{other}/bills?page=1&q=x"}, b""
            return answer(path, query, asked, **request)

        home.respond = redirect_first
        env = crawl_environment(tmp_path, TRACKER_SOURCES__OPENSTATES__URL=home.url,
                                OPENSTATES_API_KEY=OPENSTATES_KEY, TRACKER_SOURCES__OPENSTATES__DELAY="0",
                                TRACKER_WATCHLIST_FILE=str(FIXTURES / "openstates" / "watchlist.yaml"))
        tracker("crawl", "--source", "openstates", env=env, cwd=tmp_path)
    assert elsewhere.requests, "the redirect was not followed"
    assert all("X-Api-Key" not in headers and "X-API-KEY" not in headers
               for _, _, headers in elsewhere.requests)
    assert any(headers.get("X-Api-Key") == OPENSTATES_KEY for _, _, headers in home.requests)


def test_keys_and_passwords_are_masked_in_stored_errors(sqlite_url):
    engine = open_store(sqlite_url)
    now = datetime.now(UTC)
    run = begin_run(engine, "congress", now=now, since=None)
    finish_run(engine, run, now=now, state="failed",
               last_error="HTTP 500 from https://api.congress.gov/v3/bill?format=json&api_key=SeCrEt1")
    with Session(engine) as session:
        stored = session.get(SourceRun, run).last_error
    assert "SeCrEt1" not in stored and "api_key=***" in stored


def test_redact_masks_every_form_of_secret():
    from tracker.redact import redact

    assert redact("GET http://h/x?token=abc&q=1") == "GET http://h/x?token=***&q=1"
    assert redact("smtp://me:p/a#s?s@mail.example:587") == "smtp://me:***@mail.example:587"
    assert redact("postgresql://h/db?password=pw") == "postgresql://h/db?password=***"
    assert redact("https://www.federalregister.gov/d/2026-1?page=2") == \
        "https://www.federalregister.gov/d/2026-1?page=2"


def test_a_database_url_password_is_never_printed(tmp_path):
    env = crawl_environment(tmp_path, TRACKER_DATABASE_URL="postgres://tracker:hunter2-pw@127.0.0.1:9/x")
    for args in (("db", "upgrade"), ("cases",), ("config",)):
        result = tracker(*args, env=env)
        assert "hunter2-pw" not in result.stdout + result.stderr, args
        assert "Traceback" not in result.stderr
    env["TRACKER_DATABASE_URL"] = "postgresql+psycopg://h:9/x?password=hunter2-pw"
    assert "hunter2-pw" not in tracker("config", env=env).stdout
