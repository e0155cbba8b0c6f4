"""Admins see the outbox and retry failed rows; `outbox-dispatch` sends what is due, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.clock import utcnow
from app.core.settings import Settings
from app.notifications.models import Notification
from scheduler.jobs import JOBS
from scheduler.registry import JobContext
from tests import factories
from tests.fakes.wechat_server import FakeWeChat
from tests.notifications._support import NOW, configure_templates, dispatcher, notify, villager


async def _admin_headers(client, session):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    return c, await factories.staff_token(client, admin)


async def test_admins_list_notifications_filtered_by_status(client, session, database):
    c, headers = await _admin_headers(client, session)
    v = await villager(session)
    pending = await notify(session, villager_id=v.id)
    dead = await notify(session, villager_id=v.id)
    dead.status, dead.last_error = "dead", "43004 require subscribe"
    await session.flush()
    res = await client.get("/api/v1/notifications", params={"status": "dead"}, headers=headers)
    assert res.status_code == 200, res.text
    items = res.json()["items"]
    assert [(i["id"], i["status"], i["last_error"], i["recipient_type"]) for i in items] == [
        (dead.id, "dead", "43004 require subscribe", "villager")
    ]
    everything = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    assert [i["id"] for i in everything] == [dead.id, pending.id]
    assert "mp_openid" not in everything[0] and "client_msg_id" not in everything[0]

    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    cadre_headers = await factories.staff_token(client, cadre)
    assert (await client.get("/api/v1/notifications", headers=cadre_headers)).status_code == 403


async def test_an_admin_retries_a_dead_notification_and_it_is_sent(
    client, session, database, wechat_client, fake_wechat: FakeWeChat
):
    _, headers = await _admin_headers(client, session)
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    fake_wechat.inject("cgi-bin/message/template/send", errcode=40037)
    await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert row.status == "dead"

    res = await client.post(f"/api/v1/notifications/{row.id}/retry", headers=headers)
    assert res.status_code == 200, res.text
    assert (res.json()["status"], res.json()["attempts"]) == ("pending", 0)
    assert (await client.post(f"/api/v1/notifications/{row.id}/retry", headers=headers)).status_code == 409
    assert (await client.post("/api/v1/notifications/999999/retry", headers=headers)).status_code == 404
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.retry"))
    assert audit is not None and audit.target_id == str(row.id)

    # The console's retry is due from the machine's clock (not the fixed NOW the row was made at).
    await dispatcher(database, wechat_client).run_once(now=utcnow() + timedelta(minutes=1))
    await session.refresh(row)
    assert row.status == "sent"


async def test_admins_configure_a_template_with_its_field_keys(client, session):
    _, headers = await _admin_headers(client, session)
    body = {
        "template_id": "county-oa-ack",
        "fields": [{"key": "character_string2", "source": "ledger_no"}, {"key": "thing5", "source": "title"}],
        "page": "pages/report/detail?id={report_id}&from=oa",
    }
    res = await client.put(
        "/api/v1/notifications/templates/acknowledged/oa_template", json=body, headers=headers
    )
    assert res.status_code == 200, res.text
    listed = (await client.get("/api/v1/notifications/templates", headers=headers)).json()
    assert [(t["kind"], t["channel"], t["template_id"]) for t in listed] == [
        ("acknowledged", "oa_template", "county-oa-ack")
    ]
    bad = {"template_id": "x", "fields": [{"key": "not a key", "source": "title"}]}
    res = await client.put(
        "/api/v1/notifications/templates/acknowledged/oa_template", json=bad, headers=headers
    )
    assert res.status_code == 422
    assert (
        await client.put("/api/v1/notifications/templates/nope/oa_template", json=body, headers=headers)
    ).status_code == 422


async def test_outbox_dispatch_job_sends_what_is_due(
    session, database, wechat_settings: Settings, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    rows = [await notify(session, villager_id=v.id) for _ in range(3)]
    counts = await JOBS["outbox-dispatch"].run(JobContext(database, wechat_settings, NOW))
    assert counts["sent"] == 3
    assert len(fake_wechat.delivered()) == 3
    assert await JOBS["outbox-dispatch"].run(JobContext(database, wechat_settings, NOW)) == {}
    for row in rows:
        await session.refresh(row)
        assert row.status == "sent"
    assert JOBS["outbox-dispatch"].every_seconds == 5


async def test_the_embedded_demo_without_credentials_keeps_rows_as_not_sent(
    session, database, settings: Settings
):
    demo = settings.model_copy(update={"wechat_oa_appid": "", "wechat_mp_appid": "", "wechat_oa_secret": ""})
    await configure_templates(session)
    v = await villager(session, oa=True)
    row = await notify(session, villager_id=v.id)
    counts = await JOBS["outbox-dispatch"].run(JobContext(database, demo, NOW))
    assert counts["not_sent"] == 1
    await session.refresh(row)
    assert (row.status, row.last_error) == ("not_sent", "wechat_not_configured")
    assert await JOBS["wechat-token-refresh"].run(JobContext(database, demo, NOW)) == {
        "refreshed": 0,
        "unconfigured": 2,
    }


async def test_token_refresh_job_fetches_only_when_due(
    session, database, wechat_settings: Settings, fake_wechat: FakeWeChat
):
    first = await JOBS["wechat-token-refresh"].run(JobContext(database, wechat_settings, NOW))
    again = await JOBS["wechat-token-refresh"].run(JobContext(database, wechat_settings, NOW))
    assert (first["refreshed"], again["refreshed"]) == (2, 0)
    assert fake_wechat.token_fetches() == 2
    assert (await session.scalars(select(Notification))).all() == []
