"""The demo site: sample feeds and article pages served from 127.0.0.1.

``digest demo`` runs the whole pipeline offline against this site. The feeds are
jinja2 templates under ``data/`` rendered once per server start with three
globals: ``base`` (the server's URL, so article and media links point back here),
``rfc822(days_ago)`` and ``iso(days_ago)`` (dates relative to ``now``, so a demo run
always finds a fresh week of material). arXiv and GitHub links stay external
URLs: the pipeline never fetches them, it only groups them into stories.

    with serve_demo_site(now) as base:
        sources = demo_sources(base)

It only serves files; running the job over them is digest.demo.run's.
"""

from __future__ import annotations

import hashlib
import html
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
import jinja2

log = logging.getLogger("digest.demo.run")

DATA_DIR = Path(__file__).parent / "data"

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class _Feed:
    file: str
    content_type: str
    name: str
    kind: str
    section: str | None
    weight: float
    # Entries linking outside the demo site must never send extract to the internet.
    extract: str = "auto"


FEEDS: tuple[_Feed, ...] = (
    _Feed("arxiv-cs-cl.xml", RSS, "arXiv cs.CL (demo)", "arxiv", "publications", 1.0, "never"),
    _Feed("lab-blog.xml", RSS, "Tessellate Lab Notes (demo)", "blog", None, 1.2),
    _Feed("eng-blog.atom", ATOM, "Driftwood Engineering (demo)", "blog", None, 1.0, "never"),
    _Feed("podcast.xml", RSS, "Attention Span podcast (demo)", "podcast", None, 0.9),
    _Feed("releases.atom", ATOM, "Watched releases (demo)", "release", "tools", 0.8, "never"),
    _Feed("news.xml", RSS, "AI Wire (demo)", "news", None, 0.7, "never"),
)

# The episodes' enclosures: small placeholder bytes, enough for a HEAD or a GET.
MEDIA_EPISODES = (38, 39, 40, 41, 42)
# A 1x1 transparent PNG, the podcast's cover art.
COVER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e5270de30000000049454e44ae426082"
)


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    etag: str


def demo_sources(base_url: str) -> list[dict[str, object]]:
    """The ``sources:`` entries of a demo config, shaped like feeds.yaml sources."""
    base = base_url.rstrip("/")
    sources: list[dict[str, object]] = []
    for feed in FEEDS:
        source: dict[str, object] = {
            "name": feed.name,
            "url": f"{base}/feeds/{feed.file}",
            "kind": feed.kind,
            "weight": feed.weight,
            "extract": feed.extract,
        }
        if feed.section is not None:
            source["section"] = feed.section
        sources.append(source)
    return sources


