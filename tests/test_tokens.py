"""The secret key: long enough, never empty, written whole, and a key of its own for each use."""

import base64
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import itsdangerous
import pytest

from tracker import tokens
from tracker.config import load_settings
from tracker.errors import ConfigError
from tracker.tokens import MAIL_LINKS, SESSIONS, UNSUBSCRIBE, Tokens, derive_key, secret_key

KEY = "a-secret-key-of-forty-characters-0123456"


@pytest.fixture
def no_config(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("TRACKER_"):
            monkeypatch.delenv(name)
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))


def test_a_short_secret_key_is_refused(no_config, tmp_path):
    with pytest.raises(ConfigError, match=r"TRACKER_SECRET_KEY is 4 bytes; it must be at least 32"):
        secret_key(load_settings(secret_key="abcd"), tmp_path / "key")
    with pytest.raises(ConfigError):
        Tokens("abcd")


def test_an_empty_or_short_key_file_is_refused(no_config, tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(ConfigError, match="at least 32"):
        secret_key(load_settings(), path)
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="delete it to make a new one"):
        secret_key(load_settings(), path)


def test_the_web_app_does_not_start_with_a_short_key(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    (tmp_path / "empty.toml").write_text("")
    environment.update(TRACKER_CONFIG=str(tmp_path / "empty.toml"), TRACKER_SECRET_KEY="abcd",
                       TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}")
    result = subprocess.run([sys.executable, "-m", "tracker", "web", "--port", "1"], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: TRACKER_SECRET_KEY is 4 bytes")
    assert len(result.stderr.strip().splitlines()) == 1


def test_concurrent_first_uses_all_read_the_same_full_key(no_config, tmp_path):
    settings = load_settings()
    for round_ in range(30):
        path = tmp_path / f"round{round_}" / "secret_key"
        path.parent.mkdir()
        start, seen = threading.Barrier(16), []

        def first_use(start=start, seen=seen, path=path):
            start.wait()
            try:
                seen.append(secret_key(settings, path))
            except ConfigError as exc:
                seen.append(exc)

        threads = [threading.Thread(target=first_use) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [path.read_text().strip()] * 16
        assert len(seen[0]) >= 32 and oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_crash_while_the_key_is_made_leaves_no_empty_key(no_config, tmp_path, monkeypatch):
    path = tmp_path / "secret_key"

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt  # stands for the process dying between creating and writing

    monkeypatch.setattr(os, "fdopen", crash)
    with pytest.raises(KeyboardInterrupt):
        secret_key(load_settings(), path)
    monkeypatch.undo()
    assert len(secret_key(load_settings(), path)) >= 32


def test_each_use_signs_with_a_key_of_its_own():
    assert len({derive_key(KEY, use) for use in (SESSIONS, MAIL_LINKS, tokens.CSRF)}) == 3
    # A mail link signed with the secret itself (as a leaked session key would let one) is refused.
    forged = itsdangerous.URLSafeTimedSerializer(KEY, salt="ai-copyright-tracker").dumps([UNSUBSCRIBE, 1])
    with pytest.raises(tokens.BadToken):
        Tokens(KEY).read(UNSUBSCRIBE, forged)


def forged_session(key: str, session: dict) -> str:
    """A Starlette session cookie, signed as SessionMiddleware signs it."""
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(key).sign(data).decode()


def test_a_session_signed_with_a_mail_link_key_is_refused(monkeypatch, tmp_path, sqlite_url):
    import httpx

    from tests.webserver import WebServer
    from tracker.db import open_store
    from tracker.staff import add_staff

    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "empty.toml"))
    add_staff(open_store(sqlite_url), "maria", "correct horse battery", now=datetime.now(UTC))
    maria = {"staff": "maria", "version": 1, "at": int(time.time())}
    with WebServer(lambda base: load_settings(database_url=sqlite_url, secret_key=KEY,
                                              base_url=base)) as web:
        for key in (KEY, derive_key(KEY, MAIL_LINKS)):
            cookie = forged_session(key, maria)
            page = httpx.get(f"{web.url}/staff/review", cookies={"tracker_session": cookie})
            assert page.status_code == 303, key
        genuine = forged_session(derive_key(KEY, SESSIONS), maria)
        assert httpx.get(f"{web.url}/staff/review",
                         cookies={"tracker_session": genuine}).status_code == 200


def test_a_confirmation_link_expires_and_an_unsubscribe_link_does_not():
    """A link eight days old: too old to confirm (seven days), never too old to unsubscribe."""

    class EightDaysAgo(itsdangerous.TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    old = itsdangerous.URLSafeTimedSerializer(derive_key(KEY, MAIL_LINKS), salt="ai-copyright-tracker",
                                              signer=EightDaysAgo)
    with pytest.raises(tokens.BadToken, match="expired"):
        Tokens(KEY).read(tokens.CONFIRM, old.dumps([tokens.CONFIRM, 7]))
    assert Tokens(KEY).read(UNSUBSCRIBE, old.dumps([UNSUBSCRIBE, 7])) == 7
