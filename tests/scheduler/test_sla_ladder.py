"""Time travel through the ladder on PostgreSQL: each rung is reached exactly once, by the right people,
at the right time; extensions move it; a scheduler away for hours catches up in one pass."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.service import Actor
from app.reports.workflow import Action
from app.supervision import service as supervision_service
from app.supervision.models import SupervisionOrder
from tests.factories import NOW
from tests.scheduler._support import (
    HOUR,
    MIN,
    act,
    outbox,
    run,
    rungs,
    short_policy_category,
    sla_timeline,
    submit,
)


async def test_a_report_climbs_each_rung_exactly_once(session, database, settings, village):
    v = village
    report = await submit(session, v)
    quiet = {"respond": 0, "town": 0, "county": 0, "notified": 0}

    assert (await run(database, settings, "sla-scan", NOW + 29 * MIN)).counts == quiet
    first = await run(database, settings, "sla-scan", NOW + 30 * MIN)
    assert first.counts == {**quiet, "respond": 1, "notified": 2}
    assert await outbox(session, report) == [("sla_warning", v.cadre.id), ("sla_warning", v.secretary.id)]
    assert (await run(database, settings, "sla-scan", NOW + 31 * MIN)).counts == quiet

    await session.refresh(report)
    await act(session, report, Action.accept, at=NOW + HOUR)
    await act(session, report, Action.assign, at=NOW + HOUR, assignee_staff_id=v.handler.id)
    assert (await run(database, settings, "sla-scan", NOW + 24 * HOUR - MIN)).counts == quiet
    town = await run(database, settings, "sla-scan", NOW + 24 * HOUR)
    assert town.counts == {**quiet, "town": 1, "notified": 2}  # the village secretary and the town
    await session.refresh(report)
    assert report.escalation_level == 1
    assert (await run(database, settings, "sla-scan", NOW + 30 * HOUR)).counts == quiet

    county = await run(database, settings, "sla-scan", NOW + 48 * HOUR)
    assert county.counts == {**quiet, "county": 1, "notified": 1}
    for later in (NOW + 49 * HOUR, NOW + 96 * HOUR):
        assert (await run(database, settings, "sla-scan", later)).counts == quiet

    assert await rungs(session, report) == [
        ("respond", NOW + 30 * MIN),
        ("town", NOW + 24 * HOUR),
        ("county", NOW + 24 * HOUR),
    ]
    assert await outbox(session, report) == [
        ("sla_warning", v.cadre.id),
        ("sla_warning", v.secretary.id),
        ("escalated", v.secretary.id),  # the handling limit: the village secretary, then the town
        ("escalated", v.town_supervisor.id),  # no department yet: the town supervisor decides where it goes
        ("supervision_order", v.handler.id),  # the order tells who answers for the report
        ("supervision_order", v.county_supervisor.id),
    ]
    order = (
        await session.scalars(select(SupervisionOrder).where(SupervisionOrder.report_id == report.id))
    ).one()
    assert (order.source, order.status, order.opened_at) == ("sla", "open", NOW + 48 * HOUR)
    assert "48小时" in order.reason
    await session.refresh(report)
    assert (report.key_supervision, report.escalation_level, report.status) == (True, 1, "assigned")
    # The rungs are internal notes; the reporter's timeline shows only real progress.
    assert await sla_timeline(session, report) == [
        ("sla_respond", False),
        ("sla_town", False),
        ("key_supervision", False),
    ]


async def test_an_approved_extension_moves_the_reminder_and_the_rungs(session, database, settings, village):
    v = village
    report = await submit(session, v)
    await act(session, report, Action.accept, at=NOW + 10 * MIN)
    await act(session, report, Action.assign, at=NOW + 10 * MIN, assignee_staff_id=v.handler.id)

    assert (await run(database, settings, "sla-remind", NOW + 20 * HOUR)).counts["remind_resolve"] == 1
    extended = NOW + 48 * HOUR
    await session.refresh(report)
    await act(session, report, Action.request_extension, at=NOW + 21 * HOUR, until=extended, reason="等配件")
    await act(session, report, Action.approve_extension, at=NOW + 22 * HOUR)

    # The old deadlines pass quietly: nothing is late any more.
    for at in (NOW + 24 * HOUR, NOW + 47 * HOUR + 59 * MIN):
        assert (await run(database, settings, "sla-scan", at)).counts["town"] == 0
    assert (await run(database, settings, "sla-remind", NOW + 44 * HOUR)).counts["remind_resolve"] == 1
    assert (await run(database, settings, "sla-scan", extended)).counts["town"] == 1
    # The county rung moved with the deadline: a handling period after it, not 48 h after submission.
    assert (await run(database, settings, "sla-scan", NOW + 71 * HOUR)).counts["county"] == 0
    assert (await run(database, settings, "sla-scan", NOW + 72 * HOUR)).counts["county"] == 1

    assert await rungs(session, report) == [
        ("remind_resolve", NOW + 24 * HOUR),
        ("remind_resolve", extended),
        ("town", extended),
        ("county", extended),
    ]
    warnings = await outbox(session, report, "sla_warning")
    assert warnings == [("sla_warning", v.handler.id), ("sla_warning", v.handler.id)]


async def test_escalated_twice_opens_the_county_order_before_48_hours(session, database, settings, village):
    v = village
    report = await submit(session, v)
    await act(session, report, Action.accept, at=NOW + 10 * MIN)
    await act(session, report, Action.escalate, at=NOW + HOUR, department_id=v.c.department.id)

    # The village escalated once; missing the handling limit is the second time: the county steps in.
    result = await run(database, settings, "sla-scan", NOW + 24 * HOUR)
    assert (result.counts["town"], result.counts["county"]) == (1, 1)
    assert await outbox(session, report) == [
        ("escalated", v.secretary.id),
        ("escalated", v.town_supervisor.id),
        ("escalated", v.dept_staff.id),  # the report's department hears it too
        ("supervision_order", v.dept_staff.id),
        ("supervision_order", v.county_supervisor.id),
    ]
    order = (
        await session.scalars(select(SupervisionOrder).where(SupervisionOrder.report_id == report.id))
    ).one()
    assert "两次上报" in order.reason
    await session.refresh(report)
    assert report.escalation_level == 2
    assert (await run(database, settings, "sla-scan", NOW + 48 * HOUR)).counts["county"] == 0


async def test_an_order_opened_by_hand_is_not_doubled(session, database, settings, village):
    v = village
    report = await submit(session, v)
    await act(session, report, Action.accept, at=NOW + 10 * MIN)
    await supervision_service.open_order(
        session,
        report=report,
        reason="群众反复反映",
        due_at=NOW + 96 * HOUR,
        actor=Actor(kind="system"),
        now=NOW + 20 * HOUR,
    )
    told = await outbox(session, report, "supervision_order")
    result = await run(database, settings, "sla-scan", NOW + 48 * HOUR)
    assert (result.counts["county"], result.counts["county_already_supervised"]) == (0, 1)
    orders = (
        await session.scalars(select(SupervisionOrder).where(SupervisionOrder.report_id == report.id))
    ).all()
    assert [o.source for o in orders] == ["manual"]
    assert await outbox(session, report, "supervision_order") == told  # nobody told twice


async def test_work_done_in_time_never_climbs(session, database, settings, village):
    v = village
    report = await submit(session, v)
    await act(session, report, Action.accept, at=NOW + 20 * MIN)
    await act(session, report, Action.assign, at=NOW + 25 * MIN, assignee_team="volunteer")
    await act(session, report, Action.resolve, at=NOW + 5 * HOUR, result="路灯已修好")
    for at in (NOW + 30 * MIN, NOW + 24 * HOUR, NOW + 48 * HOUR, NOW + 30 * 24 * HOUR):
        counts = (await run(database, settings, "sla-scan", at)).counts
        assert counts["respond"] + counts["town"] + counts["county"] == 0
    assert await rungs(session, report) == []


async def test_a_scheduler_stopped_for_three_hours_catches_up_in_one_pass(
    session, database, settings, village
):
    v = village
    quick = await short_policy_category(
        session,
        respond_minutes=30,
        handle_hours=1,
        remind_before_respond_minutes=10,
        remind_before_handle_minutes=30,
        key_supervision_hours=2,
    )
    crosses_all = await submit(session, v, at=NOW, category=quick)
    crosses_two = await submit(session, v, at=NOW + 90 * MIN, category=quick)
    crosses_one = await submit(session, v, at=NOW + 140 * MIN, category=quick)
    not_yet = await submit(session, v, at=NOW + 155 * MIN, category=quick)
    assert (await run(database, settings, "sla-scan", NOW)).counts["notified"] == 0

    # Down from NOW until NOW + 3 h; the first pass after it does everything that fell due, once.
    back = await run(database, settings, "sla-scan", NOW + 3 * HOUR)
    assert back.counts == {"respond": 3, "town": 2, "county": 1, "notified": 2 * 3 + 2 * 2 + 1}
    assert {r for r, _ in await rungs(session, crosses_all)} == {"respond", "town", "county"}
    assert {r for r, _ in await rungs(session, crosses_two)} == {"respond", "town"}
    assert {r for r, _ in await rungs(session, crosses_one)} == {"respond"}
    assert await rungs(session, not_yet) == []
    again = await run(database, settings, "sla-scan", NOW + 3 * HOUR + MIN)
    assert again.counts == {"respond": 0, "town": 0, "county": 0, "notified": 0}
    # Reminders whose moment passed while it was down are not sent late.
    late = await run(database, settings, "sla-remind", NOW + 3 * HOUR)
    assert late.counts == {
        "remind_respond": 1,
        "remind_resolve": 0,
        "notified": 1,
    }  # only not_yet's is still ahead
    assert [r for r, _ in await rungs(session, not_yet)] == ["remind_respond"]
