"""Health reports (体检报告): each town, village, department and handler, each period — its indicators, its
rank among its peers, the change since the previous period, and its open overdue items at generation.

Towns, villages and departments are ranked county-wide (the Analysis's rankings); handlers among the
handlers of their own village. Versioned like period reports: a unit gets a new version only when its
content changed, so a re-run writes nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.indicators import Indicators, UnitKind
from app.analysis.models import GeneratedBy, HealthReport, HealthUnit, PeriodReport, ReportKind
from app.analysis.period_reports import content_hash, serialise_versions
from app.analysis.snapshot import Analysis, RankedUnit, ranking_of
from app.analysis.units import Place, places
from app.audit.service import Actor
from app.core.errors import NotFound
from app.notifications import service as notifications
from app.notifications.kinds import Kind
from app.people.models import Role, StaffAccount
from app.reports.models import Report
from app.reports.repository import overdue_condition

HEALTH_KINDS = (UnitKind.town, UnitKind.village, UnitKind.department, UnitKind.handler)
# Figures whose change since the previous period the report shows.
CHANGED = (
    "received",
    "resolved",
    "overdue_open",
    "responded_in_time_rate",
    "on_time_rate",
    "satisfaction_rate",
    "key_supervision_rate",
    "reopen_rate",
)
MAX_OVERDUE_LISTED = 200
_UNIT_COLUMN = {
    UnitKind.town: Report.town_id,
    UnitKind.village: Report.village_id,
    UnitKind.department: Report.department_id,
    UnitKind.handler: Report.assignee_staff_id,
}


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int | None
    peers: int
    previous_rank: int | None


async def overdue_items(
    session: AsyncSession, *, now: datetime
) -> dict[tuple[UnitKind, int], list[dict[str, Any]]]:
    """Open reports past their limit at `now`, listed under each unit they belong to."""
    rows = await session.execute(
        select(
            Report.id,
            Report.ledger_no,
            Report.status,
            func.coalesce(Report.resolve_due_at, Report.respond_due_at),
            Report.town_id,
            Report.village_id,
            Report.department_id,
            Report.assignee_staff_id,
        )
        .where(overdue_condition(now))
        .order_by(Report.id)
    )
    found: dict[tuple[UnitKind, int], list[dict[str, Any]]] = defaultdict(list)
    for report_id, ledger_no, status, due, town, village, dept, assignee in rows.all():
        item = {
            "report_id": report_id,
            "ledger_no": ledger_no,
            "status": status,
            "due_at": due.isoformat() if due else None,
        }
        for kind, unit_id in (
            (UnitKind.town, town),
            (UnitKind.village, village),
            (UnitKind.department, dept),
            (UnitKind.handler, assignee),
        ):
            if unit_id is not None:
                found[(kind, unit_id)].append(item)
    return found


def _standings(
    analysis: Analysis, where: dict[tuple[UnitKind, int], Place]
) -> dict[tuple[UnitKind, int], Standing]:
    found: dict[tuple[UnitKind, int], Standing] = {}
    for kind in (UnitKind.town, UnitKind.village, UnitKind.department):
        now = analysis.current.rankings.get(kind, [])
        before = {r.unit_id: r.rank for r in analysis.previous.rankings.get(kind, [])}
        for r in now:
            found[(kind, r.unit_id)] = Standing(r.rank, len(now), before.get(r.unit_id))
    # Handlers against the handlers of their own village.
    for figures, slot in ((analysis.current, "now"), (analysis.previous, "before")):
        by_village: dict[int | None, list[Indicators]] = defaultdict(list)
        for u in figures.units.get(UnitKind.handler, []):
            by_village[where.get((UnitKind.handler, u.unit_id), Place(None, None)).village_id].append(u)
        for rows in by_village.values():
            ranked: list[RankedUnit] = ranking_of(rows)
            for r in ranked:
                key = (UnitKind.handler, r.unit_id)
                if slot == "now":
                    found[key] = Standing(r.rank, len(ranked), None)
                elif key in found:
                    found[key] = Standing(found[key].rank, found[key].peers, r.rank)
    return found


def _changes(now: dict[str, Any], before: dict[str, Any] | None, standing: Standing) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in CHANGED:
        a, b = now.get(name), (before or {}).get(name)
        changes[name] = None if a is None or b is None else round(a - b, 6)
    changes["previous_rank"] = standing.previous_rank
    # Positive: climbed (rank 5 → rank 2 is +3).
    changes["rank"] = (
        None
        if standing.rank is None or standing.previous_rank is None
        else standing.previous_rank - standing.rank
    )
    return changes


async def _latest_hashes(
    session: AsyncSession, *, kind: ReportKind, period_key: str
) -> dict[tuple[str, int], tuple[int, str]]:
    rows = await session.execute(
        select(
            HealthReport.unit_kind, HealthReport.unit_id, HealthReport.version, HealthReport.content_hash
        ).where(HealthReport.period_kind == kind.value, HealthReport.period_key == period_key)
    )
    found: dict[tuple[str, int], tuple[int, str]] = {}
    for unit_kind, unit_id, version, digest in rows.all():
        if (unit_kind, unit_id) not in found or found[(unit_kind, unit_id)][0] < version:
            found[(unit_kind, unit_id)] = (version, digest)
    return found


async def generate(
    session: AsyncSession,
    *,
    kind: ReportKind,
    analysis: Analysis,
    period_report: PeriodReport | None,
    actor: Actor,
    now: datetime,
) -> list[HealthReport]:
    """Every unit's health report for the period; returns the versions written by this call."""
    period = analysis.period
    await serialise_versions(session, f"health_report:{kind.value}:{period.key}")
    where = await places(session)
    standings = _standings(analysis, where)
    overdue = await overdue_items(session, now=now)
    known = await _latest_hashes(session, kind=kind, period_key=period.key)
    written: list[HealthReport] = []
    for unit_kind in HEALTH_KINDS:
        for unit in analysis.current.units.get(unit_kind, []):
            before = analysis.previous.unit(unit_kind, unit.unit_id)
            standing = standings.get((unit_kind, unit.unit_id), Standing(None, 0, None))
            indicators = unit.to_dict()
            previous = before.to_dict() if before else None
            items = overdue.get((unit_kind, unit.unit_id), [])
            content = {
                "indicators": indicators,
                "previous": previous,
                "changes": _changes(indicators, previous, standing),
                "rank": standing.rank,
                "peers": standing.peers,
                "overdue": items[:MAX_OVERDUE_LISTED],
            }
            digest = content_hash(content)
            version, old = known.get((unit_kind.value, unit.unit_id), (0, None))
            if old == digest:
                continue
            place = where.get((unit_kind, unit.unit_id), Place(None, None))
            row = HealthReport(
                period_kind=kind.value,
                period_key=period.key,
                unit_kind=unit_kind.value,
                unit_id=unit.unit_id,
                unit_name=unit.unit_name,
                town_id=place.town_id,
                village_id=place.village_id,
                version=version + 1,
                generated_at=now,
                generated_by=GeneratedBy.staff.value if actor.kind == "staff" else GeneratedBy.job.value,
                generated_by_staff_id=actor.id if actor.kind == "staff" else None,
                period_report_id=period_report.id if period_report else None,
                content_hash=digest,
                **content,
            )
            session.add(row)
            written.append(row)
    await session.flush()
    return written


