"""A report's lifecycle writes its notifications in the same transaction, once per cause."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.service import Actor
from app.notifications import service as notifications_service
from app.notifications.models import Notification
from app.reports import service as reports_service
from app.reports.workflow import Action
from tests import factories
from tests.notifications._support import NOW, TZ


async def _rows(session, report_id=None):
    stmt = select(Notification).order_by(Notification.id)
    if report_id is not None:
        stmt = stmt.where(Notification.report_id == report_id)
    return (await session.scalars(stmt)).all()


async def _world(session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    handler = await factories.staff(session, role="handler", area=c.village)
    reporter = await factories.villager(session, village=c.village)
    report = await factories.report(session, village=c.village, reporter=reporter)
    return c, cadre, handler, reporter, report


async def _act(session, report, action, actor, **params):
    return await reports_service.perform_action(
        session,
        report=report,
        action=action,
        actor=Actor(kind="staff", id=actor.id),
        now=NOW,
        tz=TZ,
        **params,
    )


async def test_accepting_a_report_writes_one_acknowledgement_for_the_reporter(session):
    _, cadre, _, reporter, report = await _world(session)
    await _act(session, report, Action.accept, cadre)
    rows = await _rows(session, report.id)
    assert [(r.kind, r.dedupe_key, r.villager_id, r.status) for r in rows] == [
        ("acknowledged", f"ack:{report.id}", reporter.id, "pending")
    ]
    assert rows[0].payload["ledger_no"] == report.ledger_no
    assert rows[0].payload["note"] == f"已受理，编号{report.ledger_no}"
    assert rows[0].next_attempt_at == NOW and rows[0].client_msg_id.startswith("ssp")


async def test_the_same_cause_written_again_adds_nothing(session):
    _, cadre, _, _, report = await _world(session)
    await _act(session, report, Action.accept, cadre)
    kinds = (await session.scalars(select(Notification.kind).order_by(Notification.id))).all()
    assert "acknowledged" in kinds
    for _ in range(3):  # a retried job, a double-clicked button: the dedupe key holds
        await notifications_service.on_report_transition(
            session, report=report, action=Action.accept, now=NOW
        )
    assert (await session.scalars(select(Notification.kind).order_by(Notification.id))).all() == kinds


async def test_assignment_tells_the_handler_and_resolution_asks_the_reporter_to_rate(session):
    _, cadre, handler, reporter, report = await _world(session)
    await _act(session, report, Action.accept, cadre)
    await _act(session, report, Action.assign, cadre, assignee_staff_id=handler.id)
    await _act(session, report, Action.start, handler)
    await _act(session, report, Action.resolve, handler, result="已更换灯泡")
    kinds = [(r.kind, r.villager_id, r.staff_id) for r in await _rows(session, report.id)]
    assert kinds == [
        ("acknowledged", reporter.id, None),
        ("assigned", None, handler.id),
        ("resolved", reporter.id, None),
    ]
    resolved = (await _rows(session, report.id))[-1]
    assert resolved.payload["note"] == "已办结，请评价" and resolved.dedupe_key == f"resolved:{report.id}:0"


async def test_escalation_tells_every_active_officer_of_the_department(session):
    c, cadre, _, reporter, report = await _world(session)
    officers = [await factories.staff(session, role="department_staff", area=c.town, department=c.department)]
    officers.append(
        await factories.staff(session, role="department_staff", area=c.town, department=c.department)
    )
    await factories.staff(
        session, role="department_staff", area=c.town, department=c.department, active=False
    )
    await _act(session, report, Action.accept, cadre)
    await _act(session, report, Action.escalate, cadre, department_id=c.department.id)
    rows = await _rows(session, report.id)
    escalated = sorted(r.staff_id for r in rows if r.kind == "escalated")
    assert escalated == sorted(o.id for o in officers)
    assert [r.kind for r in rows if r.villager_id == reporter.id] == ["acknowledged", "progress"]


async def test_anonymous_walk_in_reports_notify_no_villager(session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    report = await factories.report(session, village=c.village)  # no reporter
    await _act(session, report, Action.accept, cadre)
    assert await _rows(session, report.id) == []


async def test_outbox_rows_roll_back_with_the_change_that_caused_them(session):
    _, cadre, _, _, report = await _world(session)
    report_id = report.id
    savepoint = await session.begin_nested()
    await _act(session, report, Action.accept, cadre)
    assert len(await _rows(session, report_id)) == 1
    await savepoint.rollback()
    assert await _rows(session, report_id) == []


async def _told(session, report_id, kind):
    rows = await _rows(session, report_id)
    return sorted((r.staff_id, r.dedupe_key.split(":")[0]) for r in rows if r.kind == kind and r.staff_id)


async def test_work_handed_to_a_team_or_back_to_a_department_tells_each_of_them(session):
    c, cadre, _, _, report = await _world(session)
    techs = [
        await factories.staff(session, role="handler", area=c.village, team="technician") for _ in range(2)
    ]
    await factories.staff(session, role="handler", area=c.village, team="volunteer")  # another team
    await factories.staff(session, role="handler", area=c.other_village, team="technician")  # elsewhere
    await factories.staff(session, role="handler", area=c.village, team="technician", active=False)
    await _act(session, report, Action.accept, cadre)
    await _act(session, report, Action.assign, cadre, assignee_team="technician")
    assert await _told(session, report.id, "assigned") == sorted((t.id, "assigned") for t in techs)

    second = await factories.report(session, village=c.village)
    dept = await factories.staff(session, role="department_staff", area=c.town, department=c.department)
    await _act(session, second, Action.accept, cadre)
    await _act(session, second, Action.escalate, cadre, department_id=c.department.id)
    await _act(session, second, Action.start, dept)
    await _act(session, second, Action.resolve, dept, result="已处理")
    await _act(session, second, Action.reopen, cadre, reason="群众反映未修好")
    assert await _told(session, second.id, "assigned") == [(dept.id, "assigned")]  # the reopened case
    assert await _told(session, second.id, "escalated") == [(dept.id, "escalated")]


async def test_a_forwarded_alert_tells_the_department_and_an_approved_bounce_the_intake_cadres(session):
    c, cadre, handler, _, _ = await _world(session)
    dept = await factories.staff(session, role="department_staff", area=c.town, department=c.department)
    alert = await factories.report(session, village=c.village, category_code="safety_hazard")
    await _act(session, alert, Action.acknowledge, cadre)
    await _act(session, alert, Action.forward, cadre, department_id=c.department.id)
    assert await _told(session, alert.id, "escalated") == [(dept.id, "forwarded")]
    row = next(r for r in await _rows(session, alert.id) if r.staff_id == dept.id)
    assert row.payload["unit"] == "村(社区)转办"

    problem = await factories.report(session, village=c.village)
    secretary = await factories.staff(session, role="village_secretary", area=c.village)
    await _act(session, problem, Action.accept, cadre)
    await _act(session, problem, Action.assign, cadre, assignee_staff_id=handler.id)
    await _act(session, problem, Action.bounce_back, handler, reason="不属于本村职责")
    await _act(session, problem, Action.approve_bounce, secretary)
    assert await _told(session, problem.id, "assigned") == sorted(
        [(handler.id, "assigned"), (cadre.id, "rearrange")]
    )


async def test_an_approved_extension_tells_the_reporter_the_new_date(session):
    from datetime import timedelta

    c, cadre, handler, reporter, report = await _world(session)
    secretary = await factories.staff(session, role="village_secretary", area=c.village)
    await _act(session, report, Action.accept, cadre)
    await _act(session, report, Action.assign, cadre, assignee_staff_id=handler.id)
    await _act(session, report, Action.start, handler)
    until = NOW + timedelta(days=3, hours=8)  # 6 December, 18:00 in Asia/Shanghai
    await _act(session, report, Action.request_extension, handler, until=until, reason="需等待配件")
    await _act(session, report, Action.approve_extension, secretary)
    [told] = [r for r in await _rows(session, report.id) if r.kind == "progress"]
    assert (told.villager_id, told.payload["note"]) == (reporter.id, "办理时限已延期至12月6日18:00")
    assert len(told.payload["note"]) <= 20  # a template's thing field
