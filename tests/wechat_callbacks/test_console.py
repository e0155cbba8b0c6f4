"""What admins see of the pushes: GET /api/v1/wechat/messages and /media-fetches; and the binding QR code
a staff member asks for."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.villagers.models import StaffBindingCode
from tests import factories
from tests.miniprogram import photos
from tests.wechat_callbacks._http import event_xml, image_xml, text_xml
from tests.wechat_callbacks.conftest import follower


async def test_admins_page_through_stored_messages_with_how_each_was_handled(wx, http, session, county, fake):
    admin = await factories.staff(session, role="admin", area=county.county)
    villager = await follower(session, village=county.village)
    fake.add_media("MEDIA_C", photos.image("JPEG", color=40))
    await wx.push("oa", image_xml(villager.oa_openid, "MEDIA_C", at=wx.clock.unix))
    await wx.push("oa", text_xml(villager.oa_openid, "健身器材坏了", at=wx.clock.unix))
    await wx.push("oa", event_xml(villager.oa_openid, "VIEW", at=wx.clock.create_time()))
    headers = await factories.staff_token(http, admin)

    first = (await http.get("/api/v1/wechat/messages", params={"limit": 2}, headers=headers)).json()
    rest = (
        await http.get("/api/v1/wechat/messages", params={"cursor": first["next_cursor"]}, headers=headers)
    ).json()
    items = first["items"] + rest["items"]
    assert [(i["msg_type"], i["event"], i["status"]) for i in items] == [
        ("event", "VIEW", "handled"),
        ("text", None, "handled"),
        ("image", None, "handled"),
    ]
    view, text, image = items
    assert rest["next_cursor"] is None
    assert text["report_id"] is not None and image["report_id"] == text["report_id"]
    assert "已收到您的反映" in text["reply"] and text["payload"]["Content"] == "健身器材坏了"
    assert image["photo"]["status"] == "stored" and image["photo"]["attached"] is True
    assert villager.oa_openid not in text["sender"]  # shortened; filter by the whole openid instead
    only_text = await http.get(
        "/api/v1/wechat/messages", params={"msg_type": "text", "openid": villager.oa_openid}, headers=headers
    )
    assert [i["id"] for i in only_text.json()["items"]] == [text["id"]]


async def test_admins_see_the_chat_photos_that_could_not_be_fetched(wx, http, session, county):
    admin = await factories.staff(session, role="admin", area=county.county)
    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    villager = await follower(session, village=county.village)
    await wx.push("oa", image_xml(villager.oa_openid, "MEDIA_GONE", at=wx.clock.unix))
    res = await http.get(
        "/api/v1/wechat/media-fetches",
        params={"status": "failed"},
        headers=await factories.staff_token(http, admin),
    )
    [failed] = res.json()["items"]
    assert failed["status"] == "failed" and "40007" in failed["last_error"] and failed["attempts"] == 1
    forbidden = await http.get(
        "/api/v1/wechat/media-fetches", headers=await factories.staff_token(http, cadre)
    )
    assert forbidden.status_code == 403


async def test_a_staff_member_gets_a_one_time_binding_qr_code_and_scanning_it_binds(
    wx, http, session, county, fake
):
    cadre = await factories.staff(session, role="intake_cadre", area=county.village)
    res = await http.post("/api/v1/wechat/binding-qrcode", headers=await factories.staff_token(http, cadre))
    assert res.status_code == 201
    ticket = parse_qs(urlsplit(res.json()["image_url"]).query)["ticket"][0]
    scene = fake.state.qrcodes[ticket]["scene_str"]
    assert scene.startswith("bind:")
    code = await session.scalar(select(StaffBindingCode).where(StaffBindingCode.staff_id == cadre.id))
    assert code is not None and code.used_at is None
    scanned = await wx.push(
        "oa",
        event_xml(
            "oCadreWeChat0001", "SCAN", at=wx.clock.create_time(), extra=f"<EventKey>{scene}</EventKey>"
        ),
    )
    assert wx.reply(scanned)["Content"].startswith("绑定成功")
    await session.refresh(cadre)
    assert cadre.oa_openid == "oCadreWeChat0001"
