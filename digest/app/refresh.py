"""The refresh: fetch the due feeds, parse them and store each feed in its own
transaction, under the lease that cron (`digest fetch`), the daemon (`digest run`)
and the web page's "refresh now" share, so two runs never overlap.

Each feed comes back as one Outcome, so one failure never hides the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from digest.app.lease import fetch_lease
from digest.app.stream import stream_feeds
from digest.errors import DigestError, ParseError
from digest.fetch.http import fetch_feeds, make_guard
from digest.fetch.politeness import next_fetch_at
from digest.parse import ParseJob, ParseReply, parse_job
from digest.store import GroupCommit, Store
from digest.types import (
    Config,
    FeedState,
    Fetched,
    FetchFailed,
    FetchResult,
    Outcome,
    ParsedFeed,
    Source,
    SourceKind,
)
from digest.workers import Failed, TimeLimitExceeded, can_time_limit, run_all, time_limit

log = logging.getLogger("digest.app.refresh")

PARSE_IN_WORKERS_FROM = 8  # below this many bodies a process pool costs more than it saves
PARSE_WORKERS = 2  # both cores; the main process meanwhile stores what is parsed
PARSE_TIMEOUT = 10.0  # wall-clock seconds per feed body (P4)

ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


def refresh(
    store: Store,
    config: Config,
    *,
    now: datetime,
    due_only: bool = True,
    progress: ProgressFn | None = None,
) -> list[Outcome]:
    """Fetch the due feeds, parse them, store each feed in one transaction."""
    store.sync_sources(config.sources, now=now)
    states = store.feed_states(due_at=now if due_only else None)
    jobs = [(s, src) for s in states if (src := config.source(s.url)) is not None]
    if not jobs:
        return []
    done = 0

    def fetched(_: FetchResult) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("fetch", done, len(jobs))

    with fetch_lease(store, config, now=now):
        if len(jobs) >= PARSE_IN_WORKERS_FROM:
            return _refresh_stream(store, config, jobs, now=now, on_fetched=fetched)
        # An adopted move is fetched at its new URL; the result keeps the feed's identity.
        moved = [(replace(s, url=s.fetch_url), src) for s, src in jobs]
        results = fetch_feeds(
            moved, config.fetch, guard=make_guard(config.fetch), on_result=fetched
        )
        results = [replace(r, url=s.url) for r, (s, _) in zip(results, jobs, strict=True)]
        parsed = parse_all(results, jobs)
        return [
            _store_one(store, config, state, source, result, outcome, now=now)
            for (state, source), result, outcome in zip(jobs, results, parsed, strict=True)
        ]


def _refresh_stream(
    store: Store,
    config: Config,
    jobs: Sequence[tuple[FeedState, Source]],
    *,
    now: datetime,
    on_fetched: Callable[[FetchResult], None],
) -> list[Outcome]:
    """Many feeds: fetch, parse (in workers) and store overlap, and only a window of
    feeds is held in memory (digest.app.stream). Each feed is still its own transaction,
    a savepoint in a group that commits every 0.25 s (store.db.GroupCommit); this
    Store's connection is used by nothing else meanwhile."""
    outcomes: dict[int, Outcome] = {}
    with store.group_commit(background=True) as group:

        def store_one(index: int, result: FetchResult, reply: ParseReply | Failed | None) -> None:
            state, source = jobs[index]
            url = result.final_url if isinstance(result, Fetched) else result.url
            parsed = None if reply is None else parse_reply(reply, url, PARSE_TIMEOUT)
            outcomes[index] = _store_one(store, config, state, source, result, parsed, now=now,
                                         group=group)  # fmt: skip

        stream_feeds(jobs, config.fetch, make_guard(config.fetch), store_one,
                     on_fetched=on_fetched, on_idle=group.tick,
                     can_store=lambda: not group.committing, parse_timeout=PARSE_TIMEOUT,
                     workers=PARSE_WORKERS)  # fmt: skip
    return [outcomes[i] for i in range(len(jobs))]


