"""digest.workers: the killable pool and the in-process time limit, and RELIABILITY.md P4
(a ReDoS in feedparser's author parsing) through both parse strategies of the stream."""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path

import pytest

from digest import workers
from digest.app.stream import (
    MainThreadParser,
    Parser,
    WorkerParser,
    choose_parser,
    from_worker,
    parse_one,
)
from digest.errors import ErrorCode, ParseError
from digest.parse import ParseJob, ParseReply
from digest.types import ParsedFeed
from digest.workers import Failed, Pool, TimeLimitExceeded, run_all, time_limit

GOOD = (
    b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Good</title>"
    b"<item><title>One</title><link>https://example.org/1</link></item></channel></rss>"
)


def redos_feed(version: str = "0.92") -> bytes:
    """P4: 100 items whose <author> is a@ + 5,000 dotted labels + '!'. As RSS 0.92 by
    default: only feedparser reads it, and spins (the fast path reads RSS 2.0's in
    linear time: tests/test_parse_fast.py)."""
    author = "a@" + ".".join(["a"] * 5000) + "!"
    items = "".join(
        f"<item><title>t{i}</title><link>https://example.org/{i}</link>"
        f"<author>{author}</author></item>"
        for i in range(100)
    )
    return (f"<?xml version='1.0'?><rss version='{version}'><channel><title>Evil</title>"
            f"{items}</channel></rss>").encode()  # fmt: skip


def test_run_all_keeps_order_and_reports_crashes() -> None:
    results = run_all(math.sqrt, [4.0, -1.0, 9.0], workers=2, timeout=10)
    assert results[0] == 2.0 and results[2] == 3.0
    assert isinstance(results[1], Failed) and results[1].kind == "crashed"
    assert "ValueError" in results[1].message
    assert run_all(math.sqrt, []) == []


def test_a_workers_preload_is_imported_before_its_first_deadline_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker is a fresh interpreter: it imports the pool's preload (the parser, for
    # a refresh) and only then takes a job, so no job's time limit pays for imports.
    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(1.0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))  # workers get the caller's sys.path
    results = run_all(math.sqrt, [4.0, 9.0], workers=2, timeout=0.5,
                      preload=["slow_to_import"])  # fmt: skip
    assert results == [2.0, 3.0]


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities here")
def test_workers_run_nicer_than_their_parent_so_it_is_never_starved() -> None:
    expected = min(os.nice(0) + workers.NICE, 19)  # the kernel's ceiling
    assert run_all(os.nice, [0, 0], workers=2, timeout=10) == [expected, expected]  # nice(0): get


def test_a_job_past_its_deadline_is_killed_and_its_worker_replaced() -> None:
    started = time.monotonic()
    results = run_all(time.sleep, [0.0, 30.0, 0.0, 0.0], workers=1, timeout=0.5)
    assert results[1] == Failed("timeout", "took over 0.5s")
    assert results[0] is None and results[2] is None and results[3] is None
    assert time.monotonic() - started < 5


def test_the_job_waiting_behind_a_killed_one_is_run_again_elsewhere() -> None:
    # With one worker, job 1 is handed over while job 0 sleeps (workers.DEPTH); when
    # job 0 is killed, job 1 must not share its fate.
    results = run_all(time.sleep, [30.0, 0.0], workers=1, timeout=0.5)
    assert results == [Failed("timeout", "took over 0.5s"), None]


def test_big_jobs_and_big_replies_in_both_directions_never_deadlock() -> None:
    # Each job and each reply is larger than a pipe's buffer, and each worker holds
    # two jobs: the worker reads jobs in a thread, so neither side blocks the other.
    body = b"x" * 3_000_000
    results = run_all(bytes, [body] * 6, workers=2, timeout=20)
    assert results == [body] * 6


def _nap_then_reply(seconds: float) -> bytes:
    time.sleep(seconds)
    return bytes(80_000)  # four fit even in a stock kernel's buffer (~400 KB)


