"""The moral bank through its HTTP edges: the whole path from acceptance to pickup, bad input refused
with nothing changed, and each person kept to what is theirs."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.core.clock import utcnow
from app.notifications.models import Notification
from app.points.models import PointsEntry, Redemption, Reward, RuleVersion
from app.points.quarters import Quarter
from tests import factories
from tests.miniprogram import helpers
from tests.points.conftest import TZ, balance_of, grant


async def _count(session, model, *where) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_accept_with_grade_earn_redeem_and_pick_up(client, session, settings, bank):
    villager, mp = await helpers.villager(session, settings, village=bank.c.village)
    report = await factories.report(session, village=bank.c.village, reporter=villager)
    cadre = await factories.staff_token(client, bank.cadre)
    secretary = await factories.staff_token(client, bank.secretary)

    res = await client.post(
        f"/api/v1/reports/{report.id}/actions/accept", headers=cadre, json={"quality_grade": 3}
    )
    assert res.status_code == 200, res.text
    points = (await client.get("/mp/v1/points", headers=mp)).json()
    assert points["balance"] == 10 and [i["reason"] for i in points["items"]] == ["reporter_accepted"]
    assert points["items"][0]["report_id"] == report.id

    res = await client.post(
        "/api/v1/points/rewards",
        headers=secretary,
        json={
            "area_id": bank.c.village.id,
            "name": "洗衣液",
            "value_fen": 990,
            "points_price": 8,
            "stock": 1,
        },
    )
    assert res.status_code == 201, res.text
    reward_id = res.json()["id"]
    catalog = (await client.get("/mp/v1/rewards", headers=mp)).json()
    assert [r["id"] for r in catalog] == [reward_id]

    key = {**mp, "Idempotency-Key": "redeem-0001"}
    first = await client.post("/mp/v1/redemptions", headers=key, json={"reward_id": reward_id})
    assert first.status_code == 201, first.text
    placed = first.json()
    assert placed["balance"] == 2 and placed["status"] == "placed" and len(placed["pickup_code"]) == 6
    again = await client.post("/mp/v1/redemptions", headers=key, json={"reward_id": reward_id})
    assert (
        again.status_code == 201 and again.json() == placed and again.headers["Idempotent-Replayed"] == "true"
    )
    assert await _count(session, Redemption, Redemption.villager_id == villager.id) == 1
    assert (await client.get("/mp/v1/points", headers=mp)).json()["balance"] == 2

    broke = await client.post(
        "/mp/v1/redemptions", headers={**mp, "Idempotency-Key": "redeem-0002"}, json={"reward_id": reward_id}
    )
    assert broke.status_code == 409 and broke.json()["detail"]["code"] == "insufficient_points"
    assert "余额不足" in broke.json()["detail"]["message"]

    res = await client.post(
        "/api/v1/points/redemptions/fulfil", headers=cadre, json={"pickup_code": placed["pickup_code"]}
    )
    assert res.status_code == 200 and res.json()["status"] == "fulfilled"
    mine = (await client.get("/mp/v1/redemptions", headers=mp)).json()["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(placed["id"], "fulfilled")]
    res = await client.post(f"/mp/v1/redemptions/{placed['id']}/cancel", headers=mp)
    assert res.status_code == 409

    kinds = (
        await session.scalars(
            select(Notification.kind).where(Notification.villager_id == villager.id).order_by(Notification.id)
        )
    ).all()
    assert "points_earned" in kinds and "redemption_ready" in kinds
    ready = await session.scalar(
        select(Notification).where(Notification.dedupe_key == f"redemption:{placed['id']}:ready")
    )
    assert ready is not None and ready.payload["pickup_code"] == placed["pickup_code"]
    actions = set(
        (await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("points.%")))).all()
    )
    assert {"points.reward.create", "points.redemption.fulfil"} <= actions

    quarter = Quarter.containing(utcnow(), TZ)
    res = await client.get(f"/api/v1/points/payouts/{quarter}.xlsx", headers=secretary)
    assert res.status_code == 200
    book = load_workbook(io.BytesIO(res.content))
    [row, total] = list(book["汇总"].iter_rows(min_row=3, values_only=True))
    assert row[1] == bank.c.village.name and row[2:5] == (1, 1, 8) and round(row[5] * 100) == 990
    assert total[4] == 8


async def test_bad_grade_is_refused_and_the_report_is_untouched(client, session, bank):
    report = await factories.report(session, village=bank.c.village, reporter=bank.villager)
    cadre = await factories.staff_token(client, bank.cadre)
    res = await client.post(
        f"/api/v1/reports/{report.id}/actions/accept", headers=cadre, json={"quality_grade": 5}
    )
    assert res.status_code == 422 and res.json()["detail"]["errors"][0]["field"] == "quality_grade"
    await session.refresh(report)
    assert report.status == "submitted" and report.quality_grade is None
    assert await _count(session, PointsEntry, PointsEntry.report_id == report.id) == 0


async def test_bad_console_input_is_refused_with_the_field_and_nothing_changes(client, session, bank):
    secretary = await factories.staff_token(client, bank.secretary)
    await grant(session, bank.villager.id, 10)
    rewards_before = await _count(session, Reward)
    cases = [
        (
            "/api/v1/points/rewards",
            {"area_id": bank.c.village.id, "name": "米", "value_fen": 1, "points_price": 1, "stock": -1},
            422,
            "stock",
        ),
        (
            "/api/v1/points/rewards",
            {"area_id": bank.c.village.id, "name": "", "value_fen": 1, "points_price": 1, "stock": 1},
            422,
            "name",
        ),
        (
            "/api/v1/points/rewards",
            {"area_id": bank.c.other_village.id, "name": "米", "value_fen": 1, "points_price": 1, "stock": 1},
            404,
            "area_id",
        ),
        (
            "/api/v1/points/rewards",
            {"area_id": bank.c.grid.id, "name": "米", "value_fen": 1, "points_price": 1, "stock": 1},
            422,
            "area_id",
        ),
        (
            "/api/v1/points/adjustments",
            {"villager_id": bank.villager.id, "amount": 0, "reason": "x"},
            422,
            "amount",
        ),
        (
            "/api/v1/points/adjustments",
            {"villager_id": bank.villager.id, "amount": -11, "reason": "扣分"},
            409,
            "amount",
        ),
        (
            "/api/v1/points/adjustments",
            {"villager_id": bank.villager.id, "amount": 5, "reason": " "},
            422,
            "reason",
        ),
        ("/api/v1/points/redemptions/fulfil", {"pickup_code": "12ab56"}, 422, "pickup_code"),
        ("/api/v1/points/redemptions/fulfil", {"pickup_code": "000001"}, 404, "pickup_code"),
    ]
    for path, body, code, field in cases:
        res = await client.post(path, headers=secretary, json=body)
        assert res.status_code == code, (path, body, res.text)
        detail = res.json()["detail"]
        assert field in (detail.get("field") or detail["errors"][0]["field"]), detail
    assert await _count(session, Reward) == rewards_before
    assert await balance_of(session, villager_id=bank.villager.id) == 10

    admin = await factories.staff_token(
        client, await factories.staff(session, role="admin", area=bank.c.county)
    )
    versions = await _count(session, RuleVersion)
    res = await client.post(
        "/api/v1/points/rules", headers=admin, json={"params": {"reporter_daily_cap": -1}, "note": "错"}
    )
    assert res.status_code == 422 and res.json()["detail"]["field"] == "params.reporter_daily_cap"
    assert await _count(session, RuleVersion) == versions
    res = await client.get("/api/v1/points/payouts/2026-Q5.xlsx", headers=admin)
    assert res.status_code == 422


async def test_a_villager_sees_and_cancels_only_their_own(client, session, settings, bank):
    alice, alice_h = await helpers.villager(session, settings, village=bank.c.village)
    bob, bob_h = await helpers.villager(session, settings, village=bank.c.village)
    await grant(session, alice.id, 20)
    item = Reward(
        area_id=bank.c.village.id,
        name="肥皂",
        value_fen=300,
        points_price=5,
        stock=3,
        is_active=True,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(item)
    await session.flush()
    res = await client.post(
        "/mp/v1/redemptions",
        headers={**alice_h, "Idempotency-Key": "alice-0001"},
        json={"reward_id": item.id},
    )
    assert res.status_code == 201
    rid = res.json()["id"]
    assert (await client.get("/mp/v1/redemptions", headers=bob_h)).json()["items"] == []
    assert (await client.get("/mp/v1/points", headers=bob_h)).json() == {
        "balance": 0,
        "items": [],
        "next_cursor": None,
    }
    assert (await client.post(f"/mp/v1/redemptions/{rid}/cancel", headers=bob_h)).status_code == 404
    res = await client.post(f"/mp/v1/redemptions/{rid}/cancel", headers=alice_h)
    assert res.status_code == 200 and res.json()["status"] == "cancelled"
    assert (await client.get("/mp/v1/points", headers=alice_h)).json()["balance"] == 20
    # The catalog is the village's, shared by its villagers.
    catalog = (await client.get("/mp/v1/rewards", headers=bob_h)).json()
    assert [r["id"] for r in catalog] == [item.id]


async def test_staff_see_ledgers_and_payouts_of_their_area_only(client, session, bank):
    far_secretary = await factories.staff(session, role="village_secretary", area=bank.c.other_village)
    far = await factories.staff_token(client, far_secretary)
    mine = await factories.staff_token(client, bank.secretary)
    await grant(session, bank.villager.id, 10)
    assert (
        await client.get(f"/api/v1/points/villagers/{bank.villager.id}/ledger", headers=far)
    ).status_code == 404
    res = await client.get(f"/api/v1/points/villagers/{bank.villager.id}/ledger", headers=mine)
    assert res.status_code == 200 and res.json()["balance"] == 10
    [entry] = res.json()["items"]
    res = await client.post(
        f"/api/v1/points/entries/{entry['id']}/reversal", headers=far, json={"reason": "错"}
    )
    assert res.status_code == 404
    res = await client.post(
        f"/api/v1/points/entries/{entry['id']}/reversal", headers=mine, json={"reason": "误加"}
    )
    assert res.status_code == 201 and res.json()["amount"] == -10
    assert await balance_of(session, villager_id=bank.villager.id) == 0
    res = await client.post(
        f"/api/v1/points/entries/{entry['id']}/reversal", headers=mine, json={"reason": "再冲"}
    )
    assert res.status_code == 409
    res = await client.get("/api/v1/points/rewards", headers=far)
    assert res.status_code == 200 and res.json() == []
