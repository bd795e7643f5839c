"""The README stays true: every command and every top-level feeds.yaml key is in it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from digest.cli import cli, load_commands

load_commands()  # each command's module is imported on first use otherwise
ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "digest") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize("command", commands(cli))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README.replace(".venv/bin/digest", "digest"), command


@pytest.mark.parametrize(
    "key", ["newsletter", "sections", "sources", "fetch", "schedule", "publish", "rank", "rules"]
)
def test_every_feeds_yaml_block_is_documented(key: str) -> None:
    assert f"`{key}`" in README or f"`{key}:`" in README


ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "part",
    sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in (ROOT / "digest").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem not in {"__init__", "__main__"})
    ),
)
def test_the_architecture_names_every_package_and_module(part: str) -> None:
    """docs/architecture.md's tree stays true as packages come and go."""
    assert part in ARCHITECTURE, f"docs/architecture.md does not mention digest/{part}"
