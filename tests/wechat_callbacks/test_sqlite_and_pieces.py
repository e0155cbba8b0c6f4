"""The embedded demo runs on SQLite: a chat report with its photo works there too. And the small pure
pieces the handlers rely on: reading list fields in both formats, and telling keywords from reports."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from app.core import migrate
from app.core.database import Database
from app.inbound.keywords import Keyword, classify
from app.inbound.models import InboundMessage
from app.main import create_app
from app.media.models import ReportMedia
from app.reports.models import Report
from app.wechat.factory import build_client
from tests import factories
from tests.miniprogram import photos
from tests.wechat_callbacks._http import WeChatPusher, image_xml, text_xml
from tests.wechat_callbacks.conftest import callback_settings, configure, follower
from wechat_callbacks.message import Message
from wechat_callbacks.parsing import parse_xml


async def test_a_chat_report_with_a_photo_on_sqlite(tmp_path, cb_settings, clock, storage, fake):
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    client = build_client(cb_settings, database.sessionmaker)
    try:
        async with database.sessionmaker() as session:
            county = await factories.county(session)
            villager = await follower(session, village=county.village)
        app = create_app(callback_settings(cb_settings, database_url=url), database)
        configure(app, clock=clock, storage=storage, client=client)
        fake.add_media("MEDIA_SQLITE", photos.image("JPEG", color=60))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            wx = WeChatPusher(c, clock, oa_appid=fake.state.oa_appid, mp_appid=fake.state.mp_appid)
            image = image_xml(villager.oa_openid, "MEDIA_SQLITE", at=clock.unix)
            await wx.push("oa", image)
            await wx.push("oa", image)  # a retry
            pushed = await wx.push("oa", text_xml(villager.oa_openid, "村口的水管爆了", at=clock.unix))
            clock.advance(minutes=2)
            added = await wx.push("oa", text_xml(villager.oa_openid, "水流到路上了", at=clock.unix))
        assert "已收到您的反映" in wx.reply(pushed)["Content"]
        assert "已补充" in wx.reply(added)["Content"]
        async with database.sessionmaker() as session:
            [report] = (await session.scalars(select(Report))).all()
            assert report.channel == "official_account"
            # Version 1 when made (held for review from the start), 2 when the text was added.
            assert (report.description, report.version) == ("村口的水管爆了\n水流到路上了", 2)
            assert len((await session.scalars(select(ReportMedia))).all()) == 1
            assert len((await session.scalars(select(InboundMessage))).all()) == 3  # the retry: none
    finally:
        await client.aclose()
        await database.dispose()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"<xml><SubscribeMsgPopupEvent><List><TemplateId>a</TemplateId>"
            b"<SubscribeStatusString>accept</SubscribeStatusString></List></SubscribeMsgPopupEvent></xml>",
            [{"TemplateId": "a", "SubscribeStatusString": "accept"}],
        ),
        (
            b"<xml><SubscribeMsgPopupEvent><List><TemplateId>a</TemplateId></List>"
            b"<List><TemplateId>b</TemplateId></List><List><TemplateId>c</TemplateId></List>"
            b"</SubscribeMsgPopupEvent></xml>",
            [{"TemplateId": "a"}, {"TemplateId": "b"}, {"TemplateId": "c"}],
        ),
    ],
    ids=["xml-one", "xml-many"],
)
def test_list_fields_from_xml(body, expected):
    assert Message(parse_xml(body)).items("SubscribeMsgPopupEvent") == expected


@pytest.mark.parametrize(
    "value",
    [
        [{"TemplateId": "a", "PopupScene": 0}],
        {"TemplateId": "a", "PopupScene": 0},
        {"List": [{"TemplateId": "a", "PopupScene": 0}]},
        {"List": {"TemplateId": "a", "PopupScene": 0}},
    ],
    ids=["array", "object", "wrapped-array", "wrapped-object"],
)
def test_list_fields_from_json(value):
    assert Message({"SubscribeMsgPopupEvent": value}).items("SubscribeMsgPopupEvent") == [
        {"TemplateId": "a", "PopupScene": "0"}
    ]


def test_nested_and_flattened_fields_read_alike():
    assert Message({"result": {"suggest": "risky"}}).get("result", "suggest") == "risky"
    assert Message({"result.suggest": "risky"}).get("result", "suggest") == "risky"
    assert Message({"MsgId": 18446744073709551615}).get("MsgId") == "18446744073709551615"
    assert Message({"result": {"suggest": "x"}}).get("result") is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("帮助", Keyword.help),
        (" 进度？", Keyword.progress),
        ("？", Keyword.help),
        ("HELP", Keyword.help),
        ("新反映！", Keyword.new),
        ("进度太慢了，路灯还没修", None),
        ("村口路灯坏了", None),
    ],
)
def test_keywords_are_whole_messages(text, keyword):
    assert classify(text) is keyword
