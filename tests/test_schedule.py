"""`digest run`: a real APScheduler fetches due feeds from a loopback server."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from feedgen import Item, rss, write_config
from httpserver import LoopbackServer

from digest import schedule
from digest.app import drafting
from digest.config import load_config
from digest.store import Store


def test_the_daemon_ticks_fetches_and_schedules_the_weekly_draft(
    server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    server.route("/feed.xml", body=rss("F", [Item("Hello", "https://example.org/a", "Text.",
                                                  published=now)]))  # fmt: skip
    path = write_config(tmp_path, [{"name": "F", "url": server.url("/feed.xml"), "kind": "blog"}])
    db = tmp_path / "daemon.sqlite"
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule.configure(scheduler, load_config(path), path, db, clock=lambda: now)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while server.hits["/feed.xml"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        jobs = {j.id: j for j in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=True)
    assert server.hits["/feed.xml"] == 1
    assert jobs["tick"].coalesce and jobs["tick"].max_instances == 1
    assert jobs["draft"].misfire_grace_time == 3600
    assert str(jobs["draft"].trigger).startswith("cron[day_of_week='mon', hour='8', minute='0'")
    with Store.open(db) as store:
        assert store.count_entries() == 1
        # The job ran at the injected time: the feed's success is dated `now`.
        assert store.feed_health(now=now)[0].last_success_at == now


def test_the_draft_job_builds_the_draft_of_the_clocks_week(
    server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    server.route("/feed.xml", body=rss("F", [Item("Hello", "https://example.org/a", "Text.",
                                                  published=now)]))  # fmt: skip
    path = write_config(tmp_path, [{"name": "F", "url": server.url("/feed.xml"), "kind": "blog"}])
    db = tmp_path / "draft.sqlite"
    schedule.tick_job(path, db, clock=lambda: now)
    schedule.draft_job(path, db, clock=lambda: now)
    with Store.open(db) as store:
        assert store.latest_draft_key() == drafting.week_of(now)[0]


def test_a_tick_skips_quietly_while_another_run_holds_the_lease(
    server: LoopbackServer, tmp_path: Path, now: datetime
) -> None:
    server.route("/feed.xml", body=rss("F", []))
    path = write_config(tmp_path, [{"name": "F", "url": server.url("/feed.xml"), "kind": "blog"}])
    db = tmp_path / "lease.sqlite"
    from datetime import timedelta

    with Store.open(db) as store:
        store.acquire_lease("fetch", "cron:9", now=now, ttl=timedelta(minutes=5))
    schedule.tick_job(path, db, clock=lambda: now)
    assert server.hits["/feed.xml"] == 0
