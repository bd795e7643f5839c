"""Readers of feeds.yaml scalars: raw YAML value -> checked value, or ValueError.

Each message is the part after ``feeds.yaml:LINE: key:``; the walker (build.py)
adds the file, line and key. Values in messages go through :func:`got`, which
never prints a whole structure (a 5,000-deep list has no useful repr).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

Convert = Callable[[Any], Any]
# Matched on stripped text: `\s*` on both sides of an optional unit backtracks
# quadratically on a long run of spaces (20,000 took 2 s).
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
SECONDS = {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86400, "w": 604800}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def got(value: Any) -> str:
    """A value for a message: short, and never the repr of a deep structure."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"expected text, got {got(value)}")
    result = str(value).strip()
    if not result:
        raise ValueError("must not be empty")
    if _CONTROL.search(result):  # a quoted "\x07" gets past the YAML reader
        raise ValueError(f"must not contain control characters, got {got(result)}")
    return result


def url(value: Any) -> str:
    """An absolute http(s) URL with a host and, if any, a valid port."""
    result = text(value)
    try:
        parts = urlsplit(result)
        port = parts.port
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and not re.search(r"\s", result) and port != 0
    except ValueError:  # urlsplit refuses a port out of range or a bad [IPv6]
        valid = False
    if not valid:
        raise ValueError(f"expected an http(s) URL, got {got(result)}")
    return result


def header(value: Any) -> str:
    result = text(value)
    if not re.fullmatch(r"[\x20-\x7e]+", result):
        raise ValueError(f"expected printable ASCII (it is sent as a header), got {got(result)}")
    return result


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {got(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        result = math.inf
    if not math.isfinite(result):
        raise ValueError(f"expected a finite number, got {got(value)}")
    return result


def count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {got(value)}")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {got(value)}")
    return value


def seconds(value: Any) -> float:
    """Seconds from 90 (minutes), "30s", "90m", "6h", "1d" or "1w"."""
    match = (
        _DURATION.fullmatch(str(value).strip()) if isinstance(value, str | int | float) else None
    )
    if isinstance(value, bool) or not match:
        raise ValueError(f"expected a duration like 30m, 6h or 1d, got {got(value)}")
    return float(match[1]) * SECONDS[match[2]]  # inf for absurd digits: bounds reject it


def slug(value: Any) -> str:
    result = text(value)
    if not re.fullmatch(r"[a-z0-9_-]+", result):
        raise ValueError("use lower-case letters, digits, - and _")
    return result


def weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    name = str(value).strip().lower() if isinstance(value, str) else ""
    for day_number, day in enumerate(WEEKDAYS, start=1):
        if day.startswith(name) and len(name) >= 3:
            return day_number
    raise ValueError(f"expected a weekday (monday..sunday or 1..7), got {got(value)}")


def clock(value: Any) -> str:
    result = str(value).strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", result):
        raise ValueError(f'expected a time like "08:00", got {got(value)}')
    return result


_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*\.?")


def host(value: Any) -> str:
    """host, IPv4, host:port, a bare IPv6 address or [IPv6]:port (as the guard reads them)."""
    result = text(value)
    name, port = _split_host(result)
    if port is not None and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError(f"expected a port 1..65535 after the colon, got {result!r}")
    if not _valid_host(name):
        raise ValueError(f"expected a host, IP address or host:port, got {result!r}")
    return result


def _split_host(entry: str) -> tuple[str, str | None]:
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"expected [IPv6]:port, got {entry!r}")
        return name, rest[1:] if rest else None
    if entry.count(":") == 1:
        name, port = entry.split(":")
        return name, port
    return entry, None


def _valid_host(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return ":" not in name and bool(_HOST.fullmatch(name))


def email(value: Any) -> str:
    result = text(value)
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+", result):
        raise ValueError(f"expected an e-mail address, got {result!r}")
    return result


def env_name(value: Any) -> str:
    result = text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", result):
        raise ValueError(f"expected an environment variable name, got {result!r}")
    return result


# The languages the publish stage has words for (digest.publish.i18n.CATALOGS). The
# import contract keeps config from importing publish, so a test keeps the two equal.
LANGUAGES = ("en", "pt-BR")


def language(value: Any) -> str:
    """One of LANGUAGES; ``pt_br`` reads as ``pt-BR``, as the publish stage reads it."""
    result = text(value)
    if result.replace("_", "-").casefold() not in {tag.casefold() for tag in LANGUAGES}:
        raise ValueError(f"expected one of {', '.join(LANGUAGES)}, got {got(result)}")
    return result


def choice(enum: type[Enum]) -> Convert:
    def convert(value: Any) -> Enum:
        try:
            return enum(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum)
            raise ValueError(f"expected one of {allowed}, got {got(value)}") from None

    return convert
