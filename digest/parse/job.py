"""The parse worker's job, apart from the parser: the process that hands out jobs (the
refresh) imports only this, not feedparser and lxml (~16 MB of its peak memory)."""

from __future__ import annotations

from dataclasses import replace

from digest.errors import ParseError
from digest.limits import cap_entry
from digest.types import ParsedFeed, SourceKind

__all__ = ["ParseJob", "ParseReply", "parse_job", "parse_job_fast"]

# body, url, headers, source kind value, entries kept (fetch.max_entries)
ParseJob = tuple[bytes, str, dict[str, str], str, int]
ParseReply = ParsedFeed | ParseError  # the error itself: it pickles (see DigestError)


def parse_job(job: ParseJob) -> ParseReply:
    """:func:`~digest.parse.feed.parse_feed` in a worker process (digest.workers; the
    worker imports the parser before its first job); its reply pickles, a ParseError
    included."""
    reply = _parse(job, use_feedparser=True)
    assert reply is not None  # only a body left for feedparser gives None
    return reply


def parse_job_fast(job: ParseJob) -> ParseReply | None:
    """The job without feedparser: None when only feedparser can read the body."""
    return _parse(job, use_feedparser=False)


def _parse(job: ParseJob, *, use_feedparser: bool) -> ParseReply | None:
    from digest.identity import entry_keys
    from digest.parse.feed import NeedsFeedparser, parse_feed

    body, url, headers, kind, max_entries = job
    try:
        parsed = parse_feed(body, url=url, headers=headers, kind=SourceKind(kind),
                            max_entries=max_entries, use_feedparser=use_feedparser)  # fmt: skip
    except NeedsFeedparser:
        return None
    except ParseError as e:
        e.url = e.url or url
        return e.detached()
    # Fields are cut to their limits here, as the store would, so an oversized entry
    # costs less to pickle back and its keys are taken from what is stored.
    capped = tuple(map(cap_entry, parsed.entries))
    if all(e.keys is not None for e in capped):
        return replace(parsed, entries=capped)
    # The store's keys are taken here, on a worker's core, not in the storing process
    # (parse_feed takes them for every entry it builds; a JSON Feed's come ready-made).
    entries = tuple(e if e.keys else replace(e, keys=entry_keys(e)) for e in capped)
    return replace(parsed, entries=entries)
