"""The fetch lease: one run at a time across cron (`digest fetch`), the daemon
(`digest run`) and the web page's "refresh now".

The lease is a row in the database (digest.store.db), held by this process
(``host:pid``) until it is released or expires. A holder on this host whose process
is gone (kill -9, a reboot) is taken over at once; one on another host only when
its lease expires, and no lease is honoured further ahead than :func:`lease_ttl`.
Holding it again inside a run of the same thread is a no-op, so a use case that
takes the lease can call another one that takes it too.

This module only takes and releases the lease; it fetches nothing.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from digest.store import Store
from digest.store.db import holder_alive
from digest.types import Config

__all__ = ["FETCH_LEASE", "fetch_lease", "holder_alive", "holder_id", "lease_ttl"]

FETCH_LEASE = "fetch"

# Databases whose lease this thread holds: a nested `fetch_lease` must neither take
# it again nor release it when it ends (the outer run still needs it).
_held = threading.local()


def holder_id() -> str:
    """Who holds the lease: this process, on this host."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_ttl(config: Config) -> timedelta:
    """How long a run may hold the lease before another may take it over: beyond the
    worst case of a run, so only a crashed holder's lease ever expires."""
    return timedelta(seconds=config.fetch.deadline_seconds * 4 + 600)


@contextmanager
def fetch_lease(store: Store, config: Config, *, now: datetime) -> Iterator[None]:
    """Hold the fetch lease for the block; LeaseHeldError (nothing done) when
    another run holds it."""
    key = str(store.path.resolve())
    held: set[str] = _held.__dict__.setdefault("dbs", set())
    if key in held:
        yield
        return
    holder = holder_id()
    store.acquire_lease(FETCH_LEASE, holder, now=now, ttl=lease_ttl(config))
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        store.release_lease(FETCH_LEASE, holder)
