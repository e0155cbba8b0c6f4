"""The job list, kept in code (APScheduler's job stores cannot be shared between processes).

A job is an async function `(ctx: JobContext) -> dict[str, int]` that returns what it did (counts).
It must be safe to run anywhere, any number of times: it claims its own work in the database.
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


JobFn = Callable[[JobContext], Awaitable[dict[str, int]]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: JobFn
    # Interval in seconds for frequent jobs; calendar jobs get a cron expression instead (scheduler issue).
    every_seconds: int | None = None
    cron: str | None = None


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    if job.name in JOBS:
        raise ValueError(f"job {job.name!r} registered twice")
    JOBS[job.name] = job
    return job
