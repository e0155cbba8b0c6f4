"""Warning bulletins (预警专报): one outbox row per supervisor for each new or grown warning.

Recipients: the supervisors of the warning's town (and of its village, where a village has one), and
every county supervisor. Written in the scan's transaction; the dedupe key names the warning and its
version, so a retried scan sends nothing twice and a grown warning sends again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.notifications import service as notifications_service
from app.notifications.kinds import Kind
from app.notifications.models import Notification
from app.people.models import Role, StaffAccount
from app.reports.models import Report
from app.warnings.models import KIND_LABELS, EarlyWarning, WarningBulletin, WarningKind, WarningReport


def dedupe_key(warning_id: int, version: int, staff_id: int) -> str:
    return f"warning_bulletin:{warning_id}:v{version}:s{staff_id}"


async def recipients(session: AsyncSession, warning: EarlyWarning) -> list[int]:
    offices = [Area.level == "county"]
    if warning.town_id is not None:
        offices.append(StaffAccount.area_id == warning.town_id)
    if warning.village_id is not None:
        offices.append(StaffAccount.area_id == warning.village_id)
    rows = await session.scalars(
        select(StaffAccount.id)
        .join(Area, Area.id == StaffAccount.area_id)
        .where(StaffAccount.role == Role.supervisor.value, StaffAccount.is_active.is_(True), or_(*offices))
        .order_by(StaffAccount.id)
    )
    return list(rows.all())


async def send(session: AsyncSession, *, warning: EarlyWarning, added: list[int], now: datetime) -> int:
    """Bulletins for the warning's current version; returns how many outbox rows were written."""
    reports = (
        await session.execute(
            select(Report.id, Report.ledger_no)
            .join(WarningReport, WarningReport.report_id == Report.id)
            .where(WarningReport.warning_id == warning.id)
            .order_by(Report.submitted_at, Report.id)
        )
    ).all()
    area = await session.get(Area, warning.area_id)
    payload = {
        "warning_id": warning.id,
        "version": warning.version,
        "kind": warning.kind,
        "kind_label": KIND_LABELS[WarningKind(warning.kind)],
        "title": warning.title,
        "area": area.name if area else "",
        "count": warning.report_count,
        "time": now.isoformat(),
        "note": "新增预警"
        if warning.version == 1
        else f"预警更新（第{warning.version}版），新增{len(added)}件",
        # Ledger numbers of the listed reports; a report never accepted (rejected at review) has none.
        "ledger_nos": [ledger_no for _, ledger_no in reports if ledger_no],
        "report_ids": [report_id for report_id, _ in reports],
        "new_report_ids": sorted(added),
    }
    staff_ids = await recipients(session, warning)
    written = 0
    for staff_id in staff_ids:
        written += await notifications_service.enqueue(
            session,
            kind=Kind.warning_bulletin,
            dedupe_key=dedupe_key(warning.id, warning.version, staff_id),
            now=now,
            payload=payload,
            staff_id=staff_id,
        )
    keys = {dedupe_key(warning.id, warning.version, s): s for s in staff_ids}
    if keys:
        found = await session.execute(
            select(Notification.dedupe_key, Notification.id).where(Notification.dedupe_key.in_(keys))
        )
        session.add_all(
            WarningBulletin(
                warning_id=warning.id,
                version=warning.version,
                staff_id=keys[key],
                notification_id=notification_id,
                written_at=now,
            )
            for key, notification_id in found.all()
        )
    return written
