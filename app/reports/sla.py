"""Deadlines from a category's SLA policy. Pure: the clock is an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SlaLimits:
    respond_minutes: int = 30
    handle_hours: int = 24
    remind_before_respond_minutes: int = 10
    remind_before_handle_minutes: int = 240
    key_supervision_hours: int = 48

    @classmethod
    def of(cls, policy: object) -> SlaLimits:
        """Read the limits off an `SlaPolicy` row (or anything with the same attributes)."""
        return cls(**{name: getattr(policy, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class Deadlines:
    respond_due_at: datetime | None
    resolve_due_at: datetime | None


def initial_deadlines(kind: str, submitted_at: datetime, limits: SlaLimits) -> Deadlines:
    """Respond (review and claim) and handle-with-feedback limits both run from submission."""
    respond = submitted_at + timedelta(minutes=limits.respond_minutes)
    if kind != "problem":
        # Praise and alerts are acknowledged, not handled: only the response limit applies.
        return Deadlines(respond, None)
    return Deadlines(respond, submitted_at + timedelta(hours=limits.handle_hours))


def reopened_resolve_deadline(now: datetime, limits: SlaLimits) -> datetime:
    """A reopened report (重办) gets a fresh handling limit from the moment it is reopened."""
    return now + timedelta(hours=limits.handle_hours)
