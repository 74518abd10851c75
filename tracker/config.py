"""Settings: environment variables over a TOML file over defaults, read at the entry points.

Every setting has a ``TRACKER_*`` environment variable (the upstream keys keep the names their
providers use, such as ``COURTLISTENER_TOKEN``) and a key of the same name, lower-cased and
without the prefix, in the TOML file at ``TRACKER_CONFIG`` (default
``$XDG_CONFIG_HOME/ai-copyright-tracker/config.toml``). Nothing here is read at import time:
``load_settings()`` is called by the CLI, the scheduler and the pipeline, which pass values down.
"""

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_config_dir, user_data_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tracker.errors import ConfigError

if TYPE_CHECKING:
    from tracker.approval_rules import ApproveRule
    from tracker.statement_sources import StatementsSettings

APP_NAME = "ai-copyright-tracker"
# Hours between crawls, fitted to each upstream's limits and cadence.
DEFAULT_CRAWL_INTERVALS = {
    "courtlistener": 1.0,
    "congress": 6.0,
    "openstates": 24.0,
    "federal_register": 24.0,
    "statements": 2.0,
}


def default_config_path() -> Path:
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'tracker.db'}"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


def templates_dir() -> Path:
    """The Jinja2 templates: ``tracker/templates`` when installed, ``templates/`` in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="Any SQLAlchemy URL; SQLite by default, postgresql+psycopg://... for a team",
    )
    courtlistener_url: str = Field(
        "https://www.courtlistener.com", description="CourtListener host; the spider adds /api/rest/v4/"
    )
    courtlistener_token: SecretStr | None = Field(
        None, validation_alias=_env("COURTLISTENER_TOKEN", "TRACKER_COURTLISTENER_TOKEN"),
        description="CourtListener API token (optional for anonymous reads)",
    )
    congress_url: str = Field(
        "https://api.congress.gov", description="Congress.gov API host; the spider adds /v3/"
    )
    congress_api_key: SecretStr = Field(
        SecretStr("DEMO_KEY"), validation_alias=_env("CONGRESS_API_KEY", "TRACKER_CONGRESS_API_KEY"),
        description="api.data.gov key for Congress.gov (DEMO_KEY allows 30 requests an hour)",
    )
    openstates_url: str = Field("https://v3.openstates.org", description="Open States API v3 host")
    openstates_api_key: SecretStr | None = Field(
        None, validation_alias=_env("OPENSTATES_API_KEY", "TRACKER_OPENSTATES_API_KEY"),
        description="Open States API key (the source is skipped without one)",
    )
    federal_register_url: str = Field(
        "https://www.federalregister.gov", description="Federal Register host; the spider adds /api/v1/"
    )
    congress_daily_requests: int = Field(
        50, ge=1, description="Congress.gov requests a day (DEMO_KEY allows 50; a real key 5,000 an hour)"
    )
    congress_list_pages: int = Field(
        8, ge=1, description="Pages of 250 recently updated bills read per crawl"
    )
    openstates_daily_requests: int = Field(
        250, ge=1, description="Open States requests a day (a free key allows 250)"
    )
    openstates_delay: float = Field(
        6.0, ge=0, description="Seconds between Open States requests (10 a minute on a free key)"
    )
    courtlistener_daily_requests: int = Field(
        125, ge=1, description="CourtListener requests a day (a free token allows 125)"
    )
    courtlistener_delay: float = Field(
        12.0, ge=0, description="Seconds between CourtListener requests (5 a minute on a free token)"
    )
    courtlistener_search_pages: int = Field(
        3, ge=1, description="Search result pages read per relevance query"
    )
    statements_delay: float = Field(
        2.0, ge=0, description="Seconds between requests to one guild's or office's site"
    )
    watchlist_file: Path | None = Field(
        None, description="A watchlist file to use instead of the one shipped with the tracker"
    )
    crawl_intervals: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CRAWL_INTERVALS),
        description="Hours between crawls, per source (0: not scheduled)",
    )
    relevance: dict[str, Any] = Field(
        default_factory=dict,
        description="What counts as an AI-copyright matter: [relevance] in the TOML file, over "
        "the defaults in tracker/relevance.py (checked at load, compiled when a crawl needs it)",
    )
    stale_after: float = Field(
        3.0, gt=0, description="A source is stale after this many intervals without a success"
    )
    stale_runs: int = Field(
        3, ge=1, description="A source is stale after this many runs in a row that brought nothing"
    )
    statements: dict[str, Any] = Field(
        default_factory=dict,
        description="Guild, coalition and office pages: [[statements.sources]] in the TOML file, "
        "over the defaults in tracker/statement_sources.py (read with statement_settings())",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Where the web app answers; every link in a mail starts here"
    )
    smtp_url: SecretStr = Field(
        SecretStr("smtp://127.0.0.1:25"),
        description="smtp://user:pass@host:587 (STARTTLS), smtps://... (TLS), smtp://127.0.0.1:1025",
    )
    mail_from: str = Field(
        "AI Copyright Tracker <tracker@localhost>", description="The From of every mail"
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs unsubscribe and confirm links (generated in the data directory if unset)"
    )
    digest_cap_days: int = Field(
        14, ge=1, description="A first digest, or one after a long gap, reaches back at most this far"
    )
    smtp_retry_delay: float = Field(
        5.0, ge=0, description="Seconds before retrying a temporary SMTP failure (doubling each time)"
    )
    smtp_attempts: int = Field(
        4, ge=1, description="Tries of one message in a run before it waits for the next run"
    )
    suspend_after: int = Field(
        3, ge=1, description="Hard bounces in a row that suspend an address"
    )
    timezone: str = Field("UTC", description="The scheduler's time zone (IANA), e.g. America/New_York")
    daily_digest_at: str = Field(
        "08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local time of the daily digest"
    )
    weekly_digest_on: str = Field(
        "mon", pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$", description="Day of the weekly digest"
    )
    alert_minutes: float = Field(
        5.0, gt=0, description="Minutes between sends of immediate alerts (major changes)"
    )
    standby_poll: float = Field(
        5.0, gt=0, description="Seconds between a standing-by scheduler's tries to take over"
    )
    crawl_timeout: float = Field(
        3600.0, gt=0, description="Seconds a scheduled crawl may run before it is stopped"
    )
    link_title_similarity: float = Field(
        0.9, gt=0, le=1, description="How alike two states' bill titles must be to be proposed as copies"
    )
    review: dict[str, Any] = Field(
        default_factory=dict,
        description="Staff review: [[review.auto_approve]] rules in the TOML file, over the "
        "default in tracker/approval_rules.py (read with auto_approve_rules())",
    )
    config_file: Path | None = Field(None, exclude=True, description="The TOML file read, if any")

    # The statement sources and the review rules are tables of their own, checked when the
    # settings load but built only by the commands that use them: their models are a tenth of
    # every command's start-up (bench/cli_latency.py).
    def statement_settings(self) -> "StatementsSettings":
        from tracker.statement_sources import StatementsSettings

        return StatementsSettings.model_validate(self.statements)

    def auto_approve_rules(self) -> list["ApproveRule"]:
        from tracker.approval_rules import ReviewSettings

        return ReviewSettings.model_validate(self.review).auto_approve

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as Europe/Paris)") from None
        return zone

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("TRACKER_CONFIG") or default_config_path())
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


def load_settings(**overrides: Any) -> Settings:
    """Read the settings in force.

    :raises ConfigError: when the TOML file cannot be read or a value is invalid
    """
    config_file = Path(os.environ.get("TRACKER_CONFIG") or default_config_path())
    try:
        settings = Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse the config file {config_file}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {config_file}: {exc.strerror}") from None
    except ValidationError as exc:
        raise ConfigError(f"invalid setting: {_problems(exc)}") from None
    if settings.relevance:
        from tracker.relevance import RelevanceSettings  # only a config that sets rules pays for it

        try:
            RelevanceSettings.model_validate(settings.relevance)
        except ValidationError as exc:
            raise ConfigError(f"invalid [relevance] setting: {_problems(exc)}") from None
    for name, check in (("statements", Settings.statement_settings),
                        ("review", Settings.auto_approve_rules)):
        if getattr(settings, name):
            try:
                check(settings)
            except ValidationError as exc:
                raise ConfigError(f"invalid [{name}] setting: {_problems(exc)}") from None
    if "TRACKER_CONFIG" in os.environ and not config_file.is_file():
        raise ConfigError(f"TRACKER_CONFIG names {config_file}, which is not a readable file")
    settings.config_file = config_file if config_file.is_file() else None
    return settings


def _problems(exc: ValidationError) -> str:
    """``database_url: Input should be a valid string; ...``"""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())


def mask_url_password(url: str) -> str:
    """``postgresql+psycopg://u:secret@h/db`` → ``postgresql+psycopg://u:***@h/db``."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not (sep and at and ":" in credentials):
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def describe_settings(settings: Settings) -> dict[str, str]:
    """The settings in force as strings, with every secret masked."""
    shown: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            value = "DEMO_KEY" if secret == "DEMO_KEY" else ("*" * 8 if secret else "")
        shown[name] = "" if value is None else str(value)
    shown["database_url"] = mask_url_password(settings.database_url)
    shown["smtp_url"] = mask_url_password(settings.smtp_url.get_secret_value())
    shown["review"] = "; ".join(f"{r.name}: {r.describe()}"
                                for r in settings.auto_approve_rules()) or "(no auto-approve rules)"
    shown["statements"] = ", ".join(
        f"{s.name} ({s.type}{'' if s.enabled else ', disabled'})"
        for s in settings.statement_settings().sources) or "(none)"
    shown["templates_dir"] = str(templates_dir())
    return shown
