"""feeds.yaml -> a frozen :class:`~digest.types.Config`.

ruamel.yaml keeps line numbers on every mapping, so each mistake is reported as
``feeds.yaml:12: sources[3].kind: expected one of ...`` and the editor can jump
straight to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from digest.errors import ConfigError
from digest.types import (
    Config,
    ExtractPolicy,
    FetchSettings,
    Newsletter,
    PublishSettings,
    RankSettings,
    Rule,
    RuleKind,
    ScheduleSettings,
    SectionConfig,
    SmtpSettings,
    Source,
    SourceKind,
    Topic,
)

DEFAULT_CONFIG = Path("feeds.yaml")
DEFAULT_DB = Path("db/digest.sqlite")
CONFIG_ENV = "DIGEST_CONFIG"
DB_ENV = "DIGEST_DB"

T = TypeVar("T")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_MINUTES = {"s": 1 / 60, "m": 1, "": 1, "h": 60, "d": 1440, "w": 10080}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Node:
    """A mapping in the YAML file plus where it is, for precise messages."""

    def __init__(self, path: Path, data: Any, where: str, line: int) -> None:
        self.path = path
        self.where = where
        self.line = line
        if not isinstance(data, CommentedMap):
            raise self.error(f"expected a mapping, got {_kind(data)}")
        self.data: CommentedMap = data

    def error(self, message: str, key: str | None = None) -> ConfigError:
        line = self.line
        if key is not None and key in self.data:
            line = self.data.lc.key(key)[0] + 1
        where = f"{self.where}.{key}" if key and self.where else (key or self.where or "top")
        return ConfigError(
            f"{self.path}:{line}: {where}: {message}",
            hint="fix feeds.yaml and run the command again",
        )

    def child(self, key: str) -> _Node | None:
        if self.data.get(key) is None:
            return None
        line = self.data.lc.key(key)[0] + 1
        return _Node(self.path, self.data[key], self._join(key), line)

    def items(self, key: str) -> list[_Node]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, CommentedSeq):
            raise self.error(f"expected a list, got {_kind(value)}", key)
        return [
            _Node(self.path, item, f"{self._join(key)}[{i}]", value.lc.item(i)[0] + 1)
            for i, item in enumerate(value)
        ]

    def get(self, key: str, conv: Callable[[Any], T], default: T) -> T:
        value = self.opt(key, conv)
        return default if value is None else value

    def opt(self, key: str, conv: Callable[[Any], T]) -> T | None:
        if self.data.get(key) is None:
            return None
        return self.require(key, conv)

    def require(self, key: str, conv: Callable[[Any], T]) -> T:
        if self.data.get(key) is None:
            raise self.error("is required", key)
        try:
            return conv(self.data[key])
        except (TypeError, ValueError) as e:
            raise self.error(str(e), key) from None

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(f"unknown key; expected one of {', '.join(sorted(allowed))}", key)

    def _join(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def _kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else type(value).__name__


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"expected text, got {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _url(value: Any) -> str:
    text = _text(value)
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _minutes(value: Any) -> int:
    """Minutes from 90, "90m", "6h", "1d" or "1w"."""
    match = _DURATION.match(str(value))
    if isinstance(value, bool) or not match:
        raise ValueError(f"expected a duration like 30m, 6h or 1d, got {value!r}")
    return max(1, round(float(match[1]) * _MINUTES[match[2]]))


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of text, got {_kind(value)}")
    return tuple(_text(v) for v in value)


def _choice(enum: type[T]) -> Callable[[Any], T]:
    def convert(value: Any) -> T:
        try:
            return enum(str(value).strip().lower())  # type: ignore[call-arg]
        except ValueError:
            allowed = ", ".join(e.value for e in enum)  # type: ignore[attr-defined]
            raise ValueError(f"expected one of {allowed}, got {value!r}") from None

    return convert


def _weekday(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    name = str(value).strip().lower()
    for number, day in enumerate(_WEEKDAYS, start=1):
        if day.startswith(name) and len(name) >= 3:
            return number
    raise ValueError(f"expected a weekday (monday..sunday or 1..7), got {value!r}")


def _clock(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", text):
        raise ValueError(f'expected a time like "08:00", got {value!r}')
    return text


def load_config(path: Path) -> Config:
    """Read and validate feeds.yaml; raise ConfigError naming file, line and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(
            f"cannot read config file {path}",
            hint="pass --config PATH or set DIGEST_CONFIG",
        ) from e
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 0
        raise ConfigError(f"{path}:{line}: YAML syntax error: {e.problem}") from None
    if data is None:
        raise ConfigError(f"{path}:1: the file is empty; it needs newsletter, sections, sources")
    root = _Node(path, data, "", 1)
    root.check_keys(
        {"newsletter", "sections", "sources", "fetch", "schedule", "publish", "rank", "rules"}
    )
    base = path.resolve().parent
    sections = _sections(root)
    return Config(
        path=path,
        newsletter=_newsletter(root),
        sections=sections,
        sources=_sources(root, {s.key for s in sections}),
        fetch=_fetch(root.child("fetch")),
        schedule=_schedule(root.child("schedule")),
        publish=_publish(root.child("publish"), base),
        rank=_rank(root.child("rank")),
        rules=_rules(root, sections),
    )


