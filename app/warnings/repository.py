"""The warnings' queries: candidate reports for each detector (only the window, only the fields needed,
pre-grouped in SQL so Python compares pairs in small groups only), and the warnings themselves."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, RowMapping, and_, case, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.people.models import Role
from app.people.scope import StaffScope
from app.reports.models import Report
from app.warnings.clusters import Candidate
from app.warnings.models import EarlyWarning, WarningReport

WEEK = timedelta(days=7)
# Praise (好人好事, 志愿服务) is never a warning.
_WARNABLE = Report.kind != "praise"
_COLUMNS = (
    Report.id,
    Report.category_id,
    Report.town_id,
    Report.village_id,
    Report.submitted_at,
    Report.reporter_villager_id,
    Report.reporter_staff_id,
    Report.lat,
    Report.lng,
    Report.coord_system,
)
_LOCATED = and_(Report.lat.is_not(None), Report.lng.is_not(None))


def _window(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Report.submitted_at >= since, Report.submitted_at <= until, _WARNABLE)


def _candidate(m: RowMapping, description: str = "") -> Candidate:
    return Candidate(
        id=m[Report.id],
        category_id=m[Report.category_id],
        town_id=m[Report.town_id],
        village_id=m[Report.village_id],
        submitted_at=m[Report.submitted_at],
        villager_id=m[Report.reporter_villager_id],
        staff_id=m[Report.reporter_staff_id],
        lat=m[Report.lat],
        lng=m[Report.lng],
        coord_system=m[Report.coord_system],
        description=description,
    )


async def repeat_by_reporter(
    session: AsyncSession, *, since: datetime, until: datetime, minimum: int
) -> list[Candidate]:
    """Reports of the villager-category pairs that reached `minimum` in the window."""
    pairs = (
        select(Report.reporter_villager_id.label("villager_id"), Report.category_id.label("category_id"))
        .where(_window(since, until), Report.reporter_villager_id.is_not(None))
        .group_by(Report.reporter_villager_id, Report.category_id)
        .having(func.count() >= minimum)
        .subquery()
    )
    stmt = (
        select(*_COLUMNS)
        .join(
            pairs,
            and_(
                pairs.c.villager_id == Report.reporter_villager_id, pairs.c.category_id == Report.category_id
            ),
        )
        .where(_window(since, until))
        .order_by(Report.id)
    )
    return [_candidate(r) for r in (await session.execute(stmt)).mappings().all()]


async def repeat_by_place(
    session: AsyncSession, *, since: datetime, until: datetime, minimum: int
) -> list[Candidate]:
    """Located reports in the window, of the categories with at least `minimum` of them."""
    categories = (
        select(Report.category_id)
        .where(_window(since, until), _LOCATED)
        .group_by(Report.category_id)
        .having(func.count() >= minimum)
    )
    stmt = (
        select(*_COLUMNS)
        .where(_window(since, until), _LOCATED, Report.category_id.in_(categories))
        .order_by(Report.id)
    )
    return [_candidate(r) for r in (await session.execute(stmt)).mappings().all()]


async def concentrated(
    session: AsyncSession, *, since: datetime, until: datetime, minimum: int
) -> list[Candidate]:
    """Reports in the window, with their text, of the categories with at least `minimum` of them.

    Grouped by category rather than village: the radius test links reports across village borders, and
    a village with fewer than `minimum` reports may still hold part of such a cluster.
    """
    categories = (
        select(Report.category_id)
        .where(_window(since, until))
        .group_by(Report.category_id)
        .having(func.count() >= minimum)
    )
    stmt = (
        select(*_COLUMNS, Report.description)
        .where(_window(since, until), Report.category_id.in_(categories))
        .order_by(Report.id)
    )
    return [_candidate(r, r[Report.description]) for r in (await session.execute(stmt)).mappings().all()]


async def trailing_weeks(session: AsyncSession, *, recent_start: datetime, weeks: int) -> int:
    """How many of the `weeks` before `recent_start` lie after the ledger's first report."""
    first = await session.scalar(select(func.min(Report.submitted_at)).where(_WARNABLE))
    if first is None or first >= recent_start:
        return 0
    return min(weeks, math.floor((recent_start - first) / WEEK))


