"""A stand-in upstream API on 127.0.0.1 serving recorded responses, for the spider tests and
``tracker demo``.

Routes (``tracker/demo/fixtures/<source>/routes.json``) map a path and some query parameters (a
value ``*``: any value, the parameter present) to a list
of responses served in turn (the last one repeats): a recorded JSON file, or a status such as a
429 with ``Retry-After`` or a 500, before the recorded answer. ``{base}`` in a file becomes this
server's URL (so ``next`` links come back here) and ``{now_pacific}`` the current time with a
Pacific offset, as CourtListener writes it (``{now_utc}``: as Congress.gov does). A response
marked ``conditional`` carries an ETag (a hash of its body) and a Last-Modified, and answers a
matching ``If-None-Match`` or ``If-Modified-Since`` with 304, as a web server does. Every
request is logged for the tests to inspect; a test can hold the answers to a path until it lets
them go (``hold``), to act while a crawl waits on one.

A route with a ``collection`` is a resource an account lists and adds to, as CourtListener's
docket alerts are (``Upstream.collection``): seeded from the recorded page it names, listed a
page at a time, added to by POST.
"""

import base64
import hashlib
import json
import secrets
import threading
from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tracker.relevance import COURTLISTENER_QUERIES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES = ("congress", "courtlistener", "federal_register", "openstates", "statements")
PACIFIC = timezone(timedelta(hours=-8))
CONTENT_TYPES = {".json": "application/json", ".xml": "application/rss+xml; charset=UTF-8",
                 ".atom": "application/atom+xml", ".html": "text/html; charset=utf-8"}
LAST_MODIFIED = "Fri, 10 Oct 2025 23:24:11 GMT"
JSON = {"Content-Type": "application/json"}


