"""The job list, kept in code (APScheduler's job stores cannot be shared between processes).

A job is an async function `(ctx: JobContext) -> dict[str, int]` that returns what it did (counts).
It must be safe to run anywhere, any number of times: it claims its own work in the database.
Run it through `scheduler.runner.run_once`, which takes the job's lock and records the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from app.core.database import Database
from app.core.settings import Settings


@dataclass(frozen=True, slots=True)
class JobContext:
    database: Database
    settings: Settings
    now: datetime
    # Calendar jobs: the scheduled fire time this run stands for (the period it closes), else None.
    slot: datetime | None = None


JobFn = Callable[[JobContext], Awaitable[dict[str, int]]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: JobFn
    # Frequent jobs run every this many seconds.
    every_seconds: int | None = None
    # Calendar jobs: a crontab line (minute hour day month day-of-week) read in the county's time zone
    # (settings.timezone, Asia/Shanghai), whatever the server's. Name weekdays (mon…sun): APScheduler 3
    # counts 0 as Monday, crontab as Sunday.
    cron: str | None = None


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    if job.name in JOBS:
        raise ValueError(f"job {job.name!r} registered twice")
    if job.every_seconds is not None and job.cron is not None:
        raise ValueError(f"job {job.name!r}: an interval or a calendar, not both")
    JOBS[job.name] = job
    return job
