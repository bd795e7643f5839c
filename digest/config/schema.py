"""feeds.yaml's schema, read from the config dataclasses' ``setting(...)`` metadata.

A :class:`Spec` is one YAML key: its field, the shape of its value (scalar, list,
nested block, list of blocks) and the converter that reads and checks a scalar.
The loader (``build.py``), `digest check` and docs/config.md all use these specs,
so a key, its default and its help are written once, on the dataclass.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from digest.config import forms
from digest.config.forms import SECONDS, WEEKDAYS, Convert
from digest.types import Form, Setting


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


_FORMS: dict[Form, Convert] = {
    Form.URL: forms.url,
    Form.SLUG: forms.slug,
    Form.MINUTES: forms.seconds,  # durations are read in seconds, bounded, then rounded to the unit
    Form.SECONDS: forms.seconds,
    Form.WEEKDAY: forms.weekday,
    Form.CLOCK: forms.clock,
    Form.HOST: forms.host,
    Form.LANGUAGE: forms.language,
    Form.EMAIL: forms.email,
    Form.ENV_NAME: forms.env_name,
    Form.HEADER: forms.header,
}
_TYPES: dict[Any, Convert] = {
    str: forms.text,
    int: forms.count,
    float: forms.number,
    bool: forms.boolean,
    Path: forms.text,
}


def converter(spec: Spec) -> Convert:
    """How to read one scalar of this key (each item, for a list)."""
    if spec.setting.form is not None:
        return _FORMS[spec.setting.form]
    if isinstance(spec.value_type, type) and issubclass(spec.value_type, Enum):
        return forms.choice(spec.value_type)
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
        size = SECONDS[suffix]
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
        return WEEKDAYS[value - 1]
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
        noun = "one of " + ", ".join(forms.LANGUAGES)
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
