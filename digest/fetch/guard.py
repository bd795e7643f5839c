"""The one guarded way out: every outbound request of digest goes through here.

Feed URLs, redirect targets and article links come from strangers, so before any
socket is opened the resolved addresses are vetted (no loopback, private, link-local,
CGNAT, NAT64, mapped IPv4, ...). The check runs *inside* the connection: the httpcore
network backend resolves once, vets, and connects to exactly the vetted IP, so DNS
rebinding cannot switch the target, while the URL (Host header, SNI, certificate
check) keeps the original name. Redirects are followed by hand, each hop re-vetted.
Every request has a total deadline and a cap on *decoded* bytes (gzip bombs: the body
is read by :mod:`digest.fetch.body`).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import ipaddress
import re
import select
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpcore
import httpx

from digest.errors import BlockedAddressError, ConfigError, ErrorCode, FetchError
from digest.fetch.body import read_body
from digest.types import FetchSettings

Resolver = Callable[[str, int], list[str]]
IP = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
# Ranges that is_global lets through but that reach inside: NAT64, 6to4, Teredo.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32", "::/96", "100.64.0.0/10")
)
_NUMERIC = re.compile(r"^[0-9a-fA-Fx.]+$")
_DNS_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="digest-dns")
_DRAIN_MAX = 64 * 1024  # unwanted bodies up to this size are read to keep the connection


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to, in the order getaddrinfo gives them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def literal_ip(host: str) -> IP | None:
    """``host`` as an address if it is one, including odd IPv4 spellings that
    inet_aton accepts (``127.1``, ``2130706433``, ``0x7f000001``)."""
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if not _NUMERIC.match(host) or not any(c.isdigit() for c in host):
            return None
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return ip


def is_blocked(ip: IP) -> bool:
    """True for every address that is not plainly on the public internet."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or any(ip.version == n.version and ip in n for n in _EXTRA_BLOCKED)
    )


def _norm_host(host: str) -> str:
    host = host.strip().lower().strip("[]").rstrip(".")
    ip = literal_ip(host)
    return str(ip) if ip is not None else host


class Purpose(StrEnum):
    """What a request is for; it decides which allow-list may open a private address."""

    FEED = "feed"  # a feed configured in feeds.yaml (refresh), and its redirects
    CONTENT = "content"  # a URL found in feed content: article page, enclosure, discovered feed
    EDITOR = "editor"  # a URL the editor typed: add-by-URL, `digest add`, OPML import


