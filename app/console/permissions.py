"""Which roles may perform which lifecycle action from the console. Scope (area, assignment) is checked
separately: a role that may act on a report still needs the report inside its scope."""

from __future__ import annotations

from app.people.models import Role
from app.reports.workflow import Action

R = Role
INTAKE = frozenset({R.intake_cadre, R.village_secretary, R.admin})
WORKERS = frozenset(
    {R.handler, R.department_staff, R.grid_worker, R.intake_cadre, R.village_secretary, R.admin}
)
DECIDERS = frozenset({R.village_secretary, R.supervisor, R.admin})

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.accept: INTAKE,
    Action.reject: INTAKE,
    Action.mark_duplicate: INTAKE,
    Action.assign: INTAKE,
    Action.escalate: INTAKE | {R.supervisor},
    Action.start: WORKERS,
    Action.add_progress: WORKERS,
    Action.resolve: WORKERS,
    Action.request_extension: WORKERS,
    Action.bounce_back: WORKERS,
    Action.approve_extension: DECIDERS,
    Action.deny_extension: DECIDERS,
    Action.approve_bounce: DECIDERS,
    Action.deny_bounce: DECIDERS,
    Action.close: INTAKE | {R.supervisor},
    Action.reopen: DECIDERS,
    Action.acknowledge: INTAKE,
    Action.publish: INTAKE,
    Action.forward: INTAKE,
}
# The reporter's own action; staff never rate on someone's behalf.
VILLAGER_ACTIONS = frozenset({Action.rate})

# Roles whose handling actions require the report to be assigned to them (or their team or department).
ASSIGNEE_BOUND = frozenset({R.handler, R.department_staff})
ASSIGNEE_ACTIONS = frozenset(
    {Action.start, Action.add_progress, Action.resolve, Action.request_extension, Action.bounce_back}
)

VISIBILITY_ROLES = INTAKE
KEY_SUPERVISION_ROLES = frozenset({R.supervisor, R.admin})
