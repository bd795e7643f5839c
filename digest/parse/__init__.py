"""Fetched bytes + headers -> :class:`~digest.types.ParsedFeed`; feedparser stays in here.

``feed`` runs feedparser (only ever on ``io.BytesIO(body)``) and normalises entries;
``fast`` reads plain RSS 2.0 and Atom with lxml when it is sure to agree; ``jsonfeed``
reads JSON Feed 1.0/1.1, which feedparser 6 does not; ``extras`` holds the
kind-specific values (arXiv, podcasts, releases); ``job`` is a worker's entry point.
The parser is imported on first use, so a process that only hands out jobs never
loads it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from digest.parse.job import ParseJob, ParseReply, parse_job, parse_job_fast

if TYPE_CHECKING:
    from digest.parse.extras import parse_duration
    from digest.parse.feed import parse_feed

__all__ = ["ParseJob", "ParseReply", "parse_duration", "parse_feed", "parse_job", "parse_job_fast"]

_HOMES = {"parse_feed": "digest.parse.feed", "parse_duration": "digest.parse.extras"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'digest.parse' has no attribute {name!r}")
