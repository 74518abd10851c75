"""Settings: environment over the TOML file over defaults; secrets never printed."""

import pytest

from tracker.cli.reference import describe_settings
from tracker.config import load_settings, mask_url_password
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
                      '[sources.congress]\nurl = "http://127.0.0.1:9999"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    settings = load_settings()
    assert settings.database_url == "sqlite:////srv/tracker.db"
    assert settings.source("congress").url == "http://127.0.0.1:9999"
    assert settings.config_file == config
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:////tmp/env.db")
    assert load_settings().database_url == "sqlite:////tmp/env.db"


def test_config_file_at_the_xdg_default_is_read(tmp_path):
    default = tmp_path / "config" / "ai-copyright-tracker" / "config.toml"
    default.parent.mkdir(parents=True)
    default.write_text('[sources.openstates]\nurl = "http://127.0.0.1:8001"\n')
    assert load_settings().source("openstates").url == "http://127.0.0.1:8001"


def test_upstream_keys_use_their_providers_names(monkeypatch):
    monkeypatch.setenv("COURTLISTENER_TOKEN", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("OPENSTATES_API_KEY", "os-secret")
    settings = load_settings()
    assert settings.source("courtlistener").key.get_secret_value().startswith("0123")
    shown = describe_settings(settings)
    assert "0123" not in str(shown) and "os-secret" not in str(shown)
    assert shown["sources.courtlistener.key"] == "********"
    assert shown["sources.congress.key"] == "DEMO_KEY"


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


def test_each_source_has_its_own_table_over_its_defaults(monkeypatch, tmp_path):
    config = tmp_path / "tracker.toml"
    config.write_text("[sources.courtlistener]\ndelay = 3\n[sources.openstates]\ninterval = 12\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    monkeypatch.setenv("TRACKER_SOURCES__COURTLISTENER__DAILY_REQUESTS", "5000")
    settings = load_settings()
    courtlistener = settings.source("courtlistener")
    assert (courtlistener.delay, courtlistener.daily_requests) == (3, 5000)  # file, then environment
    assert courtlistener.url == "https://www.courtlistener.com" and courtlistener.pages == 3  # defaults
    assert settings.crawl_intervals["openstates"] == 12
    assert settings.crawl_intervals["congress"] == 6  # untouched: its default


def test_a_bad_source_value_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("TRACKER_SOURCES__COURTLISTENER__DELAY", "soon")
    with pytest.raises(ConfigError, match=r"^invalid setting: sources\.courtlistener\.delay: "):
        load_settings()


def test_unknown_keys_in_the_file_are_reported_with_a_guess(monkeypatch, tmp_path):
    config = tmp_path / "typo.toml"
    config.write_text('databse_url = "sqlite:////tmp/x.db"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"unknown setting databse_url \(did you mean database_url\?\)"):
        load_settings()
    config.write_text("[sources.courtlistner]\ndelay = 3\n")
    with pytest.raises(ConfigError, match="unknown source courtlistner; known: courtlistener"):
        load_settings()
    config.write_text("[sources.courtlistener]\ndely = 3\n")
    with pytest.raises(ConfigError,
                       match=r"unknown setting sources\.courtlistener\.dely \(did you mean delay\?\)"):
        load_settings()


def test_the_flat_names_of_the_last_release_still_work_with_a_warning(monkeypatch, tmp_path, capsys):
    config = tmp_path / "old.toml"
    config.write_text('courtlistener_delay = 4\n[crawl_intervals]\ncongress = 2\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    monkeypatch.setenv("TRACKER_OPENSTATES_URL", "http://127.0.0.1:8001")
    settings = load_settings()
    assert settings.source("courtlistener").delay == 4
    assert settings.source("congress").interval == 2
    assert settings.source("openstates").url == "http://127.0.0.1:8001"
    warnings = capsys.readouterr().err
    assert "courtlistener_delay is renamed: use [sources.courtlistener] delay" in warnings
    assert "openstates_url is renamed" in warnings and "crawl_intervals is renamed" in warnings


def test_typed_tables_are_checked_once_at_load(monkeypatch, tmp_path):
    config = tmp_path / "rules.toml"
    config.write_text('[[review.auto_approve]]\nname = "x"\nsignificance = "huge"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"^invalid \[review\] setting: auto_approve\.0\.significance"):
        load_settings()
    config.write_text('[relevance]\ntopics = { "music" = ["song", "lyrics"] }\n')
    settings = load_settings()
    assert list(settings.relevance_settings.topics) == ["music"]
    assert settings.relevance_settings is settings.relevance_settings  # built once


def test_a_config_file_that_is_not_utf8_is_one_clear_error(monkeypatch, tmp_path):
    config = tmp_path / "latin1.toml"
    config.write_bytes('base_url = "http://caf\xe9.example"\n'.encode("latin-1"))
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()
