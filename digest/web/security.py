"""The review page's defences, in one ASGI middleware so no route can forget one:

- a Host allow-list (DNS rebinding: a page on evil.example resolving to 127.0.0.1
  must not reach the app with its own origin);
- an access token when the page is bound beyond loopback (``?token=`` once, then an
  HttpOnly cookie);
- CSRF on every POST: a foreign ``Origin`` or ``Sec-Fetch-Site: cross-site`` is
  refused, and the form field (or ``X-CSRF-Token`` header) must carry the HMAC of
  the per-browser cookie (SameSite=Strict, HttpOnly);
- a strict Content-Security-Policy and friends on every response.

Redirect targets go through :func:`safe_next`, flash messages through a signed cookie.
No route or template lives here, and nothing here reads the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.errors import ConfigError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "digest_csrf"
TOKEN_COOKIE = "digest_token"
FLASH_COOKIE = "digest_flash"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 256 * 1024

# connect-src 'self' lets review.js post the same forms with fetch (drag-to-reorder).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Published files keep their inline <style>; `sandbox` gives them an opaque origin,
# and with no script-src nothing in them can run.
OUTPUT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_UNSAFE_NEXT_RE = re.compile(r"[\\\x00-\x20\x7f]")


def is_loopback(host: str) -> bool:
    return host.strip("[]") in LOOPBACK_HOSTS or host.startswith("127.")


MIN_TOKEN_LENGTH = 6


def check_token(host: str, token: str | None) -> None:
    """Beyond loopback the page needs a real access token: blank, short or with
    whitespace (``--token " "``, a shell quoting slip) is refused (ConfigError)."""
    if token is None or not token.strip():
        problem = "needs an access token"
    elif len(token) < MIN_TOKEN_LENGTH or any(c.isspace() or not c.isprintable() for c in token):
        problem = (f"needs an access token of at least {MIN_TOKEN_LENGTH} characters "
                   "without spaces")  # fmt: skip
    else:
        return
    raise ConfigError(f"serving on {host} {problem}",
                      hint="pass --token or set DIGEST_WEB_TOKEN, e.g. to "
                      "`python -c 'import secrets; print(secrets.token_urlsafe())'`")  # fmt: skip


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` if it is a same-origin relative path, else ``default`` (row O9).

    Refuses ``//evil``, ``/\\evil``, ``////evil``, ``https:evil``, control characters
    and anything with a scheme or host once parsed."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if _UNSAFE_NEXT_RE.search(value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# --- signed values ------------------------------------------------------------


class Signer:
    """HMAC-SHA256 under a per-process secret (restarting the server logs nobody
    out of anything important: the CSRF cookie is simply re-issued)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def sign(self, value: str) -> str:
        mac = hmac.new(self.secret, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def verify(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value), signature)

    def csrf_token(self, cookie: str) -> str:
        return self.sign("csrf:" + cookie)

    def check_csrf(self, cookie: str | None, token: str | None) -> bool:
        return bool(cookie and token) and hmac.compare_digest(
            self.csrf_token(cookie or ""), token or ""
        )

    def pack(self, data: object) -> str:
        body = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        return f"{body}.{self.sign('flash:' + body)}"

    def unpack(self, packed: str | None) -> Any:
        if not packed or "." not in packed:
            return None
        body, mac = packed.rsplit(".", 1)
        if not self.verify("flash:" + body, mac):
            return None
        try:
            return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None


def cookie_header(name: str, value: str, *, max_age: int | None = None) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts).encode("latin-1")


def read_cookies(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
    return {k: m.value for k, m in jar.items()}


# --- the middleware -------------------------------------------------------------


class SecurityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        signer: Signer,
        *,
        allowed_hosts: Iterable[str],
        access_token: str | None = None,
    ) -> None:
        self.app = app
        self.signer = signer
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.access_token = access_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = read_cookies(scope["headers"])
        extra: list[tuple[bytes, bytes]] = []
        send = self._with_headers(send, extra)
        host = headers.get("host", "")
        if _host_name(host) not in self.allowed_hosts:
            await _plain(send, 400, "Unknown Host header.")
            return
        if self.access_token and not self._token_ok(scope, cookies, extra):
            await _plain(send, 401, "This page needs its access token: open it with ?token=...")
            return
        csrf_cookie = cookies.get(CSRF_COOKIE)
        if not csrf_cookie or len(csrf_cookie) > 100:
            csrf_cookie = secrets.token_urlsafe(24)
            extra.append((b"set-cookie", cookie_header(CSRF_COOKIE, csrf_cookie)))
        scope.setdefault("state", {})["csrf_token"] = self.signer.csrf_token(csrf_cookie)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            if _declared_size(headers) > MAX_FORM_BYTES:
                await _too_large(send)
                return
            try:
                checked = await self._check_post(scope, receive, headers, cookies, host)
            except _TooLarge:
                await _too_large(send)
                return
            if checked is None:
                await _plain(send, 403, "Forbidden: missing or invalid CSRF token or origin.")
                return
            receive = checked
        await self.app(scope, receive, send)

    def _token_ok(
        self, scope: Scope, cookies: dict[str, str], extra: list[tuple[bytes, bytes]]
    ) -> bool:
        assert self.access_token is not None
        if hmac.compare_digest(cookies.get(TOKEN_COOKIE, ""), self.access_token):
            return True
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given, self.access_token):
            extra.append((b"set-cookie", cookie_header(TOKEN_COOKIE, self.access_token)))
            return True
        return False

    async def _check_post(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        cookies: dict[str, str],
        host: str,
    ) -> Receive | None:
        """A replaying ``receive`` when the POST is same-origin with a valid token."""
        origin, site = headers.get("origin"), headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return None
        # `Referrer-Policy: no-referrer` makes Chromium send `Origin: null` on our own
        # form posts; then only the browser's own Sec-Fetch-Site may vouch for them.
        if origin == "null" and site != "same-origin":
            return None
        if origin not in (None, "null") and not _same_origin(origin, scope, host):
            return None
        body = await _read_body(receive)
        if body is None:
            return None
        token = headers.get(CSRF_HEADER)
        if token is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            form = parse_qs(body.decode("utf-8", "replace"))
            token = (form.get(CSRF_FIELD) or [""])[0]
        if not self.signer.check_csrf(cookies.get(CSRF_COOKIE), token):
            return None
        return _replay(body, receive)

    def _with_headers(self, send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                headers.extend(extra)
                message["headers"] = headers
            await send(message)

        return wrapped


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(origin: str, scope: Scope, host: str) -> bool:
    scheme = scope.get("scheme", "http")
    return origin.lower() == f"{scheme}://{host}".lower()


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class _TooLarge(Exception):
    """A request body beyond MAX_FORM_BYTES (answered 413, not a misleading 403)."""


def _declared_size(headers: dict[str, str]) -> int:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else 0


async def _too_large(send: Send) -> None:
    limit = MAX_FORM_BYTES // 1024
    await _plain(send, 413, f"Request too large: forms are limited to {limit} KiB.")


def _replay(body: bytes, original: Receive) -> Receive:
    """The body we already read, then the client's own messages (disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
