"""A summariser that spins on some entries, for test_summarise: a stand-in for any input
that makes it loop, now that the summariser has no known one (its regexes are linear).

The spin must happen where the summary is made: in this process (batch._one) or in a
pool's worker, a fresh interpreter that runs ``batch.summarize_chunk`` by name. So the
worker is given :func:`spinning_chunk` instead, a module-level function it imports from
here (the worker inherits this process's sys.path, tests/ included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.extract import batch
from digest.extract.batch import Item, Reply

if TYPE_CHECKING:
    import pytest

SPINS = "Spinning"  # an entry whose title starts so never gets its summary made

_real_one = batch._one  # taken before any test replaces it


def spinning_one(item: Item, min_words: int, max_words: int) -> Reply:
    """batch._one, but forever for an entry whose title starts with SPINS."""
    while item.entry.title.startswith(SPINS):
        pass
    return _real_one(item, min_words, max_words)


def spinning_chunk(job: tuple[tuple[Item, ...], int, int]) -> list[Reply]:
    """batch.summarize_chunk with spinning_one: what a pool's worker runs."""
    items, min_words, max_words = job
    return [spinning_one(item, min_words, max_words) for item in items]


def spin_on_marked_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries titled "Spinning ..." spin in process and in the pool's workers alike."""
    monkeypatch.setattr(batch, "_one", spinning_one)
    monkeypatch.setattr(batch, "summarize_chunk", spinning_chunk)