def _newsletter(root: _Node) -> Newsletter:
    node = root.child("newsletter")
    if node is None:
        raise root.error("is required", "newsletter")
    node.check_keys({f.name for f in fields(Newsletter)})
    return Newsletter(
        title=node.require("title", _text),
        site_url=node.require("site_url", _url),
        language=node.get("language", _text, "en"),
        description=node.get("description", _text, ""),
        author=node.get("author", _text, ""),
    )


def _sections(root: _Node) -> tuple[SectionConfig, ...]:
    nodes = root.items("sections")
    if not nodes:
        raise root.error("at least one section is required", "sections")
    seen: set[str] = set()
    sections = []
    for node in nodes:
        node.check_keys({f.name for f in fields(SectionConfig)})
        key = node.require("key", _text)
        if not re.fullmatch(r"[a-z0-9_-]+", key):
            raise node.error("use lower-case letters, digits, - and _", "key")
        if key in seen:
            raise node.error(f"duplicate section key {key!r}", "key")
        seen.add(key)
        sections.append(
            SectionConfig(
                key=key,
                title=node.require("title", _text),
                aliases=node.get("aliases", _strings, ()),
                quota=node.get("quota", _count, 5),
                priority_cut=node.get("priority_cut", _bool, False),
                keywords=node.get("keywords", _strings, ()),
                retired=node.get("retired", _bool, False),
            )
        )
    return tuple(sections)


def _sources(root: _Node, section_keys: set[str]) -> tuple[Source, ...]:
    seen: set[str] = set()
    sources = []
    for node in root.items("sources"):
        node.check_keys(
            {"name", "url", "kind", "section", "weight", "interval", "extract", "max_bytes"}
        )
        url = node.require("url", _url)
        if url in seen:
            raise node.error(f"duplicate source URL {url}", "url")
        seen.add(url)
        section = node.opt("section", _text)
        if section is not None and section not in section_keys:
            raise node.error(
                f"unknown section {section!r}; expected one of {', '.join(sorted(section_keys))}",
                "section",
            )
        sources.append(
            Source(
                url=url,
                name=node.get("name", _text, url),
                kind=node.require("kind", _choice(SourceKind)),
                section=section,
                weight=node.get("weight", _number, 1.0),
                interval_minutes=node.get("interval", _minutes, 60),
                extract=node.get("extract", _choice(ExtractPolicy), ExtractPolicy.AUTO),
                max_bytes=node.opt("max_bytes", _count),
            )
        )
    return tuple(sources)


def _fetch(node: _Node | None) -> FetchSettings:
    if node is None:
        return FetchSettings()
    node.check_keys(
        {"concurrency", "per_host", "timeout", "deadline", "max_bytes", "max_redirects",
         "user_agent", "contact_url", "allow_hosts", "min_interval", "max_interval"}
    )  # fmt: skip
    default = FetchSettings()
    agent = node.get("user_agent", _text, default.user_agent)
    contact = node.opt("contact_url", _url)
    if contact:
        agent = f"{agent.split(' (')[0]} (+{contact})"
    return FetchSettings(
        concurrency=max(1, node.get("concurrency", _count, default.concurrency)),
        per_host=max(1, node.get("per_host", _count, default.per_host)),
        timeout_seconds=node.get("timeout", _number, default.timeout_seconds),
        deadline_seconds=node.get("deadline", _number, default.deadline_seconds),
        max_bytes=node.get("max_bytes", _count, default.max_bytes),
        max_redirects=node.get("max_redirects", _count, default.max_redirects),
        user_agent=agent,
        allow_hosts=node.get("allow_hosts", _strings, ()),
        min_interval_minutes=node.get("min_interval", _minutes, default.min_interval_minutes),
        max_interval_minutes=node.get("max_interval", _minutes, default.max_interval_minutes),
    )


