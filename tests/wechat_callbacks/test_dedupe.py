"""WeChat retries a push it got no answer to (three tries in all): each message is handled once, and
every delivery of it gets the same answer, one after another or all at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from app.core.database import Database
from app.inbound.models import InboundMessage, MediaFetch
from app.main import create_app
from app.reports.models import Report
from app.wechat.factory import build_client
from tests import factories
from tests.miniprogram import photos
from tests.wechat_callbacks._http import WeChatPusher, event_xml, image_xml, msg_id, text_xml
from tests.wechat_callbacks.conftest import callback_settings, configure, follower, new_openid


def duplicates_answered() -> float:
    return REGISTRY.get_sample_value("wechat_callbacks_total", {"app": "oa", "outcome": "duplicate"}) or 0.0


async def count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_three_deliveries_of_one_msgid_make_one_report(wx, session, county):
    villager = await follower(session, village=county.village)
    xml = text_xml(villager.oa_openid, "路上有落石", msgid=msg_id(), at=wx.clock.unix)
    answers = []
    for mode in ("safe", "safe", "compatible"):  # a retry may even come in another mode
        pushed = await wx.push("oa", xml, mode=mode)
        answers.append(wx.reply(pushed)["Content"])
    assert len(set(answers)) == 1 and "已收到您的反映" in answers[0]
    assert await count(session, Report) == 1
    assert await count(session, InboundMessage) == 1


async def test_retried_events_and_photos_are_handled_once(wx, session, county, fake):
    villager = await follower(session, village=county.village)
    fake.add_media("MEDIA_ONCE", photos.image("JPEG", color=21))
    image = image_xml(villager.oa_openid, "MEDIA_ONCE", at=wx.clock.unix)
    subscribe = event_xml(new_openid(), "subscribe", at=wx.clock.create_time())
    for _ in range(3):
        assert (await wx.push("oa", image)).status_code == 200
        assert "欢迎关注" in wx.reply(await wx.push("oa", subscribe))["Content"]
    assert await count(session, InboundMessage) == 2
    assert await count(session, MediaFetch) == 1
    assert len(fake.calls("cgi-bin/media/get")) == 1


@contextlib.asynccontextmanager
async def _on_own_database(
    fresh_db, cb_settings, clock, storage, fake
) -> AsyncIterator[tuple[Database, WeChatPusher, str]]:
    """The app on a database of its own (deliveries at once need connections of their own), a pusher,
    and a follower's openid."""
    database = Database(fresh_db.url)
    client = build_client(cb_settings, database.sessionmaker)
    try:
        async with database.sessionmaker() as setup:
            county = await factories.county(setup)
            villager = await follower(setup, village=county.village)
        app = create_app(callback_settings(cb_settings, database_url=fresh_db.url), database)
        configure(app, clock=clock, storage=storage, client=client)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            wx = WeChatPusher(c, clock, oa_appid=fake.state.oa_appid, mp_appid=fake.state.mp_appid)
            assert villager.oa_openid is not None
            yield database, wx, villager.oa_openid
    finally:
        await client.aclose()
        await database.dispose()


async def test_concurrent_deliveries_of_one_message_make_one_report(
    fresh_db, cb_settings, clock, storage, fake
):
    async with _on_own_database(fresh_db, cb_settings, clock, storage, fake) as (database, wx, openid):
        xml = text_xml(openid, "变压器冒烟了", msgid=msg_id(), at=clock.unix)
        before = duplicates_answered()
        pushed = await asyncio.gather(*(wx.push("oa", xml) for _ in range(3)))
        assert duplicates_answered() - before == 2
        replies = {wx.reply(p)["Content"] for p in pushed}
        assert [p.status_code for p in pushed] == [200, 200, 200]
        assert len(replies) == 1 and "已收到您的反映" in replies.pop()
        async with database.sessionmaker() as check:
            assert await count(check, Report) == 1
            assert await count(check, InboundMessage) == 1


async def test_three_deliveries_of_a_further_text_add_it_once(wx, session, county):
    # The further text is added and stored in one statement, before any lock: a retry must find its
    # key taken and be undone, as on the locked path.
    villager = await follower(session, village=county.village)
    await wx.push("oa", text_xml(villager.oa_openid, "路上有落石", msgid=msg_id(), at=wx.clock.unix))
    further = text_xml(villager.oa_openid, "在村口大桥边", msgid=msg_id(), at=wx.clock.unix)
    before = duplicates_answered()
    answers = [
        wx.reply(await wx.push("oa", further, mode=mode))["Content"] for mode in ("safe", "plain", "safe")
    ]
    assert duplicates_answered() - before == 2
    [report] = (await session.scalars(select(Report))).all()
    await session.refresh(report)
    assert len(set(answers)) == 1 and answers[0] == f"已补充到您的反映（反映编号 {report.id}）。"
    assert (report.description, report.version) == ("路上有落石\n在村口大桥边", 2)
    assert await count(session, InboundMessage) == 2


async def test_concurrent_deliveries_of_a_further_text_add_it_once(
    fresh_db, cb_settings, clock, storage, fake
):
    async with _on_own_database(fresh_db, cb_settings, clock, storage, fake) as (database, wx, openid):
        await wx.push("oa", text_xml(openid, "变压器冒烟了", msgid=msg_id(), at=clock.unix))
        further = text_xml(openid, "就在小学门口", msgid=msg_id(), at=clock.unix)
        pushed = await asyncio.gather(*(wx.push("oa", further) for _ in range(3)))
        assert len({wx.reply(p)["Content"] for p in pushed}) == 1
        async with database.sessionmaker() as check:
            [report] = (await check.scalars(select(Report))).all()
            assert report.description == "变压器冒烟了\n就在小学门口"
            assert await count(check, InboundMessage) == 2
