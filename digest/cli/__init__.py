"""CLI: the `digest` command, click commands of a few lines over the application layer.

``_base`` holds the group, the shared context (config, database, clock) and the error
handling; each other module registers its commands on the group, and is imported when
one of its commands runs (``_base.COMMAND_MODULES``). Output goes through ``_console``
(rich tables and progress). Only ``cli``, ``load_commands`` and ``main`` are public.

No command holds a use case: each parses options, calls digest.app and prints.
"""

from __future__ import annotations

from digest.cli._base import cli, load_commands

__all__ = ["cli", "load_commands", "main"]


def main() -> None:
    cli()
