"""What the spider tests share: a crawl environment pointing at a stand-in upstream, the
``tracker`` command in a child process, and row counts."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from tracker.db import make_engine
from tracker.models.cases import Case, Event
from tracker.models.review import Change

ROOT = Path(__file__).resolve().parents[2]


# Where every source points unless a test gives it a stand-in: a loopback port nothing listens
# on, so that no test can reach a real upstream, whatever it crawls.
NOWHERE = "http://127.0.0.1:9"
UPSTREAM_SETTINGS = ("TRACKER_SOURCES__COURTLISTENER__URL", "TRACKER_SOURCES__CONGRESS__URL",
                     "TRACKER_SOURCES__OPENSTATES__URL", "TRACKER_SOURCES__FEDERAL_REGISTER__URL")
KEYS = ("COURTLISTENER_TOKEN", "CONGRESS_API_KEY", "OPENSTATES_API_KEY")


# The statement sites are a list in the config file, not one URL: one site, nowhere.
NOWHERE_CONFIG = f"""
[[statements.sources]]
name = "nowhere"
organisation = "Nowhere"
url = "{NOWHERE}/feed.xml"
"""


def crawl_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The process environment for crawls into a fresh database under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k not in KEYS}
    env.update(dict.fromkeys(UPSTREAM_SETTINGS, NOWHERE))
    config = tmp_path / "nowhere.toml"
    config.write_text(NOWHERE_CONFIG)
    env["TRACKER_CONFIG"] = str(config)
    # The stand-in upstreams are on loopback, which the statements spider refuses unless told.
    env["TRACKER_STATEMENTS__ALLOWED_NETWORKS"] = "127.0.0.1/32"
    env.update({"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "XDG_DATA_HOME": str(tmp_path / "data"), **settings})  # a generated secret key too
    return env


def open_spider(spidercls, monkeypatch, **env: str):
    """A spider made as Scrapy makes it (settings from ``env``), its stats open, for feeding
    recorded responses straight to its callbacks."""
    from scrapy.utils.test import get_crawler

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    crawler = get_crawler(spidercls)
    crawler.spider = spidercls.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler.spider


def tracker(*args: str, env: dict[str, str], cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def counts(env: dict[str, str]) -> dict[str, int]:
    engine = make_engine(env["TRACKER_DATABASE_URL"])
    with engine.connect() as connection:
        result = {model.__tablename__: connection.execute(
            select(func.count()).select_from(model)).scalar_one() for model in (Case, Event, Change)}
    engine.dispose()
    return result
