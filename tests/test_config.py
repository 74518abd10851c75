"""Settings: environment over the TOML file over defaults; secrets never printed."""

import pytest

from tracker.config import describe_settings, load_settings, mask_url_password
from tracker.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("TRACKER_DATABASE_URL", "TRACKER_CONFIG", "COURTLISTENER_TOKEN",
                 "CONGRESS_API_KEY", "OPENSTATES_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_default_database_is_sqlite_under_xdg_data_home(tmp_path):
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'ai-copyright-tracker' / 'tracker.db'}"
    assert settings.config_file is None


def test_toml_file_then_environment(monkeypatch, tmp_path):
    config = tmp_path / "tracker.toml"
    config.write_text('database_url = "sqlite:////srv/tracker.db"\n'
                      'congress_url = "http://127.0.0.1:9999"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    settings = load_settings()
    assert settings.database_url == "sqlite:////srv/tracker.db"
    assert settings.congress_url == "http://127.0.0.1:9999"
    assert settings.config_file == config
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:////tmp/env.db")
    assert load_settings().database_url == "sqlite:////tmp/env.db"


def test_config_file_at_the_xdg_default_is_read(tmp_path):
    default = tmp_path / "config" / "ai-copyright-tracker" / "config.toml"
    default.parent.mkdir(parents=True)
    default.write_text('openstates_url = "http://127.0.0.1:8001"\n')
    assert load_settings().openstates_url == "http://127.0.0.1:8001"


def test_upstream_keys_use_their_providers_names(monkeypatch):
    monkeypatch.setenv("COURTLISTENER_TOKEN", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("OPENSTATES_API_KEY", "os-secret")
    settings = load_settings()
    assert settings.courtlistener_token.get_secret_value().startswith("0123")
    shown = describe_settings(settings)
    assert "0123" not in str(shown) and "os-secret" not in str(shown)
    assert shown["courtlistener_token"] == "********"
    assert shown["congress_api_key"] == "DEMO_KEY"


def test_database_password_is_masked():
    assert mask_url_password("postgresql+psycopg://ana:s3cret@db.example.org/tracker") == (
        "postgresql+psycopg://ana:***@db.example.org/tracker")
    assert mask_url_password("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_broken_toml_is_a_clear_error(monkeypatch, tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text("database_url = \n")
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    with pytest.raises(ConfigError, match="cannot parse the config file"):
        load_settings()


def test_missing_named_config_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(ConfigError, match="not a readable file"):
        load_settings()


def test_wrong_type_is_a_clear_error(monkeypatch, tmp_path):
    config = tmp_path / "typed.toml"
    config.write_text("database_url = 5\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    with pytest.raises(ConfigError, match="database_url"):
        load_settings()
