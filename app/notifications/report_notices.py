"""What a report's lifecycle step tells whom. Pure: the service resolves recipients and writes rows.

The villager hears about acceptance, refusal, real progress and the result (with the request to rate it);
the internal steps (start, extensions asked, bounce-backs) stay on the console. Cadres hear the moment
work lands on them: an assignment (to them or their team), a reopened report, an escalation or a
forwarded alert to their department, a bounce-back approved (the intake cadres arrange it anew).
Dedupe keys name the cause, so a retried transaction never writes a second row for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from app.notifications.kinds import Kind
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS, Action, Status

# team: the village's handlers of the report's team; intake: the village's intake cadres.
Audience = Literal["reporter", "assignee", "team", "department", "intake"]
TITLE_CHARS = 100  # stored for the admin's eyes; each template cuts it to its own field limit


@dataclass(frozen=True, slots=True)
class Notice:
    kind: Kind
    audience: Audience
    # For an audience of several people the service appends the staff id (one row per person).
    dedupe_key: str
    payload: dict[str, Any]


_PROGRESS_NOTES = {
    Action.reject: "不予受理，详情请查看进度",
    Action.mark_duplicate: "已有人反映，将与原工单一并办理",
    Action.escalate: "已上报镇(街道)职能部门办理",
    Action.add_progress: "有新的办理进展，请查看",
    Action.approve_extension: "办理时限已延期，请查看新时限",
    Action.reopen: "工单已重新办理",
    Action.forward: "已转相关职能部门处置",
}


def _payload(report: Report, now: datetime, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "report_id": report.id,
        "ledger_no": report.ledger_no or "",
        "title": report.description[:TITLE_CHARS],
        "status": STATUS_LABELS[Status(report.status)],
        "time": now.isoformat(),
    }
    if report.resolve_due_at is not None:
        payload["deadline"] = report.resolve_due_at.isoformat()
    payload.update(extra)
    return payload


def _progress_note(report: Report, action: Action, tz: ZoneInfo | None) -> str:
    if action is Action.approve_extension and tz is not None and report.resolve_due_at is not None:
        # The reporter is told the new date itself (18 characters: within a template's 20).
        local = report.resolve_due_at.astimezone(tz)
        return f"办理时限已延期至{local.month}月{local.day}日{local:%H:%M}"
    return _PROGRESS_NOTES[action]


def notices_for(report: Report, action: Action, *, now: datetime, tz: ZoneInfo | None = None) -> list[Notice]:
    """`tz`: the county's, for dates in the notes (without it an extension's note names no date)."""
    rid, version = report.id, report.version
    notices: list[Notice] = []
    to_reporter = report.reporter_villager_id is not None

    if action in (Action.accept, Action.acknowledge) and to_reporter:
        note = f"已受理，编号{report.ledger_no}" if action is Action.accept else "感谢您的反映，已确认"
        notices.append(Notice(Kind.acknowledged, "reporter", f"ack:{rid}", _payload(report, now, note=note)))
    elif action is Action.resolve and to_reporter:
        # One per round of handling: a reopened report is resolved (and rated) again.
        payload = _payload(report, now, note="已办结，请评价", result=(report.result_summary or "")[:100])
        notices.append(Notice(Kind.resolved, "reporter", f"resolved:{rid}:{report.reopen_count}", payload))
    elif action in _PROGRESS_NOTES and to_reporter:
        payload = _payload(report, now, note=_progress_note(report, action, tz))
        notices.append(Notice(Kind.progress, "reporter", f"progress:{rid}:v{version}", payload))

    reassigned = action in (Action.assign, Action.reopen) or (
        action is Action.rate and report.status == Status.assigned.value
    )
    if reassigned:
        # Whoever holds the work hears it: one person, a team, or (a reopened escalation) a department.
        note = "请及时办理" if action is Action.assign else "群众不满意或需重办，请重新办理"
        payload = _payload(report, now, note=note)
        if report.assignee_staff_id is not None:
            key = f"assigned:{rid}:s{report.assignee_staff_id}:v{version}"
            notices.append(Notice(Kind.assigned, "assignee", key, payload))
        elif report.assignee_team is not None:
            notices.append(Notice(Kind.assigned, "team", f"assigned:{rid}:t:v{version}", payload))
        elif report.department_id is not None:
            notices.append(Notice(Kind.assigned, "department", f"assigned:{rid}:d:v{version}", payload))
    if action is Action.escalate and report.department_id is not None:
        key = f"escalated:{rid}:v{version}"
        notices.append(Notice(Kind.escalated, "department", key, _payload(report, now, unit="村(社区)上报")))
    if action is Action.forward and report.department_id is not None:
        key = f"forwarded:{rid}:v{version}"
        notices.append(Notice(Kind.escalated, "department", key, _payload(report, now, unit="村(社区)转办")))
    if action is Action.approve_bounce:
        # Back with nobody holding it: the village's intake cadres arrange it anew.
        payload = _payload(report, now, note="退单已同意，请重新安排承办")
        notices.append(Notice(Kind.assigned, "intake", f"rearrange:{rid}:v{version}", payload))
    return notices
