"""Who hears about each step of the clocks, what they are told, and what the timeline says. Pure data.

Audiences (resolved to people by `app.sla.recipients`):
- the village's intake cadres (常职干部) review within the response limit, so they get its reminder and,
  when it is missed, a second one; the village secretary (村书记) is told at the same moment;
- "holders" are whoever has the report in hand: its assignee, else its team's handlers in the village,
  else its department's staff, else the intake cadres (accepted but not assigned yet);
- a missed handling limit goes up to the town: the town supervisors (镇综治中心) always, and the staff of
  the report's department when it has one. A report without a department cannot be handed to one by a
  machine; the town supervisor decides where it goes (the console's escalate action);
- the county rung opens a key supervision order (重点督办); the county supervisors are told here, the units
  answering for the report by `app.supervision.service.open_order`, as for an order opened by hand.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.notifications.kinds import Kind
from app.reports.sla import SlaLimits
from app.reports.workflow import STATUS_LABELS, Status
from app.sla.ladder import Rung

TITLE_CHARS = 100


class Audience(enum.StrEnum):
    intake_cadres = "intake_cadres"
    village_secretary = "village_secretary"
    holders = "holders"
    town_supervisors = "town_supervisors"
    department_staff = "department_staff"
    county_supervisors = "county_supervisors"
    reporter = "reporter"


@dataclass(frozen=True, slots=True)
class Notice:
    audience: Audience
    kind: Kind
    note: str


NOTICES: dict[Rung, tuple[Notice, ...]] = {
    Rung.remind_respond: (
        Notice(Audience.intake_cadres, Kind.sla_warning, "即将超过受理时限，请及时审核受理"),
    ),
    Rung.respond: (
        Notice(Audience.intake_cadres, Kind.sla_warning, "已超过受理时限，请立即审核受理"),
        Notice(Audience.village_secretary, Kind.sla_warning, "有反映超时未受理，请督促常职干部"),
    ),
    Rung.remind_resolve: (Notice(Audience.holders, Kind.sla_warning, "即将超过办理时限，请及时办结并反馈"),),
    # The ladder's second step (DOMAIN.md): the village secretary answers for the village's work too.
    Rung.town: (
        Notice(Audience.village_secretary, Kind.escalated, "超过办理时限未办结，已上报镇(街道)"),
        Notice(Audience.town_supervisors, Kind.escalated, "超过办理时限未办结"),
        Notice(Audience.department_staff, Kind.escalated, "超过办理时限未办结"),
    ),
    # The units answering for the report are told by supervision.open_order itself.
    Rung.county: (
        Notice(Audience.county_supervisors, Kind.supervision_order, "超时未办结，已列为县级重点督办"),
    ),
    Rung.rating_request: (Notice(Audience.reporter, Kind.rating_request, "请对办理结果进行评价"),),
}


def timeline_message(rung: Rung, limits: SlaLimits, *, has_department: bool) -> str | None:
    """The internal timeline entry a rung writes (reminders and rating requests write none)."""
    if rung is Rung.respond:
        return f"超过受理时限（{limits.respond_minutes}分钟）未受理，已提醒常职干部并告知村(社区)书记"
    if rung is Rung.town:
        to = "镇(街道)综治中心和承办职能部门" if has_department else "镇(街道)综治中心"
        return f"超过办理时限（{limits.handle_hours}小时）未办结，已告知村(社区)书记并上报{to}"
    return None


def county_reason(*, late: bool, limits: SlaLimits) -> str:
    if late:
        return f"自动列为重点督办：超过{limits.key_supervision_hours}小时仍未办结"
    return "自动列为重点督办：两次上报仍未办结"


def payload(
    *,
    report_id: int,
    ledger_no: str | None,
    description: str,
    status: str,
    now: datetime,
    deadline: datetime,
    note: str,
) -> dict[str, Any]:
    # The semantic fields templates pick from (see app.notifications.templates.DEFAULT_FIELDS).
    return {
        "report_id": report_id,
        "ledger_no": ledger_no or "",
        "title": description[:TITLE_CHARS],
        "status": STATUS_LABELS[Status(status)],
        "time": now.isoformat(),
        "deadline": deadline.isoformat(),
        "note": note,
        "unit": note,
    }


def dedupe_key(rung: Rung, report_id: int, deadline: datetime, *, staff_id: int | None = None) -> str:
    """One outbox row per step, deadline and person; the rung's claim already makes the step once."""
    who = f"s{staff_id}" if staff_id is not None else "reporter"
    return f"sla:{rung.value}:{report_id}:{int(deadline.timestamp())}:{who}"
