"""Period reports (周统计 / 月度分析排名 / 季度通报): stored once per content, versioned, announced.

`store` writes version n+1 of a period's report only when its figures differ from version n (same
period, same content → no new version), so a job that runs twice, or a catch-up after a run, never adds
a duplicate. Versions of one period are serialised by a transaction-level advisory lock on PostgreSQL;
the unique (kind, period_key, version) backs it up. Rows are never updated (see models.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.models import REPORT_KIND_LABELS, GeneratedBy, PeriodReport, ReportKind
from app.analysis.periods import Period, PeriodKind
from app.analysis.snapshot import Analysis
from app.areas.models import Area
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import NotFound
from app.jobs.locks import lock_key
from app.notifications import service as notifications
from app.notifications.kinds import Kind
from app.people.models import Role, StaffAccount

PERIOD_OF_KIND = {
    ReportKind.weekly: PeriodKind.week,
    ReportKind.monthly: PeriodKind.month,
    ReportKind.quarterly: PeriodKind.quarter,
}
KIND_OF_PERIOD = {period: kind for kind, period in PERIOD_OF_KIND.items()}


def content_hash(content: Any) -> str:
    """sha256 of canonical JSON (sorted keys, no spaces): equal figures, equal hash."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def analysis_hash(data: dict[str, Any]) -> str:
    # When it was computed is not part of what it says.
    return content_hash({k: v for k, v in data.items() if k != "as_of"})


def report_title(kind: ReportKind, period: Period) -> str:
    return f"{period.label}{REPORT_KIND_LABELS[kind]}"


async def serialise_versions(session: AsyncSession, name: str) -> None:
    """Hold a transaction-level lock on `name` (PostgreSQL) so two writers cannot pick the same version."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(lock_key(name))))


async def latest(session: AsyncSession, *, kind: ReportKind, period_key: str) -> PeriodReport | None:
    return await session.scalar(
        select(PeriodReport)
        .where(PeriodReport.kind == kind.value, PeriodReport.period_key == period_key)
        .order_by(PeriodReport.version.desc())
        .limit(1)
    )


async def store(
    session: AsyncSession, *, kind: ReportKind, analysis: Analysis, actor: Actor, now: datetime
) -> tuple[PeriodReport, bool]:
    """(the period's latest report, whether this call wrote it)."""
    if PERIOD_OF_KIND[kind] is not analysis.period.kind:
        raise ValueError(f"a {kind} report needs a {PERIOD_OF_KIND[kind]} period")
    period = analysis.period
    await serialise_versions(session, f"period_report:{kind.value}:{period.key}")
    data = analysis.to_json()
    digest = analysis_hash(data)
    current = await latest(session, kind=kind, period_key=period.key)
    if current is not None and current.content_hash == digest:
        return current, False
    report = PeriodReport(
        kind=kind.value,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        version=(current.version + 1) if current else 1,
        generated_at=now,
        generated_by=GeneratedBy.staff.value if actor.kind == "staff" else GeneratedBy.job.value,
        generated_by_staff_id=actor.id if actor.kind == "staff" else None,
        analysis=data,
        content_hash=digest,
    )
    session.add(report)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="period_report.generate",
        target_type="period_report",
        target_id=report.id,
        at=now,
        details={"kind": kind.value, "period": period.key, "version": report.version},
    )
    return report, True


async def announce(session: AsyncSession, *, report: PeriodReport, county_name: str, now: datetime) -> int:
    """An outbox row to every active county and town supervisor; returns how many were written."""
    kind = ReportKind(report.kind)
    period = Period(PERIOD_OF_KIND[kind], report.period_start, report.period_end)
    staff_ids = await session.scalars(
        select(StaffAccount.id)
        .join(Area, Area.id == StaffAccount.area_id)
        .where(
            StaffAccount.role == Role.supervisor.value,
            StaffAccount.is_active.is_(True),
            Area.level.in_(("county", "town")),
        )
        .order_by(StaffAccount.id)
    )
    written = 0
    for staff_id in staff_ids:
        written += await notifications.enqueue(
            session,
            kind=Kind.period_report,
            dedupe_key=f"period_report:{report.id}:s{staff_id}",
            now=now,
            payload={
                "title": report_title(kind, period),
                "unit": county_name,
                "time": now.isoformat(),
                "note": f"第{report.version}版已生成，请登录工作台查看",
                "period_report_id": report.id,
            },
            staff_id=staff_id,
        )
    return written


async def list_reports(
    session: AsyncSession,
    *,
    kind: ReportKind | None = None,
    period_key: str | None = None,
    latest_only: bool = False,
    limit: int = 100,
) -> Sequence[PeriodReport]:
    conditions: list[ColumnElement[bool]] = [true()]
    if kind is not None:
        conditions.append(PeriodReport.kind == kind.value)
    if period_key:
        conditions.append(PeriodReport.period_key == period_key)
    if latest_only:
        newest = (
            select(PeriodReport.kind, PeriodReport.period_key, func.max(PeriodReport.version).label("v"))
            .group_by(PeriodReport.kind, PeriodReport.period_key)
            .subquery()
        )
        stmt = select(PeriodReport).join(
            newest,
            (newest.c.kind == PeriodReport.kind)
            & (newest.c.period_key == PeriodReport.period_key)
            & (newest.c.v == PeriodReport.version),
        )
    else:
        stmt = select(PeriodReport)
    stmt = stmt.where(*conditions).order_by(PeriodReport.period_start.desc(), PeriodReport.version.desc())
    return (await session.scalars(stmt.limit(limit))).all()


async def get(session: AsyncSession, report_id: int) -> PeriodReport:
    report = await session.get(PeriodReport, report_id)
    if report is None:
        raise NotFound("统计通报不存在", field="report_id")
    return report
