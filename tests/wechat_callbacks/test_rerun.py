"""A push whose handler failed is stored, marked failed; once the fault is mended an admin runs it
again and the chat report it carried is made then (nothing a villager sent is lost)."""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.categories.models import Category
from app.inbound.models import InboundMessage
from app.reports.models import Report
from tests import factories
from tests.wechat_callbacks._http import text_xml
from tests.wechat_callbacks.conftest import follower


def _fresh(stmt):
    return stmt.execution_options(populate_existing=True)


async def _set_chat_category_active(session, settings, active: bool) -> None:
    await session.execute(
        update(Category).where(Category.code == settings.wechat_chat_report_category).values(is_active=active)
    )
    await session.commit()


async def test_a_failed_chat_report_is_made_when_an_admin_runs_it_again(
    wx, http, session, county, cb_settings
):
    admin = await factories.staff(session, role="admin", area=county.county)
    villager = await follower(session, village=county.village)
    await _set_chat_category_active(session, cb_settings, False)  # the fault: chat reports' category is off
    pushed = await wx.push("oa", text_xml(villager.oa_openid, "路灯不亮了", at=wx.clock.unix))
    assert "稍后" in wx.reply(pushed)["Content"] or "重试" in wx.reply(pushed)["Content"]
    row = await session.scalar(
        _fresh(select(InboundMessage).where(InboundMessage.from_openid == villager.oa_openid))
    )
    assert row.status == "failed" and "ChatNotConfigured" in row.error
    headers = await factories.staff_token(http, admin)

    await _set_chat_category_active(session, cb_settings, True)  # mended
    res = await http.post(f"/api/v1/wechat/messages/{row.id}/rerun", headers=headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "handled" and body["report_id"] is not None
    report = await session.scalar(_fresh(select(Report).where(Report.id == body["report_id"])))
    assert report.description == "路灯不亮了" and report.reporter_villager_id == villager.id
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "wechat.message_rerun"))
    assert audit is not None and audit.target_id == str(row.id)

    again = await http.post(f"/api/v1/wechat/messages/{row.id}/rerun", headers=headers)
    assert again.status_code == 409  # handled now: a second run would make a second report
    missing = await http.post("/api/v1/wechat/messages/999999999/rerun", headers=headers)
    assert missing.status_code == 404


async def test_a_rerun_that_fails_again_keeps_the_message_failed_with_the_new_error(
    wx, http, session, county, cb_settings
):
    admin = await factories.staff(session, role="admin", area=county.county)
    villager = await follower(session, village=county.village)
    await _set_chat_category_active(session, cb_settings, False)
    await wx.push("oa", text_xml(villager.oa_openid, "水管爆了", at=wx.clock.unix))
    row = await session.scalar(
        _fresh(select(InboundMessage).where(InboundMessage.from_openid == villager.oa_openid))
    )
    headers = await factories.staff_token(http, admin)
    res = await http.post(f"/api/v1/wechat/messages/{row.id}/rerun", headers=headers)
    assert res.status_code == 200 and res.json()["status"] == "failed"
    assert await session.scalar(select(Report.id).where(Report.reporter_villager_id == villager.id)) is None
    await _set_chat_category_active(session, cb_settings, True)