async def weekly_counts(
    session: AsyncSession, *, recent_start: datetime, until: datetime, weeks: int
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Counts per (town, category): the recent week, and the `weeks` weeks before it together."""
    is_recent = Report.submitted_at >= recent_start
    stmt = (
        select(
            Report.town_id,
            Report.category_id,
            func.sum(case((is_recent, 1), else_=0)),
            func.sum(case((is_recent, 0), else_=1)),
        )
        .where(_window(recent_start - weeks * WEEK, until))
        .group_by(Report.town_id, Report.category_id)
    )
    recent: dict[tuple[int, int], int] = {}
    trailing: dict[tuple[int, int], int] = {}
    for town, category, n_recent, n_trailing in (await session.execute(stmt)).all():
        if n_recent:
            recent[(town, category)] = int(n_recent)
        if n_trailing:
            trailing[(town, category)] = int(n_trailing)
    return recent, trailing


async def recent_of_categories(
    session: AsyncSession, *, since: datetime, until: datetime, categories: Iterable[int]
) -> list[Candidate]:
    wanted = sorted(set(categories))
    if not wanted:
        return []
    stmt = select(*_COLUMNS).where(_window(since, until), Report.category_id.in_(wanted)).order_by(Report.id)
    return [_candidate(r) for r in (await session.execute(stmt)).mappings().all()]


async def county_id(session: AsyncSession) -> int | None:
    return await session.scalar(select(Area.id).where(Area.level == "county").order_by(Area.id).limit(1))


async def linked(
    session: AsyncSession, *, key: tuple[str, str, int, str], report_ids: Iterable[int]
) -> list[tuple[int, int, str]]:
    """(warning id, report id, status) of the warnings with this key that list any of these reports."""
    kind, basis, category_id, subject = key
    stmt = (
        select(EarlyWarning.id, WarningReport.report_id, EarlyWarning.status)
        .join(WarningReport, WarningReport.warning_id == EarlyWarning.id)
        .where(
            EarlyWarning.kind == kind,
            EarlyWarning.basis == basis,
            EarlyWarning.category_id == category_id,
            EarlyWarning.subject == subject,
            WarningReport.report_id.in_(sorted(set(report_ids))),
        )
    )
    return [(w, r, status) for w, r, status in (await session.execute(stmt)).all()]


async def reporter_count(session: AsyncSession, *, warning_id: int) -> int:
    """Distinct filers of a warning's reports (one with no known filer counts as one of its own)."""
    listed = and_(WarningReport.warning_id == warning_id, WarningReport.report_id == Report.id)
    villagers, staff, unknown = (
        await session.execute(
            select(
                func.count(Report.reporter_villager_id.distinct()),
                func.count(Report.reporter_staff_id.distinct()),
                func.count(
                    case((and_(Report.reporter_villager_id.is_(None), Report.reporter_staff_id.is_(None)), 1))
                ),
            )
            .select_from(Report)
            .join(WarningReport, listed)
        )
    ).one()
    return int(villagers) + int(staff) + int(unknown)


def scope_condition(scope: StaffScope) -> ColumnElement[bool]:
    """The warnings a staff member may see: admins all; supervisors and secretaries their area's."""
    if scope.role is Role.admin:
        return true()
    if scope.role not in (Role.supervisor, Role.village_secretary):
        return false()
    return area_condition(scope.area_level, scope.area_id)


def area_condition(level: str, area_id: int) -> ColumnElement[bool]:
    """Warnings inside one area (one spanning several villages is the town's, not any village's)."""
    if level == "county":
        return true()
    if level == "town":
        return EarlyWarning.town_id == area_id
    if level == "village":
        return EarlyWarning.village_id == area_id
    return false()
