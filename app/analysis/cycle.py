"""The county's rhythm: one period's analysis stored as its report, announced, and — for the monthly
analysis and ranking — every unit's health report and the reminder-letter drafts.

Called by the calendar jobs (scheduler/analysis_jobs.py) and by a supervisor regenerating a period;
everything happens in the caller's transaction. Safe to repeat: unchanged figures write nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import health, letter_drafting, period_reports
from app.analysis.models import PeriodReport, ReportKind
from app.analysis.periods import Period
from app.analysis.snapshot import analyse
from app.areas.models import Area
from app.audit.service import Actor
from app.core.settings import Settings


async def the_county(session: AsyncSession) -> Area | None:
    """The county this installation serves (the first, should a database ever hold several)."""
    return await session.scalar(select(Area).where(Area.level == "county").order_by(Area.id).limit(1))


def issuer_name(settings: Settings, county: Area) -> str:
    """Who signs the documents: ANALYSIS_ISSUER, else the county's comprehensive governance centre."""
    return settings.analysis_issuer or f"{county.name}综治中心"


def rules_of(settings: Settings) -> letter_drafting.Rules:
    return letter_drafting.Rules(
        bottom_n=settings.analysis_letter_bottom_n,
        on_time_threshold=settings.analysis_on_time_threshold,
        min_cases=settings.analysis_letter_min_cases,
    )


async def run_period(
    session: AsyncSession,
    *,
    kind: ReportKind,
    period: Period,
    settings: Settings,
    actor: Actor,
    now: datetime,
    with_units: bool = False,
) -> tuple[PeriodReport | None, Counter[str]]:
    """(the period's latest report, what was written); (None, …) when there is no county yet."""
    counts: Counter[str] = Counter(reports=0, announced=0)
    county = await the_county(session)
    if county is None:
        return None, counts
    tz: ZoneInfo = settings.tz
    analysis = await analyse(session, period, tz=tz, as_of=now, county_id=county.id)
    report, created = await period_reports.store(session, kind=kind, analysis=analysis, actor=actor, now=now)
    if created:
        counts["reports"] += 1
        counts["announced"] += await period_reports.announce(
            session, report=report, county_name=county.name, now=now
        )
    if with_units:
        written = await health.generate(
            session, kind=kind, analysis=analysis, period_report=report, actor=actor, now=now
        )
        counts["health_reports"] += len(written)
        counts["health_announced"] += await health.announce(
            session, reports=written, title=f"{period.label}体检报告", now=now
        )
        drafted = await letter_drafting.draft_for_period(
            session,
            kind=kind,
            analysis=analysis,
            rules=rules_of(settings),
            issuer=issuer_name(settings, county),
            actor=actor,
            now=now,
        )
        counts["letters_drafted"] += len(drafted)
    return report, counts
