"""Who sees which stored report or letter: one SQL condition per role, like app/people/scope.py.

Supervisors see what lies in their area (a town supervisor: the town's units). A village's secretary
and intake cadre see their village's health reports (the village's and its handlers'); department
staff their department's; a handler their own. Units see a letter only once it is issued: drafts and
withdrawn letters stay with the supervisors.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, true

from app.analysis.models import HealthReport, HealthUnit, LetterStatus, LetterUnit, ReminderLetter
from app.people.models import Role
from app.people.scope import StaffScope

VILLAGE_STAFF = frozenset({Role.village_secretary, Role.intake_cadre})
_SENT = (LetterStatus.issued.value, LetterStatus.acknowledged.value)


def is_county_wide(scope: StaffScope) -> bool:
    return scope.role is Role.admin or (scope.role is Role.supervisor and scope.area_level == "county")


def health_condition(scope: StaffScope) -> ColumnElement[bool]:
    if is_county_wide(scope):
        return true()
    if scope.role is Role.supervisor:
        if scope.area_level == "town":
            return HealthReport.town_id == scope.area_id
        if scope.area_level == "village":
            return HealthReport.village_id == scope.area_id
        return false()
    if scope.role in VILLAGE_STAFF and scope.area_level == "village":
        return HealthReport.village_id == scope.area_id
    if scope.role is Role.department_staff and scope.department_id:
        return and_(
            HealthReport.unit_kind == HealthUnit.department.value,
            HealthReport.unit_id == scope.department_id,
        )
    if scope.role is Role.handler:
        return and_(
            HealthReport.unit_kind == HealthUnit.handler.value, HealthReport.unit_id == scope.staff_id
        )
    return false()


def letter_condition(scope: StaffScope) -> ColumnElement[bool]:
    if is_county_wide(scope):
        return true()
    if scope.role is Role.supervisor:
        if scope.area_level == "town":
            return ReminderLetter.town_id == scope.area_id
        if scope.area_level == "village":
            return ReminderLetter.village_id == scope.area_id
        return false()
    sent = ReminderLetter.status.in_(_SENT)
    if scope.role in VILLAGE_STAFF and scope.area_level == "village":
        return and_(sent, ReminderLetter.village_id == scope.area_id)
    if scope.role is Role.department_staff and scope.department_id:
        return and_(sent, ReminderLetter.department_id == scope.department_id)
    return false()


def may_acknowledge(scope: StaffScope, letter: ReminderLetter) -> bool:
    """The unit answers its own letter: the village secretary for a village, department staff for theirs."""
    if letter.unit_kind == LetterUnit.village.value:
        return scope.role is Role.village_secretary and scope.area_id == letter.village_id
    return scope.role is Role.department_staff and scope.department_id == letter.department_id
