"""Fetch feeds and article pages politely through the guarded client.

``fetch_feeds`` is the sync entry point of the fetch stage: it runs one asyncio loop,
bounds global and per-host concurrency, sends conditional GETs, and turns every
outcome into a value (``Fetched`` / ``NotModified`` / the ``FetchError`` itself), so one bad
feed never hides the others. All network access goes through ``digest.fetch.guard``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from digest.errors import ErrorCode, FetchError
from digest.fetch.guard import (
    PERMANENT,
    AddressGuard,
    Client,
    Purpose,
    Resolver,
    Response,
    guarded_get,
    make_client,
)
from digest.fetch.politeness import parse_retry_after
from digest.types import (
    FeedState,
    Fetched,
    FetchResult,
    FetchSettings,
    NotModified,
    Source,
)

log = logging.getLogger("digest.fetch.http")

# Hosts that ask for one request at a time, this many seconds apart (arXiv's API terms).
SLOW_HOSTS = {"arxiv.org": 3.0}  # also every subdomain
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def make_guard(
    settings: FetchSettings,
    resolver: Resolver | None = None,
    purpose: Purpose = Purpose.FEED,
    feeds: Iterable[str] = (),
) -> AddressGuard:
    """The address guard for ``purpose`` (resolver injectable for tests); ``feeds``
    the configured feed URLs a bare ``allow_hosts`` entry lets through."""
    return AddressGuard.from_settings(settings, resolver, purpose, feeds)


def fetch_feeds(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    *,
    guard: AddressGuard | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch every feed once; results in the order of ``jobs``. ``on_result`` is
    called (in the loop's thread) as each one finishes."""
    return asyncio.run(afetch_feeds(jobs, settings, guard=guard, on_result=on_result))


def fetch_pages(
    urls: Sequence[str],
    settings: FetchSettings,
    *,
    guard: AddressGuard | None = None,
    max_bytes: int | None = None,
) -> list[Fetched | FetchError]:
    """GET article pages through the same guarded client; results in order of ``urls``."""
    return asyncio.run(afetch_pages(urls, settings, guard=guard, max_bytes=max_bytes))


