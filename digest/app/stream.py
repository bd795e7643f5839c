"""A large refresh as a stream: fetch, parse and store overlap, and memory stays bounded.

Feeds are fetched in the event loop (same client, limiter and politeness as
:func:`digest.fetch.http.fetch_feeds`); each body goes to a parse worker
(:class:`digest.workers.Pool`, both cores, a hard per-feed time limit) as soon as it
arrives, and each parsed feed is stored (``store_one``: one transaction) as soon as
its worker answers, while other feeds are still being fetched and parsed. At most
``window`` feeds are held between fetch and store, so a run of any size keeps a few
bodies and parsed feeds in memory, not all of them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace

from digest.fetch.guard import AddressGuard, Client, make_client
from digest.fetch.http import HostLimiter, fetch_feed
from digest.parse import ParseJob, ParseReply, parse_job
from digest.types import FeedState, Fetched, FetchResult, FetchSettings, Source
from digest.workers import Failed, Pool

__all__ = ["stream_feeds"]

# Feeds held between fetch and store at once (each up to max_bytes): a parsed feed of
# real size is ~0.4 MB in memory. Since the workers run niced (workers.NICE), a
# group's background commit is short enough that 24 or 32 buy nothing over 16.
WINDOW = 16
POLL_SECONDS = 0.002  # how often the loop looks for parsed feeds while fetches run
DRAIN_POLL_SECONDS = 0.05  # and, once every fetch is done, how long it waits at most

StoreFn = Callable[[int, FetchResult, ParseReply | Failed | None], None]


async def _stream(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    guard: AddressGuard,
    pool: Pool[int, ParseJob, ParseReply],
    store_one: StoreFn,
    on_fetched: Callable[[FetchResult], None],
    on_idle: Callable[[], None],
    can_store: Callable[[], bool],
    window: int,
) -> None:
    slots = asyncio.Semaphore(window)
    limiter = HostLimiter(settings)
    fetched: dict[int, FetchResult] = {}  # being parsed
    held: deque[tuple[int, FetchResult, ParseReply | Failed | None]] = deque()  # to store

    def store_held(*, force: bool = False) -> None:
        """Store what is ready, unless the caller cannot take it now (its group is
        committing): the loop then goes on fetching and feeding the workers."""
        while held and (force or can_store()):
            index, result, reply = held.popleft()
            try:
                store_one(index, result, reply)
            finally:
                slots.release()

    async def one(client: Client, index: int, state: FeedState, source: Source) -> None:
        url = state.fetch_url  # an adopted move; the result keeps the feed's identity
        async with limiter.slot(url):
            # The window is taken inside the host's slot, so a slow host (arXiv's gap)
            # never holds window places while it waits for its turn.
            await slots.acquire()
            result = await fetch_feed(client, guard, url, replace(state, url=url), source,
                                      settings)  # fmt: skip
        result = replace(result, url=state.url)
        on_fetched(result)
        if isinstance(result, Fetched):
            pool.submit(index, (result.body, result.final_url, dict(result.headers),
                                source.kind.value))  # fmt: skip
            fetched[index] = replace(result, body=b"")  # the job keeps it while needed
        else:
            held.append((index, result, None))

    def collect(timeout: float) -> None:
        held.extend((index, fetched.pop(index), reply) for index, reply in pool.poll(timeout))
        store_held()
        on_idle()

    async with make_client(settings, guard) as client:
        fetching = asyncio.gather(*(one(client, i, s, src) for i, (s, src) in enumerate(jobs)))
        while not fetching.done():
            collect(0)
            await asyncio.sleep(POLL_SECONDS)
        await fetching  # raises what a fetch raised
    while pool.pending:  # the last parses; a slow one may take up to parse_timeout
        collect(DRAIN_POLL_SECONDS)  # ticking, so the group never waits on a slow parse
    store_held(force=True)


def stream_feeds(
    jobs: Sequence[tuple[FeedState, Source]],
    settings: FetchSettings,
    guard: AddressGuard,
    store_one: StoreFn,
    *,
    on_fetched: Callable[[FetchResult], None] = lambda _: None,
    on_idle: Callable[[], None] = lambda: None,
    can_store: Callable[[], bool] = lambda: True,
    parse_timeout: float = 10.0,
    workers: int = 2,
    window: int = WINDOW,
) -> None:
    """Fetch every job, parse each body in a worker, and call ``store_one(index,
    result, reply)`` for each feed as soon as it can be stored: ``reply`` is the
    worker's ParseReply, a :class:`Failed` (e.g. killed at ``parse_timeout``), or None
    when there was nothing to parse (304, fetch error). ``on_idle`` is called on every
    turn of the loop (the caller commits a group of stored feeds there)."""
    with Pool[int, ParseJob, ParseReply](parse_job, workers=workers, timeout=parse_timeout,
                                         name="digest-parse") as pool:  # fmt: skip
        pool.prestart()  # the fork server boots while the first feeds are fetched
        asyncio.run(_stream(jobs, settings, guard, pool, store_one, on_fetched, on_idle,
                            can_store, window))  # fmt: skip
