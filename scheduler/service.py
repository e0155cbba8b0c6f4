"""APScheduler 3 wiring: every job in JOBS that has an interval or a calendar, in this process's memory.

The settings, and why (APScheduler 3.x semantics):
- coalesce: runs missed while the loop was blocked or the machine asleep become one run, not one each;
- max_instances=1: a run that overruns its interval is not started again beside itself in this process
  (other processes are kept out by the job's advisory lock, see app.jobs.locks);
- misfire_grace_time: an interval job's own interval (a tick later than that is dropped, the next one is
  close); calendar jobs None (run however late, once);
- calendar triggers carry the county's zone explicitly: a CronTrigger built without one uses the server's
  local zone, not the scheduler's;
- the job store is memory, so a restarted scheduler knows nothing of what it missed. Interval jobs run
  once at start and every pass handles everything due by then, so they need no history; a calendar slot
  missed while no scheduler ran is run once at start, when `job_runs` has no success for it (`catch_up`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.core.clock import utcnow
from app.core.database import Database
from app.core.settings import Settings
from app.jobs.models import Trigger
from scheduler.registry import Job
from scheduler.runner import RunResult, run_once

logger = logging.getLogger("suishoupai.scheduler")
# Calendar jobs are at most monthly, so the latest slot is always within this window.
SLOT_LOOKBACK = timedelta(days=32)


def trigger_for(job: Job, tz: ZoneInfo) -> BaseTrigger | None:
    if job.every_seconds is not None:
        return IntervalTrigger(seconds=job.every_seconds, timezone=tz)
    if job.cron is not None:
        day_of_week = job.cron.split()[-1]
        if any(ch.isdigit() for ch in day_of_week):
            raise ValueError(
                f"job {job.name!r}: name the weekdays (mon…sun), APScheduler 3 counts from Monday"
            )
        return CronTrigger.from_crontab(job.cron, timezone=tz)
    return None


def job_options(job: Job) -> dict[str, Any]:
    grace = job.every_seconds if job.every_seconds is not None else None
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": grace}


def latest_slot(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The most recent fire time at or before `now` (APScheduler 3 only looks forward)."""
    slot = None
    fire = trigger.get_next_fire_time(None, now - SLOT_LOOKBACK)
    while fire is not None and fire <= now:
        slot = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return slot


class Scheduler:
    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        jobs: Mapping[str, Job] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if jobs is None:
            from scheduler.jobs import JOBS

            jobs = JOBS
        self.database = database
        self.settings = settings
        self.clock = clock
        self.jobs = dict(jobs)
        self.triggers = {
            name: trigger for name, job in self.jobs.items() if (trigger := trigger_for(job, settings.tz))
        }
        self.aps = AsyncIOScheduler(timezone=settings.tz)
        self._running: set[asyncio.Task[Any]] = set()
        self._catch_up: asyncio.Task[list[RunResult]] | None = None

    def start(self) -> None:
        """Start on the running event loop: interval jobs at once, calendar jobs at their next slot."""
        now = self.clock()
        for name, trigger in self.triggers.items():
            first = now if self.jobs[name].every_seconds is not None else None
            self.aps.add_job(
                self._tick,
                trigger,
                args=[name],
                id=name,
                name=name,
                **job_options(self.jobs[name]),
                **({"next_run_time": first} if first is not None else {}),
            )
        self.aps.start()
        self._catch_up = asyncio.create_task(self.catch_up())
        logger.info("scheduler started", extra={"jobs": sorted(self.triggers)})

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking new runs, give running ones `grace_seconds` to finish, cancel the rest."""
        if not self.aps.running:
            return
        self.aps.pause()
        pending = {t for t in self._running if not t.done()}
        if self._catch_up is not None and not self._catch_up.done():
            pending.add(self._catch_up)
        if pending:
            await asyncio.wait(pending, timeout=grace_seconds)
        self.aps.shutdown(wait=False)  # cancels what is still running (each records "cancelled")
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
        still = {t for t in pending if not t.done()}
        if still:
            await asyncio.wait(still, timeout=2)
        await asyncio.sleep(0)  # let the shutdown scheduled on the loop run
        logger.info("scheduler stopped")

    async def catch_up(self) -> list[RunResult]:
        """Run once the latest slot of each calendar job that no run has done (a 3-day outage: once)."""
        results = []
        for name, trigger in self.triggers.items():
            job = self.jobs[name]
            if job.cron is None:
                continue
            now = self.clock()
            slot = latest_slot(trigger, now)
            if slot is None:
                continue
            try:
                results.append(await self._run(job, now, Trigger.catch_up, slot))
            except Exception:  # the database may be down at start; the next slot comes anyway
                logger.exception("calendar catch-up failed", extra={"job": name})
        return results

    async def _tick(self, name: str) -> None:
        job = self.jobs[name]
        now = self.clock()
        slot = latest_slot(self.triggers[name], now) if job.cron is not None else None
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self._run(job, now, Trigger.schedule, slot)
        except Exception:  # recording the run itself failed (database unreachable): log, try next tick
            logger.exception("job could not run", extra={"job": name})
        finally:
            if task is not None:
                self._running.discard(task)

    async def _run(self, job: Job, now: datetime, trigger: Trigger, slot: datetime | None) -> RunResult:
        return await run_once(
            job, database=self.database, settings=self.settings, now=now, trigger=trigger, slot=slot
        )
