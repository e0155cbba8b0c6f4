"""The callback endpoints over HTTP: URL verification, the three POST modes, and everything refused
(with nothing stored for a refused push)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from app.http.deps import get_now
from app.inbound.models import InboundMessage
from app.main import create_app
from app.reports.models import Report
from tests.wechat_callbacks import _support as sample
from tests.wechat_callbacks._http import (
    OA_ACCOUNT,
    OA_TOKEN,
    Clock,
    WeChatPusher,
    event_xml,
    msg_id,
    read_reply,
    safe_body,
    text_xml,
)
from tests.wechat_callbacks.conftest import callback_settings, configure, follower
from wechat_callbacks.protocol import MAX_BODY_BYTES
from wechat_callbacks.signature import msg_signature, plain_signature


async def stored(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(InboundMessage)) or 0)


# --- GET: URL verification ------------------------------------------------------------------------


async def test_url_check_echoes_echostr_for_the_documented_signature(cb_settings, database):
    doc = callback_settings(cb_settings, wechat_oa_token="AAAAA")
    app = create_app(doc, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.get(
            "/wechat/oa",
            params={
                "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
                "timestamp": "1714036504",
                "nonce": "1514711492",
                "echostr": "5837397520521790000",
            },
        )
        forged = await c.get(
            "/wechat/oa",
            params={
                "signature": "f464b24fc39322e44b38aa78f5edd27bd1441697",
                "timestamp": "1714036504",
                "nonce": "1514711492",
                "echostr": "x",
            },
        )
    assert (ok.status_code, ok.text) == (200, "5837397520521790000")
    assert forged.status_code == 403


@pytest.mark.parametrize("app_name", ["oa", "mp"])
async def test_url_check_refuses_missing_or_wrong_signature(app_name, http, wx):
    good = wx.query(app_name)
    assert (await http.get(f"/wechat/{app_name}", params={**good, "echostr": "e1"})).text == "e1"
    bad = {**good, "signature": "0" * 40, "echostr": "e1"}
    assert (await http.get(f"/wechat/{app_name}", params=bad)).status_code == 403
    assert (await http.get(f"/wechat/{app_name}", params={"echostr": "e1"})).status_code == 403


async def test_unconfigured_endpoint_is_not_found(settings, database):
    app = create_app(settings, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/wechat/oa", content=b"<xml/>")).status_code == 404


# --- the official sample --------------------------------------------------------------------------


async def test_official_sample_is_decrypted_and_stored(
    cb_settings, database, session, storage, wechat_client
):
    app = create_app(
        callback_settings(
            cb_settings,
            wechat_oa_token=sample.SAMPLE_TOKEN,
            wechat_oa_aes_key=sample.SAMPLE_AES_KEY,
            wechat_oa_appid=sample.SAMPLE_APPID,
        ),
        database,
    )

    then = Clock(now=datetime.fromtimestamp(int(sample.SAMPLE_TIMESTAMP), UTC))
    configure(app, clock=then, storage=storage, client=wechat_client)
    body = safe_body(sample.SAMPLE_ENCRYPT, to="gh_x")
    query = {
        "timestamp": sample.SAMPLE_TIMESTAMP,
        "nonce": sample.SAMPLE_NONCE,
        "encrypt_type": "aes",
        "msg_signature": sample.SAMPLE_MSG_SIGNATURE,
        "signature": plain_signature(sample.SAMPLE_TOKEN, sample.SAMPLE_TIMESTAMP, sample.SAMPLE_NONCE),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        res = await c.post("/wechat/oa", params=query, content=body.encode())
    assert res.status_code == 200 and "<Encrypt>" in res.text
    row = await session.scalar(select(InboundMessage).where(InboundMessage.msg_id == "6054768590064713728"))
    assert row is not None and row.status == "handled"
    assert row.payload["Content"] == "abcdteT"
    assert row.from_openid == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    # The reply is encrypted for the sample account and readable by wechatpy.
    reply = read_reply(
        res.text, WeChatCrypto(sample.SAMPLE_TOKEN, sample.SAMPLE_AES_KEY, sample.SAMPLE_APPID)
    )
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert "村(社区)" in reply["Content"]  # no home village known yet: asked for one


# --- the three modes, round trip ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
async def test_text_push_round_trips_in_each_mode(mode, wx, session, county, clock):
    villager = await follower(session, village=county.village)
    mid = msg_id()
    pushed = await wx.push(
        "oa", text_xml(villager.oa_openid, "村口路灯坏了", msgid=mid, at=clock.unix), mode=mode
    )
    assert pushed.status_code == 200
    encrypted = "<Encrypt>" in pushed.response.text
    assert encrypted == (mode != "plain")
    reply = wx.reply(pushed)
    assert reply["ToUserName"] == villager.oa_openid and reply["FromUserName"] == OA_ACCOUNT
    assert "已收到您的反映" in reply["Content"]
    row = await session.scalar(select(InboundMessage).where(InboundMessage.msg_id == mid))
    assert row is not None and row.report_id is not None and row.reply == reply["Content"]


async def test_compatible_mode_trusts_only_the_decrypted_fields(wx, session, county, clock):
    villager = await follower(session, village=county.village)
    mid = msg_id()
    xml = text_xml(villager.oa_openid, "真实内容", msgid=mid, at=clock.unix)
    query = wx.query("oa")
    encrypt, signature = wx.encrypted("oa", xml, timestamp=query["timestamp"], nonce=query["nonce"])
    forged_plain = xml.replace("真实内容", "伪造内容").replace(
        "</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    res = await wx.client.post(
        "/wechat/oa",
        params={**query, "encrypt_type": "aes", "msg_signature": signature},
        content=forged_plain.encode(),
    )
    assert res.status_code == 200
    row = await session.scalar(select(InboundMessage).where(InboundMessage.msg_id == mid))
    assert row is not None and row.payload["Content"] == "真实内容" and "Encrypt" not in row.payload


async def test_plaintext_is_refused_when_only_encrypted_pushes_are_allowed(
    cb_settings, database, clock, storage, wechat_client, session, fake
):
    app = create_app(callback_settings(cb_settings, wechat_oa_allow_plaintext=False), database)
    configure(app, clock=clock, storage=storage, client=wechat_client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        wx = WeChatPusher(c, clock, oa_appid=fake.state.oa_appid, mp_appid=fake.state.mp_appid)
        plain = await wx.push("oa", event_xml("oPlain", "subscribe", at=clock.unix), mode="plain")
        safe = await wx.push("oa", event_xml("oSafe", "subscribe", at=clock.unix), mode="safe")
    assert (plain.status_code, safe.status_code) == (403, 200)
    assert await stored(session) == 1


async def test_previous_aes_key_still_opens_pushes_during_rotation(
    cb_settings, database, clock, storage, wechat_client, session, fake
):
    new_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    rotated = callback_settings(
        cb_settings, wechat_oa_aes_key=new_key, wechat_oa_previous_aes_key=cb_settings.wechat_oa_aes_key
    )
    app = create_app(rotated, database)
    configure(app, clock=clock, storage=storage, client=wechat_client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        wx = WeChatPusher(c, clock, oa_appid=fake.state.oa_appid, mp_appid=fake.state.mp_appid)
        old = await wx.push("oa", event_xml("oOldKey", "subscribe", at=clock.unix))
        wx.oa = WeChatCrypto(OA_TOKEN, new_key, fake.state.oa_appid)
        new = await wx.push("oa", event_xml("oNewKey", "subscribe", at=clock.unix))
    assert (old.status_code, new.status_code) == (200, 200)
    # Replies always go out under the new key.
    assert wx.reply(old)["Content"].startswith("欢迎关注")
    assert await stored(session) == 2


# --- refused, with nothing stored -----------------------------------------------------------------


async def test_forged_signature_forged_msg_signature_and_stale_timestamp_store_nothing(wx, session, clock):
    xml = text_xml("oForger", "假消息", at=clock.unix)
    forged_plain = await wx.push("oa", xml, mode="plain", signature="0" * 40)
    forged_aes = await wx.push("oa", xml, mode="safe", msg_signature="1" * 40)
    stale_ts = str(clock.unix - 301)
    stale = await wx.push("oa", xml, mode="safe", timestamp=stale_ts)
    future = await wx.push("oa", xml, mode="plain", timestamp=str(clock.unix + 301))
    assert [p.status_code for p in (forged_plain, forged_aes, stale, future)] == [403, 403, 403, 403]
    assert await stored(session) == 0


async def test_a_push_just_inside_the_window_is_accepted(wx, session, clock):
    pushed = await wx.push(
        "oa", event_xml("oEdge", "subscribe", at=clock.unix), timestamp=str(clock.unix - 300)
    )
    assert pushed.status_code == 200 and await stored(session) == 1


@pytest.mark.parametrize(
    "payload", [sample.BILLION_LAUGHS, sample.EXTERNAL_ENTITY, sample.PARAMETER_ENTITY, sample.EXTERNAL_DTD]
)
async def test_entity_payloads_are_refused_without_a_5xx(payload, wx, session):
    plain = await wx.client.post("/wechat/oa", params=wx.query("oa"), content=payload)
    # The same payload inside a correctly encrypted and signed push (WeChat compromised, or a bug).
    query = wx.query("oa")
    encrypt, signature = wx.encrypted(
        "oa", payload.decode(), timestamp=query["timestamp"], nonce=query["nonce"]
    )
    inner = await wx.client.post(
        "/wechat/oa",
        params={**query, "encrypt_type": "aes", "msg_signature": signature},
        content=f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode(),
    )
    assert (plain.status_code, inner.status_code) == (400, 400)
    assert await stored(session) == 0


async def test_malformed_undecryptable_and_oversized_bodies(wx, session, clock):
    query = wx.query("oa")
    garbage = await wx.client.post("/wechat/oa", params=query, content=b"<xml><a>unclosed")
    not_for_us = WeChatPusher(wx.client, clock, oa_appid="wx0000000000000000", mp_appid="x")
    wrong_appid = await not_for_us.push("oa", event_xml("oOther", "subscribe", at=clock.unix))
    encrypt = "A" * 64
    undecryptable = await wx.client.post(
        "/wechat/oa",
        params={
            **query,
            "encrypt_type": "aes",
            "msg_signature": msg_signature(OA_TOKEN, query["timestamp"], query["nonce"], encrypt),
        },
        content=f"<xml><Encrypt>{encrypt}</Encrypt></xml>".encode(),
    )
    big = b"<xml><Content>" + b"x" * MAX_BODY_BYTES + b"</Content></xml>"
    declared = await wx.client.post("/wechat/oa", params=query, content=big)

    async def chunks():
        for _ in range(5):
            yield b"x" * (MAX_BODY_BYTES // 4)

    streamed = await wx.client.post("/wechat/oa", params=query, content=chunks())
    no_id = await wx.push("oa", "<xml><MsgType>text</MsgType><FromUserName>o1</FromUserName></xml>")
    answers = (garbage, wrong_appid.response, undecryptable, declared, streamed, no_id.response)
    assert [r.status_code for r in answers] == [400, 400, 400, 413, 413, 400]
    assert await stored(session) == 0


async def test_unknown_types_are_stored_and_answered_success(wx, session, clock):
    odd = await wx.push("oa", event_xml("oOdd", "some_future_event", at=clock.unix))
    mp_text = await wx.push("mp", text_xml("oMpUser", "客服消息", at=clock.unix).replace(OA_ACCOUNT, "gh_mp"))
    assert (odd.response.text, mp_text.response.text) == ("success", "success")
    rows = (await session.scalars(select(InboundMessage).order_by(InboundMessage.id))).all()
    assert [(r.app, r.msg_type, r.event, r.status) for r in rows] == [
        ("oa", "event", "some_future_event", "handled"),
        ("mp", "text", None, "handled"),
    ]


async def test_a_handler_failure_keeps_the_message_and_asks_to_try_again(
    cb_settings, wx, session, county, clock, cb_app
):
    villager = await follower(session, village=county.village)
    broken = callback_settings(cb_settings, wechat_chat_report_category="no_such_category")
    cb_app.state.settings = broken
    cb_app.state.wechat_services = None
    mid = msg_id()
    pushed = await wx.push("oa", text_xml(villager.oa_openid, "井盖丢了", msgid=mid, at=clock.unix))
    assert pushed.status_code == 200
    assert "稍后再发" in wx.reply(pushed)["Content"]
    row = await session.scalar(select(InboundMessage).where(InboundMessage.msg_id == mid))
    assert row is not None and row.status == "failed" and "no_such_category" in (row.error or "")
    assert row.payload["Content"] == "井盖丢了"
    # A retry of the failed message is answered alike and handled no further, even once it could be.
    cb_app.state.settings, cb_app.state.wechat_services = cb_settings, None
    again = await wx.push("oa", text_xml(villager.oa_openid, "井盖丢了", msgid=mid, at=clock.unix))
    assert wx.reply(again)["Content"] == row.reply and await stored(session) == 1
    assert await session.scalar(select(func.count()).select_from(Report)) == 0


async def test_misconfigured_aes_key_fails_loudly_not_silently(cb_settings, database):
    app = create_app(callback_settings(cb_settings, wechat_oa_aes_key="too-short"), database)
    app.dependency_overrides[get_now] = lambda: datetime.now(UTC)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        with pytest.raises(ValueError, match="EncodingAESKey"):
            await c.get("/wechat/oa")
