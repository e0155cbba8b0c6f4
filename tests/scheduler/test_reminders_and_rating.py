"""Reminders go to whoever holds the report before its deadline, never after; the rating follow-up asks
once a day after resolution and closes an unrated report after a week."""

from __future__ import annotations

from sqlalchemy import select

from app.reports.models import TimelineEvent
from app.reports.workflow import Action
from tests.factories import NOW
from tests.scheduler._support import HOUR, MIN, act, outbox, run, rungs, submit

DAY = 24 * HOUR


async def test_the_intake_cadre_is_reminded_before_the_response_limit_not_after(
    session, database, settings, village
):
    v = village
    early = await submit(session, v)
    assert (await run(database, settings, "sla-remind", NOW + 19 * MIN)).counts["remind_respond"] == 0
    assert (await run(database, settings, "sla-remind", NOW + 20 * MIN)).counts == {
        "remind_respond": 1,
        "remind_resolve": 0,
        "notified": 1,
    }
    assert (await run(database, settings, "sla-remind", NOW + 25 * MIN)).counts["remind_respond"] == 0
    assert await outbox(session, early) == [("sla_warning", v.cadre.id)]

    # A scheduler that first looks after the limit sends no reminder: the ladder takes over.
    late = await submit(session, v, at=NOW + HOUR)
    assert (await run(database, settings, "sla-remind", NOW + HOUR + 30 * MIN)).counts["remind_respond"] == 0
    assert await rungs(session, late) == []


async def test_the_handling_reminder_goes_to_whoever_holds_the_report(session, database, settings, village):
    v = village
    to_person, to_team, to_department, unassigned = [await submit(session, v) for _ in range(4)]
    for report in (to_person, to_team, to_department, unassigned):
        await act(session, report, Action.accept, at=NOW + 5 * MIN)
    await act(session, to_person, Action.assign, at=NOW + 6 * MIN, assignee_staff_id=v.handler.id)
    await act(session, to_team, Action.assign, at=NOW + 6 * MIN, assignee_team="volunteer")
    await act(session, to_department, Action.escalate, at=NOW + 6 * MIN, department_id=v.c.department.id)

    assert (await run(database, settings, "sla-remind", NOW + 20 * HOUR - MIN)).counts["remind_resolve"] == 0
    assert (await run(database, settings, "sla-remind", NOW + 20 * HOUR)).counts["remind_resolve"] == 4
    assert (await run(database, settings, "sla-remind", NOW + 23 * HOUR)).counts["remind_resolve"] == 0
    assert await outbox(session, to_person) == [("sla_warning", v.handler.id)]
    assert await outbox(session, to_team) == [("sla_warning", v.team_handler.id)]  # the grid's volunteer
    assert await outbox(session, to_department) == [("sla_warning", v.dept_staff.id)]
    assert await outbox(session, unassigned) == [("sla_warning", v.cadre.id)]  # they have to assign it
    # Past the limit nothing more is sent as a reminder.
    assert (await run(database, settings, "sla-remind", NOW + 25 * HOUR)).counts["notified"] == 0


async def _resolved(session, v, *, at):
    report = await submit(session, v)
    await act(session, report, Action.accept, at=NOW + 5 * MIN)
    await act(session, report, Action.assign, at=NOW + 6 * MIN, assignee_staff_id=v.handler.id)
    await act(session, report, Action.resolve, at=at, result="已修复")
    return report


async def test_the_reporter_is_asked_to_rate_once_and_silence_closes_it_after_a_week(
    session, database, settings, village
):
    v = village
    resolved_at = NOW + 3 * HOUR
    report = await _resolved(session, v, at=resolved_at)
    assert (await run(database, settings, "rating-followup", resolved_at + DAY - MIN)).counts["notified"] == 0
    asked = await run(database, settings, "rating-followup", resolved_at + DAY)
    assert asked.counts == {"rating_request": 1, "notified": 1, "closed": 0}
    assert (await run(database, settings, "rating-followup", resolved_at + 3 * DAY)).counts["notified"] == 0
    assert (await run(database, settings, "rating-followup", resolved_at + 7 * DAY - MIN)).counts[
        "closed"
    ] == 0

    closed = await run(database, settings, "rating-followup", resolved_at + 7 * DAY)
    assert closed.counts["closed"] == 1
    await session.refresh(report)
    assert (report.status, report.close_reason) == ("closed", "no_response")
    last = await session.scalar(
        select(TimelineEvent).where(TimelineEvent.report_id == report.id).order_by(TimelineEvent.id.desc())
    )
    assert last is not None and (last.action, last.visible_to_reporter) == ("close", True)
    assert "逾期未评价" in last.message
    assert (await run(database, settings, "rating-followup", resolved_at + 8 * DAY)).counts["closed"] == 0
    assert await outbox(session, report, "rating_request") == [("rating_request", None)]


async def test_a_rated_report_is_left_alone_and_a_reopened_one_is_asked_again(
    session, database, settings, village
):
    v = village
    rated = await _resolved(session, v, at=NOW + HOUR)
    await act(session, rated, Action.rate, at=NOW + 2 * HOUR, rating="satisfied")
    again = await _resolved(session, v, at=NOW + HOUR)
    assert (await run(database, settings, "rating-followup", NOW + HOUR + DAY)).counts["rating_request"] == 1

    await session.refresh(again)
    await act(session, again, Action.rate, at=NOW + 2 * DAY, rating="unsatisfied")  # reopened (重办)
    await act(session, again, Action.resolve, at=NOW + 3 * DAY, result="重新修复")
    assert (await run(database, settings, "rating-followup", NOW + 4 * DAY)).counts["rating_request"] == 1
    assert len(await rungs(session, again)) == 2  # one request per round of handling
    assert await rungs(session, rated) == []
    await session.refresh(rated)
    assert rated.status == "closed" and rated.close_reason == "rated"
