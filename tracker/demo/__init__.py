"""What ``tracker demo`` runs without network or keys: the stand-in upstreams the spider tests
use (``upstream.py``, serving the recorded responses in ``fixtures/``) and a local SMTP sink
that keeps every mail in an mbox file (``mailbox.py``), each on a free loopback port."""

import socket


def free_port() -> int:
    """A loopback port nothing listens on (for servers that need a number before they bind)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The providers' key variables: the stand-ins take any key, and the user's own stay unread.
KEY_VARIABLES = ("COURTLISTENER_TOKEN", "CONGRESS_API_KEY", "OPENSTATES_API_KEY")
DEMO_STATEMENT_SITES = ("authors-guild", "copyright-office", "sag-aftra")


def demo_environment(folder, upstreams: dict, smtp_url: str, base_url: str) -> dict[str, str]:
    """The settings of a demo run as environment variables: its own database, configuration,
    watchlist and secret in ``folder``, every source at its stand-in with no spacing between
    requests, mail to the sink. The user's ``TRACKER_*`` variables and keys are left out, so
    nothing of theirs is read or written."""
    import os
    import secrets

    import yaml

    from tracker.demo.upstream import FIXTURES

    records = []
    for source in upstreams:  # the sources' test watchlists, whose cases the recordings answer
        watchlist = FIXTURES / source / "watchlist.yaml"
        if watchlist.is_file():
            records += yaml.safe_load(watchlist.read_text(encoding="utf-8")) or []
    (folder / "watchlist.yaml").write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    # The tests' statement sites, less those recorded to fail (a redesigned page, a feed gone).
    header, *sites = (FIXTURES / "statements" / "config.toml").read_text(encoding="utf-8").split(
        "[[statements.sources]]")
    kept = [site for site in sites if any(f'name = "{name}"' in site for name in DEMO_STATEMENT_SITES)]
    config = "[[statements.sources]]".join([header, *kept])
    (folder / "config.toml").write_text(config.replace("{base}", upstreams["statements"].url),
                                        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k not in KEY_VARIABLES}
    env.update({
        "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}",
        "TRACKER_CONFIG": str(folder / "config.toml"),
        "TRACKER_WATCHLIST_FILE": str(folder / "watchlist.yaml"),
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_SMTP_URL": smtp_url,
        "TRACKER_BASE_URL": base_url,
        "TRACKER_MAIL_FROM": "AI Copyright Tracker (demo) <tracker@localhost>",
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        # The stand-in sites are on loopback, which the statements spider refuses unless told.
        "TRACKER_STATEMENTS__ALLOWED_NETWORKS": "127.0.0.1/32",
        **dict.fromkeys(KEY_VARIABLES, "demo"),
    })
    for source, upstream in upstreams.items():
        if source != "statements":  # the statement sites are listed in the configuration file
            env[f"TRACKER_SOURCES__{source.upper()}__URL"] = upstream.url
        env[f"TRACKER_SOURCES__{source.upper()}__DELAY"] = "0"
    return env
