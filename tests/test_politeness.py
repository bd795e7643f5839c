"""Scheduling after a fetch: pure functions of the result, the feed state and now
(rows F11 and F12 of RELIABILITY.md, plus Cache-Control/ttl and adaptive polling)."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest

from digest.errors import FetchError, ParseError
from digest.fetch.politeness import MAX_RETRY_AFTER, next_fetch_at, parse_retry_after
from digest.types import FeedState, Fetched, FetchSettings, NotModified, Source
from digest.types import SourceKind as Kind

URL = "https://example.org/feed.xml"
SETTINGS = FetchSettings(min_interval_minutes=15, max_interval_minutes=24 * 60)
SOURCE = Source(URL, "Example", Kind.BLOG, interval_minutes=60)
OK = Fetched(URL, URL, 200, {}, b"<rss/>")


def minutes_until(when: datetime, now: datetime) -> float:
    return (when - now).total_seconds() / 60


def failed(code: str = "connection", retry: float | None = None) -> FetchError:
    return FetchError("x", code=code, url=URL, retry_after=retry)


# --- parse_retry_after ------------------------------------------------------------------


def test_retry_after_seconds_and_date(now: datetime) -> None:
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 0 ", now) == 0.0
    date = format_datetime(now + timedelta(minutes=10), usegmt=True)
    assert parse_retry_after(date, now) == 600.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3"])
def test_retry_after_unreadable_is_none(value: str | None, now: datetime) -> None:
    assert parse_retry_after(value, now) is None


def test_retry_after_capped_and_never_negative(now: datetime) -> None:
    assert parse_retry_after("999999999", now) == MAX_RETRY_AFTER
    far = format_datetime(now + timedelta(days=30), usegmt=True)
    assert parse_retry_after(far, now) == MAX_RETRY_AFTER
    past = format_datetime(now - timedelta(days=1), usegmt=True)
    assert parse_retry_after(past, now) == 0.0


# --- success ----------------------------------------------------------------------------


def test_success_uses_source_interval(now: datetime) -> None:
    when = next_fetch_at(OK, FeedState(URL), SOURCE, SETTINGS, now=now)
    assert minutes_until(when, now) == 60


@pytest.mark.parametrize(("interval", "expected"), [(1, 15), (60, 60), (10_000, 1440)])
def test_success_clamped_to_settings(interval: int, expected: int, now: datetime) -> None:
    source = Source(URL, "x", Kind.BLOG, interval_minutes=interval)
    assert minutes_until(next_fetch_at(OK, FeedState(URL), source, SETTINGS, now=now), now) == (
        expected
    )


def test_never_sooner_than_max_age_or_ttl(now: datetime) -> None:
    fresh = NotModified(URL, max_age_seconds=3 * 3600)
    assert minutes_until(next_fetch_at(fresh, FeedState(URL), SOURCE, SETTINGS, now=now), now) == (
        180
    )
    with_ttl = next_fetch_at(OK, FeedState(URL), SOURCE, SETTINGS, now=now, ttl_minutes=240)
    assert minutes_until(with_ttl, now) == 240
    huge = NotModified(URL, max_age_seconds=365 * 86400)  # still polled daily at least
    assert minutes_until(next_fetch_at(huge, FeedState(URL), SOURCE, SETTINGS, now=now), now) == (
        1440
    )


def test_rarely_posting_feed_is_polled_less(now: datetime) -> None:
    daily = [now - timedelta(days=d) for d in range(1, 8)]
    when = next_fetch_at(OK, FeedState(URL), SOURCE, SETTINGS, now=now, recent_entry_times=daily)
    assert minutes_until(when, now) == 12 * 60  # half the posting gap


def test_busy_feed_never_polled_faster_than_configured(now: datetime) -> None:
    busy = [now - timedelta(minutes=5 * i) for i in range(1, 20)]
    when = next_fetch_at(OK, FeedState(URL), SOURCE, SETTINGS, now=now, recent_entry_times=busy)
    assert minutes_until(when, now) == 60


def test_dormant_feed_polled_at_slowest_rate(now: datetime) -> None:
    old = [now - timedelta(days=90 + d) for d in range(5)]
    when = next_fetch_at(OK, FeedState(URL), SOURCE, SETTINGS, now=now, recent_entry_times=old)
    assert minutes_until(when, now) == 1440


# --- failure ----------------------------------------------------------------------------


def test_f12_backoff_grows_with_jitter_and_is_capped(now: datetime) -> None:
    delays = [
        minutes_until(
            next_fetch_at(failed("rate_limited"), FeedState(URL, error_count=n), SOURCE,
                          SETTINGS, now=now),
            now,
        )
        for n in range(12)
    ]  # fmt: skip
    assert 48 <= delays[0] <= 72  # the interval +-20 %
    assert delays[3] > delays[1] > delays[0]
    assert all(15 <= d <= 1440 for d in delays)
    assert delays[-1] == 1440  # capped, still polled: never a permanent disable


def test_jitter_spreads_feeds_but_is_deterministic(now: datetime) -> None:
    def when(url: str) -> datetime:
        return next_fetch_at(failed(), FeedState(url, error_count=2), SOURCE, SETTINGS, now=now)

    spread = {when(f"https://example.org/{i}") for i in range(20)}
    assert len(spread) > 10
    assert when(URL) == when(URL)


def test_f11_retry_after_respected_and_capped(now: datetime) -> None:
    state = FeedState(URL)
    later = next_fetch_at(failed("rate_limited", 6 * 3600), state, SOURCE, SETTINGS, now=now)
    assert later - now == timedelta(hours=6)
    capped = next_fetch_at(failed("rate_limited", 10 * 86400), state, SOURCE, SETTINGS, now=now)
    assert capped - now == timedelta(hours=24)
    short = next_fetch_at(failed("rate_limited", 120), state, SOURCE, SETTINGS, now=now)
    assert short - now >= timedelta(seconds=120)
    assert short - now >= timedelta(minutes=SETTINGS.min_interval_minutes)


def test_gone_is_far_away_but_a_date(now: datetime) -> None:
    when = next_fetch_at(failed("gone"), FeedState(URL, error_count=3), SOURCE, SETTINGS, now=now)
    assert isinstance(when, datetime)
    assert when - now >= timedelta(days=300)


def test_a_parse_failure_backs_off_like_a_fetch_failure(now: datetime) -> None:
    # The feed's ParseError is passed as it is, not disguised as a failed fetch.
    state = FeedState(URL, error_count=2)
    parse_failure = ParseError("no feed here", code="not_a_feed", url=URL)
    when = next_fetch_at(parse_failure, state, SOURCE, SETTINGS, now=now)
    assert when == next_fetch_at(failed(), state, SOURCE, SETTINGS, now=now)
    assert minutes_until(when, now) > 3 * 60  # backed off, not the hourly interval
