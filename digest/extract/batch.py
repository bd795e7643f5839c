"""Summaries for many entries at once, on every core, each entry within a time limit.

A large batch is cut into chunks that run in the killable worker pool of
:mod:`digest.workers` (both cores); a handful runs in this process under
:func:`digest.workers.time_limit`, since a pool's start-up costs more than they do.
Either way an entry that makes the summariser spin or crash ends as a title-only
summary whose note says why (``summary: summary_timeout``); the others complete. A
chunk that fails is run again one entry per job, so only the guilty entry pays.

Results come back as they finish, a list per chunk, so the caller can store them as
they come: what was stored survives a crash of the run. An item that ``wants_page``
comes back as a :class:`Teaser` when its feed has only a teaser: the caller fetches
its page and asks again with the article, and teaser detection, which reads the
whole feed text, runs on the workers' cores too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count as numbered
from itertools import islice

from digest.errors import ErrorCode
from digest.extract.blocks import word_count
from digest.extract.summarize import summarize, summarize_feed
from digest.types import Article, Entry, Metadata, Summary, SummaryMethod
from digest.workers import (
    Failed,
    Pool,
    TimeLimitExceeded,
    can_time_limit,
    time_limit,
    usable_cores,
)

__all__ = [
    "IN_PROCESS_MAX",
    "TIMEOUT",
    "Item",
    "Reply",
    "Teaser",
    "default_workers",
    "failed_summary",
    "summarize_all",
    "summarize_chunk",
]

log = logging.getLogger("digest.extract.batch")


@dataclass(frozen=True)
class Item:
    """An entry to summarise, with its extracted article (None: none fetched or none
    usable) and a note to keep (``article: dns``). ``wants_page``: the entry's page may
    be fetched (it has a link, its source allows it), so a teaser is not summarised
    yet but answered with a :class:`Teaser`."""

    entry: Entry
    article: Article | None = None
    note: str | None = None
    wants_page: bool = False


@dataclass(frozen=True)
class Teaser:
    """The entry's feed has only a teaser: fetch its page, then summarise it."""

    entry_id: int


# Up to this many entries run in this process: a summary takes ~0.5 ms of CPU, and
# starting the pool (the fork server's preload, each worker's imports) ~0.45 s, worth
# ~900 summaries; a pool on two cores pays from about a thousand entries.
IN_PROCESS_MAX = 500
# Entries per worker job: enough that pickling and the pipe cost little next to the
# work (~0.1 s a chunk), few enough that both workers stay busy to the end.
CHUNK = 64
IN_FLIGHT = 6  # chunks a worker: 4 handed over (workers.DEPTH), 2 waiting in the pool
TIMEOUT = 10.0  # seconds of wall time per chunk (in-process: per entry)
MAX_WORKERS = 4  # the parent stores every summary: past a few workers it is the limit

_Job = tuple[tuple[Item, ...], int, int]  # items, min words, max words
Reply = Summary | Teaser