async def afetch_feeds(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    *,
    guard: AddressGuard | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """The async form of :func:`fetch_feeds`, for callers already inside a loop."""
    guard = guard or make_guard(settings, feeds=[source.url for _, source in jobs])
    limiter = HostLimiter(settings)
    callback_errors: list[Exception] = []

    async def one(client: Client, state: FeedState, source: Source) -> FetchResult:
        url = state.url or source.url
        async with limiter.slot(url):
            result = await fetch_feed(client, guard, url, state, source, settings)
        if on_result is not None:
            try:
                on_result(result)
            except Exception as e:  # the caller's bug must not cancel other fetches
                callback_errors.append(e)
        return result

    async with make_client(settings, guard) as client:
        results = await asyncio.gather(*(one(client, s, src) for s, src in jobs))
    if callback_errors:
        raise callback_errors[0]
    return list(results)


async def afetch_pages(
    urls: Sequence[str],
    settings: FetchSettings,
    *,
    guard: AddressGuard | None = None,
    max_bytes: int | None = None,
) -> list[Fetched | FetchError]:
    """The async form of :func:`fetch_pages`. Without ``guard``, pages are treated as
    URLs from feed content: the feed allow-list does not apply to them."""
    guard = guard or make_guard(settings, purpose=Purpose.CONTENT)
    limiter = HostLimiter(settings)
    headers = {"Accept": PAGE_ACCEPT}

    async def one(client: Client, url: str) -> Fetched | FetchError:
        async with limiter.slot(url):
            result = await _get(client, guard, url, settings, headers, max_bytes, None)
        _log(result)
        return result if not isinstance(result, NotModified) else _unexpected_304(url)

    async with make_client(settings, guard) as client:
        return list(await asyncio.gather(*(one(client, u) for u in urls)))


async def fetch_feed(
    client: Client,
    guard: AddressGuard,
    url: str,
    state: FeedState,
    source: Source,
    settings: FetchSettings,
) -> FetchResult:
    """One conditional GET of a feed through the guard; a failure is a value.
    Callers hold a :class:`HostLimiter` slot for ``url`` around it."""
    headers = {"Accept": FEED_ACCEPT, **conditional_headers(state)}
    result = await _get(client, guard, url, settings, headers, source.max_bytes, state)
    _log(result)
    return result


async def _get(
    client: Client,
    guard: AddressGuard,
    url: str,
    settings: FetchSettings,
    headers: Mapping[str, str],
    max_bytes: int | None,
    state: FeedState | None,
) -> FetchResult:
    """One guarded GET as a value; never raises for anything the network does."""
    try:
        response = await guarded_get(
            client, guard, url, settings, headers=headers, max_bytes=max_bytes
        )
    except FetchError as e:
        e.url = e.url or url
        return e.detached()
    except Exception as e:  # a bug here must still not take the other feeds down
        log.exception("unexpected error fetching %s", url)
        return FetchError(f"unexpected {type(e).__name__}: {e}", code=ErrorCode.CONNECTION,
                          url=url)  # fmt: skip
    return to_result(response, state, now=datetime.now(UTC))


def conditional_headers(state: FeedState) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators stored last time."""
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def to_result(response: Response, state: FeedState | None, *, now: datetime) -> FetchResult:
    """Map a final response to the value the pipeline stores."""
    status, h = response.status, response.headers
    if status == 304:
        return NotModified(
            response.url,
            etag=h.get("etag") or (state.etag if state else None),
            last_modified=h.get("last-modified") or (state.last_modified if state else None),
            max_age_seconds=max_age(h, now),
        )
    if 200 <= status < 300:
        permanent = bool(response.hops) and all(s in PERMANENT for s in response.hops)
        return Fetched(
            url=response.url,
            final_url=response.final_url,
            status=status,
            headers=dict(h),
            body=response.body,
            etag=h.get("etag"),
            last_modified=h.get("last-modified"),
            permanent_redirect=response.final_url if permanent else None,
            max_age_seconds=max_age(h, now),
        )
    return _failure(response, now)


def _failure(response: Response, now: datetime) -> FetchError:
    status, where, url = response.status, response.final_url, response.url
    if status == 404:
        return FetchError(f"404 Not Found at {where}", code=ErrorCode.NOT_FOUND, url=url,
                          status=status)  # fmt: skip
    if status == 410:
        return FetchError(f"410 Gone at {where}", code=ErrorCode.GONE, url=url, status=status)
    if status in (429, 503):
        wait = parse_retry_after(response.headers.get("retry-after"), now)
        told = f", Retry-After {wait:g} s" if wait is not None else ""
        return FetchError(f"HTTP {status}{told}", code=ErrorCode.RATE_LIMITED, url=url,
                          status=status, retry_after=wait)  # fmt: skip
    return FetchError(f"HTTP {status} at {where}", code=ErrorCode.HTTP_ERROR, url=url,
                      status=status)  # fmt: skip


def _unexpected_304(url: str) -> FetchError:
    return FetchError("304 Not Modified to an unconditional GET", code=ErrorCode.HTTP_ERROR,
                      url=url, status=304)  # fmt: skip


def max_age(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the response stays fresh: Cache-Control max-age, else Expires - Date."""
    directives = {}
    for part in headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    if directives.get("max-age", "").isdigit():
        return float(directives["max-age"])
    expires = _http_date(headers.get("expires"))
    if expires is None:
        return None
    reference = _http_date(headers.get("date")) or now
    return max((expires - reference).total_seconds(), 0.0)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _log(result: FetchResult) -> None:
    if isinstance(result, FetchError):
        log.info("fetch %s failed: %s (%s)", result.url, result.code, result)
    elif isinstance(result, NotModified):
        log.debug("fetch %s: not modified", result.url)
    else:
        log.debug("fetch %s: %d bytes", result.url, len(result.body))


class HostLimiter:
    """Global and per-host concurrency, plus a gap between requests to slow hosts."""

    def __init__(self, settings: FetchSettings) -> None:
        self._all = asyncio.Semaphore(max(settings.concurrency, 1))
        self._per_host = max(settings.per_host, 1)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._last_start: dict[str, float] = {}

    def _host_gap(self, host: str) -> float | None:
        return next((g for h, g in SLOW_HOSTS.items() if host == h or host.endswith("." + h)), None)

    @staticmethod
    def host(url: str) -> str:
        """The key requests to one server share (lowercased host; "" if unreadable)."""
        try:
            return (httpx.URL(url).host or "").lower()
        except (httpx.InvalidURL, TypeError, ValueError):
            return ""

    def per_host(self, host: str) -> int:
        """How many requests to ``host`` may run at once."""
        return 1 if self._host_gap(host) else self._per_host

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = self.host(url)
        gap = self._host_gap(host)
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.per_host(host))
        async with self._hosts[host]:
            if gap:  # wait for our turn before taking a global slot
                wait = self._last_start.get(host, -gap) + gap - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            async with self._all:
                self._last_start[host] = time.monotonic()
                yield
