"""The whole path against the fake WeChat: sign in, upload, report, the receipt in the outbox, a staff
transition on the timeline, resolution, an unsatisfied rating and the reopening."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications.models import Notification
from tests import factories
from tests.miniprogram import helpers, photos


async def test_a_villager_reports_follows_and_rates_against_the_fake_wechat(mp, fake, session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    handler = await factories.staff(session, role="handler", area=c.village, team="technician")
    staff = await factories.staff_token(mp, cadre)

    signed = await helpers.login(mp, fake, openid="o-path-villager")
    me = helpers.bearer(signed)
    assert (
        await mp.patch("/mp/v1/me", headers=me, json={"home_village_id": c.village.id})
    ).status_code == 200

    photo = await helpers.upload(mp, me, photos.image("JPEG", color=42))
    assert photo.status_code == 201 and len(fake.calls("wxa/media_check_async")) == 1

    created = await helpers.submit(mp, me, key="path-key-000001", photo_ids=[photo.json()["id"]])
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    assert created.json()["held_for_review"] is False  # the fake's msg_sec_check said "pass"

    receipt = await session.scalar(
        select(Notification).where(Notification.dedupe_key == f"received:{report_id}")
    )
    assert receipt is not None and receipt.kind == "acknowledged" and receipt.status == "pending"
    assert receipt.villager_id == signed.json()["profile"]["id"]

    accepted = await mp.post(f"/api/v1/reports/{report_id}/actions/accept", json={}, headers=staff)
    assert accepted.status_code == 200, accepted.text
    detail = (await mp.get(f"/mp/v1/reports/{report_id}", headers=me)).json()
    assert detail["status_label"] == "已受理" and detail["ledger_no"]
    assert f"台账编号 {detail['ledger_no']}" in detail["timeline"][-1]["message"]
    assert [p["id"] for p in detail["photos"]] == [photo.json()["id"]]

    for action, body in (
        ("assign", {"assignee_staff_id": handler.id}),
        ("start", {}),
        ("resolve", {"result": "已更换路灯"}),
    ):
        res = await mp.post(f"/api/v1/reports/{report_id}/actions/{action}", json=body, headers=staff)
        assert res.status_code == 200, (action, res.text)
    resolved = (await mp.get(f"/mp/v1/reports/{report_id}", headers=me)).json()
    assert resolved["can_rate"] and [e["action_label"] for e in resolved["timeline"]] == [
        "提交", "受理", "交办", "开始办理", "办结",
    ]  # fmt: skip

    rated = await mp.post(
        f"/mp/v1/reports/{report_id}/rating",
        json={"rating": "unsatisfied", "comment": "还是不亮"},
        headers=me,
    )
    assert rated.status_code == 200
    assert rated.json()["status_label"] == "已交办" and rated.json()["can_rate"] is False
    told = await session.scalar(
        select(Notification).where(Notification.staff_id == handler.id, Notification.report_id == report_id)
    )
    assert told is not None and told.kind == "assigned"
