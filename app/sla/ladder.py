"""The escalation ladder as plain rules: which steps a report has reached at `now`, against which deadline.

Pure: no I/O, the clock is an argument. `app.sla.repository` asks the same questions in SQL (indexed, for
many reports at once); the tests hold the two to the same answers.

A step is recorded once per (report, rung, deadline) in `sla_rungs`. A moved deadline (an approved
extension, a reopened report) is a new deadline, so its reminder and its rung come round again; the county
rung is once per report whatever the deadline, as the SLA opens at most one supervision order per report.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.reports.sla import SlaLimits


class Rung(enum.StrEnum):
    remind_respond = "remind_respond"  # before the response limit: the intake cadre
    respond = "respond"  # response limit missed: the cadre reminded, the village secretary told
    remind_resolve = "remind_resolve"  # before the handling limit: whoever holds the report
    town = "town"  # handling limit missed: the town supervisor and the report's department
    county = "county"  # still open long after, or escalated twice: a county key supervision order
    rating_request = "rating_request"  # resolved a while ago and not rated: ask the reporter (回访)


AWAITING_RESPONSE = ("submitted",)
IN_HAND = ("accepted", "assigned", "in_progress")
OPEN = AWAITING_RESPONSE + IN_HAND

# "Escalated twice": a village escalation plus a missed limit, or two missed limits (after an extension).
ESCALATIONS_BEFORE_COUNTY = 2
# The reporter is told at resolution (with a request to rate); the follow-up asks once more a day later,
# and a report nobody rates in a week is closed as "no response".
RATING_REQUEST_AFTER = timedelta(days=1)
UNRATED_CLOSE_AFTER = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ClockState:
    """The fields of a report the clocks look at."""

    status: str
    respond_due_at: datetime | None
    resolve_due_at: datetime | None
    escalation_level: int = 0
    resolved_at: datetime | None = None
    has_reporter: bool = False


def respond_reminder_lead(limits: SlaLimits) -> timedelta:
    return timedelta(minutes=max(limits.remind_before_respond_minutes, 0))


def resolve_reminder_lead(limits: SlaLimits) -> timedelta:
    return timedelta(minutes=max(limits.remind_before_handle_minutes, 0))


def county_delay(limits: SlaLimits) -> timedelta:
    """How long after the handling limit the county steps in (48 h − 24 h by default).

    Counted from the handling limit rather than from submission, so an approved extension moves this
    rung too; with the initial deadline it falls exactly `key_supervision_hours` after submission.
    """
    return timedelta(hours=max(limits.key_supervision_hours - limits.handle_hours, 0))


def county_due_at(resolve_due_at: datetime, limits: SlaLimits) -> datetime:
    return resolve_due_at + county_delay(limits)


def supervision_due_at(now: datetime, limits: SlaLimits) -> datetime:
    """An SLA key supervision order gives the unit one more handling period."""
    return now + timedelta(hours=limits.handle_hours)


def _before(deadline: datetime | None, lead: timedelta, now: datetime) -> bool:
    # Reminders go before a deadline, never after it: a missed one is the ladder's business.
    return deadline is not None and lead > timedelta(0) and deadline - lead <= now < deadline


def reminders_due(state: ClockState, limits: SlaLimits, now: datetime) -> list[tuple[Rung, datetime]]:
    steps: list[tuple[Rung, datetime]] = []
    if state.status in AWAITING_RESPONSE and _before(
        state.respond_due_at, respond_reminder_lead(limits), now
    ):
        assert state.respond_due_at is not None
        steps.append((Rung.remind_respond, state.respond_due_at))
    if state.status in IN_HAND and _before(state.resolve_due_at, resolve_reminder_lead(limits), now):
        assert state.resolve_due_at is not None
        steps.append((Rung.remind_resolve, state.resolve_due_at))
    return steps


def rungs_due(state: ClockState, limits: SlaLimits, now: datetime) -> list[tuple[Rung, datetime]]:
    """The escalation rungs whose time has come, in ladder order (recorded or not).

    A pass climbs in this order and each rung sees what the one below wrote: the town rung raises
    `escalation_level`, which can make the county rung due in the same pass ("escalated twice").
    """
    steps: list[tuple[Rung, datetime]] = []
    if state.status in AWAITING_RESPONSE and state.respond_due_at is not None and state.respond_due_at <= now:
        steps.append((Rung.respond, state.respond_due_at))
    if state.status in OPEN and state.resolve_due_at is not None:
        if state.resolve_due_at <= now:
            steps.append((Rung.town, state.resolve_due_at))
        late = county_due_at(state.resolve_due_at, limits) <= now
        if late or state.escalation_level >= ESCALATIONS_BEFORE_COUNTY:
            steps.append((Rung.county, state.resolve_due_at))
    return steps


def rating_request_due(state: ClockState, now: datetime) -> datetime | None:
    """The resolution a rating request is sent for, if one is due (keyed by `resolved_at`: once a round)."""
    if state.status != "resolved" or state.resolved_at is None or not state.has_reporter:
        return None
    if state.resolved_at + RATING_REQUEST_AFTER <= now < state.resolved_at + UNRATED_CLOSE_AFTER:
        return state.resolved_at
    return None


def closes_unrated(state: ClockState, now: datetime) -> bool:
    return (
        state.status == "resolved"
        and state.resolved_at is not None
        and state.resolved_at + UNRATED_CLOSE_AFTER <= now
    )
