"""Requests a CourtListener crawl makes: a first crawl, then a no-change re-crawl.

    .venv/bin/python bench/crawl_requests.py

Serves the recorded fixtures of ``tracker/demo/fixtures/courtlistener`` from 127.0.0.1 (the stand-in
API the tests use), crawls twice into a fresh database with ``tracker crawl``, and counts what
reached the server. The free CourtListener token allows 125 requests a day.
"""

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.upstream import FIXTURES, Upstream  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, Upstream("courtlistener") as upstream:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env.update(TRACKER_DATABASE_URL=f"sqlite:///{folder}/tracker.db",
                   TRACKER_SOURCES__COURTLISTENER__URL=upstream.url,
                   TRACKER_SOURCES__COURTLISTENER__DELAY="0",
                   TRACKER_WATCHLIST_FILE=str(FIXTURES / "courtlistener" / "watchlist.yaml"))
        for label in ("first crawl", "no-change re-crawl"):
            upstream.requests.clear()
            subprocess.run([sys.executable, "-m", "tracker", "crawl", "--source", "courtlistener"],
                           env=env, cwd=folder, check=True, capture_output=True)
            kinds = Counter(path.removeprefix("/api/rest/v4/").split("/")[0] or path
                            for path, _, _ in upstream.requests)
            detail = ", ".join(f"{name} {count}" for name, count in sorted(kinds.items()))
            print(f"{label:20} {len(upstream.requests):3} requests ({detail})")


if __name__ == "__main__":
    main()
