"""feeds.yaml -> a frozen :class:`~digest.types.Config`.

ruamel.yaml keeps line numbers on every mapping, so each mistake is reported as
``feeds.yaml:12: sources[3].kind: expected one of ...`` and the editor can jump
straight to it. Whatever bytes the file holds, the result is a Config or one
ConfigError: never a UnicodeDecodeError, a RecursionError or a YAML library error.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from digest.config.build import Context, Node, build
from digest.errors import ConfigError
from digest.types import Config

DEFAULT_CONFIG = Path("feeds.yaml")
DEFAULT_DB = Path("db/digest.sqlite")
CONFIG_ENV = "DIGEST_CONFIG"
DB_ENV = "DIGEST_DB"
MAX_BYTES = 4 * 1024 * 1024  # a hand-written feeds.yaml is a few kB; refuse anything huge
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def load_config(path: Path) -> Config:
    """Read and validate feeds.yaml; raise ConfigError naming file, line and key.

    A valid file is built from the C parser's plain tree (a sixth of the round-trip
    parser's time: 0.08 s against 0.47 s for 2,000 sources, paid by every `digest`
    process); anything it refuses or that fails to build is read again by the
    round-trip parser, whose tree knows the line each error is on."""
    text = read_text(path)
    fast = _parsed(path, text, fast=True)
    if fast is not None:
        with contextlib.suppress(ConfigError):
            return _build(path, fast)
    return _build(path, _parsed(path, text, fast=False))


def _build(path: Path, data: object) -> Config:
    if data is None:
        raise ConfigError(f"{path}:1: the file is empty; it needs newsletter, sections, sources")
    root = Node(path, data, "", 1)
    return build(Config, root, Context(path=path, base=path.resolve().parent))


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a BOM is allowed), nothing else."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ConfigError(
            f"cannot read config file {path}",
            hint="pass --config PATH or set DIGEST_CONFIG",
        ) from e
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            f"{path}:1: larger than {MAX_BYTES // 1024 // 1024} MiB; is it feeds.yaml?"
        )
    if raw.startswith(_UTF16_BOMS) or b"\x00" in raw:
        line = raw[: max(raw.find(b"\x00"), 0)].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (UTF-16 or a NUL byte)",
            hint="save feeds.yaml as UTF-8",
        )
    raw = raw.removeprefix(_UTF8_BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte {raw[e.start]:#04x}; latin-1?)",
            hint="save feeds.yaml as UTF-8",
        ) from None


MAX_FLOW_DEPTH = 100  # feeds.yaml nests a few levels; ruamel slows quadratically on deep [[[


def parse_yaml(path: Path, text: str) -> object:
    """The ruamel round-trip tree (it keeps line numbers), or a ConfigError."""
    deep = _too_deep(text, MAX_FLOW_DEPTH)
    if deep:
        raise ConfigError(f"{path}:{deep}: YAML nested too deeply (more than "
                          f"{MAX_FLOW_DEPTH} levels of [ or {{)")  # fmt: skip
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 0
        raise ConfigError(f"{path}:{line}: YAML syntax error: {e.problem}") from None
    except YAMLError as e:  # e.g. a control character the YAML reader refuses
        raise ConfigError(f"{path}:1: YAML error: {_first_line(e)}") from None
    except RecursionError:
        raise ConfigError(f"{path}:1: YAML nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as e:
        # ruamel's constructors raise plain errors on bad explicit tags (`!!int xyz`)
        raise ConfigError(f"{path}:1: YAML value error: {_first_line(e)}") from None
    except Exception as e:
        # and on some odd ones, its own bugs (`!!set` on a scalar: AttributeError);
        # parsing is pure, so whatever fails here means "not YAML we can read".
        raise ConfigError(f"{path}:1: YAML the parser cannot read") from e


def _parse_fast(text: str) -> object:
    """Plain dicts and lists from ruamel's C parser (ruamel.yaml.clib; YAML 1.2 as the
    round-trip parser reads it), or None when it cannot read the text: the caller
    then takes the round-trip path, which reports the error properly."""
    if _too_deep(text, MAX_FLOW_DEPTH):
        return None  # refused with its line by parse_yaml; the C parser recurses
    try:
        return YAML(typ="safe", pure=False).load(text)
    except Exception:  # any refusal: the round-trip parser says what is wrong
        return None


# The last few files parsed, by path and parser: (text, tree). ruamel takes half a second for a
# feeds.yaml of 2,000 sources, and a process that loads it again (the scheduler, once
# a run) would pay that each time for the same text. Only the parse is kept: building
# the Config also looks at the disk (templates/ beside the file) and is quick.
_PARSED: dict[tuple[str, bool], tuple[str, object]] = {}
_PARSED_KEPT = 4


def _parsed(path: Path, text: str, *, fast: bool) -> object:
    key = (str(path.resolve()), fast)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == text:
        return hit[1]
    data = _parse_fast(text) if fast else parse_yaml(path, text)
    _PARSED[key] = (text, data)
    while len(_PARSED) > _PARSED_KEPT:
        _PARSED.pop(next(iter(_PARSED)))
    return data


def _too_deep(text: str, limit: int) -> int:
    """The line where [ and { nest deeper than ``limit``, else 0. Quotes and comments
    are skipped roughly: a misread apostrophe can only hide brackets, and 100 open
    brackets in one plain scalar do not occur in a feeds.yaml."""
    depth, line, quote, comment, previous = 0, 1, "", False, " "
    for char in text:
        if char == "\n":
            line, comment = line + 1, False
        elif comment or (quote and char != quote):
            pass
        elif quote:  # the closing quote (a backslash-escaped one barely matters here)
            quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and previous in " \t":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth = max(depth - 1, 0)
        previous = char
    return 0


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def append_entries(
    path: Path, key: str, entries: Sequence[Mapping[str, object]], *, unique: str | None = None
) -> int:
    """Append mappings to the top-level list ``key`` of feeds.yaml as one flow-style
    line each, then re-validate the file; on a mistake the file is restored and the
    ConfigError raised. With ``unique``, entries whose value for that field is already
    in the list are skipped. Returns how many were appended.

    The new lines are inserted as text after the list's last item, in the style of
    its items (or of the file's other lists): every other byte of the file stays as
    the editor wrote it. A round trip through ruamel would re-indent every list of
    the file to one style."""
    load_config(path)  # append only to a valid file: the checks below then hold
    backup = path.read_bytes()
    text = read_text(path)
    current = YAML(typ="rt").load(text).get(key) or []
    known = {str(item.get(unique)) for item in current} if unique else set()
    lines: list[str] = []
    for entry in entries:
        if unique and str(entry[unique]) in known:
            continue
        lines.append(_flow(entry))
        known.add(str(entry[unique]) if unique else "")
    if lines:
        path.write_text(_insert_items(text, key, lines), encoding="utf-8")
        try:
            load_config(path)
        except ConfigError:
            path.write_bytes(backup)  # never leave a broken file behind
            raise
    return len(lines)


def _flow(entry: Mapping[str, object]) -> str:
    """One mapping as a YAML flow mapping on one line, quoted where YAML needs it, and
    text with a colon (URLs) double-quoted: the C parser (YAML 1.1 scanning) refuses
    `{url: http://...}`, which would send every later load down the slow path."""
    item = CommentedMap(
        (k, DoubleQuotedScalarString(v) if isinstance(v, str) and ":" in v else v)
        for k, v in entry.items()
        if v is not None
    )
    item.fa.set_flow_style()
    yaml = YAML(typ="rt")
    yaml.width = 1 << 20
    out = io.StringIO()
    yaml.dump(item, out)
    return out.getvalue().strip()


_TOP_KEY = re.compile(r"^([^\s#-][^:\n]*):[ \t]*(.*)$")
_ITEM = re.compile(r"^(\s*-\s+)\S")


def _insert_items(text: str, key: str, items: Sequence[str]) -> str:
    """``text`` with ``items`` (flow mappings) added at the end of the block list ``key``."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if (m := _TOP_KEY.match(line)) and m.group(1).strip() == key), None)  # fmt: skip
    if start is None:  # no such list yet: a new block at the end
        tail = "" if not text or text.endswith("\n") else "\n"
        return text + tail + f"{key}:\n" + "".join(f"{_item_prefix(lines)}{x}\n" for x in items)
    end = start + 1  # one past the block's last item line
    for i in range(start + 1, len(lines)):
        if _TOP_KEY.match(lines[i]):
            break
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            end = i + 1
    own = [m.group(1) for line in lines[start + 1 : end] if (m := _ITEM.match(line))]
    prefix = own[0] if own else _item_prefix(lines)
    header = _TOP_KEY.match(lines[start])
    assert header is not None
    if header.group(2).split("#")[0].strip() == "[]":  # `key: []` becomes a block list
        newline = "\n" if lines[start].endswith("\n") else ""
        lines[start] = f"{header.group(1)}:{newline}"
    for i in range(start + 1, end):  # `key:` then `[]` on a line of its own
        if lines[i].split("#")[0].strip() == "[]":
            del lines[i]
            end -= 1
            break
    if end == len(lines) and lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines[end:end] = [f"{prefix}{x}\n" for x in items]
    return "".join(lines)


def _item_prefix(lines: Sequence[str]) -> str:
    """How the file's top-level lists indent their items ("  - " unless it shows)."""
    for above, line in itertools.pairwise(lines):
        if _TOP_KEY.match(above) and (m := _ITEM.match(line)):
            return m.group(1)
    return "  - "


def resolve_config_path(option: Path | None) -> Path:
    """--config, else $DIGEST_CONFIG, else ./feeds.yaml."""
    return option or Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))


def resolve_db_path(option: Path | None) -> Path:
    """--db, else $DIGEST_DB, else db/digest.sqlite next to the working directory."""
    return option or Path(os.environ.get(DB_ENV, DEFAULT_DB))
