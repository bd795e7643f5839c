"""CLI: the `digest` command, click commands of a few lines over the application layer.

``_base`` holds the group, the shared context (config, database, clock) and the error
handling; each other module registers its commands on the group. Output goes through
``_console`` (rich tables and progress). Only ``cli`` and ``main`` are public.

No command holds a use case: each parses options, calls digest.app and prints.
"""

from __future__ import annotations

from digest.cli import (  # noqa: F401  (register commands)
    commands,
    edition,
    issue,
    rank,
    review,
    sources,
    translate,
    web,
)
from digest.cli._base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli()