def summarize_all(
    items: Iterable[Item],
    *,
    count: int,
    min_words: int,
    max_words: int,
    workers: int | None = None,
    timeout: float = TIMEOUT,
    pool: bool | None = None,
) -> Iterator[list[Reply]]:
    """Summaries of ``items`` (or Teasers), a list at a time as they finish (not in
    order). ``items`` is read as the work needs it; ``count`` says how many it holds.

    ``pool`` None: worker processes for more than IN_PROCESS_MAX items or when this is
    not the main thread (no SIGALRM for the in-process limit there). ``workers`` None:
    one per core this process may run on (:func:`default_workers`)."""
    if not count:
        return
    if pool is None:
        pool = count > IN_PROCESS_MAX or not can_time_limit()
    if pool:
        size = default_workers() if workers is None else workers
        size = max(1, min(size, -(-count // CHUNK)))  # no idle worker for a small batch
        yield from _in_pool(items, min_words, max_words, size, timeout)
    else:
        yield from _in_process(items, min_words, max_words, timeout)


def default_workers() -> int:
    """One worker per core this process may use (``taskset``, a cgroup's cpuset), up
    to MAX_WORKERS."""
    return max(1, min(usable_cores(), MAX_WORKERS))


def summarize_chunk(job: _Job) -> list[Reply]:
    """One worker job: the summaries of a chunk, in its order (pure)."""
    items, min_words, max_words = job
    return [_one(item, min_words, max_words) for item in items]


def _one(item: Item, min_words: int, max_words: int) -> Reply:
    if item.wants_page and item.article is None:
        made = summarize_feed(item.entry, min_words=min_words, max_words=max_words)
        return made if made is not None else Teaser(item.entry.id)
    return summarize(item.entry, item.article, min_words=min_words, max_words=max_words,
                     note=item.note)  # fmt: skip


def _chunks(items: Iterable[Item]) -> Iterator[tuple[Item, ...]]:
    it = iter(items)
    while chunk := tuple(islice(it, CHUNK)):
        yield chunk


def _in_process(
    items: Iterable[Item], min_words: int, max_words: int, timeout: float
) -> Iterator[list[Reply]]:
    for chunk in _chunks(items):
        done: list[Reply] = []
        for item in chunk:
            try:
                with time_limit(timeout):
                    done.append(_one(item, min_words, max_words))
            except TimeLimitExceeded:
                done.append(failed_summary(item, ErrorCode.SUMMARY_TIMEOUT))
            except Exception:  # one odd entry must not cost the others theirs
                log.exception("entry %s: the summariser crashed", item.entry.id)
                done.append(failed_summary(item, ErrorCode.SUMMARY_FAILED))
        yield done


def _in_pool(
    items: Iterable[Item], min_words: int, max_words: int, workers: int, timeout: float
) -> Iterator[list[Reply]]:
    """Chunks are taken from ``items`` as the workers have room (IN_FLIGHT a worker),
    so a caller that loads entries lazily holds only those in flight."""
    chunks = _chunks(items)
    jobs: dict[int, tuple[Item, ...]] = {}
    keys = numbered()
    with Pool[int, _Job, list[Reply]](summarize_chunk, workers=workers, timeout=timeout,
                                        name="digest-summarize") as running:  # fmt: skip
        running.prestart()

        def submit(chunk: tuple[Item, ...]) -> None:
            jobs[key := next(keys)] = chunk
            running.submit(key, (chunk, min_words, max_words))

        while True:
            while running.pending < workers * IN_FLIGHT and (chunk := next(chunks, None)):
                submit(chunk)
            if not running.pending:
                return
            for key, reply in running.poll(timeout):
                chunk = jobs.pop(key)
                if not isinstance(reply, Failed):
                    yield reply
                elif len(chunk) == 1:
                    entry_id = chunk[0].entry.id
                    log.warning("entry %s: summary %s: %s", entry_id, reply.kind, reply.message)
                    yield [failed_summary(chunk[0], _code(reply))]
                else:  # find the entry that failed it: the others run again, one a job
                    for item in chunk:
                        submit((item,))


def _code(reply: Failed) -> ErrorCode:
    return ErrorCode.SUMMARY_TIMEOUT if reply.kind == "timeout" else ErrorCode.SUMMARY_FAILED


def failed_summary(item: Item, code: ErrorCode) -> Summary:
    """The title, with the reason and any earlier note: the entry still shows, and the
    editor sees why it has no summary. Reads nothing the summariser choked on."""
    entry, note = item.entry, item.note
    text = " ".join(entry.title.split())
    return Summary(
        entry_id=entry.id,
        text=text,
        method=SummaryMethod.TITLE,
        words=word_count(text),
        language=entry.extra.get("language"),
        note="; ".join(n for n in (note, f"summary: {code}") if n),
        meta=Metadata(author=next(iter(entry.authors), None), site_name=entry.source_name),
    )
