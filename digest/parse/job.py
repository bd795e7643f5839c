"""The parse worker's job, apart from the parser: the process that hands out jobs (the
refresh) imports only this, not feedparser and lxml (~16 MB of its peak memory)."""

from __future__ import annotations

from dataclasses import replace

from digest.errors import ParseError
from digest.types import ParsedFeed, SourceKind

__all__ = ["ParseJob", "ParseReply", "parse_job"]

ParseJob = tuple[bytes, str, dict[str, str], str]  # body, url, headers, source kind value
ParseReply = ParsedFeed | ParseError  # the error itself: it pickles (see DigestError)


def parse_job(job: ParseJob) -> ParseReply:
    """:func:`~digest.parse.feed.parse_feed` in a worker process (digest.workers, whose
    fork server preloads the parser); its reply pickles, a ParseError included."""
    from digest.identity import entry_keys
    from digest.parse.feed import parse_feed

    body, url, headers, kind = job
    try:
        parsed = parse_feed(body, url=url, headers=headers, kind=SourceKind(kind))
    except ParseError as e:
        e.url = e.url or url
        return e.detached()
    if all(e.keys is not None for e in parsed.entries):
        return parsed
    # The store's keys are taken here, on a worker's core, not in the storing process
    # (parse_feed takes them for every entry it builds; a JSON Feed's come ready-made).
    entries = tuple(e if e.keys else replace(e, keys=entry_keys(e)) for e in parsed.entries)
    return replace(parsed, entries=entries)