def test_a_worker_keeps_working_while_the_parent_is_busy_elsewhere() -> None:
    # Four jobs are handed over at once (workers.DEPTH) and their replies fit in the
    # connection's buffer, so the worker never waits for the parent to poll: by the
    # time the parent looks, all four are done.
    with Pool[int, float, bytes](_nap_then_reply, workers=1, timeout=10) as pool:
        for n in range(4):
            pool.submit(n, 0.3)
        time.sleep(2.0)  # the parent storing a group of feeds, say
        started = time.monotonic()
        results = dict(pool.drain())
        assert time.monotonic() - started < 0.25  # not a further 0.3 s per job
    assert results == {n: bytes(80_000) for n in range(4)}


def test_prestarted_workers_take_the_jobs_submitted_while_they_came_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = workers._Worker.start.__func__  # type: ignore[attr-defined]
    started: list[workers._Worker] = []

    def recorded(cls: type[workers._Worker], *args: object) -> workers._Worker:
        started.append(real(cls, *args))
        return started[-1]

    monkeypatch.setattr(workers._Worker, "start", classmethod(recorded))
    with Pool[str, float, float](math.sqrt, workers=2, timeout=10) as pool:
        pool.prestart()
        pool.submit("a", 16.0)
        pool.submit("b", 25.0)
        assert dict(pool.drain()) == {"a": 4.0, "b": 5.0}
    # Both were started in the background, and both end with the pool, used or not.
    assert len(started) == 2 and not any(w.proc.is_alive() for w in started)


def test_a_worker_prestart_could_not_start_is_started_when_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = workers._Worker.start.__func__  # type: ignore[attr-defined]
    calls = []

    def flaky(cls: type[workers._Worker], *args: object) -> workers._Worker:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise OSError("no more processes")
        return real(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(workers._Worker, "start", classmethod(flaky))
    with Pool[str, float, float](math.sqrt, workers=2, timeout=10) as pool:
        pool.prestart()
        results = {k: pool.submit(k, v) for k, v in (("a", 4.0), ("b", 9.0), ("c", 16.0))}
        assert dict(pool.drain()) == {"a": 2.0, "b": 3.0, "c": 4.0} and len(results) == 3
    assert len(calls) == 3  # two in the background (one failed), one when a job needed it


def test_pool_streams_submissions_and_results() -> None:
    with Pool[str, float, float](math.sqrt, workers=2, timeout=10) as pool:
        pool.submit("a", 16.0)
        first = dict(pool.drain())
        pool.submit("b", 25.0)
        pool.submit("c", 36.0)
        assert pool.pending == 2
        rest = dict(pool.drain())
    assert first == {"a": 4.0} and rest == {"b": 5.0, "c": 6.0}


def test_time_limit_interrupts_and_restores_the_previous_timer() -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded), time_limit(0.2):
        while True:
            pass
    assert time.monotonic() - started < 1
    with time_limit(5):
        pass  # no alarm afterwards: the next statement runs undisturbed
    time.sleep(0.3)


def _jobs(bodies: list[bytes]) -> list[ParseJob]:
    headers = {"content-type": "application/rss+xml"}
    return [(body, f"https://example.org/feed{i}.xml", headers, "blog", 500)
            for i, body in enumerate(bodies)]  # fmt: skip


def _parse_all(parser: Parser, jobs: list[ParseJob]) -> list[ParseReply]:
    for key, job in enumerate(jobs):
        parser.submit(key, job)
    replies: dict[int, ParseReply] = {}
    try:
        while parser.pending:
            replies.update(parser.poll(0.05))
    finally:
        parser.close()
    return [replies[i] for i in range(len(jobs))]


@pytest.mark.parametrize("strategy", ["main-thread", "workers"])
def test_redos_feed_ends_as_parse_timeout_and_the_others_parse(strategy: str) -> None:
    jobs = _jobs([redos_feed(), *([GOOD] * 3)])
    parser = MainThreadParser(1.0, 2) if strategy == "main-thread" else WorkerParser(1.0, 2)
    started = time.monotonic()
    parsed = _parse_all(parser, jobs)
    elapsed = time.monotonic() - started
    assert isinstance(parsed[0], ParseError) and parsed[0].code == ErrorCode.PARSE_TIMEOUT
    assert parsed[0].url == jobs[0][1]
    assert all(isinstance(p, ParsedFeed) and p.title == "Good" for p in parsed[1:])
    assert elapsed < 1.0 + 4  # the limit, plus worker start-up and the healthy feeds


