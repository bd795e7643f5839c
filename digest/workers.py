"""One killable process pool for work that hostile input can make spin: feed parsing
(RELIABILITY.md P4, a ReDoS in feedparser) and article extraction (P11, trafilatura).

Each job gets a wall-clock deadline; a worker past it is killed (SIGKILL: a regex or a C
loop never looks at a flag) and replaced, and that job alone ends as a :class:`Failed`
value while the others complete. Callers turn ``Failed`` into their own typed error
(``parse_timeout``, ``extract_timeout``, ...).

Each worker is a fresh interpreter (never a fork of the caller's, possibly threaded,
process) that imports a pool's ``preload`` modules before it takes a job, so a job's
deadline is spent on the job. No fork server and no resource tracker: a pool costs
only its workers. Each worker has an address-space cap. :class:`Pool` is for one
thread: ``submit`` and ``poll`` may be interleaved to stream work through it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

# multiprocessing (and pickle) is imported by the functions that start or wait for a
# worker: a refresh that parses in its own process imports this module, never them.
if TYPE_CHECKING:
    from multiprocessing.connection import Connection

__all__ = [
    "Failed",
    "Pool",
    "TimeLimitExceeded",
    "can_time_limit",
    "run_all",
    "time_limit",
]

log = logging.getLogger("digest.workers")

J = TypeVar("J")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)

# Jobs handed to a worker at once: the next ones wait in the worker while the current
# one runs, so a worker keeps going while the parent is busy elsewhere (a refresh's
# group COMMIT takes ~60 ms, four parses of a real-sized feed). The price: a job
# queued behind a slow one waits for it (at most the time limit).
DEPTH = 4
# Socket buffer asked for each worker's connection (the kernel caps it, at
# net.core.wmem_max): room for a few replies, so a worker that finishes a job while
# the parent is busy sends its reply and goes on instead of blocking on a full pipe.
PIPE_BYTES = 4 * 1024**2
MEMORY_BYTES = 2 * 1024**3  # address-space cap per worker (a giant table must not OOM us)
# Workers run this much nicer than their parent. The parent feeds them (fetching,
# handing over jobs, storing, committing) and is the pipeline's narrow part: when it
# waits for a core, the workers soon run dry. Niced, they still take every spare
# cycle, and both cores were busy 97% of a cold refresh instead of 93%.
NICE = 10


@dataclass(frozen=True)
class Failed:
    """A job that produced no value: ``timeout`` (killed at its deadline), ``died``
    (the worker process vanished) or ``crashed`` (the function raised)."""

    kind: Literal["timeout", "died", "crashed"]
    message: str


def _serve(conn: Connection, fn: Callable[[Any], Any], memory_bytes: int | None) -> None:
    """Worker loop: one job in, one ``(ok, value)`` out, until the parent sends None.

    A thread reads jobs as they come, so the parent can hand over the next job while
    this one runs (see :data:`DEPTH`) without ever blocking on a full pipe while we
    block on sending a big reply."""
    if hasattr(os, "nice"):
        os.nice(NICE)
    if memory_bytes:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ImportError, ValueError, OSError):  # not on this platform: the deadline holds
            pass
    jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive_jobs, args=(conn, jobs), daemon=True).start()
    while (job := jobs.get()) is not None:
        try:
            reply: tuple[bool, Any] = (True, fn(job))
        except MemoryError:
            reply = (False, "ran out of memory")
        except Exception as e:  # one odd job must not take the worker down
            reply = (False, f"{type(e).__name__}: {e}")
        conn.send(reply)


def _receive_jobs(conn: Connection, jobs: queue.SimpleQueue[Any]) -> None:
    try:
        while (job := conn.recv()) is not None:
            jobs.put(job)
    except (EOFError, OSError):  # the parent is gone
        pass
    jobs.put(None)


# A worker is a fresh interpreter given one end of a socketpair: it takes the caller's
# sys.path, then serves (digest.workers._child).
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from digest.workers import _child; _child(int(sys.argv[2]))"
)
BOOT_TIMEOUT = 60.0  # seconds for a new worker's imports (a loaded machine is slow)


def _child(fd: int) -> None:
    """A worker's main: the function (pickled by name) and its limits come first; once
    the modules to preload are imported it says so, and every job's deadline (which
    the parent starts when it hands a job over) is spent on the job alone."""
    from multiprocessing.connection import Connection

    conn = Connection(fd)
    fn, memory_bytes, preload = conn.recv()
    for module in preload:
        import_module(module)
    conn.send(True)
    _serve(conn, fn, memory_bytes)


class _Process:
    """The worker's process, with the part of multiprocessing.Process's interface the
    pool uses. Not multiprocessing's own: its fork server and resource tracker were
    two more processes a refresh paid for (22 MB of its peak memory, PSS)."""

    def __init__(self, args: list[str], fd: int) -> None:
        flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
        self.popen = subprocess.Popen(
            [sys.executable, *flags, "-c", _BOOT, *args], pass_fds=(fd,),
            stdin=subprocess.DEVNULL, close_fds=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.popen.pid

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.popen.kill()

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)


@dataclass
class _Worker:
    proc: _Process
    conn: Connection
    # (key, job) handed over and not answered, the running one first.
    given: deque[tuple[Any, Any]] = field(default_factory=deque)
    deadline: float = 0.0  # of the running job

    @classmethod
    def start(cls, fn: Callable[[Any], Any], memory: int | None, preload: Sequence[str]) -> _Worker:
        """A new worker, once it has imported ``preload`` (its first job's deadline
        must not pay for them). Raises OSError when it cannot start."""
        from multiprocessing.connection import Connection

        parent, child = socket.socketpair()
        _widen(parent)
        _widen(child)
        try:
            proc = _Process([json.dumps(sys.path), str(child.fileno())], child.fileno())
        finally:
            child.close()
        conn = Connection(parent.detach())
        worker = cls(proc, conn)
        try:
            conn.send((fn, memory, tuple(preload)))
            if not conn.poll(BOOT_TIMEOUT) or conn.recv() is not True:
                raise OSError(f"a worker did not start within {BOOT_TIMEOUT:g}s")
        except (EOFError, OSError) as e:
            worker.kill()
            raise OSError(f"a worker did not start: {e}") from e
        return worker

    @property
    def busy(self) -> bool:
        return bool(self.given)

    @property
    def key(self) -> Any:
        """The running job's key."""
        return self.given[0][0] if self.given else None

    def give(self, key: Any, job: Any, timeout: float) -> None:
        if not self.given:
            self.deadline = time.monotonic() + timeout
        self.given.append((key, job))
        self.conn.send(job)

    def answered(self, timeout: float) -> Any:
        """The running job's key; the next one, already here, starts now."""
        key, _ = self.given.popleft()
        self.deadline = time.monotonic() + timeout
        return key

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


