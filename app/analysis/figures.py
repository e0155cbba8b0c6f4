"""Which reports each indicator counts: one SQL condition per figure, shared by the counts and the
drill-down so the two can never disagree. The definitions are written out in app/analysis/indicators.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, or_, true

from app.reports.models import Report
from app.reports.workflow import OPEN_STATUSES, Status
from app.supervision.models import SupervisionOrder

# The counted figures, in the order the console shows them: name → Chinese label.
FIGURES: dict[str, str] = {
    "received": "收到反映",
    "accepted": "已受理",
    "rejected": "不予受理",
    "awaiting_response": "待受理",
    "responded": "已响应",
    "responded_in_time": "按时响应",
    "due": "应办结",
    "resolved": "已办结",
    "resolved_on_time": "按时办结",
    "overdue_open": "超时未办结",
    "rated": "已评价",
    "satisfied": "满意和基本满意",
    "unrated": "办结未评价",
    "key_supervision": "重点督办",
    "key_supervision_resolved": "重点督办已解决",
    "reopened": "重办",
    "ever_resolved": "曾办结",
    "repeat_complaints": "重复投诉",
}

# Rates: name → (numerator, denominator, Chinese label). None when the denominator is 0.
RATES: dict[str, tuple[str, str, str]] = {
    "responded_in_time_rate": ("responded_in_time", "received", "按时响应率"),
    "on_time_rate": ("resolved_on_time", "due", "按时办结率"),
    "satisfaction_rate": ("satisfied", "rated", "回访满意度"),
    "unrated_share": ("unrated", "resolved", "未评价占比"),
    "key_supervision_rate": ("key_supervision_resolved", "key_supervision", "重点督办事项解决率"),
    "reopen_rate": ("reopened", "ever_resolved", "重办率"),
}

# Durations: name → (the figure whose reports are measured, Chinese label).
DURATIONS: dict[str, tuple[str, str]] = {
    "median_response_minutes": ("responded", "响应用时中位数（分钟）"),
    "p90_response_minutes": ("responded", "响应用时90分位（分钟）"),
    "median_resolve_hours": ("resolved", "办结用时中位数（小时）"),
    "p90_resolve_hours": ("resolved", "办结用时90分位（小时）"),
}

SATISFIED_RATINGS = ("satisfied", "basically")
_OPEN = tuple(s.value for s in OPEN_STATUSES)


def first_response_at() -> ColumnElement[datetime | None]:
    """When the report was first answered: accepted (or acknowledged), else rejected straight away.

    Acceptance and acknowledgement set accepted_at; a rejection (or duplicate marking) from `submitted`
    sets closed_at and leaves accepted_at empty. A report marked duplicate after acceptance keeps its
    accepted_at, which is its first response.
    """
    return case(
        (Report.accepted_at.is_not(None), Report.accepted_at),
        (Report.status == Status.rejected.value, Report.closed_at),
        else_=None,
    )


@dataclass(frozen=True, slots=True)
class FigureContext:
    as_of: datetime  # "due" and "overdue" are judged at this instant
    repeat_ids: ColumnElement[bool] | None = None  # `Report.id IN (repeats)`, built by repeats.py


def _problem_not_rejected() -> ColumnElement[bool]:
    return and_(Report.kind == "problem", Report.status != Status.rejected.value)


_PREDICATES: dict[str, Callable[[FigureContext], ColumnElement[bool]]] = {
    "received": lambda c: true(),
    "accepted": lambda c: and_(Report.accepted_at.is_not(None), Report.status != Status.rejected.value),
    "rejected": lambda c: Report.status == Status.rejected.value,
    "awaiting_response": lambda c: Report.status == Status.submitted.value,
    "responded": lambda c: first_response_at().is_not(None),
    "responded_in_time": lambda c: and_(
        Report.respond_due_at.is_not(None), first_response_at() <= Report.respond_due_at
    ),
    "due": lambda c: and_(
        _problem_not_rejected(),
        or_(Report.resolved_at.is_not(None), Report.resolve_due_at < c.as_of),
    ),
    "resolved": lambda c: Report.resolved_at.is_not(None),
    "resolved_on_time": lambda c: and_(
        Report.resolved_at.is_not(None), Report.resolved_at <= Report.resolve_due_at
    ),
    "overdue_open": lambda c: and_(
        Report.kind == "problem", Report.status.in_(_OPEN), Report.resolve_due_at < c.as_of
    ),
    "rated": lambda c: Report.rating.is_not(None),
    "satisfied": lambda c: Report.rating.in_(SATISFIED_RATINGS),
    "unrated": lambda c: and_(Report.resolved_at.is_not(None), Report.rating.is_(None)),
    "key_supervision": lambda c: _put_under_key_supervision(),
    "key_supervision_resolved": lambda c: and_(_put_under_key_supervision(), Report.resolved_at.is_not(None)),
    "reopened": lambda c: Report.reopen_count > 0,
    "ever_resolved": lambda c: or_(Report.resolved_at.is_not(None), Report.reopen_count > 0),
    "repeat_complaints": lambda c: c.repeat_ids if c.repeat_ids is not None else false(),
}
assert list(_PREDICATES) == list(FIGURES), "every figure needs its condition"


def _put_under_key_supervision() -> ColumnElement[bool]:
    """Flagged now, or ever given an order: closing an order clears the report's flag
    (supervision.close_order), and the orders closed are the ones the resolution rate is about."""
    return or_(Report.key_supervision.is_(True), exists().where(SupervisionOrder.report_id == Report.id))


def condition(figure: str, context: FigureContext) -> ColumnElement[bool]:
    """The SQL condition on `reports` that selects the reports one figure counts."""
    try:
        return _PREDICATES[figure](context)
    except KeyError:
        raise ValueError(f"未知的指标：{figure}") from None
