"""Text and URL hygiene for every output format.

Item titles and summaries are plain text taken from feeds, so they may hold
anything: markup, control characters, lone surrogates, template syntax. Before
any template sees them they pass through :func:`clean_text` (XML-valid
characters only, whitespace collapsed) and link URLs through :func:`output_url`
(http, https and mailto only). Escaping for the target format then happens in the
template (Jinja autoescape for HTML/XML) or with :func:`md_escape` for Markdown.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from urllib.parse import quote, urlsplit

from digest.sanitize import safe_url, strip_control

# Characters XML 1.0 forbids, plus DEL and the C1 controls (legal but invisible and
# a classic source of "invalid XML" reports in feed readers).
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
_OUTPUT_SCHEMES = frozenset({"http", "https", "mailto"})
# Characters kept as-is in an output URL; everything else is percent-encoded so a
# URL can never close a Markdown link, an attribute or an XML element.
_URL_SAFE = "-._~:/?#[]@!$&'*+,;=%"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~!])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#+\-=])")
_MD_ORDERED_START = re.compile(r"^(\s*)(\d+)([.)])")


def strip_invalid(text: str) -> str:
    """Drop characters that are not allowed in XML 1.0 (and C0/C1 controls)."""
    return _INVALID_CHARS.sub("", strip_control(text))


def clean_text(text: str) -> str:
    """Plain text fit for one line or one paragraph of any output format."""
    text = unicodedata.normalize("NFC", strip_invalid(text))
    return _SPACES.sub(" ", text).strip()


def output_url(url: str) -> str | None:
    """``url`` normalised for output, or None unless it is http(s) with a host or mailto.

    Relative (``//evil``), scheme-less and obfuscated (``JaVa\\tscript:``) URLs are
    refused rather than repaired: a browser would repair them differently.
    """
    url = url.strip()
    # Browsers silently drop tabs and newlines inside URLs (``JaVa\tscript:``): refuse.
    if not url or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\\" for c in url):
        return None
    if _INVALID_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _OUTPUT_SCHEMES:
        return None
    if scheme != "mailto" and not parts.hostname:
        return None
    if safe_url(url) is None:  # the project-wide scheme policy must agree too
        return None
    return quote(url, safe=_URL_SAFE)


def md_escape(text: str) -> str:
    """Escape Markdown metacharacters so ``text`` renders literally (CommonMark/GFM)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    # Block syntax only matters at the start of a line: headings, lists, quotes.
    escaped = _MD_BLOCK_START.sub(r"\1\\\2", escaped, count=1)
    return _MD_ORDERED_START.sub(r"\1\2\\\3", escaped, count=1)


def slug(text: str, fallback: str) -> str:
    """A lowercase ASCII anchor id made of ``[a-z0-9-]``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return value[:60].strip("-") or fallback


def cap(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def paragraphs(text: str) -> tuple[str, ...]:
    """The editor's note as clean paragraphs (a blank line separates them)."""
    parts = (clean_text(p) for p in re.split(r"\n\s*\n", text or ""))
    return tuple(p for p in parts if p)


def image_url(url: str) -> str | None:
    """An image URL readers' clients may load: http(s), and never a host that is a
    literal loopback, private, link-local or otherwise non-public address (a feed
    could otherwise make every reader's mail client probe their own network)."""
    checked = output_url(url)
    if checked is None or checked.startswith("mailto:"):
        return None
    host = (urlsplit(checked).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return None
    address = _literal_address(host)
    if address is not None and (not address.is_global or address.is_multicast):
        return None
    return checked


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP address, including the odd IPv4 spellings browsers accept
    (``127.1``, ``2130706433``, ``0x7f.1``)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if not re.fullmatch(r"[0-9a-fx.]+", host) or not any(c.isdigit() for c in host):
            return None
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
