"""Run one job once: take its lock, record the run, call it, record how it ended.

The scheduler and `suishoupai job run` both come through here, so every run is in `job_runs`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from app.core.clock import utcnow
from app.core.database import Database
from app.core.settings import Settings
from app.jobs import locks
from app.jobs import service as runs
from app.jobs.models import Outcome, Trigger
from scheduler.registry import Job, JobContext

logger = logging.getLogger("suishoupai.scheduler")


@dataclass(slots=True)
class RunResult:
    outcome: Outcome
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    run_id: int | None = None


async def run_once(
    job: Job,
    *,
    database: Database,
    settings: Settings,
    now: datetime,
    trigger: Trigger = Trigger.cli,
    slot: datetime | None = None,
) -> RunResult:
    async with locks.exclusive(database, f"job:{job.name}") as held:
        if not held:
            return await _skipped(database, job, trigger, now, slot, "another instance is running this job")
        async with database.sessionmaker() as session:
            if locks.supports_locks(database):
                await runs.abandon_running(session, job=job.name, now=utcnow())
            if slot is not None and await runs.slot_done(session, job=job.name, slot_at=slot):
                await session.commit()
                return await _skipped(database, job, trigger, now, slot, "this calendar slot is already done")
            run = await runs.start(
                session, job=job.name, trigger=trigger, as_of=now, slot_at=slot, started_at=utcnow()
            )
            await session.commit()
            run_id = run.id
        try:
            counts = await job.run(JobContext(database=database, settings=settings, now=now, slot=slot))
        except asyncio.CancelledError:
            # The scheduler is stopping mid-run: say so, then let the cancellation through.
            await asyncio.shield(
                _finish(database, run_id, Outcome.failed, {}, "cancelled: scheduler stopped")
            )
            raise
        except Exception as exc:  # any failure of the job is recorded; the scheduler keeps going
            logger.exception("job failed", extra={"job": job.name, "run_id": run_id})
            error = f"{type(exc).__name__}: {exc}"
            await _finish(database, run_id, Outcome.failed, {}, error)
            return RunResult(Outcome.failed, {}, error, run_id)
        counts = {k: int(v) for k, v in (counts or {}).items()}
        await _finish(database, run_id, Outcome.succeeded, counts, None)
        if any(counts.values()):
            logger.info("job ran", extra={"job": job.name, "run_id": run_id, "counts": counts})
        return RunResult(Outcome.succeeded, counts, None, run_id)


async def _finish(
    database: Database, run_id: int, outcome: Outcome, counts: dict[str, int], error: str | None
) -> None:
    async with database.sessionmaker() as session:
        await runs.finish(
            session, run_id=run_id, outcome=outcome, finished_at=utcnow(), counts=counts, error=error
        )
        await session.commit()


async def _skipped(
    database: Database, job: Job, trigger: Trigger, now: datetime, slot: datetime | None, why: str
) -> RunResult:
    async with database.sessionmaker() as session:
        run = await runs.start(
            session,
            job=job.name,
            trigger=trigger,
            as_of=now,
            slot_at=slot,
            started_at=utcnow(),
            outcome=Outcome.skipped,
            error=why,
        )
        await session.commit()
        return RunResult(Outcome.skipped, {}, why, run.id)
