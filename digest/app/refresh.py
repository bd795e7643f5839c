"""The refresh: fetch the due feeds, parse them and store each feed in its own
transaction, under the lease that cron (`digest fetch`), the daemon (`digest run`)
and the web page's "refresh now" share, so two runs never overlap.

One path for one feed or ten thousand: the stream of digest.app.stream, where fetch,
parse and store overlap. Each feed comes back as one Outcome holding its value or its
error, so one failure never hides the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import httpx

from digest.app.lease import fetch_lease
from digest.app.stream import stream_feeds
from digest.errors import DigestError, FetchError
from digest.fetch.politeness import next_fetch_at
from digest.parse import ParseReply
from digest.store import GroupCommit, Store
from digest.types import Config, FeedState, FetchResult, Outcome, ParsedFeed, Source

log = logging.getLogger("digest.app.refresh")

PARSE_TIMEOUT = 10.0  # wall-clock seconds per feed body (P4); `digest add` uses it too

ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


def refresh(
    store: Store,
    config: Config,
    *,
    now: datetime,
    due_only: bool = True,
    progress: ProgressFn | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Outcome]:
    """Fetch the due feeds, parse them, store each feed in one transaction.
    ``transport`` replaces the network (tests: ``httpx.MockTransport``); the address
    guard still checks every URL and redirect."""
    store.sync_sources(config.sources, now=now)
    states = store.feed_states(due_at=now if due_only else None)
    jobs = [(s, src) for s in states if (src := config.source(s.url)) is not None]
    if not jobs:
        return []
    with fetch_lease(store, config, now=now):
        return _refresh(store, config, jobs, now=now, progress=progress, transport=transport)


def _refresh(
    store: Store,
    config: Config,
    jobs: Sequence[tuple[FeedState, Source]],
    *,
    now: datetime,
    progress: ProgressFn | None,
    transport: httpx.AsyncBaseTransport | None,
) -> list[Outcome]:
    """Fetch, parse and store overlap, and only a window of feeds is held in memory
    (digest.app.stream). Each feed is still its own transaction, a savepoint in a
    group that commits every 0.25 s (store.db.GroupCommit); this Store's connection is
    used by nothing else meanwhile."""
    outcomes: dict[int, Outcome] = {}
    done = 0

    def fetched(_: FetchResult) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("fetch", done, len(jobs))

    with store.group_commit(background=True) as group:

        def store_one(index: int, result: FetchResult, parsed: ParseReply | None) -> None:
            state, source = jobs[index]
            outcomes[index] = _store_one(store, config, state, source, result, parsed,
                                         now=now, group=group)  # fmt: skip

        stream_feeds(jobs, config.fetch, store_one, transport=transport, on_fetched=fetched,
                     on_idle=group.tick, can_store=lambda: not group.committing,
                     parse_timeout=PARSE_TIMEOUT)  # fmt: skip
    return [outcomes[i] for i in range(len(jobs))]


def _store_one(
    store: Store,
    config: Config,
    state: FeedState,
    source: Source,
    result: FetchResult,
    parsed: ParsedFeed | DigestError | None,
    *,
    now: datetime,
    group: GroupCommit,
) -> Outcome:
    """One feed's fetch and parse, stored under its identity ``state.url`` (an adopted
    move was fetched at its new URL), as the Outcome of its value or its error."""
    feed = parsed if isinstance(parsed, ParsedFeed) else None
    parse_error = parsed if isinstance(parsed, DigestError) else None
    failure = result if isinstance(result, FetchError) else parse_error
    when = next_fetch_at(
        failure or result,
        state,
        source,
        config.fetch,
        now=now,
        ttl_minutes=feed.ttl_minutes if feed else None,
        recent_entry_times=[e.published for e in feed.entries if e.published] if feed else (),
    )
    try:
        group.join()
        new = store.record_fetch(result, feed, now=now, next_fetch_at=when, error=parse_error,
                                 feed_url=state.url)  # fmt: skip
    except DigestError as e:  # this feed's transaction rolled back; the others go on
        return Outcome.failed(source.url, e.detached())
    if failure is not None:
        log.warning("%s: %s: %s", source.name, failure.code, failure)
        return Outcome.failed(source.url, failure)
    warnings = "; ".join(map(str, feed.warnings)) if feed else ""
    return Outcome(source.url, True, warnings or "ok", None, new_entries=new)