def usable_cores() -> int:
    """The cores this process may run on (``taskset``, a cgroup's cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _widen(sock: socket.socket) -> None:
    """One end of the socketpair gets PIPE_BYTES of buffer where the platform allows;
    the default (~200 KB) holds half a real feed's parse."""
    with contextlib.suppress(OSError):
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            sock.setsockopt(socket.SOL_SOCKET, option, PIPE_BYTES)


class Pool(Generic[K, J, R]):
    """Up to ``workers`` processes running ``fn`` (a module-level function, so it pickles
    by name) on submitted jobs, each within ``timeout`` seconds of wall time."""

    def __init__(
        self,
        fn: Callable[[J], R],
        *,
        workers: int = 2,
        timeout: float = 10.0,
        memory_bytes: int | None = MEMORY_BYTES,
        name: str = "digest-worker",
        preload: Sequence[str] = (),
    ) -> None:
        self.fn, self.size, self.timeout = fn, max(1, workers), timeout
        self.memory, self.name, self.preload = memory_bytes, name, preload
        self.queue: deque[tuple[K, J]] = deque()
        self.workers: list[_Worker] = []
        self.ready: list[tuple[K, R | Failed]] = []
        # Workers started by prestart(), handed over as they come up (None: one failed).
        self._arrivals: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._starting = 0
        self._starters: list[threading.Thread] = []

    def __enter__(self) -> Pool[K, J, R]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Jobs queued, running, or finished and not yet returned by ``poll``."""
        return len(self.queue) + sum(len(w.given) for w in self.workers) + len(self.ready)

    def prestart(self) -> None:
        """Start every worker now, each in a thread: a worker's start-up (an
        interpreter and its preload, ~0.2 s) would otherwise stall the caller's first
        submit. Idempotent."""
        if self._starters or self.workers:
            return

        def start() -> None:
            try:
                self._arrivals.put(_Worker.start(self.fn, self.memory, self.preload))
            except Exception:  # the pool then starts its workers itself
                log.exception("%s: cannot start a worker", self.name)
                self._arrivals.put(None)

        self._starting = self.size
        starters = [threading.Thread(target=start, name=f"{self.name}-start", daemon=True)
                    for _ in range(self.size)]  # fmt: skip
        for thread in starters:
            thread.start()
        self._starters = starters

    def submit(self, key: K, job: J) -> None:
        self.queue.append((key, job))
        self._dispatch()

    def poll(self, timeout: float = 0.0) -> list[tuple[K, R | Failed]]:
        """Results ready within ``timeout`` seconds (less if a deadline comes first)."""
        from multiprocessing.connection import wait

        self._dispatch()
        done, self.ready = self.ready, []
        busy = [w for w in self.workers if w.busy]
        if not busy and not done and self.queue and self._starting:
            self._adopt(timeout)  # nothing can finish before a worker comes up
            self._dispatch()
            busy = [w for w in self.workers if w.busy]
        if not busy:
            return done
        now = time.monotonic()
        limit = 0.0 if done else min([timeout, *(w.deadline - now for w in busy)])
        ready = set(wait([w.conn for w in busy], timeout=max(0.0, limit)))
        done += [self._receive(w) for w in busy if w.conn in ready]
        now = time.monotonic()
        for worker in busy:
            if worker.busy and worker.conn not in ready and now >= worker.deadline:
                done.append(self._fail(worker, "timeout", f"took over {self.timeout:g}s"))
        self._dispatch()
        return done

    def drain(self) -> Iterator[tuple[K, R | Failed]]:
        """Every remaining result, as it completes."""
        while self.pending:
            yield from self.poll(self.timeout)

    def close(self) -> None:
        """Stop idle workers, kill busy ones; queued jobs are dropped."""
        self.queue.clear()
        if self._starters:
            for thread in self._starters:
                thread.join()
            self._adopt(0.0)
        for worker in self.workers:
            worker.kill() if worker.busy else worker.stop()
        self.workers = []

    def _dispatch(self) -> None:
        while self.queue:
            worker = self._least_busy()
            if worker is None:
                return
            key, job = self.queue.popleft()
            try:
                worker.give(key, job, self.timeout)
            except OSError:  # the worker died
                self.ready.append(self._fail(worker, "died", "worker died"))

    def _adopt(self, timeout: float) -> None:
        """Take in the workers prestart() has brought up, waiting ``timeout`` for one."""
        while self._starting:
            try:
                worker = self._arrivals.get(block=timeout > 0, timeout=timeout or None)
            except queue.Empty:
                return
            self._starting -= 1
            timeout = 0.0
            if worker is not None:
                self.workers.append(worker)

    def _least_busy(self) -> _Worker | None:
        """An idle worker (a new one if there is room), else one with room in its queue."""
        self._adopt(0.0)
        idle = next((w for w in self.workers if not w.busy), None)
        if idle is None and len(self.workers) + self._starting < self.size:
            idle = _Worker.start(self.fn, self.memory, self.preload)
            self.workers.append(idle)
        if idle is not None:
            return idle
        return min((w for w in self.workers if len(w.given) < DEPTH),
                   key=lambda w: len(w.given), default=None)  # fmt: skip

    def _receive(self, worker: _Worker) -> tuple[K, R | Failed]:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):  # the worker died (e.g. killed by the kernel)
            return self._fail(worker, "died", "worker died")
        return worker.answered(self.timeout), (value if ok else Failed("crashed", value))

    def _fail(
        self, worker: _Worker, kind: Literal["timeout", "died"], message: str
    ) -> tuple[K, Failed]:
        """Kill the worker (a replacement starts when there is work) and fail its
        running job; the jobs waiting behind it go back to the front of the queue."""
        log.warning("%s: %s", worker.key, message)
        (key, _), *waiting = worker.given
        self.queue.extendleft(reversed(waiting))
        worker.given.clear()
        worker.kill()
        self.workers.remove(worker)
        return key, Failed(kind, message)


def run_all(
    fn: Callable[[J], R],
    jobs: Sequence[J] | Iterable[J],
    *,
    workers: int = 2,
    timeout: float = 10.0,
    memory_bytes: int | None = MEMORY_BYTES,
    name: str = "digest-worker",
    preload: Sequence[str] = (),
) -> list[R | Failed]:
    """``fn`` over ``jobs`` in worker processes, results in job order."""
    listed = list(jobs)
    results: dict[int, R | Failed] = {}
    if listed:
        size = min(workers, len(listed))
        with Pool[int, J, R](fn, workers=size, timeout=timeout, memory_bytes=memory_bytes,
                             name=name, preload=preload) as pool:  # fmt: skip
            for index, job in enumerate(listed):
                pool.submit(index, job)
            results.update(pool.drain())
    return [results[i] for i in range(len(listed))]


# --- in-process limit, for a handful of jobs ---------------------------------


class TimeLimitExceeded(BaseException):
    """Raised by :func:`time_limit`; a BaseException so no ``except Exception`` in a
    third-party parser swallows it."""


_armed = False


def _on_alarm(signum: int, frame: object) -> None:
    if _armed:
        raise TimeLimitExceeded


def can_time_limit() -> bool:
    """:func:`time_limit` needs SIGALRM, which only the main thread receives."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`TimeLimitExceeded` after ``seconds`` (and every
    50 ms after, should a bare ``except`` swallow one). Python's regex engine and
    feedparser's loops check signals, so this bounds a ReDoS without a process. Any
    handler and timer already set (pytest-timeout's) are restored afterwards."""
    global _armed
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    started = time.monotonic()
    _armed = True
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:
            left = max(old_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)