# The editor chose the feed allow-list, so what they type may use it; what strangers
# write into feeds needs an allow-list of its own (ADR 0003, 2026-12-04).
ALLOW_SETTING = {
    Purpose.FEED: "fetch.allow_hosts",
    Purpose.EDITOR: "fetch.allow_hosts",
    Purpose.CONTENT: "fetch.allow_content_hosts",
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse_allow(entry: str, setting: str) -> tuple[str, int | None]:
    """The host and port an entry names: ``host:port``, ``[v6]:port``, or a bare
    ``host``/IP/IPv6 address (port None)."""
    try:
        return _split_allow(entry.strip())
    except ValueError as e:
        raise ConfigError(f"{setting}: bad entry {entry!r}") from e


def _split_allow(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return _norm_host(host), int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return _norm_host(host), int(port)
    return _norm_host(entry), None


def _configured_origins(bare: set[str], feeds: Iterable[str]) -> set[tuple[str, int]]:
    """The origins of the configured feeds on a host a bare entry names: with
    ``allow_hosts: ['127.0.0.1']`` the feeds the editor put on ``127.0.0.1:8080`` are
    let through, and nothing else on that host (not another port, not a redirect to
    one). The editor wrote both lists, so no stranger chose these addresses."""
    origins: set[tuple[str, int]] = set()
    for url in feeds:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            continue
        host = _norm_host(parsed.host)
        if host in bare and parsed.scheme in _DEFAULT_PORTS:
            origins.add((host, parsed.port or _DEFAULT_PORTS[parsed.scheme]))
    return origins


class AddressGuard:
    """Decides which (host, port) digest may connect to, and to which address.

    A guard serves one :class:`Purpose`; ``allow_hosts`` is that purpose's allow-list
    of exact origins, the only way it reaches a private or loopback address."""

    def __init__(
        self,
        allow_hosts: Iterable[str] = (),
        resolver: Resolver | None = None,
        *,
        purpose: Purpose = Purpose.FEED,
        feeds: Iterable[str] = (),
    ) -> None:
        self.purpose = purpose
        self.setting = ALLOW_SETTING[purpose]
        # An entry is an exact origin; a bare host means its ports 80 and 443 and, for
        # configured feeds and what the editor types, those feeds' own origins on it.
        named = [_parse_allow(e, self.setting) for e in allow_hosts if e.strip()]
        bare = {host for host, port in named if port is None}
        origins = {(host, port) for host, port in named if port is not None}
        origins |= {(host, port) for host in bare for port in _DEFAULT_PORTS.values()}
        if purpose is not Purpose.CONTENT:
            origins |= _configured_origins(bare, feeds)
        self._origins = frozenset(origins)
        self._resolver = resolver or system_resolver

    @classmethod
    def from_settings(
        cls,
        settings: FetchSettings,
        resolver: Resolver | None = None,
        purpose: Purpose = Purpose.FEED,
        feeds: Iterable[str] = (),
    ) -> AddressGuard:
        """The guard for ``purpose``: content URLs get ``allow_content_hosts``, never
        the feed allow-list, so a feed's links cannot open the feed's own host.
        ``feeds``: the URLs configured in feeds.yaml (see :func:`_configured_origins`)."""
        entries = (
            settings.allow_content_hosts if purpose is Purpose.CONTENT else settings.allow_hosts
        )
        return cls(entries, resolver, purpose=purpose, feeds=feeds)

    def allowed(self, name: str, port: int) -> bool:
        """True if (name, port) is an exact origin on this purpose's allow-list."""
        return (_norm_host(name), port) in self._origins

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """The parsed URL if its scheme and host are acceptable (no network)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as e:
            raise FetchError(f"invalid URL {str(url)[:200]!r}", code=ErrorCode.BAD_SCHEME) from e
        if parsed.scheme not in ("http", "https"):
            raise BlockedAddressError(
                f"only http and https are fetched, not {parsed.scheme or 'no'} scheme",
                code=ErrorCode.BAD_SCHEME,
            )
        if not parsed.host:
            raise BlockedAddressError(
                f"URL has no host: {str(url)[:200]!r}", code=ErrorCode.BAD_SCHEME
            )
        return parsed

    def check_offline(self, url: str | httpx.URL) -> httpx.URL:
        """:meth:`check_url`, then all that can be refused without a DNS look-up: a
        literal address that is not public, a localhost name (OPML import vets with it)."""
        parsed = self.check_url(url)
        self._vet_name(_norm_host(parsed.host), parsed.port or _DEFAULT_PORTS[parsed.scheme])
        return parsed

    async def resolve(self, host: str, port: int) -> list[str]:
        """The vetted addresses to connect to; raises before any connect if refused."""
        name = _norm_host(host)
        literal = self._vet_name(name, port)
        if literal is not None:
            return [literal]
        loop = asyncio.get_running_loop()
        try:
            found = await loop.run_in_executor(_DNS_POOL, self._resolver, name, port)
        except OSError as e:
            raise FetchError(f"cannot resolve {host}", code=ErrorCode.DNS) from e
        if not found:
            raise FetchError(f"{host} resolves to no address", code=ErrorCode.DNS)
        return self._vet(name, port, found)

    def _vet_name(self, name: str, port: int) -> str | None:
        """What the name alone decides: a literal address, vetted (returned); a localhost
        name, refused unless allowed; None when only DNS can tell."""
        literal = literal_ip(name)
        if literal is not None:
            return self._vet(name, port, [str(literal)])[0]
        if (name == "localhost" or name.endswith(".localhost")) and not self.allowed(name, port):
            raise BlockedAddressError(
                f"{name}:{port} is loopback ({self.purpose.value} URL)",
                code=ErrorCode.BLOCKED_ADDRESS,
                hint=f"add {name}:{port} to {self.setting} if this is intended",
            )
        return None

    def _vet(self, name: str, port: int, addresses: list[str]) -> list[str]:
        if self.allowed(name, port):
            return addresses
        for address in addresses:
            ip = literal_ip(address)
            if ip is None or (is_blocked(ip) and not self.allowed(str(ip), port)):
                raise BlockedAddressError(
                    f"{name}:{port} resolves to {address}, which is not a public address"
                    f" ({self.purpose.value} URL)",
                    code=ErrorCode.BLOCKED_ADDRESS,
                    hint=f"add {name}:{port} to {self.setting} if this is intended",
                )
        return addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolves through the guard and connects only to the vetted addresses."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
                return _Stream(stream)
            except httpcore.ConnectError as e:
                error = e
        assert error is not None
        raise error

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """The connection, but "is it readable?" answered from the socket found once.

    httpcore asks that of every idle connection on every request (a readable idle
    connection was closed by the server), and anyio answers each ask by building a
    dict of attributes with a getpeername() call: a fifth of a warm refresh's time.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    if sock.fileno() < 0:
        return True  # closed: as good as dropped by the server
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self, guard: AddressGuard, limits: httpx.Limits, ssl_context: ssl.SSLContext | None
    ) -> None:
        ssl_context = ssl_context or default_ssl_context()
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx offers no network_backend option; swap the pool for one that has it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(guard),
        )


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Made once: loading the CA bundle takes ~70 ms, a third of a warm refresh."""
    return httpx.create_ssl_context(trust_env=False)


# What httpx.AsyncClient sent with every request; kept so servers see no change.
_HTTPX_DEFAULT_HEADERS = {"Accept": "*/*", "Connection": "keep-alive"}


class Client:
    """One connection pool behind the guard, with digest's request headers and timeout.

    Not an httpx.AsyncClient: :func:`guarded_get` follows redirects by hand and no
    cookie is ever kept, which leaves that layer nothing to do but cost a tenth of a
    refresh's HTTP time. And AsyncClient kept cookies: it copies the cookies it is given
    into a jar of its own, dropping a deny-all policy."""

    def __init__(
        self, transport: httpx.AsyncBaseTransport, headers: Mapping[str, str], timeout: float
    ) -> None:
        self._transport = transport
        self._headers = {**_HTTPX_DEFAULT_HEADERS, **headers}
        self._timeout = httpx.Timeout(timeout).as_dict()

    async def get(self, url: httpx.URL, headers: Mapping[str, str]) -> httpx.Response:
        """A single GET, its body not read yet: read or close the response."""
        merged = {**self._headers, **headers}
        if url.userinfo:  # user:password@host: sent as Basic auth, to this origin only
            token = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
            merged["Authorization"] = f"Basic {token}"
        request = httpx.Request("GET", url, headers=merged, extensions={"timeout": self._timeout})
        response = await self._transport.handle_async_request(request)
        response.request = request
        return response

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transport.aclose()


def make_client(
    settings: FetchSettings,
    guard: AddressGuard,
    *,
    ssl_context: ssl.SSLContext | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Client:
    """A client whose every connection passes ``guard``; no cookies kept.
    ``ssl_context`` may add trusted CAs (tests); verification is never turned off.
    ``transport`` replaces the network itself (an ``httpx.MockTransport`` in tests, no
    socket); URLs and redirect hops are still checked by ``guard``."""
    if ssl_context is not None and ssl_context.verify_mode != ssl.CERT_REQUIRED:
        raise ValueError("TLS verification cannot be turned off")
    if transport is None:
        limits = httpx.Limits(max_connections=max(settings.concurrency, 1))
        transport = _GuardedTransport(guard, limits, ssl_context)
    return Client(
        transport,
        {"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        settings.timeout_seconds,
    )


@dataclass(frozen=True)
class Response:
    """A final (non-redirect) response; ``body`` is decoded and empty unless 2xx."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    hops: tuple[int, ...]  # statuses of the redirects followed, in order


