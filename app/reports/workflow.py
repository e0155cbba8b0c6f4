"""The report lifecycle as one table-driven state machine. Pure: no I/O, `now` passed in.

`plan()` checks an action against the table and its guards and returns what must change; the service
applies the outcome to the row and writes the timeline and audit entries in the same transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.errors import IllegalTransition, InvalidInput
from app.reports.sla import SlaLimits, reopened_resolve_deadline


class Status(enum.StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    rejected = "rejected"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    acknowledged = "acknowledged"
    published = "published"
    forwarded = "forwarded"


STATUS_LABELS = {
    Status.submitted: "已上报",
    Status.accepted: "已受理",
    Status.rejected: "不予受理",
    Status.assigned: "已交办",
    Status.in_progress: "办理中",
    Status.resolved: "已办结",
    Status.closed: "已归档",
    Status.acknowledged: "已确认",
    Status.published: "已公开",
    Status.forwarded: "已转办",
}

OPEN_STATUSES = frozenset({Status.submitted, Status.accepted, Status.assigned, Status.in_progress})


class Action(enum.StrEnum):
    accept = "accept"
    reject = "reject"
    mark_duplicate = "mark_duplicate"
    assign = "assign"
    escalate = "escalate"
    start = "start"
    add_progress = "add_progress"
    resolve = "resolve"
    rate = "rate"
    close = "close"
    reopen = "reopen"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    deny_extension = "deny_extension"
    bounce_back = "bounce_back"
    approve_bounce = "approve_bounce"
    deny_bounce = "deny_bounce"
    acknowledge = "acknowledge"
    publish = "publish"
    forward = "forward"


ACTION_LABELS = {
    Action.accept: "受理",
    Action.reject: "不予受理",
    Action.mark_duplicate: "标记重复",
    Action.assign: "交办",
    Action.escalate: "上报镇(街道)职能部门",
    Action.start: "开始办理",
    Action.add_progress: "办理进展",
    Action.resolve: "办结",
    Action.rate: "评价",
    Action.close: "归档",
    Action.reopen: "重办",
    Action.request_extension: "申请延期",
    Action.approve_extension: "批准延期",
    Action.deny_extension: "驳回延期",
    Action.bounce_back: "退单",
    Action.approve_bounce: "同意退单",
    Action.deny_bounce: "驳回退单",
    Action.acknowledge: "确认",
    Action.publish: "公开",
    Action.forward: "转办",
}

REJECT_REASONS = {"duplicate": "重复反映", "out_of_scope": "不属于受理范围", "invalid": "信息无效"}
RATINGS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
CLOSE_REASONS = {"rated": "已评价", "no_response": "逾期未评价，自动归档", "staff": "工作人员归档"}

S = Status
_PROBLEM = frozenset({"problem"})
_SHORT = frozenset({"praise", "alert"})
_WORKING = frozenset({S.assigned, S.in_progress})


@dataclass(frozen=True, slots=True)
class Rule:
    kinds: frozenset[str]
    sources: frozenset[Status]
    # None keeps the status (a note, a request awaiting a decision); a callable decides from the params.
    target: Status | None


TRANSITIONS: dict[Action, Rule] = {
    Action.accept: Rule(_PROBLEM, frozenset({S.submitted}), S.accepted),
    Action.reject: Rule(_PROBLEM | _SHORT, frozenset({S.submitted}), S.rejected),
    Action.mark_duplicate: Rule(_PROBLEM | _SHORT, frozenset({S.submitted, S.accepted}), S.rejected),
    Action.assign: Rule(_PROBLEM, frozenset({S.accepted, S.assigned}), S.assigned),
    Action.escalate: Rule(_PROBLEM, frozenset({S.accepted, S.assigned, S.in_progress}), S.assigned),
    Action.start: Rule(_PROBLEM, frozenset({S.assigned}), S.in_progress),
    Action.add_progress: Rule(_PROBLEM, _WORKING, S.in_progress),
    Action.resolve: Rule(_PROBLEM, _WORKING, S.resolved),
    Action.rate: Rule(_PROBLEM, frozenset({S.resolved}), S.closed),  # unsatisfied → assigned
    Action.close: Rule(_PROBLEM, frozenset({S.resolved}), S.closed),
    Action.reopen: Rule(_PROBLEM, frozenset({S.resolved, S.closed}), S.assigned),
    Action.request_extension: Rule(_PROBLEM, _WORKING, None),
    Action.approve_extension: Rule(_PROBLEM, _WORKING, None),
    Action.deny_extension: Rule(_PROBLEM, _WORKING, None),
    Action.bounce_back: Rule(_PROBLEM, _WORKING, None),
    Action.approve_bounce: Rule(_PROBLEM, _WORKING, S.accepted),
    Action.deny_bounce: Rule(_PROBLEM, _WORKING, None),
    Action.acknowledge: Rule(_SHORT, frozenset({S.submitted}), S.acknowledged),
    Action.publish: Rule(_SHORT, frozenset({S.acknowledged}), S.published),
    Action.forward: Rule(_SHORT, frozenset({S.acknowledged}), S.forwarded),
}


@dataclass(frozen=True, slots=True)
class ReportState:
    """The fields of a report the rules look at."""

    kind: str
    status: Status
    resolve_due_at: datetime | None = None
    assignee_staff_id: int | None = None
    assignee_team: str | None = None
    department_id: int | None = None
    extension_requested_until: datetime | None = None
    bounce_reason: str | None = None
    escalation_level: int = 0
    reopen_count: int = 0


@dataclass(slots=True)
class Outcome:
    status: Status
    changes: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    visible_to_reporter: bool = True


def allowed_actions(state: ReportState) -> list[Action]:
    return [a for a, r in TRANSITIONS.items() if state.kind in r.kinds and state.status in r.sources]


def _require(params: dict[str, Any], name: str, label: str) -> Any:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"请填写{label}", field=name)
    return value


def plan(state: ReportState, action: Action, *, now: datetime, limits: SlaLimits, **params: Any) -> Outcome:
    rule = TRANSITIONS[action]
    if state.kind not in rule.kinds or state.status not in rule.sources:
        raise IllegalTransition(
            f"当前状态为「{STATUS_LABELS[state.status]}」，不能执行「{ACTION_LABELS[action]}」",
            status=state.status.value,
            action=action.value,
        )
    outcome = Outcome(status=rule.target or state.status)
    _GUARDS_AND_EFFECTS[action](_Call(state, now, limits, params), outcome)
    return outcome


# Each effect validates its params and fills the outcome; kept as small functions in one table.


@dataclass(frozen=True, slots=True)
class _Call:
    state: ReportState
    now: datetime
    limits: SlaLimits
    params: dict[str, Any]


def _quality_grade(c: _Call) -> dict[str, Any]:
    """The intake cadre's optional quality grade (1–3), which the moral bank awards the reporter by."""
    grade = c.params.get("quality_grade")
    if grade is None:
        return {}
    if isinstance(grade, bool) or grade not in (1, 2, 3):
        raise InvalidInput("质量等级应为 1、2 或 3", field="quality_grade")
    return {"quality_grade": grade}


