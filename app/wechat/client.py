"""The endpoints this project needs, one thin method each, on top of the transport's choke point.

Which app an endpoint belongs to is fixed here: template messages, media, user info and QR codes are the
Official Account's; subscribe messages, login, phone numbers and content security the mini program's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wechatpy.client.api.qrcode import WeChatQRCode

from app.wechat.errors import TransientError
from app.wechat.tokens import FetchedToken
from app.wechat.transport import WeChatApp, WeChatTransport

OA = WeChatApp.official_account
MP = WeChatApp.mini_program

MiniprogramState = Literal["developer", "trial", "formal"]
Lang = Literal["zh_CN", "en_US", "zh_HK", "zh_TW"]
Suggest = Literal["pass", "review", "risky"]


@dataclass(frozen=True, slots=True)
class MiniProgramJump:
    appid: str
    pagepath: str


@dataclass(frozen=True, slots=True)
class LoginSession:
    openid: str
    session_key: str
    unionid: str | None


@dataclass(frozen=True, slots=True)
class MediaFile:
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class SecCheck:
    suggest: Suggest
    label: int
    trace_id: str | None


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    phone_number: str
    pure_phone_number: str
    country_code: str


@dataclass(frozen=True, slots=True)
class UserInfo:
    openid: str
    subscribed: bool
    unionid: str | None


@dataclass(frozen=True, slots=True)
class QrCode:
    ticket: str
    url: str
    expire_seconds: int

    @property
    def image_url(self) -> str:
        return str(WeChatQRCode.get_url(self.ticket))


def template_data(values: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"value": value} for key, value in values.items()}


class WeChatClient:
    """Async and shared: build one per process (or per job run) and close it when done."""

    def __init__(self, transport: WeChatTransport) -> None:
        self.transport = transport

    async def aclose(self) -> None:
        await self.transport.aclose()

    def configured(self, app: WeChatApp) -> bool:
        return self.transport.configured(app)

    def appid(self, app: WeChatApp) -> str | None:
        return self.transport.credentials(app).appid if self.configured(app) else None

    async def stable_token(self, app: WeChatApp, *, force_refresh: bool = False) -> FetchedToken:
        return await self.transport.fetch_token(app, force=force_refresh)

    async def code_to_session(self, js_code: str) -> LoginSession:
        # No access_token: the appid and secret authenticate this one (wechatpy fetches a token anyway).
        creds = self.transport.credentials(MP)
        data = await self.transport.call(
            MP,
            "GET",
            "sns/jscode2session",
            params={
                "appid": creds.appid,
                "secret": creds.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
            authed=False,
        )
        return LoginSession(
            openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid")
        )

    async def send_template(
        self,
        *,
        touser: str,
        template_id: str,
        data: Mapping[str, str],
        client_msg_id: str | None = None,
        url: str | None = None,
        miniprogram: MiniProgramJump | None = None,
    ) -> str:
        """An Official Account template message; returns WeChat's msgid (as text: it is 64-bit)."""
        body: dict[str, Any] = {"touser": touser, "template_id": template_id, "data": template_data(data)}
        if url:
            body["url"] = url
        if miniprogram is not None:
            body["miniprogram"] = {"appid": miniprogram.appid, "pagepath": miniprogram.pagepath}
        if client_msg_id:
            # WeChat drops a resend with the same id within 10 minutes: what makes a retry safe.
            body["client_msg_id"] = client_msg_id
        answer = await self.transport.call(OA, "POST", "cgi-bin/message/template/send", body=body)
        return str(answer.get("msgid", ""))

    async def send_subscribe(
        self,
        *,
        touser: str,
        template_id: str,
        data: Mapping[str, str],
        page: str | None = None,
        miniprogram_state: MiniprogramState = "formal",
        lang: Lang = "zh_CN",
    ) -> str:
        """A mini program subscribe message; spends one of the user's grants for `template_id`."""
        body: dict[str, Any] = {
            "touser": touser,
            "template_id": template_id,
            "data": template_data(data),
            "miniprogram_state": miniprogram_state,
            "lang": lang,
        }
        if page:
            body["page"] = page
        answer = await self.transport.call(MP, "POST", "cgi-bin/message/subscribe/send", body=body)
        return str(answer.get("msgid", ""))

    async def get_media(self, media_id: str) -> MediaFile:
        """A temporary media file (3 days). Download and keep it: the URL carries the token."""
        response = await self.transport.call_raw(
            OA, "GET", "cgi-bin/media/get", params={"media_id": media_id}
        )
        kind = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return MediaFile(content=response.content, content_type=kind)

    async def msg_sec_check(
        self,
        *,
        openid: str,
        content: str,
        scene: int = 2,
        title: str | None = None,
        nickname: str | None = None,
    ) -> SecCheck:
        body: dict[str, Any] = {"version": 2, "openid": openid, "scene": scene, "content": content}
        if title:
            body["title"] = title
        if nickname:
            body["nickname"] = nickname
        answer = await self.transport.call(MP, "POST", "wxa/msg_sec_check", body=body)
        result = answer.get("result") or {}
        suggest = result.get("suggest")
        if suggest not in ("pass", "review", "risky"):
            raise TransientError(
                None, "msg_sec_check answered without a suggestion", endpoint="wxa/msg_sec_check"
            )
        return SecCheck(suggest=suggest, label=int(result.get("label") or 0), trace_id=answer.get("trace_id"))

    async def media_check_async(
        self, *, openid: str, media_url: str, scene: int = 2, media_type: int = 2
    ) -> str:
        """Starts an asynchronous image check; the verdict arrives as a wxa_media_check push."""
        body = {
            "media_url": media_url,
            "media_type": media_type,
            "version": 2,
            "openid": openid,
            "scene": scene,
        }
        answer = await self.transport.call(MP, "POST", "wxa/media_check_async", body=body)
        return str(answer["trace_id"])

    async def get_phone_number(self, code: str) -> PhoneNumber:
        answer = await self.transport.call(MP, "POST", "wxa/business/getuserphonenumber", body={"code": code})
        info = answer["phone_info"]
        return PhoneNumber(
            phone_number=info["phoneNumber"],
            pure_phone_number=info["purePhoneNumber"],
            country_code=str(info.get("countryCode", "86")),
        )

    async def user_info(self, openid: str, *, lang: Lang = "zh_CN") -> UserInfo:
        answer = await self.transport.call(
            OA, "GET", "cgi-bin/user/info", params={"openid": openid, "lang": lang}
        )
        return UserInfo(
            openid=answer.get("openid", openid),
            subscribed=bool(answer.get("subscribe")),
            unionid=answer.get("unionid"),
        )

    async def create_binding_qrcode(self, scene_str: str, *, expire_seconds: int = 600) -> QrCode:
        """A one-time parametric QR code; scanning it sends a subscribe/SCAN event carrying `scene_str`."""
        body = {
            "expire_seconds": expire_seconds,
            "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene_str}},
        }
        answer = await self.transport.call(OA, "POST", "cgi-bin/qrcode/create", body=body)
        return QrCode(
            ticket=answer["ticket"],
            url=answer.get("url", ""),
            expire_seconds=int(answer.get("expire_seconds") or expire_seconds),
        )
