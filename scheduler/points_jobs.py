"""The moral bank's jobs: the nightly reconciliation of the ledger, and the handler-pool suggestions on
the first day of each quarter (for the quarter just ended). Times are Asia/Shanghai (settings.timezone).
"""

from __future__ import annotations

import logging

from app.points import handler_pool, reconciliation
from app.points.quarters import Quarter
from scheduler.registry import Job, JobContext, register

logger = logging.getLogger("suishoupai.points")


async def reconcile(ctx: JobContext) -> dict[str, int]:
    """Counts of each kind of drift go into the run; any drift is also a warning in the log."""
    async with ctx.database.sessionmaker() as session:
        findings = await reconciliation.run(session)
        await session.rollback()
    counts = reconciliation.counts(findings)
    if findings:
        logger.warning(
            "points ledger drift",
            extra={
                "counts": counts,
                "first": [f"{f.kind} {f.target_type}:{f.target_id}" for f in findings[:20]],
            },
        )
    return counts


async def suggest_pool_changes(ctx: JobContext) -> dict[str, int]:
    quarter = Quarter.containing(ctx.slot or ctx.now, ctx.settings.tz).previous()
    async with ctx.database.sessionmaker() as session:
        written = await handler_pool.suggest(session, quarter=quarter, now=ctx.now, tz=ctx.settings.tz)
        await session.commit()
    return {"suggestions": written}


register(Job(name="points-reconcile", run=reconcile, cron="50 2 * * *"))
register(Job(name="points-pool-suggest", run=suggest_pool_changes, cron="30 1 1 1,4,7,10 *"))