class Upstream:
    def __init__(self, source: str, folder: Path | None = None):
        """:param folder: recorded responses elsewhere than the source's fixtures (the bench's)"""
        self.folder = folder or FIXTURES / source
        self.routes = json.loads((self.folder / "routes.json").read_text())
        for route in self.routes:
            query = route.setdefault("query", {})
            if "q_index" in query:
                query["q"] = COURTLISTENER_QUERIES[int(query.pop("q_index"))]
            route["served"] = 0
        self.overrides: dict[str, str] = {}
        self.refusal: tuple[int, str] | None = None
        self.held_path: str | None = None
        self.holding = threading.Event()  # set once a held request has come in
        self.released = threading.Event()
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.posts: list[tuple[str, bytes]] = []  # each POST's path and body
        self.page_size = 50  # a collection's page, as CourtListener's MediumAdjustablePagination
        self.failing_posts: tuple[int, int] | None = None  # (after so many POSTs, answer this status)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Upstream":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def override(self, name: str, replacement: str) -> None:
        """Serve ``replacement`` wherever a route names the file ``name``."""
        self.overrides[name] = replacement

    def refuse(self, status: int, name: str) -> None:
        """Answer every request with ``status`` and the file ``name`` (a bad key, say)."""
        self.refusal = (status, name)

    def hold(self, path: str) -> None:
        """Keep every request for ``path`` waiting, unanswered, until ``released`` is set."""
        self.held_path = path

    def fail_posts(self, after: int, status: int) -> None:
        """Answer every POST after the first ``after`` with ``status`` (a server error, say)."""
        self.failing_posts = (after, status)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]

    def respond(self, path: str, query: dict[str, str], asked: dict[str, str] | None = None, *,
                method: str = "GET", body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """The status, headers and body for a request; ``asked`` holds its headers."""
        asked = asked or {}
        if self.refusal:
            status, name = self.refusal
            return status, {}, (self.folder / name).read_bytes()
        matches = [r for r in self.routes if r["path"] == path
                   and all(query.get(k) == v or (v == "*" and k in query)
                           for k, v in r["query"].items())]
        if not matches:
            return 404, {}, b'{"detail": "Not found."}'
        route = max(matches, key=lambda r: len(r["query"]))
        if route.get("collection"):
            with self.lock:
                return self.collection(route, method, query, asked, body)
        if method != "GET":
            return 405, JSON, json.dumps({"detail": f'Method "{method}" not allowed.'}).encode()
        response = route["responses"][min(route["served"], len(route["responses"]) - 1)]
        route["served"] += 1
        body = b""
        headers = {"Content-Type": "application/json"}
        if response.get("file"):
            name = self.overrides.get(response["file"], response["file"])
            text = (self.folder / name).read_text()
            now = datetime.now(UTC).astimezone(PACIFIC).isoformat()
            now_utc = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            body = (text.replace("{base}", self.url).replace("{now_pacific}", now)
                    .replace("{now_utc}", now_utc).encode())
            headers["Content-Type"] = CONTENT_TYPES.get(Path(name).suffix, "application/json")
        if response.get("conditional"):
            headers["ETag"] = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            headers["Last-Modified"] = LAST_MODIFIED
            if asked.get("If-None-Match") == headers["ETag"] or (
                    "If-None-Match" not in asked and asked.get("If-Modified-Since") == LAST_MODIFIED):
                return 304, {"ETag": headers["ETag"]}, b""
        return response.get("status", 200), headers | response.get("headers", {}), body

    def collection(self, route: dict, method: str, query: dict[str, str], asked: dict[str, str],
                   body: bytes) -> tuple[int, dict[str, str], bytes]:
        """A list an account reads and adds to, as Django REST framework serves CourtListener's
        docket alerts: 401 without a token; GET the newest first, ``page_size`` a page, a
        ``cursor`` to the next; POST ``{"docket": ID}`` answers 201 with the new alert, or 400
        for a docket named in the route's ``refused`` or one that has an alert already."""
        if not asked.get("Authorization", "").startswith("Token "):
            return 401, JSON, b'{"detail": "Authentication credentials were not provided."}'
        if "items" not in route:
            route["items"] = json.loads((self.folder / route["collection"]).read_text())["results"][::-1]
        items = route["items"]
        if method == "POST":
            self.posts.append((route["path"], body))
            if self.failing_posts and len(self.posts) > self.failing_posts[0]:
                return self.failing_posts[1], JSON, b'{"detail": "Server Error (500)"}'
            try:
                asked_for = json.loads(body)
                docket = int(asked_for["docket"])
            except (ValueError, KeyError, TypeError):
                return 400, JSON, b'{"docket": ["This field is required."]}'
            if docket in route.get("refused", []):
                return 400, JSON, json.dumps(
                    {"docket": [f'Invalid pk "{docket}" - object does not exist.']}).encode()
            if any(item["docket"] == docket for item in items):
                return 400, JSON, b'{"non_field_errors": ["The fields docket, user must make a unique set."]}'
            now = datetime.now(UTC).astimezone(PACIFIC).isoformat()
            item = {"id": max((item["id"] for item in items), default=0) + 1, "date_created": now,
                    "date_modified": now, "date_last_hit": None, "secret_key": secrets.token_hex(20),
                    "alert_type": int(asked_for.get("alert_type", 1)), "docket": docket}
            items.append(item)
            return 201, JSON, json.dumps(item).encode()
        cursor = query.get("cursor")
        start = int(base64.b64decode(cursor).decode().removeprefix("o=")) if cursor else 0
        newest_first = items[::-1]
        more = start + self.page_size < len(newest_first)
        following = base64.b64encode(f"o={start + self.page_size}".encode()).decode()
        page = {"count": f"{self.url}{route['path']}?count=on",
                "next": f"{self.url}{route['path']}?cursor={following}" if more else None,
                "previous": None, "results": newest_first[start:start + self.page_size]}
        return 200, JSON, json.dumps(page).encode()

    def _handler(self):
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                self.answer("GET")

            def do_POST(self):  # noqa: N802 - the stdlib's name
                self.answer("POST")

            def answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                path = unquote(parts.path)  # "/bills/il/103rd/HB%204875" → ".../HB 4875"
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.requests.append((path, query, dict(self.headers)))
                if path == upstream.held_path:
                    upstream.holding.set()
                    upstream.released.wait()
                status, headers, answer = upstream.respond(path, query, dict(self.headers),
                                                           method=method, body=body)
                with suppress(ConnectionError):  # a crawl killed while its answer was held
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler
