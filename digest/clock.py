"""The one place that reads the wall clock.

Every stage takes `now` as an argument; only the adapters (CLI, web, scheduler,
demo) ask a `Clock` for it, so a caller that embeds them (a test, a replay of a
past week) injects its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in UTC, to the second (what the database stores)."""
    return datetime.now(UTC).replace(microsecond=0)
