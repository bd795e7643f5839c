"""Fetched bytes + headers -> :class:`~digest.types.ParsedFeed`; feedparser stays in here.

``feed`` runs feedparser (only ever on ``io.BytesIO(body)``) and normalises entries;
``jsonfeed`` reads JSON Feed 1.0/1.1, which feedparser 6 does not; ``extras`` holds the
kind-specific values (arXiv, podcasts, releases). Everything is pure: ``parse_feed``
is a module-level function, so it pickles for a worker process.
"""

from digest.parse.extras import parse_duration
from digest.parse.feed import ParseJob, ParseReply, parse_feed, parse_job

__all__ = ["ParseJob", "ParseReply", "parse_duration", "parse_feed", "parse_job"]
