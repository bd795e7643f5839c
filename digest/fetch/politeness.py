"""When to fetch a feed next: polite, adaptive, never a silent permanent disable.

Pure functions of a fetch result, the stored feed state and ``now``. Jitter is
derived from the feed URL and its error count, so the same inputs give the same
date (testable) while feeds failing together do not retry together.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import pairwise
from statistics import median

from digest.errors import DigestError, ErrorCode, FetchError
from digest.types import FeedState, FetchResult, FetchSettings, Source

MAX_RETRY_AFTER = 24 * 3600.0  # seconds; a server cannot park a feed for longer
GONE_DAYS = 365  # 410: far away but still a date, so the editor can re-enable it
DORMANT_DAYS = 30  # no new entry for this long: poll at the slowest rate
JITTER = 0.2  # failure delays spread over +-20 %
_MAX_DOUBLINGS = 16


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date),
    capped at 24 h; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates: HTTP-dates are GMT by definition
        when = when.replace(tzinfo=now.tzinfo)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


def next_fetch_at(
    result: FetchResult | DigestError,
    state: FeedState,
    source: Source,
    settings: FetchSettings,
    *,
    now: datetime,
    ttl_minutes: int | None = None,
    recent_entry_times: Sequence[datetime] = (),
) -> datetime:
    """The next time this feed is due after ``result``: a fetch's value, or the error
    that ended the feed's update (its fetch or, after a good fetch, its parse)."""
    if isinstance(result, DigestError):
        return now + timedelta(seconds=failure_delay(result, state, source, settings))
    minutes = success_interval(source, settings, now=now, recent_entry_times=recent_entry_times)
    floor = max(
        (result.max_age_seconds or 0.0) / 60,
        float(ttl_minutes or 0),
    )
    minutes = min(max(minutes, floor), float(settings.max_interval_minutes))
    return now + timedelta(minutes=minutes)


def success_interval(
    source: Source,
    settings: FetchSettings,
    *,
    now: datetime,
    recent_entry_times: Sequence[datetime] = (),
) -> float:
    """Minutes until the next poll of a healthy feed. The configured interval is the
    fastest we go; a feed that posts rarely is polled at half its posting gap, and
    a dormant feed at the slowest rate."""
    minutes = float(source.interval_minutes)
    times = sorted(t for t in recent_entry_times if t <= now)
    if times and now - times[-1] > timedelta(days=DORMANT_DAYS):
        minutes = float(settings.max_interval_minutes)
    elif len(times) >= 3:
        gaps = [(b - a).total_seconds() / 60 for a, b in pairwise(times)]
        minutes = max(minutes, median(gaps) / 2)
    return _clamp(minutes, settings)


def failure_delay(
    error: DigestError, state: FeedState, source: Source, settings: FetchSettings
) -> float:
    """Seconds to wait after a failure: exponential backoff with jitter, capped at the
    slowest interval, and at least what Retry-After asked (capped at 24 h)."""
    if error.code == ErrorCode.GONE:
        return GONE_DAYS * 86400.0
    failures = state.error_count + 1  # this failure included
    base = _clamp(float(source.interval_minutes), settings) * 60
    delay = base * 2.0 ** min(failures - 1, _MAX_DOUBLINGS)
    delay *= 1 - JITTER + 2 * JITTER * _unit(f"{state.url}#{failures}")
    delay = min(delay, settings.max_interval_minutes * 60.0)
    delay = max(delay, settings.min_interval_minutes * 60.0)
    if isinstance(error, FetchError) and error.retry_after is not None:
        delay = max(delay, min(error.retry_after, MAX_RETRY_AFTER))
    return delay


def _clamp(minutes: float, settings: FetchSettings) -> float:
    low, high = settings.min_interval_minutes, settings.max_interval_minutes
    return min(max(minutes, float(low)), float(max(high, low)))


def _unit(key: str) -> float:
    """A stable pseudo-random number in [0, 1) for ``key``."""
    return (zlib.crc32(key.encode()) & 0xFFFFFFFF) / 2**32
