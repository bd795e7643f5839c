"""The refresh's fetches on a thread of their own (digest.app.stream's producer).

The stream's caller parses and stores on its own thread while this one fetches, so a
parse never stalls a fetch and a fetch never waits for a parse it does not need.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from digest.fetch.guard import AddressGuard, Client, make_client
from digest.fetch.http import HostLimiter, fetch_feed
from digest.types import FeedState, FetchResult, FetchSettings, Source

__all__ = ["End", "FetchThread"]


class FetchThread:
    """The run's fetches, in an event loop on a thread of their own, so a parse in the
    main thread never stalls them (lxml and nh3 release the GIL; Python code hands it
    over every 5 ms). Each result is handed over through a queue, and the consumer
    says when it stored one (:meth:`release`).

    How many fetches may run: while the consumer keeps up (nothing it was handed waits
    to be stored), up to ``window`` feeds between fetch and store, so slow servers are
    fetched side by side; while it falls behind, only ``backlog``, since fetching more
    would only pile bodies up in memory. The consumer may change ``backlog`` as it
    goes (:meth:`set_backlog`)."""

    def __init__(
        self,
        jobs: Sequence[tuple[FeedState, Source]],
        settings: FetchSettings,
        guard: AddressGuard,
        transport: httpx.AsyncBaseTransport | None,
        window: int,
        backlog: int,
    ) -> None:
        self.jobs, self.settings, self.guard, self.transport = jobs, settings, guard, transport
        self.window, self.backlog = window, min(backlog, window)
        self.done = False
        self._arrived: queue.SimpleQueue[tuple[int, FetchResult] | End] = queue.SimpleQueue()
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._room: asyncio.Event | None = None
        self._running = 0  # fetches under way, and results not yet stored (loop thread)
        self._unstored = 0
        self._thread = threading.Thread(target=self._run, name="digest-fetch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def take(self, timeout: float) -> list[tuple[int, FetchResult]]:
        """What arrived, waiting up to ``timeout`` for the first; raises what the
        fetching raised (a bug: each fetch's failure is a FetchError value)."""
        taken: list[tuple[int, FetchResult]] = []
        try:
            item = self._arrived.get(timeout=timeout) if timeout else self._arrived.get_nowait()
            while True:
                if isinstance(item, End):
                    self.done = True
                    if item.error is not None:
                        raise item.error
                    return taken
                taken.append(item)
                item = self._arrived.get_nowait()
        except queue.Empty:
            return taken

    def release(self) -> None:
        """The consumer stored a feed it was handed."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended: nobody waits
                self._loop.call_soon_threadsafe(self._stored)

    def set_backlog(self, backlog: int) -> None:
        """How many results the consumer can take ahead now; more room wakes the
        fetches waiting for it."""
        backlog = min(backlog, self.window)
        grew, self.backlog = backlog > self.backlog, backlog
        if grew and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended: nobody waits
                self._loop.call_soon_threadsafe(self._wake)

    def _stored(self) -> None:
        self._unstored -= 1
        self._wake()

    def _wake(self) -> None:
        if self._room is not None:
            self._room.set()

    def _has_room(self) -> bool:
        limit = self.backlog if self._unstored else self.window
        return self._running + self._unstored < limit

    async def _wait_for_room(self) -> None:
        assert self._room is not None
        while not self._has_room():
            self._room.clear()
            await self._room.wait()

    def stop(self) -> None:
        """Cancel what is still running (the consumer failed) and wait for the thread."""
        if self._thread.is_alive() and self._started.wait(timeout=5):
            assert self._loop is not None and self._task is not None
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join()

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            asyncio.run(self._fetch_all())
        except asyncio.CancelledError:
            pass
        except BaseException as e:  # handed to the consumer, which raises it
            error = e
        finally:
            self._started.set()
            self._arrived.put(End(error))

    async def _fetch_all(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        self._room = asyncio.Event()
        self._started.set()
        limiter = HostLimiter(self.settings)
        async with make_client(self.settings, self.guard, transport=self.transport) as client:
            dispatch = _Dispatch(self, client, limiter)
            await dispatch.run()

    async def fetch_one(
        self, client: Client, limiter: HostLimiter, index: int, state: FeedState, source: Source
    ) -> None:
        # The one place moves are handled: an adopted move is fetched at its new URL;
        # store_one files the result under the feed's identity, jobs[index][0].url.
        url = state.fetch_url
        async with limiter.slot(url):
            # Room is waited for inside the host's slot, so a slow host (arXiv's gap)
            # never holds a place while it waits for its turn.
            await self._wait_for_room()
            self._running += 1
            try:
                result = await fetch_feed(client, self.guard, url, state, source, self.settings)
            finally:
                self._running -= 1
        self._unstored += 1
        self._arrived.put((index, result))


class _Dispatch:
    """Tasks are made as fetches can start, never one per feed up front (1.5 KB each:
    15 MB for 10,000 feeds). Hosts take turns, one fetch a turn, and no host gets
    more than it may run at once, so a host with many feeds never holds back the
    others. Each finished task starts the next ones from its done callback, in O(1):
    only hosts that can start a fetch are in the queue of turns, so a run over
    10,000 hosts never scans them all per finished fetch."""

    def __init__(self, owner: FetchThread, client: Client, limiter: HostLimiter) -> None:
        self.owner, self.client, self.limiter = owner, client, limiter
        self.waiting: dict[str, deque[int]] = {}  # per host, the jobs not started, in order
        for index, (state, _) in enumerate(owner.jobs):
            self.waiting.setdefault(limiter.host(state.fetch_url), deque()).append(index)
        # The hosts with a job waiting and room for another fetch, in turn order.
        self.turns: deque[str] = deque(self.waiting)
        self.running: dict[asyncio.Task[None], str] = {}
        self.busy: Counter[str] = Counter()
        self.over = asyncio.Event()
        self.error: BaseException | None = None

    async def run(self) -> None:
        """Until every job is fetched; raises what a task raised (a bug: a fetch's
        failure is a FetchError value)."""
        self.start_more()
        if self.running:
            await self.over.wait()
        if self.error is not None:
            raise self.error

    def start_more(self) -> None:
        while self.turns and len(self.running) < self.owner.window:
            host = self.turns.popleft()
            host_jobs = self.waiting[host]
            self.start(host, host_jobs.popleft())
            if not host_jobs:
                del self.waiting[host]
            elif self.busy[host] < self.limiter.per_host(host):
                self.turns.append(host)  # its next turn, after the other hosts'

    def start(self, host: str, index: int) -> None:
        state, source = self.owner.jobs[index]
        task = asyncio.create_task(
            self.owner.fetch_one(self.client, self.limiter, index, state, source)
        )
        task.add_done_callback(self.finished)
        self.running[task] = host
        self.busy[host] += 1

    def finished(self, task: asyncio.Task[None]) -> None:
        host = self.running.pop(task)
        self.busy[host] -= 1
        if task.cancelled():  # the run is being cancelled: start nothing more
            return
        if (error := task.exception()) is not None:
            self.error = self.error or error
            self.over.set()
            return
        if host in self.waiting and self.busy[host] == self.limiter.per_host(host) - 1:
            self.turns.append(host)  # it was at its limit, so out of turn until now
        self.start_more()
        if not self.running:
            self.over.set()


@dataclass(frozen=True)
class End:
    """The fetching is over; ``error`` is what it raised, if anything."""

    error: BaseException | None = None
