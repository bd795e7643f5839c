"""A ruamel tree of feeds.yaml -> the frozen config dataclasses, by one generic walker.

The walker reads every key from the specs (schema.py); what one field cannot say
alone (a duplicate URL, a source naming an unknown section, the User-Agent built
from contact_url, paths relative to the file) lives in a few small hooks below.
Every mistake is a ConfigError reading ``feeds.yaml:LINE: dotted.key: what is wrong``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from digest.config import schema
from digest.config.forms import LANGUAGES, got, text
from digest.config.schema import Spec
from digest.errors import ConfigError
from digest.types import (
    Config,
    EditionSettings,
    EngineName,
    FetchSettings,
    PublishSettings,
    RankSettings,
    Rule,
    SectionConfig,
    Source,
)

T = TypeVar("T")


class Node:
    """A mapping in the YAML file plus where it is, for precise messages."""

    def __init__(self, path: Path, data: Any, where: str, line: int) -> None:
        self.path = path
        self.where = where
        self.line = line
        if not isinstance(data, dict):  # a CommentedMap, or the C parser's plain dict
            raise self.error(f"expected a mapping, got {_kind(data)}")
        self.data: dict[Any, Any] = data

    def error(self, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(
            f"{self.path}:{self.line_of(key)}: {self.join(key) or 'top'}: {message}",
            hint="fix feeds.yaml and run the command again",
        )

    def line_of(self, key: str | None) -> int:
        if key is not None and key in self.data:
            return _line(partial(_key, self.data, key), self.line)
        return self.line

    def join(self, key: str | None) -> str:
        if not key:
            return self.where
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def child(self, key: str) -> Node:
        """The block under ``key``; an absent block reads as an empty one."""
        data = self.data.get(key)
        return Node(self.path, {} if data is None else data, self.join(key),
                    self.line_of(key))  # fmt: skip

    def items(self, key: str) -> list[Node]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {_kind(value)}", key)
        line = self.line_of(key)
        return [
            Node(self.path, item, f"{self.join(key)}[{i}]", _line(partial(_item, value, i), line))
            for i, item in enumerate(value)
        ]

    def read(self, key: str, convert: Callable[[Any], T]) -> T:
        try:
            return convert(self.data[key])
        except (TypeError, ValueError, OverflowError) as e:
            raise self.error(str(e), key) from None

    def check_keys(self, allowed: list[str]) -> None:
        for key in self.data:
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                raise self.error(f"unknown key; expected one of {expected}", str(key))


# Where ruamel's round-trip tree puts a key or an item; the C parser's plain tree has no
# ``lc`` (AttributeError), and is only built from when it has no error to place.
def _key(mapping: dict[Any, Any], key: str) -> Any:
    return mapping.lc.key(key)  # type: ignore[attr-defined]


def _item(seq: list[Any], i: int) -> Any:
    return seq.lc.item(i)  # type: ignore[attr-defined]


def _line(position: Callable[[], Any], fallback: int) -> int:
    """ruamel's 1-based line of a key or item; keys merged in with `<<:` have none."""
    try:
        return int(position()[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return fallback


def _kind(value: Any) -> str:
    if isinstance(value, dict | list):
        return got(value)
    return type(value).__name__


@dataclass
class Context:
    """What the walk has seen so far, for checks across entries."""

    path: Path
    base: Path  # the folder of feeds.yaml: relative paths start here
    sections: list[SectionConfig] = field(default_factory=list)
    urls: set[str] = field(default_factory=set)
    editions: dict[str, str] = field(default_factory=dict)  # language -> folder


def build(cls: type[T], node: Node, ctx: Context) -> T:
    """One config dataclass from its YAML block, every key read through its spec."""
    reader = _READERS.get(cls)
    if reader is not None:
        return reader(node, ctx)  # type: ignore[no-any-return]
    keys = [s.key for s in schema.specs(cls)]
    node.check_keys(keys)
    values: dict[str, Any] = {"path": ctx.path} if cls is Config else {}
    for spec in schema.specs(cls):
        values[spec.name] = _value(node, spec, ctx, values)
    hook = _HOOKS.get(cls)
    if hook is not None:
        hook(node, values, ctx)
    return cls(**values)


def _value(node: Node, spec: Spec, ctx: Context, values: dict[str, Any]) -> Any:
    block = spec.block
    if spec.many:
        return _many(node, spec, ctx)
    if not node.has(spec.key) and (spec.required or spec.optional or block is None):
        return _absent(node, spec, ctx, values)
    if block is not None:  # present, or a block with defaults (`fetch:` may be left out)
        return build(block, node.child(spec.key), ctx)
    value = node.read(spec.key, lambda raw: schema.finish(spec, schema.converter(spec)(raw)))
    return ctx.base / value if spec.value_type is Path else value


def _absent(node: Node, spec: Spec, ctx: Context, values: dict[str, Any]) -> Any:
    if spec.setting.fallback is not None:
        return values[spec.setting.fallback]
    if spec.required:
        raise node.error("is required", spec.key)
    if spec.value_type is Path and spec.default is not None:
        return ctx.base / spec.default
    return spec.default


def _many(node: Node, spec: Spec, ctx: Context) -> tuple[Any, ...]:
    block = spec.block
    result: tuple[Any, ...]
    if block is not None:
        result = tuple(build(block, item, ctx) for item in node.items(spec.key))
    elif node.has(spec.key):
        result = node.read(spec.key, lambda raw: _scalars(spec, raw))
    else:
        result = spec.default
    if spec.required and not result:
        raise node.error("at least one entry is required", spec.key)
    return result


def _scalars(spec: Spec, raw: Any) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"expected a list, got {got(raw)}")
    convert = schema.converter(spec)
    return tuple(schema.finish(spec, convert(item)) for item in raw)


# --- what one field cannot check alone -------------------------------------------


def _section(node: Node, values: dict[str, Any], ctx: Context) -> None:
    if any(s.key == values["key"] for s in ctx.sections):
        raise node.error(f"duplicate section key {values['key']!r}", "key")
    ctx.sections.append(SectionConfig(**values))


def _source(node: Node, values: dict[str, Any], ctx: Context) -> None:
    if values["url"] in ctx.urls:
        raise node.error(f"duplicate source URL {values['url']}", "url")
    ctx.urls.add(values["url"])
    keys = [s.key for s in ctx.sections]
    if values["section"] is not None and values["section"] not in keys:
        expected = ", ".join(sorted(keys))
        raise node.error(f"unknown section {values['section']!r}; expected one of {expected}",
                         "section")  # fmt: skip


def _fetch(node: Node, values: dict[str, Any], ctx: Context) -> None:
    if values["contact_url"]:
        values["user_agent"] = f"{values['user_agent'].split(' (')[0]} (+{values['contact_url']})"
    if values["min_interval_minutes"] > values["max_interval_minutes"]:
        raise node.error("must not be longer than max_interval", "min_interval")


def _publish(node: Node, values: dict[str, Any], ctx: Context) -> None:
    # `templates/` beside feeds.yaml overrides the shipped templates when it exists.
    if values["templates_dir"] is None and _is_dir(ctx.base / "templates"):
        values["templates_dir"] = ctx.base / "templates"
    elif values["templates_dir"] is not None and not _is_dir(values["templates_dir"]):
        raise node.error(f"{values['templates_dir']} is not a folder", "templates_dir")
    if not _is_dir(values["output_dir"]) and _exists(values["output_dir"]):
        raise node.error(f"{values['output_dir']} exists and is not a folder", "output_dir")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a permission denied: not a folder we can use
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return True


def _rank(node: Node, values: dict[str, Any], ctx: Context) -> None:
    if values["summary_min_words"] > values["summary_max_words"]:
        raise node.error("must not exceed summary_max_words", "summary_min_words")


def _rule(node: Node, ctx: Context) -> Rule:
    """``{like: source, value: Simon Willison}``, ``{dislike: title, value: crypto,
    section: publications}``: exactly one of like/dislike naming what is matched."""
    kind_spec, value_spec, section_spec = schema.specs(Rule)
    alternatives = kind_spec.key.split("|")
    node.check_keys([*alternatives, value_spec.key, section_spec.key])
    present = [k for k in alternatives if node.has(k)]
    if len(present) != 1:
        raise node.error("give exactly one of like or dislike (source, author, title, url)")
    kind = node.read(present[0], schema.converter(kind_spec))
    if not node.has(value_spec.key):
        raise node.error("is required", value_spec.key)
    value = node.read(value_spec.key, schema.converter(value_spec))
    section = node.read(section_spec.key, text) if node.has(section_spec.key) else None
    if section is not None:  # a key, title or alias, stored as the key
        found = next((s for s in ctx.sections if s.matches(section)), None)
        if found is None:
            keys = ", ".join(s.key for s in ctx.sections)
            raise node.error(f"unknown section {section!r}; expected one of {keys}", "section")
        section = found.key
    return Rule(kind, value, like=present[0] == "like", section=section)


def _edition(node: Node, values: dict[str, Any], ctx: Context) -> None:
    # The canonical tag (pt_br -> pt-BR), so a language names one edition and one folder.
    language = next(t for t in LANGUAGES if t.casefold() == values["language"]
                    .replace("_", "-").casefold())  # fmt: skip
    values["language"] = language
    values["path"] = values["path"] or language.lower()
    if language in ctx.editions or values["path"] in ctx.editions.values():
        raise node.error(f"a second edition for {language} or folder {values['path']}",
                         "language")  # fmt: skip
    ctx.editions[language] = values["path"]
    if values["engine"] is EngineName.LIBRETRANSLATE and not values["engine_url"]:
        raise node.error("engine libretranslate needs engine_url", "engine")
    if values["glossary"] is not None and not _exists(values["glossary"]):
        raise node.error(f"{values['glossary']} does not exist", "glossary")


def _config(node: Node, values: dict[str, Any], ctx: Context) -> None:
    own = values["newsletter"].language.replace("_", "-").casefold()
    for i, edition in enumerate(values["editions"]):
        if edition.language.casefold() == own:
            raise node.error(f"{edition.language} is the newsletter's own language",
                             f"editions[{i}].language")  # fmt: skip
        if edition.path == "issues":  # the English issues' folder
            raise node.error("the folder issues is the original's", f"editions[{i}].path")


_Hook = Callable[[Node, dict[str, Any], Context], None]
_HOOKS: dict[type, _Hook] = {
    SectionConfig: _section,
    Source: _source,
    FetchSettings: _fetch,
    PublishSettings: _publish,
    RankSettings: _rank,
    EditionSettings: _edition,
    Config: _config,
}
_READERS: dict[type, Callable[[Node, Context], Any]] = {Rule: _rule}