def parse_all(
    results: Sequence[FetchResult],
    jobs: Sequence[tuple[FeedState, Source]],
    *,
    timeout: float = PARSE_TIMEOUT,
) -> list[ParsedFeed | DigestError | None]:
    """Parse every fetched body, each within ``timeout`` seconds (P4: past it the feed
    ends as ``parse_timeout`` and only that feed fails). Enough bodies go to worker
    processes on both cores; a handful are parsed here under a SIGALRM limit (a pool's
    start-up costs more than they take), or in workers off the main thread, where no
    alarm can interrupt. A parser that raises anything only fails that feed (S4)."""
    work: dict[int, ParseJob] = {
        i: (r.body, r.final_url, dict(r.headers), jobs[i][1].kind.value)
        for i, r in enumerate(results)
        if isinstance(r, Fetched)
    }
    out: list[ParsedFeed | DigestError | None] = [None] * len(results)
    if len(work) < PARSE_IN_WORKERS_FROM and can_time_limit():
        for i, job in work.items():
            out[i] = _parse_safely(job, timeout)
        return out
    replies = run_all(parse_job, list(work.values()), workers=PARSE_WORKERS, timeout=timeout,
                      name="digest-parse")  # fmt: skip
    for (i, job), reply in zip(work.items(), replies, strict=True):
        out[i] = parse_reply(reply, job[1], timeout)
    return out


def parse_reply(reply: ParseReply | Failed, url: str, timeout: float) -> ParsedFeed | DigestError:
    """A worker's reply as a ParsedFeed or the feed's typed error."""
    if isinstance(reply, ParsedFeed):
        return reply
    if isinstance(reply, Failed):
        if reply.kind == "timeout":
            return ParseError(f"{url}: parsing took over {timeout:g}s", code="parse_timeout")
        log.error("parser %s on %s: %s", reply.kind, url, reply.message)
        return ParseError(f"the parser crashed: {reply.message}", code="parser_crash")
    code, message = reply
    return ParseError(message, code=code)


def _parse_safely(job: ParseJob, timeout: float) -> ParsedFeed | DigestError:
    from digest.parse import parse_feed  # here: a streamed refresh never loads the parser

    body, url, headers, kind = job
    try:
        with time_limit(timeout):
            return parse_feed(body, url=url, headers=headers, kind=SourceKind(kind))
    except TimeLimitExceeded:
        return ParseError(f"{url}: parsing took over {timeout:g}s", code="parse_timeout")
    except DigestError as e:
        return e
    except Exception as e:  # a parser bug must not stop the other feeds
        log.exception("parser crashed on %s", url)
        return ParseError(f"the parser crashed: {type(e).__name__}: {e}", code="parser_crash")


def _store_one(
    store: Store,
    config: Config,
    state: FeedState,
    source: Source,
    result: FetchResult,
    parsed: ParsedFeed | DigestError | None,
    *,
    now: datetime,
    group: GroupCommit | None = None,
) -> Outcome:
    error = (parsed.code, str(parsed)) if isinstance(parsed, DigestError) else None
    feed = parsed if isinstance(parsed, ParsedFeed) else None
    if error:
        result = FetchFailed(result.url, error[0], error[1])
    when = next_fetch_at(
        result,
        state,
        source,
        config.fetch,
        now=now,
        ttl_minutes=feed.ttl_minutes if feed else None,
        recent_entry_times=[e.published for e in feed.entries if e.published] if feed else (),
    )
    try:
        if group:
            group.join()
        new = store.record_fetch(result, feed, now=now, next_fetch_at=when)
    except DigestError as e:
        return Outcome(source.url, False, str(e), e.code)
    if isinstance(result, FetchFailed):
        log.warning("%s: %s: %s", source.name, result.code, result.message)
        return Outcome(source.url, False, result.message, result.code)
    warnings = "; ".join(map(str, feed.warnings)) if feed else ""
    return Outcome(source.url, True, warnings or "ok", None, new_entries=new)
