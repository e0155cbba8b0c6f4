"""Each event changes what it should: following, staff binding by QR code, delivery reports, subscribe
grants, photo check verdicts, reported locations, menu clicks."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.media.models import Media, ReportMedia
from app.notifications import repository as notifications_repository
from app.notifications import service as notifications_service
from app.notifications.kinds import Channel, Kind, Status
from app.notifications.models import Notification, SubscribeGrant
from app.notifications.routing import plan_routes
from app.notifications.templates import TemplateSpec
from app.people.models import StaffAccount, Villager
from app.reports.models import Report
from app.villagers import staff_binding
from app.villagers.models import StaffBindingCode
from tests import factories
from tests.wechat_callbacks._http import event_xml, location_xml, text_xml
from tests.wechat_callbacks.conftest import follower, new_openid


def fresh(stmt):
    return stmt.execution_options(populate_existing=True)


async def event(wx, openid: str, name: str, extra: str = "", app: str = "oa") -> dict:
    pushed = await wx.push(app, event_xml(openid, name, at=wx.clock.create_time(), extra=extra))
    assert pushed.status_code == 200, pushed.response.text
    return wx.reply(pushed, app)


async def test_subscribe_welcomes_and_records_a_following_villager_linked_by_unionid(
    wx, session, county, fake
):
    known = await factories.villager(session, village=county.village, unionid="union-sub-1")
    await session.commit()
    openid, stranger = new_openid(), new_openid()
    fake.add_follower(openid, unionid="union-sub-1")
    welcome = await event(wx, openid, "subscribe")
    await event(wx, stranger, "subscribe")
    assert welcome["Content"].startswith("欢迎关注") and "进度" in welcome["Content"]
    linked = await session.scalar(fresh(select(Villager).where(Villager.oa_openid == openid)))
    assert linked is not None and linked.id == known.id and linked.oa_following
    new = await session.scalar(fresh(select(Villager).where(Villager.oa_openid == stranger)))
    assert new is not None and new.oa_following and new.unionid is None and new.mp_openid is None


async def test_unsubscribe_stops_template_messages_and_notifications_fall_back(wx, session, county):
    villager = await follower(session, village=county.village)
    spec = {c: TemplateSpec(Kind.progress, c, f"tpl-{c.value}", ()) for c in Channel}

    async def plan():
        people = await notifications_repository.recipients(session, villager_ids=[villager.id], staff_ids=[])
        return plan_routes(
            people[("villager", villager.id)], templates=spec, grants_left=1, configured=set(Channel)
        )

    assert [r.channel for r in (await plan()).routes] == [Channel.mp_subscribe, Channel.oa_template]
    assert await event(wx, villager.oa_openid, "unsubscribe") == {}
    await session.refresh(villager)
    assert not villager.oa_following
    assert [r.channel for r in (await plan()).routes] == [Channel.mp_subscribe]
    # Writing to the account again means following again.
    await wx.push("oa", text_xml(villager.oa_openid, "帮助", at=wx.clock.unix))
    await session.refresh(villager)
    assert villager.oa_following


async def test_a_one_time_qr_code_binds_a_staff_account_on_subscribe_and_on_scan(wx, session, county):
    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    grid = await factories.staff(session, role="grid_worker", area=county.grid)
    now = wx.clock.now
    code = await staff_binding.issue_code(session, staff_id=cadre.id, now=now, ttl=timedelta(minutes=10))
    other = await staff_binding.issue_code(session, staff_id=grid.id, now=now, ttl=timedelta(minutes=10))
    await session.commit()
    cadre_openid, grid_openid = new_openid("oCadre"), new_openid("oGrid")

    bound = await event(wx, cadre_openid, "subscribe", f"<EventKey>qrscene_bind:{code}</EventKey>")
    reused = await event(wx, new_openid(), "SCAN", f"<EventKey>bind:{code}</EventKey>")
    taken = await event(wx, cadre_openid, "SCAN", f"<EventKey>bind:{other}</EventKey>")
    plain = await event(wx, new_openid(), "subscribe", "<EventKey>qrscene_42</EventKey>")
    fresh_code = await staff_binding.issue_code(session, staff_id=grid.id, now=now, ttl=timedelta(minutes=10))
    await session.commit()
    scanned = await event(wx, grid_openid, "SCAN", f"<EventKey>bind:{fresh_code}</EventKey>")

    assert (
        bound["Content"].startswith("绑定成功")
        and "常职干部" in bound["Content"]
        and "欢迎关注" in bound["Content"]
    )
    assert "无效或已过期" in reused["Content"]
    assert "已绑定其他工作人员" in taken["Content"]
    assert plain["Content"].startswith("欢迎关注")
    assert scanned["Content"].startswith("绑定成功")
    staff = {s.id: s.oa_openid for s in (await session.scalars(fresh(select(StaffAccount)))).all()}
    assert (staff[cadre.id], staff[grid.id]) == (cadre_openid, grid_openid)
    codes = (await session.scalars(fresh(select(StaffBindingCode)))).all()
    assert all(c.used_at is not None for c in codes)


async def test_an_expired_binding_code_binds_nothing(wx, session, county):
    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    code = await staff_binding.issue_code(
        session, staff_id=cadre.id, now=wx.clock.now, ttl=timedelta(minutes=10)
    )
    await session.commit()
    wx.clock.advance(minutes=11)
    reply = await event(wx, new_openid(), "SCAN", f"<EventKey>bind:{code}</EventKey>")
    assert "无效或已过期" in reply["Content"]
    assert (
        await session.scalar(fresh(select(StaffAccount).where(StaffAccount.id == cadre.id)))
    ).oa_openid is None


async def _sent_notification(session, villager_id: int, msgid: str, channel: Channel) -> Notification:
    await notifications_service.enqueue(
        session,
        kind=Kind.progress,
        dedupe_key=f"n-{msgid}",
        now=factories.NOW,
        payload={},
        villager_id=villager_id,
    )
    row = await session.scalar(select(Notification).where(Notification.dedupe_key == f"n-{msgid}"))
    assert row is not None
    row.status, row.channel, row.wechat_msgid = Status.sent.value, channel.value, msgid
    await session.commit()
    return row


async def test_template_send_job_finish_records_delivery_on_the_outbox_row(wx, session, county):
    villager = await follower(session, village=county.village)
    ok = await _sent_notification(session, villager.id, "200163836", Channel.oa_template)
    blocked = await _sent_notification(session, villager.id, "200163837", Channel.oa_template)
    await event(
        wx, villager.oa_openid, "TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status>success</Status>"
    )
    await event(
        wx,
        villager.oa_openid,
        "TEMPLATESENDJOBFINISH",
        "<MsgID>200163837</MsgID><Status>failed:user block</Status>",
    )
    await event(wx, villager.oa_openid, "TEMPLATESENDJOBFINISH", "<MsgID>999</MsgID><Status>success</Status>")
    rows = {
        n.id: n
        for n in (
            await session.scalars(fresh(select(Notification).where(Notification.id.in_([ok.id, blocked.id]))))
        )
    }
    assert (rows[ok.id].delivery_status, rows[blocked.id].delivery_status) == ("success", "failed:user block")
    assert rows[ok.id].delivery_reported_at is not None and rows[ok.id].status == "sent"


async def grants(session, villager_id: int) -> dict[str, int]:
    rows = await session.scalars(
        fresh(select(SubscribeGrant).where(SubscribeGrant.villager_id == villager_id))
    )
    return {g.template_id: g.remaining for g in rows}


async def test_subscribe_message_events_keep_the_grants(wx, session, county):
    villager = await factories.villager(session, village=county.village)
    await session.commit()
    popup_xml = (
        "<SubscribeMsgPopupEvent>"
        "<List><TemplateId>tpl-progress</TemplateId><SubscribeStatusString>accept</SubscribeStatusString>"
        "<PopupScene>0</PopupScene></List>"
        "<List><TemplateId>tpl-result</TemplateId><SubscribeStatusString>reject</SubscribeStatusString>"
        "<PopupScene>0</PopupScene></List>"
        "</SubscribeMsgPopupEvent>"
    )
    await event(wx, villager.mp_openid, "subscribe_msg_popup_event", popup_xml, app="mp")
    popup_json = {
        "ToUserName": "gh_mp",
        "FromUserName": villager.mp_openid,
        "CreateTime": wx.clock.create_time(),
        "MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "SubscribeMsgPopupEvent": {
            "TemplateId": "tpl-result",
            "SubscribeStatusString": "accept",
            "PopupScene": "2",
        },
    }
    assert (await wx.push("mp", json.dumps(popup_json), json_format=True)).response.text == "success"
    popup_json["CreateTime"] = wx.clock.create_time()
    await wx.push("mp", json.dumps(popup_json), mode="plain")
    assert await grants(session, villager.id) == {"tpl-progress": 1, "tpl-result": 2}

    change = (
        "<SubscribeMsgChangeEvent><List><TemplateId>tpl-result</TemplateId>"
        "<SubscribeStatusString>reject</SubscribeStatusString></List></SubscribeMsgChangeEvent>"
    )
    await event(wx, villager.mp_openid, "subscribe_msg_change_event", change, app="mp")
    assert await grants(session, villager.id) == {"tpl-progress": 1, "tpl-result": 0}

    delivered = await _sent_notification(session, villager.id, "3001", Channel.mp_subscribe)
    refused = await _sent_notification(session, villager.id, "3002", Channel.mp_subscribe)
    sent = (
        "<SubscribeMsgSentEvent>"
        "<List><TemplateId>tpl-result</TemplateId><MsgID>3001</MsgID><ErrorCode>0</ErrorCode>"
        "<ErrorStatus>success</ErrorStatus></List>"
        "<List><TemplateId>tpl-progress</TemplateId><MsgID>3002</MsgID><ErrorCode>20004</ErrorCode>"
        "<ErrorStatus>fail</ErrorStatus></List>"
        "</SubscribeMsgSentEvent>"
    )
    await event(wx, villager.mp_openid, "subscribe_msg_sent_event", sent, app="mp")
    rows = {n.id: n.delivery_status for n in (await session.scalars(fresh(select(Notification))))}
    assert (rows[delivered.id], rows[refused.id]) == ("success", "failed:20004 fail")
    assert await grants(session, villager.id) == {"tpl-progress": 0, "tpl-result": 0}


async def test_a_risky_photo_verdict_hides_the_photo_and_holds_its_report(
    wx, session, county, fake, wechat_client
):
    villager = await factories.villager(session, village=county.village)
    fake.add_mp_user(villager.mp_openid)
    report = await factories.report(session, village=county.village, reporter=villager)
    risky_url, fine_url = "https://example.test/m/1", "https://example.test/m/2"
    fake.set_media_verdict(risky_url, "risky")
    checks = {}
    for n, url in enumerate((risky_url, fine_url)):
        trace = await wechat_client.media_check_async(openid=villager.mp_openid, media_url=url)
        media = Media(
            sha256=f"{n}" * 64,
            size_bytes=1,
            mime_type="image/jpeg",
            storage_key=f"k{n}",
            check_trace_id=trace,
        )
        session.add(media)
        await session.flush()
        session.add(ReportMedia(report_id=report.id, media_id=media.id, purpose="report", position=n))
        checks[url] = (trace, media.id)
    await session.commit()

    for url in (fine_url, risky_url):
        body = json.dumps(fake.state.media_check_push(checks[url][0]))
        assert (await wx.push("mp", body, json_format=True)).response.text == "success"
    media = {m.id: m for m in (await session.scalars(fresh(select(Media))))}
    risky, fine = media[checks[risky_url][1]], media[checks[fine_url][1]]
    assert (risky.check_status, risky.hidden) == ("risky", True)
    assert (fine.check_status, fine.hidden) == ("pass", False)
    held = await session.scalar(fresh(select(Report).where(Report.id == report.id)))
    assert held is not None and held.held_for_review


async def test_a_media_verdict_for_another_mini_program_is_ignored(wx, session, county):
    media = Media(
        sha256="f" * 64, size_bytes=1, mime_type="image/jpeg", storage_key="k", check_trace_id="trace-x"
    )
    session.add(media)
    await session.commit()
    body = {
        "ToUserName": "gh_mp",
        "FromUserName": "oMp",
        "CreateTime": wx.clock.unix,
        "MsgType": "event",
        "Event": "wxa_media_check",
        "appid": "wxsomeoneelse00001",
        "trace_id": "trace-x",
        "version": 2,
        "result": {"suggest": "risky", "label": 20002},
    }
    await wx.push("mp", json.dumps(body), mode="plain")
    assert (await session.scalar(fresh(select(Media).where(Media.id == media.id)))).hidden is False


async def test_a_reported_location_places_the_next_report_unless_one_is_sent(wx, session, county):
    villager = await follower(session, village=county.village)
    gps = "<Latitude>31.5602</Latitude><Longitude>107.1004</Longitude><Precision>30.0</Precision>"
    assert await event(wx, villager.oa_openid, "LOCATION", gps) == {}  # no reply allowed
    await wx.push("oa", text_xml(villager.oa_openid, "这里的护栏倒了", at=wx.clock.unix))
    wx.clock.advance(minutes=15)
    await event(wx, villager.oa_openid, "LOCATION", gps)
    await wx.push("oa", location_xml(villager.oa_openid, 31.57, 107.11, "村小学", at=wx.clock.unix))
    await wx.push("oa", text_xml(villager.oa_openid, "小学门口积水", at=wx.clock.unix))
    first, second = (
        await session.scalars(
            fresh(select(Report).where(Report.reporter_villager_id == villager.id).order_by(Report.id))
        )
    ).all()
    assert (first.lat, first.lng, first.coord_system) == (31.5602, 107.1004, "wgs84")
    assert (second.lat, second.lng, second.coord_system, second.address) == (31.57, 107.11, "gcj02", "村小学")


async def test_menu_clicks_answer_like_keywords(wx, session, county):
    villager = await follower(session, village=county.village)
    progress = await event(wx, villager.oa_openid, "CLICK", "<EventKey>progress</EventKey>")
    other = await event(wx, villager.oa_openid, "CLICK", "<EventKey>something_else</EventKey>")
    assert "还没有反映记录" in progress["Content"] and other == {}


async def test_a_refollow_links_an_official_account_only_row_to_the_mini_program_profile(
    wx, session, county, fake
):
    mp_side = await factories.villager(session, village=county.village, unionid="union-late-1")
    oa_only = await follower(session)  # met on the Official Account before its unionid was known
    openid = oa_only.oa_openid
    fake.add_follower(openid, unionid="union-late-1")
    await event(wx, openid, "subscribe")
    rows = {
        v.id: v
        for v in (
            await session.scalars(fresh(select(Villager).where(Villager.id.in_([mp_side.id, oa_only.id]))))
        )
    }
    assert rows[mp_side.id].oa_openid == openid and rows[mp_side.id].oa_following
    assert rows[oa_only.id].oa_openid is None  # what it reported stays with it


async def test_with_the_push_configured_one_accept_buys_one_grant_not_two(wx, http, session, cb_settings):
    # The front end posts wx.requestSubscribeMessage's result and WeChat pushes the same accept: the
    # push is the one source, the post only reads the count back.
    from app.villagers import service as villagers_service
    from tests.miniprogram import helpers

    signed = await villagers_service.sign_in(
        session,
        identity=villagers_service.WeChatIdentity(openid=new_openid("oMp"), session_key="sk=="),
        policy=helpers.policy(cb_settings),
        now=wx.clock.now,
    )
    await session.commit()
    headers = {"Authorization": f"Bearer {signed.tokens.access_token}"}
    posted = await http.post("/mp/v1/subscriptions", json={"results": {"tpl-ack": "accept"}}, headers=headers)
    assert posted.status_code == 200 and posted.json() == {"granted": {}}
    popup = (
        "<SubscribeMsgPopupEvent><List><TemplateId>tpl-ack</TemplateId>"
        "<SubscribeStatusString>accept</SubscribeStatusString><PopupScene>0</PopupScene></List>"
        "</SubscribeMsgPopupEvent>"
    )
    await event(wx, signed.villager.mp_openid, "subscribe_msg_popup_event", popup, app="mp")
    assert await grants(session, signed.villager.id) == {"tpl-ack": 1}
    again = await http.post("/mp/v1/subscriptions", json={"results": {"tpl-ack": "accept"}}, headers=headers)
    assert again.json() == {"granted": {"tpl-ack": 1}}


async def test_a_staff_member_who_unfollows_is_unbound_and_audited(wx, session, county):
    from app.audit.models import AuditEntry

    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    code = await staff_binding.issue_code(
        session, staff_id=cadre.id, now=wx.clock.now, ttl=timedelta(minutes=10)
    )
    await session.commit()
    openid = new_openid("oCadre")
    await event(wx, openid, "subscribe", f"<EventKey>qrscene_bind:{code}</EventKey>")
    assert (
        await session.scalar(fresh(select(StaffAccount).where(StaffAccount.id == cadre.id)))
    ).oa_openid == openid
    await event(wx, openid, "unsubscribe")
    staff = await session.scalar(fresh(select(StaffAccount).where(StaffAccount.id == cadre.id)))
    assert staff.oa_openid is None
    entry = await session.scalar(
        fresh(
            select(AuditEntry).where(
                AuditEntry.action == "staff.oa_unbound", AuditEntry.target_id == str(cadre.id)
            )
        )
    )
    assert entry is not None and entry.actor_type == "system"
