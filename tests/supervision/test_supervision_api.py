"""Key supervision orders, look-backs and special ledgers through the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.reports import service as reports_service
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")
FUTURE = datetime.now(UTC) + timedelta(days=7)


async def _walk(session, report, *steps):
    for action, params in steps:
        await reports_service.perform_action(
            session, report=report, action=action, actor=Actor(kind="system"), now=NOW, tz=TZ, **params
        )


async def _outbox(session, kind: str) -> list[tuple[int | None, str]]:
    from app.notifications.models import Notification

    rows = await session.execute(
        select(Notification.staff_id, Notification.dedupe_key)
        .where(Notification.kind == kind)
        .order_by(Notification.id)
    )
    return [tuple(r) for r in rows.all()]


@pytest.fixture
async def setup(session, client):
    c = await factories.county(session)
    sup = await factories.staff(session, role="supervisor", area=c.town)
    far_sup = await factories.staff(session, role="supervisor", area=c.other_town)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    handler = await factories.staff(session, role="handler", area=c.village, team="volunteer")
    report = await factories.report(session, village=c.village)
    await _walk(session, report, (Action.accept, {}), (Action.assign, {"assignee_staff_id": handler.id}))
    headers = {
        "sup": await factories.staff_token(client, sup),
        "far": await factories.staff_token(client, far_sup),
        "cadre": await factories.staff_token(client, cadre),
    }
    return c, report, headers, handler.id


async def test_an_order_is_opened_followed_up_by_phone_and_site_and_closed(setup, client, session):
    c, report, h, handler_id = setup
    res = await client.post(
        "/api/v1/supervision/orders",
        headers=h["sup"],
        json={"report_id": report.id, "reason": "超期未办结", "due_at": FUTURE.isoformat()},
    )
    assert res.status_code == 201, res.text
    order = res.json()
    # The assignee is told, once, through the outbox.
    assert await _outbox(session, "supervision_order") == [
        (handler_id, f"supervision:{order['id']}:s{handler_id}")
    ]
    detail = await client.get(f"/api/v1/reports/{report.id}", headers=h["sup"])
    assert detail.json()["key_supervision"] is True
    for method, findings in (("phone", "电话督导：承办人称材料已采购"), ("on_site", "现场督办：已施工过半")):
        res = await client.post(
            f"/api/v1/supervision/orders/{order['id']}/records",
            headers=h["sup"],
            json={"method": method, "findings": findings},
        )
        assert res.status_code == 201
    res = await client.post(
        f"/api/v1/supervision/orders/{order['id']}/close", headers=h["sup"], json={"result": "问题已解决"}
    )
    body = res.json()
    assert body["status"] == "closed" and [r["method"] for r in body["records"]] == ["phone", "on_site"]
    again = await client.post(
        f"/api/v1/supervision/orders/{order['id']}/close", headers=h["sup"], json={"result": "x"}
    )
    assert again.status_code == 409
    actions = (
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "supervision_order")
            .order_by(AuditEntry.id)
        )
    ).all()
    assert actions == ["supervision.open", "supervision.record", "supervision.record", "supervision.close"]
    listed = (await client.get("/api/v1/supervision/orders", headers=h["far"])).json()
    assert listed == []


async def test_order_refusals(setup, client):
    c, report, h, handler_id = setup
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    res = await client.post(
        "/api/v1/supervision/orders",
        headers=h["sup"],
        json={"report_id": report.id, "reason": "x", "due_at": past},
    )
    assert res.status_code == 422 and res.json()["detail"]["field"] == "due_at"
    res = await client.post(
        "/api/v1/supervision/orders",
        headers=h["far"],
        json={"report_id": report.id, "reason": "x", "due_at": FUTURE.isoformat()},
    )
    assert res.status_code == 404
    res = await client.post(
        "/api/v1/supervision/orders",
        headers=h["cadre"],
        json={"report_id": report.id, "reason": "x", "due_at": FUTURE.isoformat()},
    )
    assert res.status_code == 403
    ok = await client.post(
        "/api/v1/supervision/orders",
        headers=h["sup"],
        json={"report_id": report.id, "reason": "x", "due_at": FUTURE.isoformat()},
    )
    assert ok.status_code == 201
    dup = await client.post(
        "/api/v1/supervision/orders",
        headers=h["sup"],
        json={"report_id": report.id, "reason": "y", "due_at": FUTURE.isoformat()},
    )
    assert dup.status_code == 409
    bad = await client.post(
        f"/api/v1/supervision/orders/{ok.json()['id']}/records",
        headers=h["sup"],
        json={"method": "email", "findings": "x"},
    )
    assert bad.status_code == 422


async def test_a_look_back_that_finds_the_problem_back_reopens_the_report(setup, client, session):
    c, report, h, handler_id = setup
    await _walk(session, report, (Action.resolve, {"result": "已清理"}), (Action.close, {}))
    res = await client.post(
        "/api/v1/supervision/look-backs",
        headers=h["sup"],
        json={"report_id": report.id, "due_at": FUTURE.isoformat()},
    )
    assert res.status_code == 201
    look = res.json()
    pending = (
        await client.get("/api/v1/supervision/look-backs", headers=h["cadre"], params={"done": "false"})
    ).json()
    assert [x["id"] for x in pending] == [look["id"]]
    res = await client.post(
        f"/api/v1/supervision/look-backs/{look['id']}/complete",
        headers=h["cadre"],
        json={"outcome": "recurred", "notes": "垃圾又堆起来了"},
    )
    assert res.status_code == 200 and res.json()["outcome"] == "recurred"
    detail = (await client.get(f"/api/v1/reports/{report.id}", headers=h["sup"])).json()
    assert detail["status"] == "assigned" and detail["reopen_count"] == 1
    assert "回头看发现问题复发" in detail["timeline"][-1]["message"]


async def test_look_back_only_on_finished_reports(setup, client):
    c, report, h, handler_id = setup
    res = await client.post(
        "/api/v1/supervision/look-backs",
        headers=h["sup"],
        json={"report_id": report.id, "due_at": FUTURE.isoformat()},
    )
    assert res.status_code == 409


async def test_special_ledger_is_made_of_reports_in_scope_and_pushed_once(setup, client, session):
    c, report, h, handler_id = setup
    other = await factories.report(session, village=c.village)
    far = await factories.report(session, village=c.other_village)
    res = await client.post(
        "/api/v1/supervision/ledgers",
        headers=h["sup"],
        json={"title": "路灯专项整治", "report_ids": [report.id, other.id, far.id]},
    )
    assert res.status_code == 404 and str(far.id) in res.json()["detail"]["message"]
    res = await client.post(
        "/api/v1/supervision/ledgers",
        headers=h["sup"],
        json={"title": "路灯专项整治", "report_ids": [report.id, other.id]},
    )
    assert res.status_code == 201
    ledger = res.json()
    assert ledger["report_ids"] == sorted([report.id, other.id])
    assert (
        await client.get(f"/api/v1/supervision/ledgers/{ledger['id']}", headers=h["far"])
    ).status_code == 404
    secretary = await factories.staff(session, role="village_secretary", area=c.village)
    pushed = await client.post(f"/api/v1/supervision/ledgers/{ledger['id']}/push", headers=h["sup"])
    assert pushed.status_code == 200 and pushed.json()["pushed_at"] is not None
    # The assigned report goes to its handler; the unassigned one to the village secretary.
    assert await _outbox(session, "supervision_order") == [
        (handler_id, f"ledger:{ledger['id']}:r{report.id}:s{handler_id}"),
        (secretary.id, f"ledger:{ledger['id']}:r{other.id}:s{secretary.id}"),
    ]
    again = await client.post(f"/api/v1/supervision/ledgers/{ledger['id']}/push", headers=h["sup"])
    assert again.status_code == 409


async def test_the_supervision_counts_of_an_area_and_a_period(setup, client, session):
    """Orders opened in the period (and closed since), acts of supervision in it by method."""
    from app.supervision import service as supervision_service

    c, first, h, _ = setup
    sup = Actor(kind="staff", id=None)
    november = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    december = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    far = await factories.report(session, village=c.other_village)  # another town's
    orders = []
    for report, at in (
        (first, november),
        (await factories.report(session, village=c.village), december),
        (far, december),
    ):
        if report is not first:  # the setup's is accepted and assigned already
            await _walk(session, report, (Action.accept, {}))
        orders.append(
            await supervision_service.open_order(
                session, report=report, reason="超期", due_at=at + timedelta(days=3), actor=sup, now=at
            )
        )
    for method in ("phone", "phone", "on_site"):
        await supervision_service.add_record(
            session, order=orders[0], method=method, findings="督导", actor=sup, now=november
        )
    await supervision_service.add_record(
        session, order=orders[1], method="system", findings="提醒", actor=sup, now=december
    )
    await supervision_service.close_order(session, order=orders[0], result="已解决", actor=sup, now=december)
    await session.flush()

    whole = (await client.get("/api/v1/supervision/counts", headers=h["sup"])).json()
    assert whole == {
        "period": None,
        "orders": 2,  # not the other town's
        "closed": 1,
        "open": 1,
        "by_method": {"system": 1, "phone": 2, "on_site": 1},
    }
    nov = (await client.get("/api/v1/supervision/counts?period=2026-11", headers=h["sup"])).json()
    assert (nov["orders"], nov["closed"], nov["by_method"]) == (1, 1, {"system": 0, "phone": 2, "on_site": 1})
    far_town = (await client.get("/api/v1/supervision/counts", headers=h["far"])).json()
    assert (far_town["orders"], far_town["by_method"]["system"]) == (1, 0)
    bad = await client.get("/api/v1/supervision/counts?period=2026-13", headers=h["sup"])
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "period"
