"""The refresh as a stream, for one feed or ten thousand: fetch, parse and store
overlap, and memory stays bounded.

Feeds are fetched in the event loop (same client, limiter and politeness as
:func:`digest.fetch.http.fetch_feeds`); each body goes to the parser as soon as it
arrives, and each parsed feed is stored (``store_one``: one transaction) as soon as it
is parsed, while other feeds are still being fetched and parsed. At most ``window``
feeds are held between fetch and store, so a run of any size keeps a few bodies and
parsed feeds in memory, not all of them.

How bodies are parsed is a strategy the stream calls, chosen by the run's size: in
worker processes (:class:`digest.workers.Pool`, both cores, a hard per-feed time
limit), or, for a handful of feeds, right here under a SIGALRM time limit, since a
pool's start-up (0.1-0.3 s) would cost more than the parsing. Either way a feed's
parse ends as a ParsedFeed or the feed's :class:`ParseError`, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

import httpx

from digest.errors import ErrorCode, ParseError
from digest.fetch.guard import AddressGuard, Client, Purpose, make_client
from digest.fetch.http import HostLimiter, fetch_feed, make_guard
from digest.parse import ParseJob, ParseReply, parse_job
from digest.types import FeedState, Fetched, FetchResult, FetchSettings, Source
from digest.workers import Failed, Pool, TimeLimitExceeded, can_time_limit, run_all, time_limit

__all__ = [
    "PARSE_IN_WORKERS_FROM",
    "InProcessParser",
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
# real size is ~0.4 MB in memory. Since the workers run niced (workers.NICE), a
# group's background commit is short enough that 24 or 32 buy nothing over 16.
WINDOW = 16
POLL_SECONDS = 0.002  # how often the loop looks for parsed feeds while fetches run
DRAIN_POLL_SECONDS = 0.05  # and, once every fetch is done, how long it waits at most
PARSE_IN_WORKERS_FROM = 8  # below this many feeds a process pool costs more than it saves
# A parse worker imports the parser before its first job, so no deadline pays for it.
PARSE_PRELOAD = ("digest.parse.feed",)

StoreFn = Callable[[int, FetchResult, ParseReply | None], None]


class Parser(Protocol):
    """A parse strategy: jobs in by key, each feed's ParsedFeed or ParseError out.
    ``in_thread``: it parses in the caller's thread, stalling the event loop."""

    in_thread: bool

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
    url = job[1]
    try:
        with time_limit(timeout):
            return parse_job(job)
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


class InProcessParser:
    """Parses a submitted body on the next poll, in this process: for tiny runs."""

    in_thread = True

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.queue: deque[tuple[int, ParseJob]] = deque()

    @property
    def pending(self) -> int:
        return len(self.queue)

    def submit(self, key: int, job: ParseJob) -> None:
        self.queue.append((key, job))

    def poll(self, timeout: float) -> list[tuple[int, ParseReply]]:
        # One body per poll: the loop goes on fetching between two parses.
        if not self.queue:
            return []
        key, job = self.queue.popleft()
        return [(key, parse_here(job, self.timeout))]

    def close(self) -> None:
        self.queue.clear()


class WorkerParser:
    """Parses in a :class:`~digest.workers.Pool` of ``workers`` processes."""

    in_thread = False

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


def choose_parser(feeds: int, timeout: float, workers: int) -> Parser:
    """In-process for a handful of feeds on the main thread, else worker processes."""
    if feeds < PARSE_IN_WORKERS_FROM and can_time_limit():
        return InProcessParser(timeout)
    return WorkerParser(timeout, workers)


async def _stream(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    guard: AddressGuard,
    transport: httpx.AsyncBaseTransport | None,
    parser: Parser,
    store_one: StoreFn,
    on_fetched: Callable[[FetchResult], None],
    on_idle: Callable[[], None],
    can_store: Callable[[], bool],
    window: int,
) -> None:
    slots = asyncio.Semaphore(window)
    limiter = HostLimiter(settings)
    running = 0  # fetches past their host's and the window's wait: their deadline runs
    fetched: dict[int, FetchResult] = {}  # being parsed
    held: deque[tuple[int, FetchResult, ParseReply | None]] = deque()  # to store

    def store_held(*, force: bool = False) -> None:
        """Store what is ready, unless the caller cannot take it now (its group is
        committing): the loop then goes on fetching and feeding the parser."""
        while held and (force or can_store()):
            index, result, reply = held.popleft()
            try:
                store_one(index, result, reply)
            finally:
                slots.release()

    async def one(client: Client, index: int, state: FeedState, source: Source) -> None:
        nonlocal running
        # The one place moves are handled: an adopted move is fetched at its new URL;
        # store_one files the result under the feed's identity, jobs[index][0].url.
        url = state.fetch_url
        async with limiter.slot(url):
            # The window is taken inside the host's slot, so a slow host (arXiv's gap)
            # never holds window places while it waits for its turn.
            await slots.acquire()
            running += 1
            try:
                result = await fetch_feed(client, guard, url, state, source, settings)
            finally:
                running -= 1
        on_fetched(result)
        if isinstance(result, Fetched):
            parser.submit(index, (result.body, result.final_url, dict(result.headers),
                                  source.kind.value, settings.max_entries))  # fmt: skip
            fetched[index] = replace(result, body=b"")  # the job keeps it while needed
        else:
            held.append((index, result, None))

    def collect(timeout: float) -> None:
        # A parse in this thread stalls the loop: it waits until no fetch is running,
        # or it could push a healthy feed past its deadline.
        if not (parser.in_thread and running):
            replies = parser.poll(timeout)
            held.extend((index, fetched.pop(index), reply) for index, reply in replies)
        store_held()
        on_idle()

    async with make_client(settings, guard, transport=transport) as client:
        fetching = asyncio.gather(*(one(client, i, s, src) for i, (s, src) in enumerate(jobs)))
        while not fetching.done():
            collect(0)
            # Not a plain sleep: the loop ends the moment the last fetch does (a tiny
            # refresh would otherwise lose up to POLL_SECONDS for nothing).
            await asyncio.wait([fetching], timeout=POLL_SECONDS)
        await fetching  # raises what a fetch raised
    while parser.pending:  # the last parses; a slow one may take up to parse_timeout
        collect(DRAIN_POLL_SECONDS)  # ticking, so the group never waits on a slow parse
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
    workers: int = 2,
    window: int = WINDOW,
    parser: Parser | None = None,
) -> None:
    """Fetch every job, parse each body, and call ``store_one(index, result, parsed)``
    for each feed as soon as it can be stored: ``result`` is the fetch's value (its
    ``url`` the URL fetched), ``parsed`` the feed's ParsedFeed or ParseError (e.g.
    ``parse_timeout`` past ``parse_timeout`` seconds), or None when there was nothing
    to parse (304, a FetchError). ``on_idle`` is called on every turn of the loop (the
    caller commits a group of stored feeds there). ``transport`` replaces the network
    (tests); ``parser`` the strategy :func:`choose_parser` picks for the run's size."""
    guard = guard or make_guard(
        settings, purpose=Purpose.FEED, feeds=[source.url for _, source in jobs]
    )
    parser = parser or choose_parser(len(jobs), parse_timeout, workers)
    try:
        asyncio.run(_stream(jobs, settings, guard, transport, parser, store_one, on_fetched,
                            on_idle, can_store, window))  # fmt: skip
    finally:
        parser.close()
