"""Console actions: each one a lifecycle transition with timeline and audit; roles and scope enforced."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core.clock import utcnow
from app.core.database import Database
from app.main import create_app
from app.reports.models import Report, TimelineEvent
from tests import factories

# The console runs on the machine's clock: the reports are made 45 minutes before the test, not at
# the factories' fixed NOW, whose deadlines pass with the calendar.
NOW = utcnow() - timedelta(minutes=45)


@pytest.fixture
async def village(session):
    c = await factories.county(session)
    people = {
        "cadre": await factories.staff(session, role="intake_cadre", area=c.village),
        "secretary": await factories.staff(session, role="village_secretary", area=c.village),
        "handler": await factories.staff(session, role="handler", area=c.village, team="technician"),
        "dept": await factories.staff(session, role="department_staff", area=c.town, department=c.department),
        "supervisor": await factories.staff(session, role="supervisor", area=c.town),
        "far_cadre": await factories.staff(session, role="intake_cadre", area=c.other_village),
    }
    report = await factories.report(session, village=c.village, now=NOW)
    return c, people, report


async def _act(client, account, report_id, action, **body):
    headers = await factories.staff_token(client, account)
    return await client.post(f"/api/v1/reports/{report_id}/actions/{action}", headers=headers, json=body)


async def _audit_actions(session, report_id) -> list[str]:
    rows = await session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "report", AuditEntry.target_id == str(report_id))
        .order_by(AuditEntry.id)
    )
    return list(rows)


async def test_a_report_walks_the_whole_path_through_the_console(village, client, session):
    c, p, report = village
    res = await _act(client, p["cadre"], report.id, "accept")
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "accepted" and res.json()["ledger_no"]
    res = await _act(client, p["cadre"], report.id, "assign", assignee_staff_id=p["handler"].id)
    assert res.json()["status"] == "assigned" and res.json()["assignee_staff_id"] == p["handler"].id
    assert (await _act(client, p["handler"], report.id, "start")).json()["status"] == "in_progress"
    res = await _act(client, p["handler"], report.id, "add_progress", note="已联系电工，明早到场")
    assert res.json()["timeline"][-1]["message"] == "办理进展：已联系电工，明早到场"
    until = (NOW + timedelta(days=3)).isoformat()
    res = await _act(client, p["handler"], report.id, "request_extension", until=until, reason="需采购灯具")
    assert res.json()["extension_requested_until"] is not None
    res = await _act(client, p["secretary"], report.id, "approve_extension")
    assert res.status_code == 200, res.text
    assert res.json()["resolve_due_at"].startswith((NOW + timedelta(days=3)).date().isoformat())
    assert "延期至" in res.json()["timeline"][-1]["message"]
    res = await _act(client, p["handler"], report.id, "resolve", result="已更换灯具")
    assert res.json()["status"] == "resolved"
    assert await _audit_actions(session, report.id) == [
        "report.accept",
        "report.assign",
        "report.start",
        "report.add_progress",
        "report.request_extension",
        "report.approve_extension",
        "report.resolve",
    ]
    timeline = (
        await session.scalars(
            select(TimelineEvent).where(TimelineEvent.report_id == report.id).order_by(TimelineEvent.id)
        )
    ).all()
    internal = [e.action for e in timeline if not e.visible_to_reporter]
    assert internal == ["request_extension"]


async def test_escalation_to_a_department_and_a_bounce_back_decided_by_the_supervisor(
    village, client, session
):
    c, p, report = village
    await _act(client, p["cadre"], report.id, "accept")
    res = await _act(client, p["cadre"], report.id, "escalate", department_id=c.department.id)
    assert res.json()["department_id"] == c.department.id and res.json()["escalation_level"] == 1
    res = await _act(client, p["dept"], report.id, "bounce_back", reason="属于供电公司职责")
    assert res.json()["bounce_reason"] == "属于供电公司职责"
    res = await _act(client, p["supervisor"], report.id, "approve_bounce")
    assert res.json()["status"] == "accepted" and res.json()["department_id"] is None
    # Once bounced, the department no longer sees it.
    headers = await factories.staff_token(client, p["dept"])
    assert (await client.get(f"/api/v1/reports/{report.id}", headers=headers)).status_code == 404


async def test_escalation_to_another_towns_department_is_refused(village, client):
    c, p, report = village
    await _act(client, p["cadre"], report.id, "accept")
    res = await _act(client, p["cadre"], report.id, "escalate", department_id=c.other_department.id)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "department_id"


async def test_assigning_someone_from_another_village_is_refused(village, client, session):
    c, p, report = village
    stranger = await factories.staff(session, role="handler", area=c.other_village)
    await _act(client, p["cadre"], report.id, "accept")
    res = await _act(client, p["cadre"], report.id, "assign", assignee_staff_id=stranger.id)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "assignee_staff_id"


async def test_reject_with_reason_and_duplicate_marking(village, client, session):
    c, p, report = village
    original = await factories.report(session, village=c.village, description="同一盏路灯", now=NOW)
    res = await _act(client, p["cadre"], report.id, "mark_duplicate", duplicate_of_id=original.id)
    assert res.json()["status"] == "rejected" and res.json()["reject_reason"] == "duplicate"
    other = await factories.report(session, village=c.village, now=NOW)
    res = await _act(client, p["cadre"], other.id, "reject", reason="out_of_scope", note="属于县级事项")
    assert res.json()["status"] == "rejected"
    assert res.json()["timeline"][-1]["message"] == "不予受理：不属于受理范围（属于县级事项）"


async def test_illegal_action_is_409_with_a_clear_message_and_changes_nothing(village, client, session):
    c, p, report = village
    res = await _act(client, p["cadre"], report.id, "resolve", result="x")
    assert res.status_code == 409
    assert res.json()["detail"]["message"] == "当前状态为「已上报」，不能执行「办结」"
    assert await _audit_actions(session, report.id) == []


async def test_roles_that_may_not_act_get_403_and_out_of_scope_gets_404(village, client):
    c, p, report = village
    assert (await _act(client, p["handler"], report.id, "accept")).status_code in (403, 404)
    assert (await _act(client, p["supervisor"], report.id, "accept")).status_code == 403
    assert (await _act(client, p["far_cadre"], report.id, "accept")).status_code == 404
    assert (await _act(client, p["cadre"], report.id, "rate", rating="satisfied")).status_code == 403
    assert (await _act(client, p["cadre"], 99999999, "accept")).status_code == 404
    assert (await _act(client, p["cadre"], report.id, "fly")).status_code == 422


async def test_stale_version_is_409(village, client):
    c, p, report = village
    res = await _act(client, p["cadre"], report.id, "accept", version=report.version + 5)
    assert res.status_code == 409 and res.json()["detail"]["field"] == "version"


async def test_visibility_and_key_supervision_are_audited(village, client, session):
    c, p, report = village
    headers = await factories.staff_token(client, p["cadre"])
    res = await client.post(
        f"/api/v1/reports/{report.id}/visibility", headers=headers, json={"is_public": True}
    )
    assert res.status_code == 200 and res.json()["is_public"] is True
    res = await client.post(
        f"/api/v1/reports/{report.id}/key-supervision", headers=headers, json={"reason": "群众反复反映"}
    )
    assert res.status_code == 403
    sup = await factories.staff_token(client, p["supervisor"])
    res = await client.post(
        f"/api/v1/reports/{report.id}/key-supervision", headers=sup, json={"reason": "群众反复反映"}
    )
    assert res.status_code == 200 and res.json()["key_supervision"] is True
    assert await _audit_actions(session, report.id) == ["report.is_public", "report.key_supervision"]


async def test_queues_text_search_and_counts(village, client, session):
    c, p, report = village
    second = await factories.report(session, village=c.village, description="河道有垃圾堆积", now=NOW)
    await _act(client, p["cadre"], second.id, "accept")
    await _act(client, p["cadre"], second.id, "assign", assignee_staff_id=p["handler"].id)
    handler = await factories.staff_token(client, p["handler"])
    mine = (await client.get("/api/v1/reports", headers=handler, params={"queue": "mine"})).json()
    assert [i["id"] for i in mine["items"]] == [second.id]
    cadre = await factories.staff_token(client, p["cadre"])
    new = (await client.get("/api/v1/reports", headers=cadre, params={"queue": "new"})).json()
    assert [i["id"] for i in new["items"]] == [report.id]
    found = (await client.get("/api/v1/reports", headers=cadre, params={"q": "垃圾"})).json()
    assert [i["id"] for i in found["items"]] == [second.id]
    assert (await client.get("/api/v1/reports", headers=cadre, params={"q": "%"})).json()["items"] == []
    counts = (await client.get("/api/v1/reports/counts", headers=cadre)).json()
    assert counts["by_status"] == {"submitted": 1, "assigned": 1} and counts["total"] == 2
    assert counts["overdue"] == 1  # the unreviewed one is past its 30 minutes; the assigned one has a day


async def test_two_cadres_accepting_at_once_one_wins_one_gets_409(fresh_db, settings):
    db = Database(fresh_db.url)
    try:
        async with db.sessionmaker() as s:
            c = await factories.county(s)
            cadres = [await factories.staff(s, role="intake_cadre", area=c.village) for _ in range(2)]
            report = await factories.report(s, village=c.village, now=NOW)
            await s.commit()
        app = create_app(settings, db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            tokens = [await factories.staff_token(client, cadre) for cadre in cadres]
            results = await asyncio.gather(
                *(
                    client.post(f"/api/v1/reports/{report.id}/actions/accept", headers=h, json={})
                    for h in tokens
                )
            )
        assert sorted(r.status_code for r in results) == [200, 409]
        async with db.sessionmaker() as s:
            stored = await s.get(Report, report.id)
            assert stored is not None and stored.status == "accepted" and stored.version == 2
            assert (
                await s.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.accept")
                )
                == 1
            )
    finally:
        await db.dispose()


async def test_console_actions_write_the_outbox_rows_they_imply(session, client):
    """Each step through the console: the reporter hears acceptance, progress and the result; the handler
    hears the assignment; the department hears the escalation — one row per cause."""
    from app.notifications.models import Notification

    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    handler = await factories.staff(session, role="handler", area=c.village, team="technician")
    officer = await factories.staff(session, role="department_staff", area=c.town, department=c.department)
    reporter = await factories.villager(session, village=c.village)
    report = await factories.report(session, village=c.village, reporter=reporter, now=NOW)

    async def rows() -> list[tuple[str, int | None, int | None]]:
        found = await session.execute(
            select(Notification.kind, Notification.villager_id, Notification.staff_id)
            .where(Notification.report_id == report.id)
            .order_by(Notification.id)
        )
        return [tuple(r) for r in found.all()]

    steps = [
        (cadre, "accept", {}, [("acknowledged", reporter.id, None)]),
        (cadre, "assign", {"assignee_staff_id": handler.id}, [("assigned", None, handler.id)]),
        (handler, "add_progress", {"note": "已到现场"}, [("progress", reporter.id, None)]),
        (
            cadre,
            "escalate",
            {"department_id": c.department.id},
            [("progress", reporter.id, None), ("escalated", None, officer.id)],
        ),
        (officer, "resolve", {"result": "已修复"}, [("resolved", reporter.id, None)]),
    ]
    expected: list[tuple[str, int | None, int | None]] = []
    for actor, action, body, new_rows in steps:
        res = await _act(client, actor, report.id, action, **body)
        assert res.status_code == 200, (action, res.text)
        expected += new_rows
        assert await rows() == expected, action
    # Retrying an action that already happened is refused and writes nothing more.
    again = await _act(client, officer, report.id, "resolve", result="已修复")
    assert again.status_code == 409
    assert len(await rows()) == len(expected)


async def test_making_a_held_report_public_releases_its_hold(village, client, session, settings):
    from app.villagers.visibility import visible_to

    c, p, report = village
    await _act(client, p["cadre"], report.id, "accept")
    # A photo's "review" verdict after acceptance holds it again (app/inbound/delivery.py).
    await session.refresh(report)
    report.held_for_review = True
    await session.flush()
    headers = await factories.staff_token(client, p["cadre"])
    before = await client.get(f"/api/v1/reports/{report.id}", headers=headers)
    assert before.json()["held_for_review"] is True
    res = await client.post(
        f"/api/v1/reports/{report.id}/visibility", headers=headers, json={"is_public": True}
    )
    assert res.status_code == 200, res.text
    assert (res.json()["is_public"], res.json()["held_for_review"]) == (True, False)
    stranger = await factories.villager(session, village=c.village)
    seen = await session.scalar(select(Report.id).where(Report.id == report.id, visible_to(stranger.id)))
    assert seen == report.id
    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "report.is_public", AuditEntry.target_id == str(report.id)
        )
    )
    assert entry is not None and entry.details["released_hold"] is True
