"""Calendar jobs: the daily slot on the county's clock, and the job-run log's pruning.

The daily slot only records a run; the weekly, monthly and quarterly slots close the analysis periods
(scheduler/analysis_jobs.py). Times are Asia/Shanghai (settings.timezone).
"""

from __future__ import annotations

from app.jobs import service as runs
from scheduler.registry import Job, JobContext, register


async def calendar_slot(ctx: JobContext) -> dict[str, int]:
    return {}


async def prune_job_runs(ctx: JobContext) -> dict[str, int]:
    async with ctx.database.sessionmaker() as session:
        deleted = await runs.prune(session, now=ctx.now)
        await session.commit()
    return {"deleted": deleted}


# Just after midnight, once the day being reported on is over.
register(Job(name="calendar-daily", run=calendar_slot, cron="5 0 * * *"))
register(Job(name="job-runs-prune", run=prune_job_runs, cron="40 3 * * *"))
