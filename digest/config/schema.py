"""feeds.yaml's schema, read from the config dataclasses' ``setting(...)`` metadata.

A :class:`Spec` is one YAML key: its field, the shape of its value (scalar, list,
nested block, list of blocks) and the converter that reads and checks a scalar.
The loader (``build.py``), `digest check` and docs/config.md all use these specs,
so a key, its default and its help are written once, on the dataclass.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from digest.types import Form, Setting

Convert = Callable[[Any], Any]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_SECONDS = {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86400, "w": 604800}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Spec:
    """One key of feeds.yaml, as declared on a config dataclass field."""

    name: str  # the attribute
    key: str  # the YAML key
    setting: Setting
    value_type: Any  # the annotation without ``| None`` and without ``tuple[..., ...]``
    optional: bool  # ``X | None``
    many: bool  # ``tuple[X, ...]``
    default: Any  # what an absent key means (MISSING for a required one)
    required: bool  # the editor must write it (a list: at least one item)

    @property
    def block(self) -> type | None:
        """The dataclass of a nested block (``fetch:``) or of list items (``sources:``)."""
        return self.value_type if is_dataclass(self.value_type) else None  # type: ignore[return-value]


_SPECS: dict[type, tuple[Spec, ...]] = {}


def specs(cls: type) -> tuple[Spec, ...]:
    """The YAML keys of a config dataclass, in declaration order."""
    if cls not in _SPECS:
        hints = get_type_hints(cls)
        found = (_spec(f, hints[f.name]) for f in fields(cls) if "setting" in f.metadata)
        _SPECS[cls] = tuple(found)
    return _SPECS[cls]


def _spec(f: Field[Any], hint: Any) -> Spec:
    setting: Setting = f.metadata["setting"]
    optional = _is_optional(hint)
    if optional:
        hint = next(a for a in get_args(hint) if a is not type(None))
    many = get_origin(hint) is tuple
    if many:
        hint = get_args(hint)[0]
    default: Any = f.default
    if f.default_factory is not MISSING:
        default = f.default_factory()
    if many:  # an absent list is an empty one, and ge= asks for a few items
        required = (setting.ge or 0) > 0
        default = () if default is MISSING else default
    else:
        required = default is MISSING and setting.fallback is None
    return Spec(f.name, setting.key or f.name, setting, hint, optional, many, default, required)


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


# --- converters: raw YAML scalar -> value, ValueError with the message ----------


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
    match = _DURATION.match(str(value)) if isinstance(value, str | int | float) else None
    if isinstance(value, bool) or not match:
        raise ValueError(f"expected a duration like 30m, 6h or 1d, got {got(value)}")
    return float(match[1]) * _SECONDS[match[2]]  # inf for absurd digits: bounds reject it


def slug(value: Any) -> str:
    result = text(value)
    if not re.fullmatch(r"[a-z0-9_-]+", result):
        raise ValueError("use lower-case letters, digits, - and _")
    return result


def weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    name = str(value).strip().lower() if isinstance(value, str) else ""
    for day_number, day in enumerate(_WEEKDAYS, start=1):
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
    import ipaddress

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


def language(value: Any) -> str:
    """A language the publish stage has a catalog for (en-GB reads as English)."""
    from digest.publish.i18n import CATALOGS, normalise_language  # the one list of them

    result = text(value)
    locale = normalise_language(result)
    asked = result.replace("_", "-").split("-")[0].lower()
    base = locale.split("_")[0]
    if asked != base or (locale not in CATALOGS and base not in CATALOGS):
        tags = ", ".join(k.replace("_", "-") for k in CATALOGS)
        raise ValueError(f"expected one of {tags}, got {result!r}")
    return result


def choice(enum: type[Enum]) -> Convert:
    def convert(value: Any) -> Enum:
        try:
            return enum(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum)
            raise ValueError(f"expected one of {allowed}, got {got(value)}") from None

    return convert


_FORMS: dict[Form, Convert] = {
    Form.URL: url,
    Form.SLUG: slug,
    Form.MINUTES: seconds,  # durations are read in seconds, bounded, then rounded to the unit
    Form.SECONDS: seconds,
    Form.WEEKDAY: weekday,
    Form.CLOCK: clock,
    Form.HOST: host,
    Form.LANGUAGE: language,
    Form.EMAIL: email,
    Form.ENV_NAME: env_name,
    Form.HEADER: header,
}
_TYPES: dict[Any, Convert] = {str: text, int: count, float: number, bool: boolean, Path: text}


def converter(spec: Spec) -> Convert:
    """How to read one scalar of this key (each item, for a list)."""
    if spec.setting.form is not None:
        return _FORMS[spec.setting.form]
    if isinstance(spec.value_type, type) and issubclass(spec.value_type, Enum):
        return choice(spec.value_type)
    return _TYPES[spec.value_type]


# --- bounds and units ---------------------------------------------------------

_UNIT = {Form.MINUTES: 60, Form.SECONDS: 1}


def finish(spec: Spec, value: Any) -> Any:
    """Check a converted value against the key's bounds and store it in the field's unit."""
    unit = _UNIT.get(spec.setting.form) if spec.setting.form else None
    if unit is None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_bounds(spec, value, _number_text)
        return value
    # A duration: bounds are in the field's unit, shown as durations.
    amount = value / unit
    _check_bounds(spec, amount, lambda v: duration_text(v * unit))
    return max(1, round(amount))


def _check_bounds(spec: Spec, value: float, show: Callable[[float], str]) -> None:
    s = spec.setting
    low_ok = (s.ge is None or value >= s.ge) and (s.gt is None or value > s.gt)
    if low_ok and (s.le is None or value <= s.le):
        return
    raise ValueError(f"expected {bounds_text(spec, show)}, got {show(value)}")


def bounds_text(spec: Spec, show: Callable[[float], str] | None = None) -> str:
    """ "a duration from 1m to 4w", "a whole number from 1 to 256", "a number > 0 and <= 600"."""
    s = spec.setting
    unit = _UNIT.get(s.form) if s.form else None
    if show is None:
        show = (lambda v: duration_text(v * unit)) if unit else _number_text
    noun = {int: "a whole number", float: "a number"}.get(spec.value_type, "a value")
    noun = "a duration" if unit else noun
    if s.ge is not None and s.le is not None:
        return f"{noun} from {show(s.ge)} to {show(s.le)}"
    parts = [(">=", s.ge), (">", s.gt), ("<=", s.le)]
    return " ".join([noun, " and ".join(f"{op} {show(v)}" for op, v in parts if v is not None)])


def _number_text(value: float) -> str:
    if isinstance(value, int):  # YAML ints are unbounded; float() of a huge one overflows
        return str(value) if abs(value) < 10**18 else "a number too large"
    return str(int(value)) if value.is_integer() else f"{value:g}"


def duration_text(total_seconds: float) -> str:
    """3600 -> "1h", 90 -> "90s", 604800 -> "1w": the largest unit that divides it."""
    if not math.isfinite(total_seconds):
        return str(total_seconds)
    for suffix in ("w", "d", "h", "m"):
        size = _SECONDS[suffix]
        if total_seconds >= size and total_seconds % size == 0:
            return f"{int(total_seconds // size)}{suffix}"
    return f"{total_seconds:g}s"


# --- how a value reads back, for docs/config.md and `digest check` ------------------


def show(spec: Spec, value: Any) -> str:
    """A value as the editor would write it in feeds.yaml."""
    unit = _UNIT.get(spec.setting.form) if spec.setting.form else None
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(show(spec, v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if unit is not None:
        return duration_text(value * unit)
    if spec.setting.form is Form.WEEKDAY:
        return _WEEKDAYS[value - 1]
    if isinstance(value, float):
        return f"{value:g}"
    if value == "":
        return '""'
    return str(value)


def type_text(spec: Spec) -> str:
    """What a key holds, in words: "duration from 1m to 4w", "list of text"."""
    if spec.block is not None:
        return "list of mappings" if spec.many else "mapping"
    form = spec.setting.form
    if form is Form.LANGUAGE:
        from digest.publish.i18n import CATALOGS

        noun = "one of " + ", ".join(k.replace("_", "-") for k in CATALOGS)
    elif form is not None:
        noun = _FORM_NOUNS[form]
    elif isinstance(spec.value_type, type) and issubclass(spec.value_type, Enum):
        noun = "one of " + ", ".join(str(e.value) for e in spec.value_type)
    else:
        noun = _TYPE_NOUNS[spec.value_type]
    if not spec.many and any(b is not None for b in (spec.setting.ge, spec.setting.gt,
                                                      spec.setting.le)):  # fmt: skip
        noun = bounds_text(spec).removeprefix("a ")
    return f"list of {noun}" if spec.many else noun


_FORM_NOUNS = {
    Form.URL: "http(s) URL",
    Form.SLUG: "slug (a-z, 0-9, - and _)",
    Form.MINUTES: "duration",
    Form.SECONDS: "duration",
    Form.WEEKDAY: "weekday (monday..sunday or 1..7)",
    Form.CLOCK: 'time "HH:MM" (UTC)',
    Form.HOST: "host, IP, host:port or [IPv6]:port",
    Form.EMAIL: "e-mail address",
    Form.ENV_NAME: "environment variable name",
    Form.HEADER: "text (printable ASCII)",
}
_TYPE_NOUNS = {str: "text", int: "whole number", float: "number", bool: "true or false",
               Path: "path"}  # fmt: skip
