"""`digest run`: an APScheduler 3.x daemon, an adapter over the use cases. Due-ness
lives in the database (each feed's next_fetch_at), so the tick only calls
digest.app.update, as cron's `digest fetch` does once; a weekly job builds the draft.
Every step of a tick has its own deadline (per fetch, per extraction) and the fetch
lease keeps cron, the daemon and the web page from overlapping: a tick that finds
the lease taken logs it and skips. Nothing here fetches, ranks or publishes itself."""

from __future__ import annotations

import logging
from datetime import UTC
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digest.app import drafting
from digest.app.update import update
from digest.clock import Clock, system_clock
from digest.config import load_config
from digest.errors import DigestError, LeaseHeldError
from digest.store import Store
from digest.types import Config

log = logging.getLogger("digest.schedule")

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def tick_job(config_path: Path, db_path: Path, clock: Clock = system_clock) -> None:
    """Fetch due feeds and summarise new entries. The config is re-read each tick,
    so edits to feeds.yaml apply without a restart."""
    try:
        config = load_config(config_path)
        with Store.open(db_path) as store:
            result = update(store, config, now=clock())
    except LeaseHeldError as e:
        log.info("tick skipped: %s", e)
        return
    except DigestError as e:
        log.error("tick failed: %s", e)
        return
    log.info("tick: %d feeds fetched, %d failed, %d summarised", len(result.outcomes),
             result.failed, result.summarised)  # fmt: skip


def draft_job(config_path: Path, db_path: Path, clock: Clock = system_clock) -> None:
    """Build the weekly draft (decisions already made are kept)."""
    try:
        config = load_config(config_path)
        with Store.open(db_path) as store:
            draft = drafting.build_draft(store, config, now=clock())
        log.info("draft %s built", draft.key)
    except DigestError as e:
        log.error("draft build failed: %s", e)


def _listener(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        log.error("job %s raised %r", event.job_id, event.exception)


def configure(
    scheduler: BaseScheduler, config: Config, config_path: Path, db_path: Path,
    clock: Clock = system_clock,
) -> None:  # fmt: skip
    """Add the tick and weekly draft jobs: coalesced, one instance each, and a
    generous misfire grace so a laptop waking up still runs the missed work once."""
    s = config.schedule
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": s.misfire_grace_seconds,
              "args": (config_path, db_path, clock)}  # fmt: skip
    # The first tick runs at once (the scheduler's own time: it triggers the job).
    scheduler.add_job(tick_job, IntervalTrigger(minutes=s.tick_minutes), id="tick",
                      next_run_time=system_clock(), **common)  # fmt: skip
    hour, minute = (int(x) for x in s.draft_time.split(":"))
    trigger = CronTrigger(day_of_week=_DAYS[s.draft_weekday - 1], hour=hour, minute=minute,
                          timezone=UTC)  # fmt: skip
    scheduler.add_job(draft_job, trigger, id="draft", **common)
    scheduler.add_listener(_listener, EVENT_JOB_MISSED | EVENT_JOB_ERROR)


def run_daemon(
    config: Config, config_path: Path, db_path: Path, clock: Clock = system_clock
) -> None:
    scheduler = BlockingScheduler(timezone=UTC)
    configure(scheduler, config, config_path, db_path, clock)
    log.warning("digest run: ticking every %d min; Ctrl-C stops", config.schedule.tick_minutes)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
