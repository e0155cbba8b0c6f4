"""The SLA clocks as jobs: `sla-scan` climbs the ladder, `sla-remind` warns before deadlines,
`rating-followup` asks for a rating and closes what nobody rated.

Each pass handles everything due at `now`, however long the scheduler was away, so a stopped scheduler
catches up in one pass. Each batch is its own transaction (a failure loses at most one batch, and
nothing twice: the claims in `sla_rungs` are committed with their effects).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from app.sla import repository
from app.sla import service as sla_service
from app.sla.ladder import Rung
from scheduler.registry import Job, JobContext, register

BATCH = 500
# A pass stops after this many batches per step (250,000 reports); the next pass goes on from there.
MAX_BATCHES = 500

Step = Callable[[AsyncSession], Awaitable[sla_service.StepResult]]


async def _drain(ctx: JobContext, step: Step, totals: Counter[str]) -> None:
    for _ in range(MAX_BATCHES):
        async with ctx.database.sessionmaker() as session:
            result = await step(session)
            await session.commit()
        totals.update(result.counts)
        if result.picked < BATCH or not result.progressed:
            return


async def _climb(ctx: JobContext, rungs: tuple[Rung, ...], totals: Counter[str]) -> None:
    async with ctx.database.sessionmaker() as session:
        groups = await repository.policy_groups(session)
    for rung in rungs:
        totals[rung.value] += 0  # name every step in the counts, done or not

        async def step(session: AsyncSession, rung: Rung = rung) -> sla_service.StepResult:
            return await sla_service.advance(session, rung, now=ctx.now, groups=groups, limit=BATCH)

        await _drain(ctx, step, totals)


async def sla_scan(ctx: JobContext) -> dict[str, int]:
    # Ladder order: each rung sees what the one below wrote in this pass (the town rung's escalation).
    totals: Counter[str] = Counter(notified=0)
    await _climb(ctx, (Rung.respond, Rung.town, Rung.county), totals)
    return dict(totals)


async def sla_remind(ctx: JobContext) -> dict[str, int]:
    totals: Counter[str] = Counter(notified=0)
    await _climb(ctx, (Rung.remind_respond, Rung.remind_resolve), totals)
    return dict(totals)


async def rating_followup(ctx: JobContext) -> dict[str, int]:
    totals: Counter[str] = Counter(notified=0, closed=0)
    await _climb(ctx, (Rung.rating_request,), totals)

    async def close(session: AsyncSession) -> sla_service.StepResult:
        return await sla_service.close_unrated(session, now=ctx.now, tz=ctx.settings.tz, limit=BATCH)

    await _drain(ctx, close, totals)
    return dict(totals)


register(Job(name="sla-scan", run=sla_scan, every_seconds=60))
register(Job(name="sla-remind", run=sla_remind, every_seconds=60))
register(Job(name="rating-followup", run=rating_followup, every_seconds=600))