def _utc(now: datetime) -> datetime:
    """``now`` in UTC to the second; a naive ``now`` is taken to be UTC already."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def date_helpers(now: datetime) -> dict[str, Callable[[float], str]]:
    """``rfc822``, ``iso`` and ``human`` dates ``days_ago`` before ``now``, in UTC."""
    moment = _utc(now)

    def at(days_ago: float) -> datetime:
        return moment - timedelta(days=days_ago)

    def rfc822(days_ago: float) -> str:
        return format_datetime(at(days_ago).replace(microsecond=0))

    def iso(days_ago: float) -> str:
        return at(days_ago).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def human(days_ago: float) -> str:
        day = at(days_ago)
        return f"{day:%B} {day.day}, {day:%Y}"

    return {"rfc822": rfc822, "iso": iso, "human": human}


def _environment(base: str, now: datetime) -> jinja2.Environment:
    # Autoescape stays off: the templates are ours and escape explicitly (``|e``)
    # wherever HTML goes inside XML text.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DATA_DIR),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals.update(date_helpers(now), base=base)
    return env


def _resource(body: bytes, content_type: str) -> Resource:
    digest = hashlib.sha256(body).hexdigest()[:20]
    return Resource(body, content_type, f'"{digest}"')


def render_site(base: str, now: datetime) -> dict[str, Resource]:
    """Every path the demo site serves, rendered once: feeds, posts, media, index."""
    env = _environment(base, now)
    site: dict[str, Resource] = {}
    for feed in FEEDS:
        body = env.get_template(f"feeds/{feed.file}").render().encode("utf-8")
        site[f"/feeds/{feed.file}"] = _resource(body, feed.content_type)
        if feed.kind == "podcast":
            site.update(_episode_pages(env, body))
    for page in sorted((DATA_DIR / "posts").glob("*.html")):
        if page.name.startswith("_"):
            continue  # layouts
        body = env.get_template(f"posts/{page.name}").render().encode("utf-8")
        site[f"/posts/{page.name}"] = _resource(body, HTML)
    for number in MEDIA_EPISODES:
        # An ID3 header and silence-like padding: not playable, but a real size.
        audio = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(4096 + number)
        site[f"/media/ep{number}.mp3"] = _resource(audio, "audio/mpeg")
    site["/media/cover.png"] = _resource(COVER_PNG, "image/png")
    site["/"] = _resource(_index(site).encode("utf-8"), HTML)
    return site


def _episode_pages(env: jinja2.Environment, feed: bytes) -> dict[str, Resource]:
    """One page per episode, built from the rendered feed so the two never disagree."""
    template = env.get_template("episodes/_episode.html")
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    pages: dict[str, Resource] = {}
    for item in SafeET.fromstring(feed).iter("item"):
        url = item.findtext("link") or ""
        enclosure = item.find("enclosure")
        page = template.render(
            url=url,
            title=item.findtext("title") or "",
            published=item.findtext("pubDate") or "",
            duration=item.findtext(f"{itunes}duration") or "",
            audio=enclosure.get("url") if enclosure is not None else "",
            notes=item.findtext("description") or "",
        )
        pages[urlsplit(url).path] = _resource(page.encode("utf-8"), HTML)
    return pages


def _index(site: dict[str, Resource]) -> str:
    links = "\n".join(
        f'<li><a href="{html.escape(path)}">{html.escape(path)}</a></li>'
        for path in sorted(site)
        if path.startswith(("/feeds/", "/posts/", "/episodes/"))
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>digest demo site</title></head>\n<body><h1>digest demo site</h1>\n"
        f"<ul>\n{links}\n</ul>\n</body></html>\n"
    )


def _not_modified(resource: Resource, headers: Any, last_modified: datetime) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only counts without it."""
    tags = headers.get("If-None-Match")
    if tags is not None:
        wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in wanted or resource.etag in wanted
    since = headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since) >= last_modified
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive responses are written in two parts
    server: _DemoServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def _respond(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        resource = self.server.site.get(path)
        if resource is None:
            body = b"not found\n"
            self._head(404, "text/plain; charset=utf-8", len(body))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            return
        if _not_modified(resource, self.headers, self.server.last_modified):
            self._head(304, None, None, resource)
            self.end_headers()
            return
        self._head(200, resource.content_type, len(resource.body), resource)
        self.end_headers()
        if send_body:
            self.wfile.write(resource.body)

    def _head(
        self, status: int, ctype: str | None, length: int | None, res: Resource | None = None
    ) -> None:
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if res is not None:
            self.send_header("ETag", res.etag)
            self.send_header("Last-Modified", format_datetime(self.server.last_modified, True))
            self.send_header("Cache-Control", "max-age=60")


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    site: dict[str, Resource]
    last_modified: datetime


@contextmanager
def serve_demo_site(now: datetime, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the demo site on ``host`` (loopback by default) and yield its base URL."""
    server = _DemoServer((host, port), _Handler)
    try:
        base = f"http://{host}:{server.server_address[1]}"
        server.site = render_site(base, now)
        server.last_modified = _utc(now)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="digest-demo",
            daemon=True,
        )
        thread.start()
        log.info("demo site serving %d paths at %s", len(server.site), base)
        try:
            yield base
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()
