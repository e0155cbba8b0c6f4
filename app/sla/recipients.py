"""Who holds which office for a batch of reports: one query for the whole batch, then lookups in memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.people.models import Role, StaffAccount
from app.sla.notices import Audience
from app.sla.repository import DueReport


class Directory:
    def __init__(self) -> None:
        self.cadres: dict[int, list[int]] = defaultdict(list)
        self.secretaries: dict[int, list[int]] = defaultdict(list)
        self.town_supervisors: dict[int, list[int]] = defaultdict(list)
        self.county_supervisors: list[int] = []
        self.department_staff: dict[int, list[int]] = defaultdict(list)
        self.team_handlers: dict[tuple[int, str], list[int]] = defaultdict(list)

    def staff_for(self, audience: Audience, report: DueReport) -> list[int]:
        if audience is Audience.intake_cadres:
            return self.cadres[report.village_id]
        if audience is Audience.village_secretary:
            return self.secretaries[report.village_id]
        if audience is Audience.town_supervisors:
            return self.town_supervisors[report.town_id]
        if audience is Audience.county_supervisors:
            return self.county_supervisors
        if audience is Audience.department_staff:
            return self.department_staff[report.department_id] if report.department_id else []
        if audience is Audience.holders:
            return self.holders(report)
        return []

    def holders(self, report: DueReport) -> list[int]:
        """Whoever has the report in hand, most specific first."""
        if report.assignee_staff_id is not None:
            return [report.assignee_staff_id]
        if report.assignee_team is not None:
            return self.team_handlers[(report.village_id, report.assignee_team)]
        if report.department_id is not None:
            return self.department_staff[report.department_id]
        return self.cadres[report.village_id]


async def load(
    session: AsyncSession, reports: Sequence[DueReport], audiences: Iterable[Audience]
) -> Directory:
    wanted = set(audiences)
    directory = Directory()
    if not reports or wanted <= {Audience.reporter}:
        return directory
    villages = {r.village_id for r in reports}
    towns = {r.town_id for r in reports}
    departments = {r.department_id for r in reports if r.department_id is not None}
    teams = {r.assignee_team for r in reports if r.assignee_team is not None}
    # Every office any of the audiences may need; asking for a few spare rows is cheaper than a query each.
    offices = [
        and_(
            StaffAccount.role.in_([Role.intake_cadre.value, Role.village_secretary.value]),
            StaffAccount.area_id.in_(villages),
        ),
        and_(
            StaffAccount.role == Role.supervisor.value,
            or_(StaffAccount.area_id.in_(towns), Area.level == "county"),
        ),
        and_(StaffAccount.role == Role.department_staff.value, StaffAccount.department_id.in_(departments))
        if departments
        else false(),
        and_(
            StaffAccount.role == Role.handler.value,
            StaffAccount.team.in_(teams),
            or_(StaffAccount.area_id.in_(villages), Area.parent_id.in_(villages)),
        )
        if teams
        else false(),
    ]
    rows = await session.execute(
        select(
            StaffAccount.id,
            StaffAccount.role,
            StaffAccount.area_id,
            StaffAccount.department_id,
            StaffAccount.team,
            Area.level,
            Area.parent_id,
        )
        .join(Area, Area.id == StaffAccount.area_id)
        .where(StaffAccount.is_active.is_(True), or_(*offices))
        .order_by(StaffAccount.id)
    )
    for staff_id, role, area_id, department_id, team, level, parent_id in rows.all():
        if role == Role.intake_cadre.value:
            directory.cadres[area_id].append(staff_id)
        elif role == Role.village_secretary.value:
            directory.secretaries[area_id].append(staff_id)
        elif role == Role.supervisor.value:
            if level == "county":
                directory.county_supervisors.append(staff_id)
            else:
                directory.town_supervisors[area_id].append(staff_id)
        elif role == Role.department_staff.value and department_id is not None:
            directory.department_staff[department_id].append(staff_id)
        elif role == Role.handler.value and team is not None:
            # A handler's village is their area, or the village their grid belongs to.
            village = area_id if level == "village" else parent_id
            if village is not None:
                directory.team_handlers[(village, team)].append(staff_id)
    return directory