def test_feeds_are_parsed_here_unless_workers_are_asked_for() -> None:
    assert isinstance(choose_parser(1.0, 0), MainThreadParser)  # fetch.parse_workers: 0
    asked = choose_parser(1.0, 3)
    asked.close()
    assert isinstance(asked, WorkerParser) and asked.pool.size == 3


def test_the_main_thread_parses_what_lxml_reads_and_sends_feedparsers_share_away(
    worker_starts: list[object],
) -> None:
    # The ReDoS body is one only feedparser reads (an RSS author with an e-mail):
    # it goes to a worker, which is started for it; the well-formed ones do not.
    assert all(isinstance(p, ParsedFeed) for p in _parse_all(MainThreadParser(1.0, 2),
                                                             _jobs([GOOD] * 3)))  # fmt: skip
    assert worker_starts == []
    parsed = _parse_all(MainThreadParser(1.0, 1), _jobs([GOOD, redos_feed()]))
    assert isinstance(parsed[1], ParseError) and parsed[1].code == ErrorCode.PARSE_TIMEOUT
    assert len(worker_starts) == 1 and isinstance(parsed[0], ParsedFeed)


def test_a_parse_that_spins_on_the_main_thread_ends_at_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Should the fast path itself ever spin (a bug, a regex gone quadratic), the alarm
    # ends it as the feed's parse_timeout and the next body parses.
    import digest.app.stream as streaming

    real = streaming.parse_job_fast

    def spin_on_the_first(job: ParseJob) -> ParseReply | None:
        while job[1].endswith("feed0.xml"):
            pass
        return real(job)

    monkeypatch.setattr(streaming, "parse_job_fast", spin_on_the_first)
    started = time.monotonic()
    parsed = _parse_all(MainThreadParser(0.5, 1), _jobs([GOOD, GOOD]))
    assert time.monotonic() - started < 0.5 + 2
    assert isinstance(parsed[0], ParseError) and parsed[0].code == ErrorCode.PARSE_TIMEOUT
    assert isinstance(parsed[1], ParsedFeed)


def test_off_the_main_thread_a_few_feeds_still_go_to_workers() -> None:
    jobs = _jobs([redos_feed(), GOOD])
    chosen: list[Parser] = []
    out: list[ParseReply] = []

    def run() -> None:
        chosen.append(choose_parser(1.0, 0))
        chosen[0].close()
        out.extend(parse_one(job, 1.0) for job in jobs)  # no alarm here: a worker each

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(15)
    assert isinstance(chosen[0], WorkerParser)
    assert isinstance(out[0], ParseError) and out[0].code == ErrorCode.PARSE_TIMEOUT
    assert isinstance(out[1], ParsedFeed)


def test_a_parse_error_travels_from_a_worker_as_itself() -> None:
    # The worker's reply is the ParseError instance (pickled), not a (code, message)
    # pair rebuilt on this side.
    (reply,) = _parse_all(WorkerParser(5.0, 1), _jobs([b"<html><body>hi</body></html>"]))
    assert isinstance(reply, ParseError) and reply.code == ErrorCode.NOT_A_FEED
    assert reply.url == "https://example.org/feed0.xml"


def test_a_job_the_pool_killed_or_lost_becomes_the_feeds_parse_error() -> None:
    url = "https://example.org/feed.xml"
    timed_out = from_worker(Failed("timeout", "took over 2s"), url, 2.0)
    died = from_worker(Failed("died", "worker died"), url, 2.0)
    crashed = from_worker(Failed("crashed", "RuntimeError: boom"), url, 2.0)
    assert isinstance(timed_out, ParseError) and timed_out.code == ErrorCode.PARSE_TIMEOUT
    assert isinstance(died, ParseError) and died.code == ErrorCode.PARSER_CRASH
    assert isinstance(crashed, ParseError) and "RuntimeError: boom" in str(crashed)
    assert {timed_out.url, died.url, crashed.url} == {url}
    parsed = ParsedFeed(url, "Good", None, ())
    assert from_worker(parsed, url, 2.0) is parsed  # a value passes through untouched
