"""Settings: environment variables over a TOML file over defaults, read at the entry points.

Every setting has a key in the TOML file at ``TRACKER_CONFIG`` (default
``$XDG_CONFIG_HOME/ai-copyright-tracker/config.toml``) and a ``TRACKER_*`` environment variable.
Each source has a table of its own, over the defaults in ``SOURCE_DEFAULTS``::

    [sources.courtlistener]            # TRACKER_SOURCES__COURTLISTENER__DELAY=12
    delay = 12

The upstream keys also keep the names their providers use (``COURTLISTENER_TOKEN``). Unknown keys
in the file are an error, not silently ignored; the flat names of earlier releases
(``courtlistener_delay``, ``crawl_intervals``...) still work, with a warning, for one release.
Nothing here is read at import time: ``load_settings()`` is called by the CLI, the scheduler, the web
app and the crawl's pipeline and extension, which pass values down.
"""

import os
import sys
import tomllib
from difflib import get_close_matches
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from platformdirs import user_config_dir, user_data_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tracker.errors import ConfigError
from tracker.redact import redact

if TYPE_CHECKING:
    from tracker.approval_rules import ApproveRule
    from tracker.relevance import RelevanceSettings
    from tracker.statement_sources import StatementsSettings

APP_NAME = "ai-copyright-tracker"


