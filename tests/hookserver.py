"""A webhook endpoint on 127.0.0.1 over real HTTPS (Python's HTTP server with a self-signed
certificate, tests/tls.py) that keeps what is posted to it and answers as scripted:
``answer(503, 503)`` answers the next posts in turn; then 200."""

import json
import ssl
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tracker.demo import free_port

from .tls import loopback_certificate


class HookServer:
    def __init__(self, folder: Path, port: int | None = None):
        self.port = port or free_port()
        self.cafile, self.keyfile = loopback_certificate(folder)
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: deque[int] = deque()
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses: int) -> None:
        self.answers.extend(statuses)

    def json(self, n: int) -> dict:
        return json.loads(self.posts[n][2])

    def __enter__(self) -> "HookServer":
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = hook.answers.popleft() if hook.answers else 200
                if status == 200:
                    hook.posts.append((self.path, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cafile, self.keyfile)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
