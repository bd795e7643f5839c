"""CLI: the `digest` command, click commands of a few lines over the application layer.

``base`` holds the group, the shared context (config, database, clock) and the error
handling; each other module registers its commands on the group. Output goes through
``console`` (rich tables and progress).
"""

from __future__ import annotations

from digest.cli import commands, rank, review, sources, translate, web  # noqa: F401  (register commands)
from digest.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli()
