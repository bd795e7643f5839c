"""The refresh as a stream, for one feed or ten thousand: fetch, parse and store
overlap, and memory stays bounded.

Feeds are fetched in an event loop on a thread of its own (:mod:`digest.app.fetching`:
same client, limiter and politeness as :func:`digest.fetch.http.fetch_feeds`); each
body goes to the parser as soon as it arrives, and each parsed feed is stored
(``store_one``: one transaction) as soon as it is parsed, in the calling thread, while
other feeds are still being fetched. At most ``window`` feeds are between fetch and
store, and fewer (the parser's ``backlog``) while fetched feeds wait for the parser,
so a run of any size keeps a few bodies and parsed feeds in memory, not all of them.

How bodies are parsed is a strategy the stream calls. On the main thread (cron's
`digest fetch`) a body the fast path reads is parsed right here under a SIGALRM time
limit, and only a body for feedparser goes to a worker process
(:class:`digest.workers.Pool`, a hard per-feed time limit); elsewhere (the web page's
and the daemon's threads, where no alarm reaches) every body goes to the workers.
Either way a feed's parse ends as a ParsedFeed or the feed's :class:`ParseError`,
never an exception. ADR 0019 says why.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

import httpx

from digest.app.fetching import FetchThread
from digest.errors import ErrorCode, ParseError
from digest.fetch.guard import AddressGuard, Purpose
from digest.fetch.http import make_guard
from digest.parse import ParseJob, ParseReply, parse_job, parse_job_fast
from digest.types import FeedState, Fetched, FetchResult, FetchSettings, Source
from digest.workers import (
    Failed,
    Pool,
    TimeLimitExceeded,
    can_time_limit,
    run_all,
    time_limit,
    usable_cores,
)

__all__ = [
    "MainThreadParser",
    "Parser",
    "WorkerParser",
    "choose_parser",
    "from_worker",
    "parse_here",
    "parse_one",
    "stream_feeds",
]

log = logging.getLogger("digest.app.stream")

# Feeds held between fetch and store at once (each up to max_bytes): a parsed feed of
# real size is ~0.4 MB in memory.
WINDOW = 16
POLL_SECONDS = 0.002  # how long the consumer waits on busy parse workers at a time
DRAIN_POLL_SECONDS = 0.05  # and, with nothing to parse or store, on the fetches
# A parse worker imports the parser before its first job, so no deadline pays for it.
PARSE_PRELOAD = ("digest.parse.feed",)

StoreFn = Callable[[int, FetchResult, ParseReply | None], None]


class Parser(Protocol):
    """A parse strategy: jobs in by key, each feed's ParsedFeed or ParseError out.
    ``backlog``: how many fetched feeds are worth having ready for it now; more would
    only hold bodies in memory."""

    @property
    def backlog(self) -> int: ...

    @property
    def pending(self) -> int: ...

    def submit(self, key: int, job: ParseJob) -> None: ...

    def poll(self, timeout: float) -> list[tuple[int, ParseReply]]: ...

    def close(self) -> None: ...


def parse_timeout_error(url: str, timeout: float) -> ParseError:
    return ParseError(f"{url}: parsing took over {timeout:g}s", code=ErrorCode.PARSE_TIMEOUT,
                      url=url)  # fmt: skip


def parse_here(job: ParseJob, timeout: float) -> ParseReply:
    """One body parsed in this process under a SIGALRM limit (main thread only: see
    :func:`~digest.workers.can_time_limit`). A parser that raises anything only fails
    that feed (S4)."""
    reply = _limited(parse_job, job, timeout)
    assert reply is not None  # parse_job never declines a body
    return reply


def _limited(
    parse: Callable[[ParseJob], ParseReply | None], job: ParseJob, timeout: float
) -> ParseReply | None:
    url = job[1]
    try:
        with time_limit(timeout):
            return parse(job)
    except TimeLimitExceeded:
        return parse_timeout_error(url, timeout)
    except Exception as e:  # a parser bug must not stop the other feeds
        log.exception("parser crashed on %s", url)
        return ParseError(f"the parser crashed: {type(e).__name__}: {e}",
                          code=ErrorCode.PARSER_CRASH, url=url)  # fmt: skip


def from_worker(reply: ParseReply | Failed, url: str, timeout: float) -> ParseReply:
    """A worker's reply; a job the pool killed or lost becomes the feed's ParseError."""
    if not isinstance(reply, Failed):
        return reply
    if reply.kind == "timeout":
        return parse_timeout_error(url, timeout)
    log.error("parser %s on %s: %s", reply.kind, url, reply.message)
    return ParseError(f"the parser crashed: {reply.message}", code=ErrorCode.PARSER_CRASH,
                      url=url)  # fmt: skip


def parse_one(job: ParseJob, timeout: float) -> ParseReply:
    """One body under the refresh's time limit, wherever the caller runs: here on the
    main thread, else in a worker (no alarm reaches another thread)."""
    if can_time_limit():
        return parse_here(job, timeout)
    (reply,) = run_all(parse_job, [job], workers=1, timeout=timeout, name="digest-parse",
                       preload=PARSE_PRELOAD)  # fmt: skip
    return from_worker(reply, job[1], timeout)


class WorkerParser:
    """Parses in a :class:`~digest.workers.Pool` of ``workers`` processes."""

    backlog = WINDOW  # every worker's queue kept full

    def __init__(self, timeout: float, workers: int) -> None:
        self.timeout = timeout
        self.pool = Pool[int, ParseJob, ParseReply](
            parse_job,
            workers=workers,
            timeout=timeout,
            name="digest-parse",
            preload=PARSE_PRELOAD,
        )
        self.urls: dict[int, str] = {}

    @property
    def pending(self) -> int:
        return self.pool.pending

    def submit(self, key: int, job: ParseJob) -> None:
        # Workers start with the first body, not before: a run that only gets 304s
        # (a warm refresh) starts no process. They come up in a thread meanwhile.
        self.pool.prestart()
        self.urls[key] = job[1]
        self.pool.submit(key, job)

    def poll(self, timeout: float) -> list[tuple[int, ParseReply]]:
        return [(key, from_worker(reply, self.urls.pop(key), self.timeout))
                for key, reply in self.pool.poll(timeout)]  # fmt: skip

    def close(self) -> None:
        self.pool.close()


class MainThreadParser:
    """Parses here, one body per poll under a SIGALRM limit, whatever the fast path
    (lxml, whose work is linear in the body) or the JSON Feed reader can read: no
    process to start, no reply to pickle, no memory but this process's. The rest, the
    bodies only feedparser reads, whose regexes can spin on hostile input (P4) while
    holding the GIL the fetching thread needs, go to a :class:`WorkerParser`, started
    with the first of them (a refresh of well-formed feeds starts none)."""

    ahead = 4  # one body parsing, a few ready: 16 held ~5 MB more for ~5% less time

    def __init__(self, timeout: float, workers: int) -> None:
        self.timeout, self.workers = timeout, workers
        self.queue: deque[tuple[int, ParseJob]] = deque()
        self.elsewhere: WorkerParser | None = None

    @property
    def backlog(self) -> int:
        """``ahead`` for this thread, plus the bodies the workers hold: while a worker
        parses what only feedparser reads, this thread goes on with the bodies it
        reads itself instead of waiting for the worker to make room."""
        return self.ahead + self._delegated

    @property
    def pending(self) -> int:
        return len(self.queue) + self._delegated

    @property
    def _delegated(self) -> int:
        """Bodies handed on to the workers and not yet returned by poll."""
        return self.elsewhere.pending if self.elsewhere else 0

    def submit(self, key: int, job: ParseJob) -> None:
        self.queue.append((key, job))

    def poll(self, timeout: float) -> list[tuple[int, ParseReply]]:
        done: list[tuple[int, ParseReply]] = []
        if self.queue:  # one body per poll: the caller stores between two parses
            key, job = self.queue.popleft()
            if (reply := _limited(parse_job_fast, job, self.timeout)) is not None:
                done.append((key, reply))
            else:
                self.elsewhere = self.elsewhere or WorkerParser(self.timeout, self.workers)
                self.elsewhere.submit(key, job)
        if self.elsewhere and self.elsewhere.pending:
            done += self.elsewhere.poll(0 if done or self.queue else timeout)
        return done

    def close(self) -> None:
        self.queue.clear()
        if self.elsewhere:
            self.elsewhere.close()


def choose_parser(timeout: float, workers: int) -> Parser:
    """With no ``workers`` asked for (``fetch.parse_workers: 0``), here on the main
    thread (cron's `digest fetch`), with a worker for feedparser's share on each other
    core; else, and where no alarm can bound a parse (the web page's and the daemon's
    threads), in ``workers`` processes, by default one per core."""
    cores = usable_cores()
    if not workers and can_time_limit():
        return MainThreadParser(timeout, max(1, cores - 1))
    return WorkerParser(timeout, workers or cores)


def _consume(
    fetching: FetchThread,
    jobs: Sequence[tuple[FeedState, Source]],
    parser: Parser,
    store_one: StoreFn,
    on_fetched: Callable[[FetchResult], None],
    on_idle: Callable[[], None],
    can_store: Callable[[], bool],
    max_entries: int,
) -> None:
    """The calling thread's side: parse what arrives and store what is parsed, ticking
    ``on_idle`` (the group commit) between feeds."""
    fetched: dict[int, FetchResult] = {}  # being parsed
    held: deque[tuple[int, FetchResult, ParseReply | None]] = deque()  # to store

    def store_held(*, force: bool = False) -> int:
        """Store what is ready, unless the caller cannot take it now (its group is
        committing): parsing goes on meanwhile."""
        stored = 0
        while held and (force or can_store()):
            index, result, reply = held.popleft()
            try:
                store_one(index, result, reply)
            finally:
                fetching.release()
            stored += 1
        return stored

    wait = 0.0
    while not fetching.done or parser.pending:
        arrived = fetching.take(wait)
        for index, result in arrived:
            on_fetched(result)
            if isinstance(result, Fetched):
                kind = jobs[index][1].kind.value
                parser.submit(index, (result.body, result.final_url, dict(result.headers),
                                      kind, max_entries))  # fmt: skip
                fetched[index] = replace(result, body=b"")  # the job keeps it while needed
            else:
                held.append((index, result, None))
        replies = parser.poll(0)
        fetching.set_backlog(parser.backlog)
        held.extend((index, fetched.pop(index), reply) for index, reply in replies)
        stored = store_held()
        on_idle()
        # A turn that did nothing waits for the next arrival: briefly while workers
        # parse or a group commits (their news does not wake the queue), else longer.
        idle = not (arrived or replies or stored)
        wait = 0.0 if not idle else POLL_SECONDS if parser.pending or held else DRAIN_POLL_SECONDS
    store_held(force=True)


def stream_feeds(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    store_one: StoreFn,
    *,
    guard: AddressGuard | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_fetched: Callable[[FetchResult], None] = lambda _: None,
    on_idle: Callable[[], None] = lambda: None,
    can_store: Callable[[], bool] = lambda: True,
    parse_timeout: float = 10.0,
    window: int = WINDOW,
    parser: Parser | None = None,
) -> None:
    """Fetch every job, parse each body, and call ``store_one(index, result, parsed)``
    for each feed as soon as it can be stored: ``result`` is the fetch's value (its
    ``url`` the URL fetched), ``parsed`` the feed's ParsedFeed or ParseError (e.g.
    ``parse_timeout`` past ``parse_timeout`` seconds), or None when there was nothing
    to parse (304, a FetchError). ``on_idle`` is called on every turn of the loop (the
    caller commits a group of stored feeds there). ``transport`` replaces the network
    (tests); ``parser`` the strategy :func:`choose_parser` picks from
    ``settings.parse_workers`` and the calling thread."""
    guard = guard or make_guard(
        settings, purpose=Purpose.FEED, feeds=[source.url for _, source in jobs]
    )
    parser = parser or choose_parser(parse_timeout, settings.parse_workers)
    fetching = FetchThread(jobs, settings, guard, transport, window, parser.backlog)
    fetching.start()
    try:
        _consume(fetching, jobs, parser, store_one, on_fetched, on_idle, can_store,
                 settings.max_entries)  # fmt: skip
    finally:
        fetching.stop()
        parser.close()
