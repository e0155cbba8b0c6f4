"""Each endpoint the project needs, against the fake WeChat server: what is sent, what comes back."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.wechat.client import MiniProgramJump, WeChatClient
from app.wechat.errors import InvalidCode, NoSubscribeGrant, PermanentError
from app.wechat.transport import WeChatApp
from tests.fakes.wechat_server import FakeWeChat

OA, MP = WeChatApp.official_account, WeChatApp.mini_program


async def test_stable_token_normal_mode_returns_the_same_token_and_force_replaces_it(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    first = await wechat_client.stable_token(OA)
    again = await wechat_client.stable_token(OA)
    forced = await wechat_client.stable_token(OA, force_refresh=True)
    assert first.access_token == again.access_token != forced.access_token
    assert 7100 < again.expires_in <= 7200
    body = fake_wechat.calls("cgi-bin/stable_token")[-1].body
    assert body["force_refresh"] is True and body["grant_type"] == "client_credential"


async def test_code_to_session_needs_no_access_token_and_a_code_works_once(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_login_code("code-1", "mp-openid-1", unionid="union-1")
    login = await wechat_client.code_to_session("code-1")
    assert (login.openid, login.unionid) == ("mp-openid-1", "union-1")
    assert login.session_key == "sk-code-1"
    call = fake_wechat.calls("sns/jscode2session")[0]
    assert call.access_token is None and call.query["grant_type"] == "authorization_code"
    assert fake_wechat.token_fetches() == 0
    with pytest.raises(InvalidCode):
        await wechat_client.code_to_session("code-1")


async def test_template_message_carries_client_msg_id_and_mini_program_jump_and_a_resend_is_a_no_op(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_follower("oa-openid-1")
    fake_wechat.add_template("tpl-oa", app="oa")
    jump = MiniProgramJump("wxmp", "pages/report/detail?id=7")
    kwargs = dict(touser="oa-openid-1", template_id="tpl-oa", data={"thing1": "路灯已修好"}, miniprogram=jump)
    first = await wechat_client.send_template(client_msg_id="ssp-1", **kwargs)
    again = await wechat_client.send_template(client_msg_id="ssp-1", **kwargs)
    assert first == again and first.isdigit()
    delivered = fake_wechat.delivered("template")
    assert len(delivered) == 1
    assert delivered[0].miniprogram == {"appid": "wxmp", "pagepath": "pages/report/detail?id=7"}
    assert delivered[0].data == {"thing1": "路灯已修好"}
    assert fake_wechat.calls("cgi-bin/message/template/send")[0].body["client_msg_id"] == "ssp-1"


async def test_subscribe_message_spends_one_grant_and_then_meets_43101(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_mp_user("mp-openid-1")
    fake_wechat.add_template("tpl-mp", app="mp")
    fake_wechat.grant("mp-openid-1", "tpl-mp", 1)
    send = dict(touser="mp-openid-1", template_id="tpl-mp", data={"phrase1": "已受理"}, page="pages/index")
    assert await wechat_client.send_subscribe(miniprogram_state="trial", lang="zh_CN", **send)
    body = fake_wechat.calls("cgi-bin/message/subscribe/send")[0].body
    assert (body["miniprogram_state"], body["lang"], body["page"]) == ("trial", "zh_CN", "pages/index")
    with pytest.raises(NoSubscribeGrant) as refused:
        await wechat_client.send_subscribe(**send)
    assert refused.value.errcode == 43101
    assert len(fake_wechat.delivered("subscribe")) == 1


async def test_media_get_returns_bytes_and_a_json_body_is_an_error(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_media("media-1", b"\xff\xd8\xff\xe0jpeg", content_type="image/jpeg")
    media = await wechat_client.get_media("media-1")
    assert (media.content, media.content_type) == (b"\xff\xd8\xff\xe0jpeg", "image/jpeg")
    fake_wechat.advance(3 * 86400 + 1)  # temporary media live three days
    with pytest.raises(PermanentError) as expired:
        await wechat_client.get_media("media-1")
    assert expired.value.errcode == 40007


async def test_msg_sec_check_uses_version_2_and_reads_the_suggestion(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_mp_user("mp-openid-1")
    fake_wechat.set_text_verdict("赌博", "risky", 20012)
    clean = await wechat_client.msg_sec_check(openid="mp-openid-1", content="路灯坏了")
    risky = await wechat_client.msg_sec_check(openid="mp-openid-1", content="这里有人赌博")
    assert (clean.suggest, risky.suggest, risky.label) == ("pass", "risky", 20012)
    body = fake_wechat.calls("wxa/msg_sec_check")[0].body
    assert (body["version"], body["scene"], body["openid"]) == (2, 2, "mp-openid-1")


async def test_media_check_async_uses_version_2_for_images_and_returns_the_trace_id(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_mp_user("mp-openid-1")
    url = "https://ssp.example.cn/m/abc?sig=1"
    fake_wechat.set_media_verdict(url, "risky")
    trace_id = await wechat_client.media_check_async(openid="mp-openid-1", media_url=url)
    check = fake_wechat.state.media_checks[trace_id]
    assert (check["version"], check["media_type"], check["media_url"]) == (2, 2, url)
    assert fake_wechat.state.media_check_push(trace_id)["result"]["suggest"] == "risky"


async def test_phone_number_user_info_and_binding_qrcode(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_phone_code("phone-code", "13800138000")
    phone = await wechat_client.get_phone_number("phone-code")
    assert (phone.pure_phone_number, phone.country_code) == ("13800138000", "86")

    fake_wechat.add_follower("oa-openid-1", unionid="union-1")
    fake_wechat.add_follower("oa-openid-2", following=False)
    info = await wechat_client.user_info("oa-openid-1")
    assert (info.subscribed, info.unionid) == (True, "union-1")
    assert (await wechat_client.user_info("oa-openid-2")).subscribed is False

    qr = await wechat_client.create_binding_qrcode("bind-7f3a", expire_seconds=300)
    assert fake_wechat.state.qrcodes[qr.ticket]["scene_str"] == "bind-7f3a"
    assert qr.expire_seconds == 300
    assert qr.image_url.endswith(quote(qr.ticket))  # wechatpy's pure get_url
    apps = {c.endpoint: c.access_token for c in fake_wechat.calls() if c.access_token}
    assert apps["wxa/business/getuserphonenumber"] != apps["cgi-bin/user/info"]  # one token per app