class SourceSettings(BaseModel):
    """One upstream's table, ``[sources.NAME]``: where it is and how hard the tracker may ask."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="The upstream's host; the spider adds the API path")
    key: SecretStr | None = Field(None, description="API key or token, if the upstream takes one")
    interval: float = Field(24.0, ge=0, description="Hours between scheduled crawls (0: not scheduled)")
    delay: float = Field(1.0, ge=0, description="Seconds between requests")
    timeout: float = Field(60.0, gt=0, description="Seconds an upstream may stay silent before the "
                           "crawl gives it up until the next run")
    daily_requests: int | None = Field(None, ge=1, description="Requests a day (the free quota)")
    pages: int | None = Field(None, ge=1, description="Result pages read per query")


# One entry per source: a new source adds its spider module and one line here.
SOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    # Free tokens: 5 a minute, 125 a day; anonymous reads work too.
    "courtlistener": {"url": "https://www.courtlistener.com", "interval": 1.0, "delay": 12.0,
                      "daily_requests": 125, "pages": 3},
    # DEMO_KEY: 30 an hour, 50 a day; pages of 250 recently updated bills.
    "congress": {"url": "https://api.congress.gov", "key": "DEMO_KEY", "interval": 6.0,
                 "daily_requests": 50, "pages": 8},
    # A free key: 10 a minute, 250 a day; skipped without a key.
    "openstates": {"url": "https://v3.openstates.org", "interval": 24.0, "delay": 6.0,
                   "daily_requests": 250},
    "federal_register": {"url": "https://www.federalregister.gov", "interval": 24.0},
    # The organisations' own sites (listed under [statements]): be gentle.
    "statements": {"interval": 2.0, "delay": 2.0},
}
# The upstream keys under the names their providers use.
KEY_VARIABLES = {"courtlistener": "COURTLISTENER_TOKEN", "congress": "CONGRESS_API_KEY",
                 "openstates": "OPENSTATES_API_KEY"}
# Flat names of earlier releases, for one release: name -> (source, field).
RENAMED = {
    f"{source}_{old}": (source, new)
    for source, fields in {
        "courtlistener": {"url": "url", "token": "key", "delay": "delay",
                          "daily_requests": "daily_requests", "search_pages": "pages"},
        "congress": {"url": "url", "api_key": "key", "daily_requests": "daily_requests",
                     "list_pages": "pages"},
        "openstates": {"url": "url", "api_key": "key", "daily_requests": "daily_requests",
                       "delay": "delay"},
        "federal_register": {"url": "url"},
        "statements": {"delay": "delay"},
    }.items()
    for old, new in fields.items()
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_", env_nested_delimiter="__",
                                      extra="forbid")

    database_url: str = Field(
        default_factory=default_database_url,
        description="Any SQLAlchemy URL; SQLite by default, postgresql+psycopg://... for a team",
    )
    sources: dict[str, SourceSettings] = Field(
        default_factory=dict,
        description="A table per source, [sources.NAME], over the defaults in SOURCE_DEFAULTS",
    )
    watchlist_file: Path | None = Field(
        None, description="A watchlist file to use instead of the one shipped with the tracker"
    )
    relevance: dict[str, Any] = Field(
        default_factory=dict,
        description="What counts as an AI-copyright matter: [relevance] in the TOML file, over "
        "the defaults in tracker/relevance.py",
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
        "over the defaults in tracker/statement_sources.py",
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
    bounce_domain: str | None = Field(
        None, pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        description="The domain of the tagged envelope senders (bounces+TAG@) and unsubscribe "
        "addresses (unsubscribe+TAG@); unset: mail goes out from mail_from's address")
    bounce_mailbox: SecretStr | None = Field(
        None, description="Where bounces and unsubscribe mails land: maildir:/var/mail/bounces or "
        "imaps://user:password@imap.example.org:993/INBOX")
    bounce_minutes: float = Field(15.0, gt=0, description="Minutes between readings of the bounce mailbox")
    outbox_retention_days: int = Field(
        30, ge=1, description="Days a sent mail's or post's body is kept; its delivery record stays")
    channel_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Hosts team channels may post to besides Slack's and Teams' "
        "own (webhooks); the only hosts that may be internal addresses")
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
    scrapyd_url: str | None = Field(
        None, description="Scheduled crawls run on this Scrapyd (http://crawler:6800); unset: here"
    )
    redis_url: SecretStr | None = Field(
        None, description="redis://[:password@]host:6379/0: the web workers' login and sign-up counters "
        "live in this Redis; unset: in the database")
    crawl_timeout: float = Field(
        3600.0, gt=0, description="Seconds a scheduled crawl may run before it is stopped"
    )
    link_title_similarity: float = Field(
        0.9, gt=0, le=1, description="How alike two states' bill titles must be to be proposed as copies"
    )
    review: dict[str, Any] = Field(
        default_factory=dict,
        description="Staff review: [[review.auto_approve]] rules in the TOML file, over the "
        "default in tracker/approval_rules.py (read with auto_approve_rules)",
    )
    courtlistener_webhook_secret: SecretStr | None = Field(
        None, description="The secret in the path CourtListener posts docket alerts to "
        "(/hooks/courtlistener/SECRET on tracker web); unset: no webhook"
    )
    courtlistener_docket_alerts: int = Field(
        5, ge=0, description="Docket alerts the CourtListener account may hold (5 on a free account)")
    alert_to: str | None = Field(None, pattern=r"^[^@\s<>,]+@[^@\s<>,]+$", description="The staff "
                                 "address that hears of trouble: sources failing or stale, quotas, bounces")
    alert_failures: int = Field(2, ge=1, description="Failed runs in a row of a source that alert staff")
    alert_bounce_rate: float = Field(
        0.05, gt=0, le=1, description="Share of the last day's mails refused (5xx) that alerts staff")
    webhook_spool: Path | None = Field(
        None, description="Where webhook events wait to be stored (default: the data directory's webhooks/)"
    )
    config_file: Path | None = Field(None, exclude=True, description="The TOML file read, if any")

    # The [relevance], [statements] and [review] tables are checked once, at load, and kept as
    # their typed models; a table left unset builds its defaults on first use, since their
    # modules are a tenth of every command's start-up (bench/cli_latency.py).
    @cached_property
    def relevance_settings(self) -> "RelevanceSettings":
        from tracker.relevance import RelevanceSettings

        return RelevanceSettings.model_validate(self.relevance)

    @cached_property
    def statement_settings(self) -> "StatementsSettings":
        from tracker.statement_sources import StatementsSettings

        return StatementsSettings.model_validate(self.statements)

    @cached_property
    def auto_approve_rules(self) -> list["ApproveRule"]:
        from tracker.approval_rules import ReviewSettings

        return ReviewSettings.model_validate(self.review).auto_approve

    def source(self, name: str) -> SourceSettings:
        """The settings in force for one source (its defaults when the configuration is silent)."""
        return self.sources.get(name) or SourceSettings.model_validate(SOURCE_DEFAULTS.get(name, {}))

    @property
    def crawl_intervals(self) -> dict[str, float]:
        """Hours between scheduled crawls, per source."""
        return {name: self.source(name).interval for name in SOURCE_DEFAULTS}

    @model_validator(mode="before")
    @classmethod
    def _renamed_settings(cls, data: Any) -> Any:
        """Move the flat names of earlier releases into their source tables, with a warning."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        sources = {name: dict(table) for name, table in (data.get("sources") or {}).items()}
        for old, (source, field) in RENAMED.items():
            value = data.pop(old, None)
            if value is None:
                value = os.environ.get(f"TRACKER_{old.upper()}")
            if value is not None:
                _warn(f"the setting {old} is renamed: use [sources.{source}] {field} "
                      f"(TRACKER_SOURCES__{source.upper()}__{field.upper()})")
                sources.setdefault(source, {}).setdefault(field, value)
        intervals = data.pop("crawl_intervals", None) or os.environ.get("TRACKER_CRAWL_INTERVALS")
        if intervals is not None:
            _warn("the setting crawl_intervals is renamed: use [sources.NAME] interval")
            if isinstance(intervals, str):
                import json

                try:
                    intervals = json.loads(intervals)
                except ValueError:
                    raise ValueError("crawl_intervals must be a JSON object of hours per source, "
                                     'e.g. {"courtlistener": 2}') from None
            if not isinstance(intervals, dict):
                raise ValueError("crawl_intervals must be a table of hours per source")
            for source, hours in intervals.items():
                sources.setdefault(source, {}).setdefault("interval", hours)
        for source, variable in KEY_VARIABLES.items():
            key = os.environ.get(variable)
            if key:
                sources.setdefault(source, {})["key"] = key
        data["sources"] = sources
        return data

    @field_validator("sources", mode="before")
    @classmethod
    def _over_defaults(cls, given: Any) -> dict[str, Any]:
        """Each source's table over its defaults; a source the tracker has no spider for is an error."""
        given = given or {}
        if unknown := sorted(set(given) - set(SOURCE_DEFAULTS)):
            raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(SOURCE_DEFAULTS)}")
        return {name: {**defaults, **(given.get(name) or {})} for name, defaults in SOURCE_DEFAULTS.items()}

    @field_validator("channel_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> list[str]:
        """A list, or one string of them (``TRACKER_CHANNEL_HOSTS=hooks.example.org,127.0.0.1``)."""
        items = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
        return [str(item).strip().lower() for item in items if str(item).strip()]

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


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings in force.

    :raises ConfigError: when the TOML file cannot be read or a value or key is invalid
    """
    config_file = Path(os.environ.get("TRACKER_CONFIG") or default_config_path())
    if "TRACKER_CONFIG" in os.environ and not config_file.is_file():
        raise ConfigError(f"TRACKER_CONFIG names {config_file}, which is not a readable file")
    try:
        settings = Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot parse the config file {config_file}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read the config file {config_file}: it is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {config_file}: {exc.strerror}") from None
    except ValidationError as exc:
        raise ConfigError(f"invalid setting: {_problems(exc)}") from None
    for table, typed in (("relevance", "relevance_settings"), ("statements", "statement_settings"),
                         ("review", "auto_approve_rules")):
        if getattr(settings, table):  # an unset table keeps its defaults, built on first use
            try:
                getattr(settings, typed)
            except ValidationError as exc:
                raise ConfigError(f"invalid [{table}] setting: {_problems(exc)}") from None
    settings.config_file = config_file if config_file.is_file() else None
    return settings


def _problems(exc: ValidationError) -> str:
    """``database_url: Input should be a valid string; ...``, and for an unknown key the known
    one it was probably meant to be."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            known = list(Settings.model_fields) if len(err["loc"]) == 1 else list(SourceSettings.model_fields)
            guess = get_close_matches(str(err["loc"][-1]), known, n=1)
            problems.append(f"unknown setting {where}" + (f" (did you mean {guess[0]}?)" if guess else ""))
        else:
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def mask_url_password(url: str) -> str:
    """``postgresql+psycopg://u:secret@h/db`` → ``postgresql+psycopg://u:***@h/db`` (and a
    ``?password=`` in the query too)."""
    return redact(url)