def _accept(c: _Call, o: Outcome) -> None:
    o.changes = {"accepted_at": c.now, "accepted_by_id": c.params.get("actor_staff_id"), **_quality_grade(c)}
    o.message = "您反映的问题已受理，正在安排办理"


def _reject(c: _Call, o: Outcome) -> None:
    reason = _require(c.params, "reason", "不予受理的原因")
    if reason not in REJECT_REASONS:
        raise InvalidInput("不予受理的原因应为：重复反映、不属于受理范围或信息无效", field="reason")
    o.changes = {"reject_reason": reason, "closed_at": c.now}
    note = c.params.get("note")
    o.message = f"不予受理：{REJECT_REASONS[reason]}" + (f"（{note}）" if note else "")


def _mark_duplicate(c: _Call, o: Outcome) -> None:
    original = _require(c.params, "duplicate_of_id", "重复的原工单")
    o.changes = {"reject_reason": "duplicate", "duplicate_of_id": original, "closed_at": c.now}
    o.message = "该问题已有人反映，将与原工单一并办理，您可在原工单上附议"


def _assign(c: _Call, o: Outcome) -> None:
    staff_id, team = c.params.get("assignee_staff_id"), c.params.get("assignee_team")
    if staff_id is None and team is None:
        raise InvalidInput("请选择办理人员或办理队伍", field="assignee_staff_id")
    o.changes = {"assignee_staff_id": staff_id, "assignee_team": team, "department_id": None}
    o.message = "已交办村(社区)办理人员办理"


def _escalate(c: _Call, o: Outcome) -> None:
    department_id = _require(c.params, "department_id", "承办的职能部门")
    o.changes = {
        "department_id": department_id,
        "assignee_staff_id": None,
        "assignee_team": None,
        "escalation_level": c.state.escalation_level + 1,
    }
    o.message = "村(社区)已上报镇(街道)职能部门办理"


def _start(c: _Call, o: Outcome) -> None:
    o.message = "办理人员已开始办理"


def _add_progress(c: _Call, o: Outcome) -> None:
    o.message = "办理进展：" + str(_require(c.params, "note", "进展情况"))


def _resolve(c: _Call, o: Outcome) -> None:
    result = _require(c.params, "result", "办理结果")
    o.changes = {"resolved_at": c.now, "result_summary": result, "extension_requested_until": None}
    o.message = f"已办结：{result}。请您对办理结果进行评价"


def _rate(c: _Call, o: Outcome) -> None:
    rating = _require(c.params, "rating", "评价")
    if rating not in RATINGS:
        raise InvalidInput("评价应为满意、基本满意或不满意", field="rating")
    o.changes = {"rating": rating, "rating_comment": c.params.get("comment")}
    if rating == "unsatisfied":
        _reopen_into(c, o)
        o.message = "您对办理结果不满意，工单已重新交办（重办）"
    else:
        o.changes |= {"closed_at": c.now, "close_reason": "rated"}
        o.message = f"感谢评价（{RATINGS[rating]}），工单已归档"


