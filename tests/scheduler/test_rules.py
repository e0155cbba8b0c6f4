"""The ladder's plain rules, and the SQL that asks the same questions for many reports at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.reports.sla import SlaLimits
from app.reports.workflow import Action
from app.sla import ladder, repository
from app.sla import service as sla_service
from app.sla.ladder import ClockState, Rung
from tests.factories import NOW
from tests.scheduler._support import HOUR, MIN, act, short_policy_category, submit

T = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LIMITS = SlaLimits()


def _state(status: str, *, level: int = 0, submitted: datetime = T) -> ClockState:
    return ClockState(
        status=status,
        respond_due_at=submitted + timedelta(minutes=30),
        resolve_due_at=submitted + timedelta(hours=24),
        escalation_level=level,
    )


def test_reminders_come_in_the_lead_time_before_a_deadline_and_never_at_or_after_it():
    fresh = _state("submitted")
    assert ladder.reminders_due(fresh, LIMITS, T + timedelta(minutes=19)) == []
    assert ladder.reminders_due(fresh, LIMITS, T + timedelta(minutes=20)) == [
        (Rung.remind_respond, T + 30 * MIN)
    ]
    assert ladder.reminders_due(fresh, LIMITS, T + timedelta(minutes=30)) == []
    working = _state("in_progress")
    assert ladder.reminders_due(working, LIMITS, T + 20 * HOUR) == [(Rung.remind_resolve, T + 24 * HOUR)]
    assert ladder.reminders_due(working, LIMITS, T + 24 * HOUR) == []
    silent = SlaLimits(remind_before_respond_minutes=0)
    assert ladder.reminders_due(fresh, silent, T + 29 * MIN) == []


def test_the_rungs_in_order_and_the_county_rung_by_time_or_by_two_escalations():
    s = _state("submitted")
    assert ladder.rungs_due(s, LIMITS, T + 29 * MIN) == []
    assert ladder.rungs_due(s, LIMITS, T + 30 * MIN) == [(Rung.respond, T + 30 * MIN)]
    assert [r for r, _ in ladder.rungs_due(s, LIMITS, T + 48 * HOUR)] == [
        Rung.respond,
        Rung.town,
        Rung.county,
    ]
    assigned = _state("assigned")
    assert [r for r, _ in ladder.rungs_due(assigned, LIMITS, T + 24 * HOUR)] == [Rung.town]
    twice = _state("assigned", level=2)
    assert [r for r, _ in ladder.rungs_due(twice, LIMITS, T + HOUR)] == [Rung.county]
    assert ladder.rungs_due(_state("resolved", level=5), LIMITS, T + 99 * HOUR) == []
    # The county rung follows the handling deadline (an extension moves it), 24 h after it by default.
    assert ladder.county_due_at(T + 72 * HOUR, LIMITS) == T + 96 * HOUR
    assert ladder.county_delay(SlaLimits(handle_hours=72, key_supervision_hours=48)) == timedelta(0)


def test_the_rating_follow_up_windows():
    done = ClockState("resolved", None, None, resolved_at=T, has_reporter=True)
    assert ladder.rating_request_due(done, T + 23 * HOUR) is None
    assert ladder.rating_request_due(done, T + 24 * HOUR) == T
    assert ladder.rating_request_due(done, T + 7 * 24 * HOUR) is None
    assert ladder.rating_request_due(ClockState("resolved", None, None, resolved_at=T), T + 30 * HOUR) is None
    assert not ladder.closes_unrated(done, T + 7 * 24 * HOUR - MIN)
    assert ladder.closes_unrated(done, T + 7 * 24 * HOUR)


async def test_the_sql_due_lists_agree_with_the_rules(session, village):
    v = village
    quick = await short_policy_category(
        session,
        respond_minutes=15,
        handle_hours=2,
        remind_before_respond_minutes=5,
        remind_before_handle_minutes=0,
        key_supervision_hours=3,
    )
    reports = []
    for i, category in enumerate((None, quick) * 3):
        report = await submit(session, v, at=NOW + i * 7 * MIN, category=category)
        reports.append(report)
    await act(session, reports[1], Action.accept, at=NOW + 30 * MIN)
    await act(session, reports[2], Action.accept, at=NOW + 30 * MIN)
    await act(session, reports[2], Action.assign, at=NOW + 31 * MIN, assignee_team="volunteer")
    await act(session, reports[3], Action.accept, at=NOW + 30 * MIN)
    await act(session, reports[3], Action.escalate, at=NOW + 31 * MIN, department_id=v.c.department.id)
    await act(session, reports[4], Action.accept, at=NOW + 10 * MIN)
    await act(session, reports[4], Action.assign, at=NOW + 11 * MIN, assignee_staff_id=v.handler.id)
    await act(session, reports[4], Action.resolve, at=NOW + 50 * MIN, result="好了")
    reports[5].escalation_level = 2
    await session.flush()

    groups = await repository.policy_groups(session)
    limits = repository.limits_by_category(groups)
    ours = {r.id for r in reports}
    for minutes in (0, 10, 14, 16, 40, 90, 119, 121, 200, 25 * 60, 49 * 60, 8 * 24 * 60):
        now = NOW + minutes * MIN
        for rung in Rung:
            listed = await repository.due(session, rung, now=now, groups=groups, limit=1000)
            by_sql = {(r.id, repository.deadline_of(rung, r)) for r in listed if r.id in ours}
            by_rules = set()
            for r in reports:
                state = sla_service.clock_state(r)
                steps = (
                    ladder.reminders_due(state, limits[r.category_id], now)
                    + ladder.rungs_due(state, limits[r.category_id], now)
                    + [(Rung.rating_request, d) for d in [ladder.rating_request_due(state, now)] if d]
                )
                by_rules |= {(r.id, d) for step, d in steps if step is rung}
            assert by_sql == by_rules, (rung, minutes)


async def test_a_recorded_step_drops_out_of_its_due_list_until_its_deadline_moves(session, village):
    v = village
    report = await submit(session, v)
    groups = await repository.policy_groups(session)
    at = NOW + 25 * HOUR
    due = await repository.due(session, Rung.town, now=at, groups=groups, limit=10)
    assert report.id in {r.id for r in due}
    assert await repository.claim(session, Rung.town, due, now=at) >= {report.id}
    assert await repository.claim(session, Rung.town, due, now=at) == set()  # a second claim gets nothing
    assert report.id not in {
        r.id for r in await repository.due(session, Rung.town, now=at, groups=groups, limit=10)
    }
    report.resolve_due_at = NOW + 30 * HOUR  # an extension granted late, already passed at 31 h
    await session.flush()
    later = await repository.due(session, Rung.town, now=NOW + 31 * HOUR, groups=groups, limit=10)
    assert report.id in {r.id for r in later}