def _schedule(node: _Node | None) -> ScheduleSettings:
    if node is None:
        return ScheduleSettings()
    node.check_keys({"draft_weekday", "draft_time", "tick", "misfire_grace"})
    default = ScheduleSettings()
    return ScheduleSettings(
        draft_weekday=node.get("draft_weekday", _weekday, default.draft_weekday),
        draft_time=node.get("draft_time", _clock, default.draft_time),
        tick_minutes=node.get("tick", _minutes, default.tick_minutes),
        misfire_grace_seconds=60
        * node.get("misfire_grace", _minutes, default.misfire_grace_seconds // 60),
    )


def _default_templates(base: Path) -> Path | None:
    """`templates/` beside feeds.yaml overrides the shipped templates when it exists."""
    folder = base / "templates"
    return folder if folder.is_dir() else None


def _publish(node: _Node | None, base: Path) -> PublishSettings:
    if node is None:
        return PublishSettings(output_dir=base / "public", templates_dir=_default_templates(base))
    node.check_keys({"output_dir", "templates_dir", "feed_items", "smtp"})
    templates = node.opt("templates_dir", _text)
    return PublishSettings(
        output_dir=base / node.get("output_dir", _text, "public"),
        templates_dir=base / templates if templates else _default_templates(base),
        feed_items=max(1, node.get("feed_items", _count, 20)),
        smtp=_smtp(node.child("smtp")),
    )


def _smtp(node: _Node | None) -> SmtpSettings | None:
    if node is None:
        return None
    node.check_keys({f.name for f in fields(SmtpSettings)})
    default = SmtpSettings(host="localhost")
    return SmtpSettings(
        host=node.require("host", _text),
        port=node.get("port", _count, default.port),
        starttls=node.get("starttls", _bool, default.starttls),
        user=node.opt("user", _text),
        password_env=node.get("password_env", _text, default.password_env),
        sender=node.get("sender", _text, default.sender),
        recipients=node.get("recipients", _strings, default.recipients),
        timeout_seconds=node.get("timeout_seconds", _number, default.timeout_seconds),
    )


def _rank(node: _Node | None) -> RankSettings:
    if node is None:
        return RankSettings()
    node.check_keys(
        {"window_days", "half_life_days", "topics", "summary_min_words", "summary_max_words"}
    )
    default = RankSettings()
    topics = []
    for item in node.items("topics"):
        item.check_keys({"phrase", "weight"})
        topics.append(Topic(item.require("phrase", _text), item.get("weight", _number, 1.0)))
    return RankSettings(
        window_days=max(1, node.get("window_days", _count, default.window_days)),
        half_life_days=node.get("half_life_days", _number, default.half_life_days),
        topics=tuple(topics),
        summary_min_words=node.get("summary_min_words", _count, default.summary_min_words),
        summary_max_words=node.get("summary_max_words", _count, default.summary_max_words),
    )


def _rules(root: _Node, sections: tuple[SectionConfig, ...]) -> tuple[Rule, ...]:
    """``- {like: source, value: Simon Willison}``, ``- {dislike: title, value: crypto,
    section: publications}``: exactly one of like/dislike naming what is matched."""
    rules = []
    for node in root.items("rules"):
        node.check_keys({"like", "dislike", "value", "section"})
        present = [k for k in ("like", "dislike") if node.data.get(k) is not None]
        if len(present) != 1:
            raise node.error("give exactly one of like or dislike (source, author, title, url)")
        kind = node.require(present[0], _choice(RuleKind))
        section = node.opt("section", _text)
        if section is not None:
            found = next((s for s in sections if s.matches(section)), None)
            if found is None:
                keys = ", ".join(s.key for s in sections)
                raise node.error(f"unknown section {section!r}; expected one of {keys}", "section")
            section = found.key
        value = node.require("value", _text)
        rules.append(Rule(kind, value, like=present[0] == "like", section=section))
    return tuple(rules)


def append_entries(
    path: Path, key: str, entries: Sequence[Mapping[str, object]], *, unique: str | None = None
) -> int:
    """Append mappings to the top-level list ``key`` of feeds.yaml, keeping the file's
    comments and order (ruamel round trip), then re-validate it; on a mistake the file
    is restored and the ConfigError raised. With ``unique``, entries whose value for
    that field is already in the list are skipped. Returns how many were appended."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    backup = path.read_text(encoding="utf-8")
    yaml.indent(**_indentation(backup))  # ruamel would re-indent every list otherwise
    data = yaml.load(backup)
    if data.get(key) is None:
        data[key] = CommentedSeq()
    items: CommentedSeq = data[key]
    known = {str(item.get(unique)) for item in items} if unique else set()
    added = 0
    for entry in entries:
        if unique and str(entry[unique]) in known:
            continue
        item = CommentedMap((k, v) for k, v in entry.items() if v is not None)
        item.fa.set_flow_style()
        items.append(item)
        known.add(str(entry[unique]) if unique else "")
        added += 1
    if added:
        with path.open("w", encoding="utf-8") as f:
            yaml.dump(data, f)
        try:
            load_config(path)
        except ConfigError:
            path.write_text(backup, encoding="utf-8")  # never leave a broken file behind
            raise
    return added


def _indentation(text: str) -> dict[str, int]:
    """The file's own indentation (mapping, sequence, dash offset), for ruamel's dump."""
    _, sequence, offset = load_yaml_guess_indent(text)
    nested = re.search(r"^[^\s#][^:\n]*:[ \t]*(?:#.*)?\n((?:[ \t]*(?:#.*)?\n)*)( +)[^\s#-]",
                       text, re.MULTILINE)  # fmt: skip
    mapping = len(nested.group(2)) if nested else 2
    return {"mapping": mapping, "sequence": sequence or 2, "offset": offset or 0}


def resolve_config_path(option: Path | None) -> Path:
    """--config, else $DIGEST_CONFIG, else ./feeds.yaml."""
    return option or Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))


def resolve_db_path(option: Path | None) -> Path:
    """--db, else $DIGEST_DB, else db/digest.sqlite next to the working directory."""
    return option or Path(os.environ.get(DB_ENV, DEFAULT_DB))
