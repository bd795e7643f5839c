"""Entries kept per feed per fetch (fetch.max_entries): the newest, chosen while the
raw entries are read, so a 100,000-entry feed never holds more than a few hundred
of them at once (issue #20.5: such a feed peaked at 237-436 MB)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from digest.errors import WarningCode
from digest.types import ParseWarning

__all__ = ["Newest"]


class Newest:
    """The ``limit`` newest raw (feedparser-shaped) entries of those added, with their
    place in the document: dated ones by date, newest first, then undated ones by
    their place. ``limit`` None keeps all. Equal dates keep the earlier entry. The
    choice comes before entries without identity or with a repeated id are skipped,
    so a feed full of those may store fewer than ``limit`` (each skip is warned of)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.total = 0
        self._dated: list[tuple[tuple[int, ...], int, Any]] = []  # min-heap: (date, -n, e)
        self._undated: list[tuple[int, Any]] = []

    def add(self, entry: Any) -> None:
        self.total += 1
        n, date = self.total, _raw_date(entry)
        if date is None:
            if self.limit is None or len(self._undated) < self.limit:
                self._undated.append((n, entry))
        elif self.limit is None or len(self._dated) < self.limit:
            heapq.heappush(self._dated, (date, -n, entry))
        elif (date, -n) > self._dated[0][:2]:  # newer than the oldest kept
            heapq.heapreplace(self._dated, (date, -n, entry))

    def extend(self, entries: Iterable[Any]) -> None:
        for entry in entries:
            self.add(entry)

    def kept(self) -> list[tuple[int, Any]]:
        """(place in the document, 1-based; entry) of the kept ones, in document order."""
        dated = [(-minus_n, e) for _, minus_n, e in self._dated]
        undated = self._undated if self.limit is None else self._undated[: self.limit - len(dated)]
        return sorted([*dated, *undated], key=lambda pair: pair[0])

    def warning(self) -> ParseWarning | None:
        """The ``entries_capped`` warning, when entries were dropped."""
        if self.limit is None or self.total <= self.limit:
            return None
        dropped = self.total - self.limit
        message = f"{dropped:,} of {self.total:,} entries dropped: only the newest "
        return ParseWarning(WarningCode.ENTRIES_CAPPED, f"{message}{self.limit:,} are kept")


def _raw_date(e: Any) -> tuple[int, ...] | None:
    """The date the entry is filed under (published, else updated), comparable."""
    if not isinstance(e, Mapping):
        return None
    # Not e.get() for "updated": FeedParserDict answers it with "published" when missing.
    found = e.get("published_parsed") or e.get("created_parsed")
    found = found or (dict.get(e, "updated_parsed") if isinstance(e, dict) else None)
    return tuple(found)[:6] if found else None
