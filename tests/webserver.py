"""The web app served for real (uvicorn, a free loopback port, its own thread) for the web tests."""

import threading
import time

import uvicorn

from tracker.demo import free_port
from tracker.web import create_app


class WebServer:
    """``make_settings(base_url)`` gives the app's settings, so its links point back here."""

    def __init__(self, make_settings):
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(make_settings(self.url)), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "WebServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