def _recipients_condition(report: HealthReport) -> ColumnElement[bool]:
    active = StaffAccount.is_active.is_(True)
    unit = HealthUnit(report.unit_kind)
    if unit is HealthUnit.town:
        return and_(
            active, StaffAccount.role == Role.supervisor.value, StaffAccount.area_id == report.unit_id
        )
    if unit is HealthUnit.village:
        return and_(
            active,
            StaffAccount.role.in_((Role.village_secretary.value, Role.intake_cadre.value)),
            StaffAccount.area_id == report.unit_id,
        )
    if unit is HealthUnit.department:
        return and_(
            active,
            StaffAccount.role == Role.department_staff.value,
            StaffAccount.department_id == report.unit_id,
        )
    return and_(active, StaffAccount.id == report.unit_id)


async def announce(
    session: AsyncSession, *, reports: Sequence[HealthReport], title: str, now: datetime
) -> int:
    """An outbox row to each unit's staff (town supervisors, the village's secretary and cadre, the
    department's staff, the handler) for each new health report."""
    written = 0
    for report in reports:
        staff_ids = await session.scalars(select(StaffAccount.id).where(_recipients_condition(report)))
        for staff_id in staff_ids:
            written += await notifications.enqueue(
                session,
                kind=Kind.health_report,
                dedupe_key=f"health_report:{report.id}:s{staff_id}",
                now=now,
                payload={
                    "unit": report.unit_name,
                    "title": title,
                    "time": now.isoformat(),
                    "note": f"超时未办结{len(report.overdue)}件" if report.overdue else "请登录工作台查看",
                    "health_report_id": report.id,
                },
                staff_id=staff_id,
            )
    return written


async def list_reports(
    session: AsyncSession,
    *,
    scope: ColumnElement[bool],
    period_key: str | None = None,
    unit_kind: HealthUnit | None = None,
    unit_id: int | None = None,
    limit: int = 100,
) -> Sequence[HealthReport]:
    stmt = select(HealthReport).where(scope)
    if period_key:
        stmt = stmt.where(HealthReport.period_key == period_key)
    if unit_kind is not None:
        stmt = stmt.where(HealthReport.unit_kind == unit_kind.value)
    if unit_id is not None:
        stmt = stmt.where(HealthReport.unit_id == unit_id)
    order = (
        HealthReport.period_key.desc(),
        HealthReport.unit_kind,
        HealthReport.unit_id,
        HealthReport.version.desc(),
    )
    return (await session.scalars(stmt.order_by(*order).limit(limit))).all()


async def get(session: AsyncSession, *, report_id: int, scope: ColumnElement[bool]) -> HealthReport:
    report = await session.scalar(select(HealthReport).where(HealthReport.id == report_id, scope))
    if report is None:
        raise NotFound("体检报告不存在", field="report_id")
    return report
