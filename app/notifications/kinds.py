"""The vocabulary of the outbox: what a notification is about, how it travels, how it ended."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    acknowledged = "acknowledged"
    assigned = "assigned"
    progress = "progress"
    resolved = "resolved"
    rating_request = "rating_request"
    sla_warning = "sla_warning"
    escalated = "escalated"
    supervision_order = "supervision_order"
    reminder_letter = "reminder_letter"
    warning_bulletin = "warning_bulletin"
    period_report = "period_report"
    health_report = "health_report"
    points_earned = "points_earned"
    redemption_ready = "redemption_ready"


KIND_LABELS = {
    Kind.acknowledged: "受理通知",
    Kind.assigned: "交办通知",
    Kind.progress: "办理进展",
    Kind.resolved: "办结通知",
    Kind.rating_request: "评价提醒",
    Kind.sla_warning: "超时预警",
    Kind.escalated: "上报通知",
    Kind.supervision_order: "督办通知",
    Kind.reminder_letter: "提醒函",
    Kind.warning_bulletin: "预警专报",
    Kind.period_report: "统计通报",
    Kind.health_report: "体检报告",
    Kind.points_earned: "积分到账",
    Kind.redemption_ready: "兑换待领取",
}


class Channel(enum.StrEnum):
    mp_subscribe = "mp_subscribe"  # mini program subscribe message (needs a grant per send)
    oa_template = "oa_template"  # Official Account template message (needs the person to follow)


class Status(enum.StrEnum):
    pending = "pending"  # due at next_attempt_at (also while claimed: the lease pushes it forward)
    sent = "sent"
    dead = "dead"  # a permanent error, or retries exhausted; an admin may retry it
    undeliverable = "undeliverable"  # no way to reach the person; the timeline still shows the update
    not_sent = "not_sent"  # WeChat or the template is not configured (the embedded demo)


RETRYABLE_BY_ADMIN = frozenset({Status.dead, Status.undeliverable, Status.not_sent})


def sql_in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)