def _close(c: _Call, o: Outcome) -> None:
    reason = c.params.get("reason") or "staff"
    if reason not in CLOSE_REASONS:
        raise InvalidInput("归档原因无效", field="reason")
    o.changes = {"closed_at": c.now, "close_reason": reason}
    o.message = f"工单已归档（{CLOSE_REASONS[reason]}）"


def _reopen_into(c: _Call, o: Outcome) -> None:
    has_handler = c.state.assignee_staff_id or c.state.assignee_team or c.state.department_id
    o.status = S.assigned if has_handler else S.accepted
    o.changes |= {
        "reopen_count": c.state.reopen_count + 1,
        "resolve_due_at": reopened_resolve_deadline(c.now, c.limits),
        "resolved_at": None,
        "closed_at": None,
        "close_reason": None,
    }


def _reopen(c: _Call, o: Outcome) -> None:
    reason = _require(c.params, "reason", "重办原因")
    _reopen_into(c, o)
    o.changes["rating"] = None
    o.message = f"工单已重办：{reason}"


def _request_extension(c: _Call, o: Outcome) -> None:
    until: datetime = _require(c.params, "until", "延期至")
    reason = _require(c.params, "reason", "延期理由")
    if c.state.extension_requested_until is not None:
        raise IllegalTransition("已有延期申请待审批")
    if c.state.resolve_due_at is not None:
        if c.now >= c.state.resolve_due_at:
            raise IllegalTransition("已超过办理时限，不能再申请延期")
        if until <= c.state.resolve_due_at:
            raise InvalidInput("延期后的时限应晚于当前时限", field="until")
    o.changes = {"extension_requested_until": until, "extension_reason": reason}
    o.message = f"办理人员申请延期：{reason}"
    o.visible_to_reporter = False


def _approve_extension(c: _Call, o: Outcome) -> None:
    if c.state.extension_requested_until is None:
        raise IllegalTransition("没有待审批的延期申请")
    until = c.state.extension_requested_until
    o.changes = {"resolve_due_at": until, "extension_requested_until": None}
    o.message = "办理时限已延期至 {until}".format(until=c.params.get("until_label") or until.isoformat())


def _deny_extension(c: _Call, o: Outcome) -> None:
    if c.state.extension_requested_until is None:
        raise IllegalTransition("没有待审批的延期申请")
    o.changes = {"extension_requested_until": None}
    o.message = "延期申请未获批准：" + str(c.params.get("reason") or "请按原时限办理")
    o.visible_to_reporter = False


def _bounce_back(c: _Call, o: Outcome) -> None:
    if c.state.bounce_reason is not None:
        raise IllegalTransition("已有退单申请待处理")
    basis = _require(c.params, "reason", "退单依据")
    o.changes = {"bounce_reason": basis}
    o.message = f"承办人申请退单：{basis}"
    o.visible_to_reporter = False


def _approve_bounce(c: _Call, o: Outcome) -> None:
    if c.state.bounce_reason is None:
        raise IllegalTransition("没有待处理的退单申请")
    o.changes = {
        "bounce_reason": None,
        "assignee_staff_id": None,
        "assignee_team": None,
        "department_id": None,
        "extension_requested_until": None,
    }
    o.message = "工单正在重新安排承办单位"


def _deny_bounce(c: _Call, o: Outcome) -> None:
    if c.state.bounce_reason is None:
        raise IllegalTransition("没有待处理的退单申请")
    o.changes = {"bounce_reason": None}
    o.message = "退单申请未获同意：" + str(c.params.get("reason") or "请继续办理")
    o.visible_to_reporter = False


def _acknowledge(c: _Call, o: Outcome) -> None:
    o.changes = {"accepted_at": c.now, "accepted_by_id": c.params.get("actor_staff_id"), **_quality_grade(c)}
    o.message = "感谢您的点赞" if c.state.kind == "praise" else "感谢提醒，相关人员已知悉"


def _publish(c: _Call, o: Outcome) -> None:
    o.changes = {"is_public": True, "closed_at": c.now}
    o.message = "已在平台公开"


def _forward(c: _Call, o: Outcome) -> None:
    department_id = _require(c.params, "department_id", "转办的职能部门")
    o.changes = {"department_id": department_id, "closed_at": c.now}
    o.message = "已转相关职能部门处置"


_GUARDS_AND_EFFECTS = {
    Action.accept: _accept,
    Action.reject: _reject,
    Action.mark_duplicate: _mark_duplicate,
    Action.assign: _assign,
    Action.escalate: _escalate,
    Action.start: _start,
    Action.add_progress: _add_progress,
    Action.resolve: _resolve,
    Action.rate: _rate,
    Action.close: _close,
    Action.reopen: _reopen,
    Action.request_extension: _request_extension,
    Action.approve_extension: _approve_extension,
    Action.deny_extension: _deny_extension,
    Action.bounce_back: _bounce_back,
    Action.approve_bounce: _approve_bounce,
    Action.deny_bounce: _deny_bounce,
    Action.acknowledge: _acknowledge,
    Action.publish: _publish,
    Action.forward: _forward,
}
assert set(_GUARDS_AND_EFFECTS) == set(TRANSITIONS), "every action needs its effect"
