"""The lifecycle table, checked against the domain's own account of it (DOMAIN.md), pair by pair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import IllegalTransition, InvalidInput
from app.reports.sla import SlaLimits
from app.reports.workflow import Action, ReportState, Status, allowed_actions, plan

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LIMITS = SlaLimits()
A, S = Action, Status
WORKING = {S.assigned, S.in_progress}

# The specification, written out independently of the implementation's table: (kind group, action) → sources.
LEGAL_PROBLEM: dict[Action, set[Status]] = {
    A.accept: {S.submitted},
    A.reject: {S.submitted},
    A.mark_duplicate: {S.submitted, S.accepted},
    A.assign: {S.accepted, S.assigned},
    A.escalate: {S.accepted, S.assigned, S.in_progress},
    A.start: {S.assigned},
    A.add_progress: WORKING,
    A.resolve: WORKING,
    A.rate: {S.resolved},
    A.close: {S.resolved},
    A.reopen: {S.resolved, S.closed},
    A.request_extension: WORKING,
    A.approve_extension: WORKING,
    A.deny_extension: WORKING,
    A.bounce_back: WORKING,
    A.approve_bounce: WORKING,
    A.deny_bounce: WORKING,
}
LEGAL_SHORT: dict[Action, set[Status]] = {
    A.reject: {S.submitted},
    A.mark_duplicate: {S.submitted, S.accepted},
    A.acknowledge: {S.submitted},
    A.publish: {S.acknowledged},
    A.forward: {S.acknowledged},
}
PARAMS = {
    A.reject: {"reason": "invalid"},
    A.mark_duplicate: {"duplicate_of_id": 7},
    A.assign: {"assignee_team": "volunteer"},
    A.escalate: {"department_id": 3},
    A.add_progress: {"note": "已到现场查看"},
    A.resolve: {"result": "路灯已修复"},
    A.rate: {"rating": "satisfied"},
    A.reopen: {"reason": "问题复发"},
    A.request_extension: {"until": NOW + timedelta(days=3), "reason": "需采购配件"},
    A.bounce_back: {"reason": "不属于本村职责"},
    A.forward: {"department_id": 3},
}
# What each legal action leads to (None: the status stays).
TARGET = {
    A.accept: S.accepted,
    A.reject: S.rejected,
    A.mark_duplicate: S.rejected,
    A.assign: S.assigned,
    A.escalate: S.assigned,
    A.start: S.in_progress,
    A.add_progress: S.in_progress,
    A.resolve: S.resolved,
    A.rate: S.closed,
    A.close: S.closed,
    A.reopen: S.assigned,
    A.approve_bounce: S.accepted,
    A.acknowledge: S.acknowledged,
    A.publish: S.published,
    A.forward: S.forwarded,
}


def _state(kind: str, status: Status, action: Action) -> ReportState:
    return ReportState(
        kind=kind,
        status=status,
        resolve_due_at=NOW + timedelta(hours=20),
        assignee_team="volunteer",
        extension_requested_until=(NOW + timedelta(days=2))
        if action in (A.approve_extension, A.deny_extension)
        else None,
        bounce_reason="不属于本村" if action in (A.approve_bounce, A.deny_bounce) else None,
    )


def _cases() -> list[tuple[str, Status, Action, bool]]:
    cases = []
    for kind in ("problem", "praise", "alert"):
        legal = LEGAL_PROBLEM if kind == "problem" else LEGAL_SHORT
        for status in Status:
            for action in Action:
                cases.append((kind, status, action, status in legal.get(action, set())))
    return cases


@pytest.mark.parametrize(("kind", "status", "action", "legal"), _cases())
def test_every_transition_is_legal_exactly_when_the_domain_says_so(kind, status, action, legal):
    state = _state(kind, status, action)
    if legal:
        outcome = plan(state, action, now=NOW, limits=LIMITS, **PARAMS.get(action, {}))
        assert outcome.status == (TARGET.get(action) or status)
        assert outcome.message
    else:
        with pytest.raises(IllegalTransition) as err:
            plan(state, action, now=NOW, limits=LIMITS, **PARAMS.get(action, {}))
        assert "不能执行" in err.value.message


def test_allowed_actions_lists_the_same_table():
    state = ReportState(kind="problem", status=S.in_progress)
    assert set(allowed_actions(state)) == {
        a for a, sources in LEGAL_PROBLEM.items() if S.in_progress in sources
    }


def test_unsatisfied_rating_reopens_with_a_fresh_handling_limit():
    state = ReportState(kind="problem", status=S.resolved, assignee_staff_id=5, reopen_count=1)
    outcome = plan(state, A.rate, now=NOW, limits=SlaLimits(handle_hours=12), rating="unsatisfied")
    assert outcome.status is S.assigned
    assert outcome.changes["reopen_count"] == 2
    assert outcome.changes["resolve_due_at"] == NOW + timedelta(hours=12)
    assert outcome.changes["closed_at"] is None


def test_reopen_without_any_handler_goes_back_to_accepted():
    outcome = plan(
        ReportState(kind="problem", status=S.closed), A.reopen, now=NOW, limits=LIMITS, reason="复发"
    )
    assert outcome.status is S.accepted


def test_extension_must_be_asked_before_the_deadline_and_move_it_later():
    due = NOW + timedelta(hours=1)
    state = ReportState(kind="problem", status=S.in_progress, resolve_due_at=due)
    with pytest.raises(IllegalTransition):
        plan(
            state,
            A.request_extension,
            now=due + timedelta(seconds=1),
            limits=LIMITS,
            until=due + timedelta(days=1),
            reason="x",
        )
    with pytest.raises(InvalidInput) as err:
        plan(state, A.request_extension, now=NOW, limits=LIMITS, until=due - timedelta(minutes=1), reason="x")
    assert err.value.field == "until"
    asked = plan(
        state, A.request_extension, now=NOW, limits=LIMITS, until=due + timedelta(days=1), reason="缺配件"
    )
    assert asked.status is S.in_progress and not asked.visible_to_reporter
    approved_state = ReportState(
        kind="problem",
        status=S.in_progress,
        resolve_due_at=due,
        extension_requested_until=due + timedelta(days=1),
    )
    approved = plan(approved_state, A.approve_extension, now=NOW, limits=LIMITS)
    assert approved.changes["resolve_due_at"] == due + timedelta(days=1)
    assert approved.changes["extension_requested_until"] is None


def test_second_extension_request_while_one_is_pending_is_refused():
    state = ReportState(
        kind="problem",
        status=S.assigned,
        resolve_due_at=NOW + timedelta(hours=2),
        extension_requested_until=NOW + timedelta(days=1),
    )
    with pytest.raises(IllegalTransition):
        plan(state, A.request_extension, now=NOW, limits=LIMITS, until=NOW + timedelta(days=2), reason="x")


def test_approved_bounce_back_clears_the_assignee_for_a_new_decision():
    state = ReportState(
        kind="problem", status=S.in_progress, assignee_staff_id=9, bounce_reason="非本部门职责"
    )
    outcome = plan(state, A.approve_bounce, now=NOW, limits=LIMITS)
    assert outcome.status is S.accepted
    assert outcome.changes["assignee_staff_id"] is None and outcome.changes["bounce_reason"] is None


def test_escalation_raises_the_level_and_moves_work_to_the_department():
    state = ReportState(kind="problem", status=S.assigned, assignee_team="volunteer", escalation_level=1)
    outcome = plan(state, A.escalate, now=NOW, limits=LIMITS, department_id=4)
    assert outcome.changes == {
        "department_id": 4,
        "assignee_staff_id": None,
        "assignee_team": None,
        "escalation_level": 2,
    }


@pytest.mark.parametrize(
    ("action", "params", "field"),
    [
        (A.reject, {"reason": "nonsense"}, "reason"),
        (A.reject, {}, "reason"),
        (A.rate, {"rating": "great"}, "rating"),
        (A.resolve, {"result": "  "}, "result"),
        (A.assign, {}, "assignee_staff_id"),
    ],
)
def test_missing_or_invalid_parameters_name_the_field(action, params, field):
    status = {A.reject: S.submitted, A.rate: S.resolved, A.resolve: S.in_progress, A.assign: S.accepted}[
        action
    ]
    with pytest.raises(InvalidInput) as err:
        plan(ReportState(kind="problem", status=status), action, now=NOW, limits=LIMITS, **params)
    assert err.value.field == field
