"""docs/config.md, generated from the schema: every key, its type, default and help.

Regenerate with ``digest check --reference > docs/config.md`` or
``python -m digest.config.reference docs/config.md``; tests/test_config_reference.py
fails when the file is out of date.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

from digest.config import schema
from digest.config.schema import Spec
from digest.types import Config

INTRO = """\
# feeds.yaml reference

Generated from the config dataclasses in `digest/types/` (each field's `setting(...)`);
do not edit by hand. Regenerate with `digest check --reference > docs/config.md`.

- Durations are minutes (`90`) or a number with a unit: `30s`, `30m`, `6h`, `1d`, `1w`.
- Paths are relative to the folder of feeds.yaml.
- The file must be UTF-8. `digest check` validates it and names file, line and key of
  each mistake: `feeds.yaml:12: sources[3].kind: expected one of ...`.
- The SMTP password never goes in the file: it is read from the environment variable
  named by `publish.smtp.password_env`.
"""


def markdown() -> str:
    """The whole reference document."""
    return INTRO + "".join(_block(title, cls) for title, cls in _blocks("", Config))


def _blocks(prefix: str, cls: type) -> Iterator[tuple[str, type]]:
    """(dotted title, dataclass) of every block, parents first."""
    yield prefix, cls
    for spec in schema.specs(cls):
        if spec.block is not None:
            name = _join(prefix, spec.key) + ("[]" if spec.many else "")
            yield from _blocks(name, spec.block)


def _block(title: str, cls: type) -> str:
    heading = f"\n## `{title}`\n\n" if title else "\n## Top level\n\n"
    doc = _first_paragraph(cls.__doc__ or "") if title else ""
    rows = [
        "| key | type | default | |",
        "|---|---|---|---|",
        *(_row(title, spec) for spec in schema.specs(cls)),
    ]
    return heading + (f"{doc}\n\n" if doc else "") + "\n".join(rows) + "\n"


def _row(prefix: str, spec: Spec) -> str:
    key = " / ".join(f"`{_join(prefix, k)}`" for k in spec.key.split("|"))
    return f"| {key} | {_cell(schema.type_text(spec))} | {_cell(default_text(spec))} | " \
           f"{_cell(spec.setting.help)} |"  # fmt: skip


def default_text(spec: Spec) -> str:
    if spec.setting.fallback is not None:
        return f"its `{spec.setting.fallback}`"
    if spec.setting.default_doc is not None:
        return spec.setting.default_doc
    if spec.required:
        return "**required**"
    if spec.block is not None and not spec.many and spec.default is not None:
        return "see below"
    return f"`{schema.show(spec, spec.default)}`"


def _first_paragraph(docstring: str) -> str:
    paragraph = inspect.cleandoc(docstring).split("\n\n")[0]
    return " ".join(paragraph.split()).replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def main(argv: list[str]) -> int:
    """``python -m digest.config.reference [PATH]``: print, or write PATH."""
    text = markdown()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
