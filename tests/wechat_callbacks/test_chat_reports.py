"""Reporting by chatting with the Official Account: what a follower sends within the window becomes one
report, in the same lifecycle as a mini program report; photos are fetched from (fake) WeChat."""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.service import Actor
from app.inbound.models import InboundMessage, MediaFetch
from app.media.models import Media, ReportMedia
from app.notifications.models import Notification
from app.people.models import Villager
from app.reports import service as reports_service
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import Action
from scheduler.jobs import JOBS
from scheduler.registry import JobContext
from tests import factories
from tests.miniprogram import photos
from tests.wechat_callbacks._http import image_xml, location_xml, text_xml
from tests.wechat_callbacks.conftest import follower, new_openid

TZ = ZoneInfo("Asia/Shanghai")


async def say(wx, openid: str, text: str) -> str:
    pushed = await wx.push("oa", text_xml(openid, text, at=wx.clock.unix))
    assert pushed.status_code == 200, pushed.response.text
    return wx.reply(pushed).get("Content", "")


async def photo(wx, openid: str, media_id: str) -> str:
    pushed = await wx.push("oa", image_xml(openid, media_id, at=wx.clock.unix))
    assert pushed.status_code == 200
    return wx.reply(pushed)["Content"]


async def reports_of(session, villager_id: int) -> list[Report]:
    stmt = (
        select(Report)
        .where(Report.reporter_villager_id == villager_id)
        .order_by(Report.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def photos_of(session, report_id: int) -> list[Media]:
    stmt = (
        select(Media)
        .join(ReportMedia, ReportMedia.media_id == Media.id)
        .where(ReportMedia.report_id == report_id)
        .order_by(ReportMedia.position)
    )
    return list((await session.scalars(stmt)).all())


async def test_text_photo_and_location_make_one_report_whose_photo_came_from_wechat(
    wx, session, county, fake, storage
):
    villager = await follower(session, village=county.village)
    picture = photos.image("JPEG", color=3)
    fake.add_media("MEDIA_LAMP", picture)

    held = await photo(wx, villager.oa_openid, "MEDIA_LAMP")
    received = await say(wx, villager.oa_openid, "村口路灯坏了三天，晚上很黑")
    located = await wx.push(
        "oa", location_xml(villager.oa_openid, 31.5601, 107.1003, "石垭村村口", at=wx.clock.unix)
    )

    [report] = await reports_of(session, villager.id)
    assert "请再发一段文字" in held
    assert f"反映编号 {report.id}" in received and "石垭村" in received and "台账编号" in received
    assert "位置已补充" in wx.reply(located)["Content"]
    assert (report.status, report.channel, report.village_id) == (
        "submitted",
        "official_account",
        county.village.id,
    )
    assert report.description == "村口路灯坏了三天，晚上很黑"
    assert (report.lat, report.lng, report.coord_system, report.address) == (
        31.5601,
        107.1003,
        "gcj02",
        "石垭村村口",
    )
    assert (
        report.held_for_review
    )  # no content check exists for Official Account content: the cadre's review is it
    [stored] = await photos_of(session, report.id)
    assert [c.query["media_id"] for c in fake.calls("cgi-bin/media/get")] == ["MEDIA_LAMP"]
    assert stored.wechat_media_id == "MEDIA_LAMP" and stored.mime_type == "image/jpeg"
    kept = await storage.get(stored.storage_key)
    assert hashlib.sha256(kept).hexdigest() == stored.sha256
    timeline = (
        await session.scalars(select(TimelineEvent).where(TimelineEvent.report_id == report.id))
    ).all()
    assert [e.action for e in timeline] == ["submit"]
    messages = (await session.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
    assert [m.report_id for m in messages] == [report.id] * 3


async def test_a_chat_report_enters_the_same_lifecycle(wx, session, county, cb_settings):
    villager = await follower(session, village=county.village)
    await say(wx, villager.oa_openid, "垃圾堆在河边没人清理")
    [report] = await reports_of(session, villager.id)
    assert report.respond_due_at is not None and report.resolve_due_at is not None
    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    await reports_service.perform_action(
        session,
        report=report,
        action=Action.accept,
        actor=Actor(kind="staff", id=cadre.id),
        now=wx.clock.now,
        tz=TZ,
    )
    await session.commit()
    ack = await session.scalar(select(Notification).where(Notification.dedupe_key == f"ack:{report.id}"))
    assert ack is not None and ack.villager_id == villager.id
    progress = await say(wx, villager.oa_openid, "进度")
    assert f"台账编号 {report.ledger_no}" in progress and "已受理" in progress
    # Under review now: what the follower sends next is a new matter, not an edit of the accepted one.
    assert "请再发一段文字" in await photo(wx, villager.oa_openid, "MEDIA_AFTER")
    await say(wx, villager.oa_openid, "另外村道上有个大坑")
    first, second = await reports_of(session, villager.id)
    assert (first.description, second.description) == ("垃圾堆在河边没人清理", "另外村道上有个大坑")
    fetch = await session.scalar(select(MediaFetch).execution_options(populate_existing=True))
    assert fetch is not None and fetch.report_id == second.id  # the photo went with the new matter


async def test_messages_within_the_window_extend_one_report_and_later_ones_start_another(wx, session, county):
    villager = await follower(session, village=county.village)
    await say(wx, villager.oa_openid, "桥上的栏杆断了")
    wx.clock.advance(minutes=6)
    added = await say(wx, villager.oa_openid, "就在学校旁边那座桥")
    wx.clock.advance(minutes=9)  # the window runs from the previous message
    assert "已补充" in await say(wx, villager.oa_openid, "小孩上学要经过")
    wx.clock.advance(minutes=11)
    await say(wx, villager.oa_openid, "水井的盖子也坏了")
    first, second = await reports_of(session, villager.id)
    assert "已补充" in added
    assert first.description == "桥上的栏杆断了\n就在学校旁边那座桥\n小孩上学要经过"
    assert second.description == "水井的盖子也坏了"


async def test_a_photo_alone_is_held_and_never_lands_on_a_later_conversation(wx, session, county, fake):
    villager = await follower(session, village=county.village)
    fake.add_media("MEDIA_ALONE", photos.image("JPEG", color=9))
    assert "请再发一段文字" in await photo(wx, villager.oa_openid, "MEDIA_ALONE")
    assert await reports_of(session, villager.id) == []
    fetch = await session.scalar(select(MediaFetch).execution_options(populate_existing=True))
    assert fetch is not None and fetch.status == "stored" and fetch.report_id is None
    wx.clock.advance(minutes=11)
    await say(wx, villager.oa_openid, "路边的树倒了")
    [report] = await reports_of(session, villager.id)
    assert await photos_of(session, report.id) == []


async def test_new_report_keyword_ends_the_conversation(wx, session, county):
    villager = await follower(session, village=county.village)
    await say(wx, villager.oa_openid, "自来水停了两天")
    assert "新问题" in await say(wx, villager.oa_openid, "新反映")
    await say(wx, villager.oa_openid, "电线杆歪了")
    assert len(await reports_of(session, villager.id)) == 2


async def test_help_and_progress_keywords_answer_without_reporting(wx, session, county):
    villager = await follower(session, village=county.village)
    assert "随手拍、随手报" in await say(wx, villager.oa_openid, "帮助")
    assert "还没有反映记录" in await say(wx, villager.oa_openid, " 进度？")
    assert await reports_of(session, villager.id) == []
    await say(wx, villager.oa_openid, "广场的灯不亮")
    progress = await say(wx, villager.oa_openid, "进度")
    assert "1. 反映编号" in progress and "已上报｜待受理｜广场的灯不亮" in progress


async def test_an_unknown_village_is_asked_for_and_then_remembered(wx, session, county):
    villager = await follower(session)
    asked = await say(wx, villager.oa_openid, "村委会门口的路灯坏了")
    assert "哪个村(社区)" in asked and await reports_of(session, villager.id) == []
    assert "没有找到“月亮村”" in await say(wx, villager.oa_openid, "月亮村")
    received = await say(wx, villager.oa_openid, "石垭村")
    [report] = await reports_of(session, villager.id)
    assert "已收到您的反映" in received and report.village_id == county.village.id
    assert report.description == "村委会门口的路灯坏了"
    await session.refresh(villager)
    assert villager.home_village_id == county.village.id
    wx.clock.advance(minutes=30)
    assert "已收到您的反映" in await say(wx, villager.oa_openid, "水渠堵了")


async def test_a_village_name_shared_by_two_towns_is_settled_by_its_code(wx, session, county):
    twin = await factories.area(session, level="village", parent=county.other_town, name="石垭村")
    await session.commit()
    villager = await follower(session)
    await say(wx, villager.oa_openid, "山上滑坡了，路被堵住")
    choices = await say(wx, villager.oa_openid, "石垭")
    assert county.village.code in choices and twin.code in choices
    await say(wx, villager.oa_openid, twin.code)
    [report] = await reports_of(session, villager.id)
    assert report.village_id == twin.id and report.town_id == county.other_town.id


async def test_a_follower_known_to_the_mini_program_reports_in_their_home_village(wx, session, county, fake):
    mp_side = await factories.villager(session, village=county.village, unionid="union-linked-1")
    await session.commit()
    oa_openid = new_openid("oLinked")
    fake.add_follower(oa_openid, unionid="union-linked-1")
    received = await say(wx, oa_openid, "楼道里的灭火器过期了")
    assert "已收到您的反映" in received
    await session.refresh(mp_side)
    assert mp_side.oa_openid == oa_openid and mp_side.oa_following
    [report] = await reports_of(session, mp_side.id)
    assert report.village_id == county.village.id
    assert await session.scalar(select(Villager.id).where(Villager.oa_openid == oa_openid)) == mp_side.id


async def test_recognised_voice_counts_as_text(wx, session, county):
    villager = await follower(session, village=county.village)
    voice = (
        f"<xml><ToUserName>gh_x</ToUserName><FromUserName>{villager.oa_openid}</FromUserName>"
        f"<CreateTime>{wx.clock.unix}</CreateTime><MsgType>voice</MsgType><MediaId>v1</MediaId>"
        "<Format>amr</Format><Recognition><![CDATA[河里有人电鱼]]></Recognition><MsgId>99001</MsgId></xml>"
    )
    pushed = await wx.push("oa", voice)
    assert "已收到您的反映" in wx.reply(pushed)["Content"]
    [report] = await reports_of(session, villager.id)
    assert report.description == "河里有人电鱼"


async def test_a_photo_whose_first_download_fails_is_fetched_and_attached_by_the_job(
    wx, session, county, fake, database, cb_settings, storage
):
    villager = await follower(session, village=county.village)
    await say(wx, villager.oa_openid, "垃圾桶被烧坏了")
    fake.add_media("MEDIA_LATE", photos.image("PNG", color=5), content_type="image/png")
    fake.inject("cgi-bin/media/get", status=502, times=1)
    assert "照片已补充" in await photo(wx, villager.oa_openid, "MEDIA_LATE")
    fetch = await session.scalar(select(MediaFetch).execution_options(populate_existing=True))
    assert fetch is not None and (fetch.status, fetch.attempts) == ("pending", 1)
    assert "HTTP 502" in (fetch.last_error or "")
    job = JOBS["media-fetch"]
    settings = cb_settings.model_copy(update={"media_dir": storage.root})
    early = await job.run(JobContext(database=database, settings=settings, now=wx.clock.now))
    assert early == {}  # not due again yet: the retry waits its backoff
    wx.clock.advance(seconds=31)
    counts = await job.run(JobContext(database=database, settings=settings, now=wx.clock.now))
    assert counts == {"claimed": 1, "stored": 1}
    [report] = await reports_of(session, villager.id)
    [stored] = await photos_of(session, report.id)
    assert stored.mime_type == "image/png"
    await session.refresh(fetch)
    assert (fetch.status, fetch.attached, fetch.attempts) == ("stored", True, 2)


async def test_photos_that_cannot_be_fetched_end_failed(
    wx, session, county, fake, database, cb_settings, storage
):
    villager = await follower(session, village=county.village)
    await photo(wx, villager.oa_openid, "MEDIA_UNKNOWN")  # WeChat answers 40007: gone or never existed
    fake.add_media("MEDIA_TEXT", b"not an image at all", content_type="image/jpeg")
    await photo(wx, villager.oa_openid, "MEDIA_TEXT")
    fake.add_media("MEDIA_SLOW", photos.image("JPEG", color=11))
    fake.inject("cgi-bin/media/get", status=503, times=None)
    await photo(wx, villager.oa_openid, "MEDIA_SLOW")
    fake.clear_faults()
    wx.clock.advance(days=3, seconds=1)  # the temporary media has expired by the next try
    settings = cb_settings.model_copy(update={"media_dir": storage.root})
    await JOBS["media-fetch"].run(JobContext(database=database, settings=settings, now=wx.clock.now))
    stmt = select(MediaFetch).order_by(MediaFetch.id).execution_options(populate_existing=True)
    rows = (await session.scalars(stmt)).all()
    assert [r.status for r in rows] == ["failed", "failed", "failed"]
    assert "40007" in (rows[0].last_error or "")
    assert "照片" in (rows[1].last_error or "")
    assert "expired" in (rows[2].last_error or "")
