"""A threaded loopback HTTP server for tests: the "evil server" of RELIABILITY.md.

    with LoopbackServer() as server:
        server.route("/feed.xml", body=b"<rss/>", etag='"v1"')
        server.handler("/slow", hang)                 # callables get the request handler
        server.redirect("/old", "/feed.xml", status=301)
        url = server.url("/feed.xml")
        ...
        assert server.hits["/feed.xml"] == 1

Routes match the full path (with query) first, then the path without the query;
anything else is a 404. Every request is recorded in ``server.requests`` and counted
in ``server.hits`` before its route runs, so a test can prove a port was never hit.
"""

from __future__ import annotations

import ssl
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[["RequestHandler"], None]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: pytest output stays readable."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        owner = self.server.owner
        bare = self.path.split("?", 1)[0]
        key = self.path if self.path in owner.routes else bare
        headers = {k.lower(): v for k, v in self.headers.items()}
        with owner.lock:
            owner.hits[key] += 1
            owner.requests.append(Recorded(self.command, self.path, headers))
        fn = owner.routes.get(key)
        try:
            if fn is None:
                self.send(404, b"not found")
            else:
                fn(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- helpers for handlers ------------------------------------------------

    @property
    def stopping(self) -> threading.Event:
        """Set when the server shuts down; slow handlers wait on it to end early."""
        return self.server.owner.stopping

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str | None = "text/plain; charset=utf-8",
    ) -> None:
        """A complete response with a Content-Length (keep-alive stays usable)."""
        self.send_response(status)
        hdrs = dict(headers or {})
        if content_type and "Content-Type" not in hdrs and status != 304:
            hdrs["Content-Type"] = content_type
        hdrs.setdefault("Content-Length", str(len(body)) if status != 304 else "0")
        for name, value in hdrs.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def stream(
        self, chunks: Iterable[bytes], headers: Mapping[str, str] | None = None, status: int = 200
    ) -> None:
        """Send headers then each chunk as it comes, without a length; closes after."""
        self.close_connection = True
        self.send_response(status)
        hdrs = {"Content-Type": "application/rss+xml", "Connection": "close", **(headers or {})}
        for name, value in hdrs.items():
            self.send_header(name, value)
        self.end_headers()
        for chunk in chunks:
            if self.stopping.is_set():
                return
            self.wfile.write(chunk)
            self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs from concurrent clients (1 s stall)
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (the fetcher cutting a bomb short) are normal here."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError | TimeoutError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """A loopback HTTP server on a random port with a route table; a context manager."""

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None) -> None:
        self.host = host
        self.tls = tls  # (certfile, keyfile): serve https with that certificate
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> LoopbackServer:
        httpd = _Server((self.host, 0), RequestHandler)
        httpd.owner = self
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.netloc}{path if path.startswith('/') else '/' + path}"

    # --- routes -------------------------------------------------------------------

    def handler(self, path: str, fn: Handler) -> None:
        self.routes[path] = fn

    def route(
        self,
        path: str,
        status: int = 200,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/rss+xml; charset=utf-8",
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """A static response. With ``etag``/``last_modified`` it answers matching
        conditional requests with 304, like a well-behaved feed server."""
        data = body.encode() if isinstance(body, str) else body
        hdrs = dict(headers or {})
        if etag:
            hdrs["ETag"] = etag
        if last_modified:
            hdrs["Last-Modified"] = last_modified

        def serve(req: RequestHandler) -> None:
            inm, ims = req.header("If-None-Match"), req.header("If-Modified-Since")
            if (etag and inm == etag) or (not etag and last_modified and ims == last_modified):
                req.send(304, headers=hdrs)
            else:
                req.send(status, data, hdrs, content_type)

        self.routes[path] = serve

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """``location`` may be a path on this server or a full URL."""
        target = self.url(location) if location.startswith("/") else location
        self.routes[path] = lambda req: req.send(status, headers={"Location": target})

    def hits_total(self) -> int:
        with self.lock:
            return sum(self.hits.values())

    def headers_for(self, path: str) -> list[dict[str, str]]:
        """Request headers of every hit on ``path`` (query ignored), oldest first."""
        with self.lock:
            return [r.headers for r in self.requests if r.path.split("?", 1)[0] == path]


def running_server(**kwargs: Any) -> Iterator[LoopbackServer]:
    """The body of a pytest fixture, so conftest needs no code of its own::

    server = pytest.fixture(running_server)            # or, with options:
    @pytest.fixture
    def canary() -> Iterator[LoopbackServer]:
        yield from running_server()
    """
    with LoopbackServer(**kwargs) as server:
        yield server


# --- ready-made hostile behaviours ---------------------------------------------------


def hang(req: RequestHandler) -> None:
    """F1: accept, read the request, never answer (until the server stops)."""
    req.close_connection = True
    req.stopping.wait(60)


def drip(interval: float = 0.5, byte: bytes = b" ") -> Handler:
    """F2: headers at once, then one byte per ``interval`` forever."""

    def gen() -> Iterable[bytes]:
        yield b"<?xml version='1.0'?>"
        while True:
            time.sleep(interval)
            yield byte

    return lambda req: req.stream(gen())


def endless(chunk: int = 64 * 1024) -> Handler:
    """F3: an endless body with no Content-Length."""
    block = b"<!-- " + b"x" * max(chunk - 9, 1) + b" -->"

    def gen() -> Iterable[bytes]:
        while True:
            yield block

    return lambda req: req.stream(gen())


def huge_length(length: int = 10_000_000_000) -> Handler:
    """F3: a header promising far more than any cap, then a trickle."""

    def serve(req: RequestHandler) -> None:
        req.stream([b"<rss>"], headers={"Content-Length": str(length)})
        req.stopping.wait(5)

    return serve


def gzip_bomb(decoded_bytes: int = 50 * 1024 * 1024) -> Handler:
    """F4: a small gzip body that inflates to ``decoded_bytes`` of zeros."""
    data = gzip_zeros(decoded_bytes)
    headers = {"Content-Encoding": "gzip"}
    return lambda req: req.send(200, data, headers, "application/rss+xml")


def gzip_zeros(n: int) -> bytes:
    """gzip of ``n`` zero bytes, built in 1 MiB steps so memory stays flat."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = bytes(1024 * 1024)
    out = [z.compress(block) for _ in range(n // len(block))]
    out += [z.compress(bytes(n % len(block))), z.flush()]
    return b"".join(out)


def retry_after(status: int, value: str) -> Handler:
    """F11: a 429/503 that asks the client to come back later."""
    return lambda req: req.send(status, b"slow down", {"Retry-After": value})
