"""What part of the county a staff account may see: one SQL condition per role, applied to every query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true

from app.people.models import Role
from app.reports.models import Report


@dataclass(frozen=True, slots=True)
class StaffScope:
    staff_id: int
    role: Role
    area_id: int
    area_level: str
    department_id: int | None = None
    team: str | None = None
    # A handler's village (their area is a village or one of its grids).
    village_id: int | None = None


def report_condition(scope: StaffScope) -> ColumnElement[bool]:
    if scope.role is Role.admin:
        return true()
    if scope.role is Role.department_staff:
        return Report.department_id == scope.department_id if scope.department_id else false()
    if scope.role is Role.handler:
        mine = Report.assignee_staff_id == scope.staff_id
        if scope.team and scope.village_id:
            return or_(mine, and_(Report.assignee_team == scope.team, Report.village_id == scope.village_id))
        return mine
    return area_condition(scope.area_level, scope.area_id)


def area_condition(level: str, area_id: int) -> ColumnElement[bool]:
    """Reports inside one area, by the denormalised column for that level (each one indexed)."""
    if level == "county":
        return true()
    if level == "town":
        return Report.town_id == area_id
    if level == "village":
        return Report.village_id == area_id
    return Report.grid_id == area_id
