"""The analysis calendar: weekly statistics every Monday, the monthly analysis and ranking (with every
unit's health report and the reminder-letter drafts) on the 1st, the quarterly bulletin on the first
day of each quarter — each for the period that has just ended on Asia/Shanghai's calendar.

A run reports on the period before its calendar slot (`ctx.slot`; `ctx.now` when run by hand), so a
catch-up after downtime still closes the right period. Running twice for one period writes nothing new
unless the figures changed (app/analysis/cycle.py). One transaction per run.
"""

from __future__ import annotations

from app.analysis import cycle
from app.analysis.models import ReportKind
from app.analysis.period_reports import PERIOD_OF_KIND
from app.analysis.periods import last_complete
from app.audit.service import Actor
from scheduler.registry import Job, JobContext, register


async def _close_period(ctx: JobContext, kind: ReportKind, job: str, *, with_units: bool) -> dict[str, int]:
    period = last_complete(PERIOD_OF_KIND[kind], ctx.slot or ctx.now, ctx.settings.tz)
    async with ctx.database.sessionmaker() as session:
        _, counts = await cycle.run_period(
            session,
            kind=kind,
            period=period,
            settings=ctx.settings,
            actor=Actor.system(job),
            now=ctx.now,
            with_units=with_units,
        )
        await session.commit()
    return dict(counts)


async def weekly_statistics(ctx: JobContext) -> dict[str, int]:
    return await _close_period(ctx, ReportKind.weekly, "calendar-weekly", with_units=False)


async def monthly_analysis(ctx: JobContext) -> dict[str, int]:
    return await _close_period(ctx, ReportKind.monthly, "calendar-monthly", with_units=True)


async def quarterly_bulletin(ctx: JobContext) -> dict[str, int]:
    return await _close_period(ctx, ReportKind.quarterly, "calendar-quarterly", with_units=False)


# Just after midnight, once the week (month, quarter) being reported on is over.
register(Job(name="calendar-weekly", run=weekly_statistics, cron="15 0 * * mon"))
register(Job(name="calendar-monthly", run=monthly_analysis, cron="25 0 1 * *"))
register(Job(name="calendar-quarterly", run=quarterly_bulletin, cron="35 0 1 1,4,7,10 *"))