async def guarded_get(
    client: Client,
    guard: AddressGuard,
    url: str,
    settings: FetchSettings,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> Response:
    """GET ``url`` within ``settings.deadline_seconds`` total, following redirects by
    hand. Raises FetchError (or BlockedAddressError) with a code from FETCH_CODES."""
    limit = max_bytes if max_bytes is not None else settings.max_bytes
    try:
        async with asyncio.timeout(settings.deadline_seconds):
            return await _follow(client, guard, url, settings, dict(headers or {}), limit)
    except TimeoutError as e:
        raise FetchError(
            f"no complete answer within {settings.deadline_seconds:g} s", code=ErrorCode.TIMEOUT
        ) from e
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as e:
        raise translate(e) from e


async def _follow(
    client: Client,
    guard: AddressGuard,
    url: str,
    settings: FetchSettings,
    headers: dict[str, str],
    limit: int,
) -> Response:
    current = guard.check_url(url)
    seen = {str(current)}
    hops: list[int] = []
    while True:
        response = await client.get(current, headers)
        try:
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                body = await read_body(response, limit) if response.is_success else b""
                await _drain(response)
                return Response(
                    url,
                    str(current),
                    response.status_code,
                    _clean(response.headers),
                    body,
                    tuple(hops),
                )
            await _drain(response)
        finally:
            await response.aclose()
        target = _next_hop(guard, current, location, seen, len(hops), settings.max_redirects)
        if (
            target.scheme != current.scheme
            or target.host != current.host
            or (target.port != current.port)
        ):
            headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
        hops.append(response.status_code)
        seen.add(str(target))
        current = target


def _next_hop(
    guard: AddressGuard, current: httpx.URL, location: str, seen: set[str], done: int, limit: int
) -> httpx.URL:
    try:
        target = guard.check_url(current.join(location.strip()))
    except httpx.InvalidURL as e:
        raise FetchError(
            f"bad redirect Location {location[:200]!r}", code=ErrorCode.BAD_SCHEME
        ) from e
    except FetchError as e:
        e.message = f"redirect from {current}: {e.message}"
        raise
    if current.scheme == "https" and target.scheme == "http":
        raise FetchError(
            f"refused https -> http redirect to {target}", code=ErrorCode.INSECURE_REDIRECT
        )
    if str(target) in seen:
        raise FetchError(f"redirect loop back to {target}", code=ErrorCode.REDIRECT_LOOP)
    if done >= limit:
        raise FetchError(f"more than {limit} redirects", code=ErrorCode.TOO_MANY_REDIRECTS)
    return target


async def _drain(response: httpx.Response) -> None:
    """Read an unwanted but small body (304, 404, 302...) so the connection can be
    reused; anything larger, or of unknown length, is left for aclose() to drop."""
    if response.is_stream_consumed:
        return
    length = response.headers.get("content-length", "").strip()
    no_body = response.status_code in (204, 304)
    if no_body or (length.isdigit() and int(length) <= _DRAIN_MAX):
        async for _ in response.aiter_raw():
            pass


def _clean(headers: httpx.Headers) -> dict[str, str]:
    """Response headers, minus those that describe the raw (still encoded) body."""
    drop = {"content-encoding", "content-length", "transfer-encoding"}
    return {k.lower(): v for k, v in headers.items() if k.lower() not in drop}


def translate(exc: BaseException) -> FetchError:
    """An httpx/httpcore/OS exception as a FetchError with a FETCH_CODES code."""
    if isinstance(exc, FetchError):
        return exc
    chain = _causes(exc)
    if isinstance(exc, httpx.TimeoutException):
        code = ErrorCode.TIMEOUT
    elif any(isinstance(c, ssl.SSLError) for c in chain) or "CERTIFICATE" in str(exc):
        code = ErrorCode.TLS
    elif any(isinstance(c, socket.gaierror) for c in chain):
        code = ErrorCode.DNS
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        code = ErrorCode.BAD_SCHEME
    else:
        code = ErrorCode.CONNECTION
    detail = str(exc) or _SILENT.get(type(exc).__name__, "")
    return FetchError(
        f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__, code=code
    )


_SILENT = {  # httpx timeouts often carry no message of their own
    "ConnectTimeout": "no connection within the timeout",
    "ReadTimeout": "the server sent nothing within the timeout",
    "WriteTimeout": "the request could not be sent within the timeout",
    "PoolTimeout": "no free connection within the timeout",
}


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
