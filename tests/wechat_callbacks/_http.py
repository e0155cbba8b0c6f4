"""Playing WeChat against our callback endpoints: signed pushes in the three modes, built with wechatpy's
crypto (an implementation independent of ours), and the replies read back the same way."""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from wechatpy.crypto import WeChatCrypto

from wechat_callbacks.parsing import parse_xml
from wechat_callbacks.signature import plain_signature

Mode = Literal["plain", "compatible", "safe"]
OA_TOKEN = "oa-callback-token"
OA_AES_KEY = "H33wFVmg0tS+aSEKrRdamspwKI2nB4WcQQMeHNgIlTo"
MP_TOKEN = "mp-callback-token"
MP_AES_KEY = "4smXYQ0TLwIZOBlEQSYVcWipWPo04bItIrl7rJm2qM4"
OA_ACCOUNT = "gh_suishoupai_oa"
_ids = itertools.count(7_000_000_000_000_000_001)
_seconds = itertools.count(1)


def safe_body(encrypt: str, to: str = OA_ACCOUNT) -> str:
    """Safe mode: only the account and the Encrypt value travel in the clear."""
    return f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"


def msg_id() -> str:
    return str(next(_ids))


@dataclass
class Clock:
    """The time our endpoints see (NowDep) and the pushes carry; moved by the tests, never slept."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @property
    def unix(self) -> int:
        return int(self.now.timestamp())

    def create_time(self) -> int:
        # Events are deduplicated by sender + CreateTime + Event: tests give each its own second.
        return self.unix + next(_seconds) % 30


def text_xml(openid: str, content: str, *, msgid: str | None = None, at: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>{at}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msgid or msg_id()}</MsgId></xml>"
    )


def image_xml(openid: str, media_id: str, *, at: int, msgid: str | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>{at}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
        f"<MsgId>{msgid or msg_id()}</MsgId></xml>"
    )


def location_xml(openid: str, lat: float, lng: float, label: str, *, at: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>{at}</CreateTime><MsgType><![CDATA[location]]></MsgType>"
        f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>15</Scale>"
        f"<Label><![CDATA[{label}]]></Label><MsgId>{msg_id()}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, *, at: int, extra: str = "", to: str = OA_ACCOUNT) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{extra}</xml>"
    )


@dataclass
class Pushed:
    response: httpx.Response
    nonce: str
    timestamp: str

    @property
    def status_code(self) -> int:
        return self.response.status_code


class WeChatPusher:
    def __init__(self, client: httpx.AsyncClient, clock: Clock, *, oa_appid: str, mp_appid: str) -> None:
        self.client = client
        self.clock = clock
        self.oa = WeChatCrypto(OA_TOKEN, OA_AES_KEY, oa_appid)
        self.mp = WeChatCrypto(MP_TOKEN, MP_AES_KEY, mp_appid)

    def query(self, app: str, *, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        token = OA_TOKEN if app == "oa" else MP_TOKEN
        ts = timestamp or str(self.clock.unix)
        nonce = nonce or str(secrets.randbelow(10**9))
        return {
            "signature": plain_signature(token, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "openid": "x",
        }

    def encrypted(self, app: str, payload: str, *, timestamp: str, nonce: str) -> tuple[str, str]:
        """(Encrypt, msg_signature) exactly as WeChat would compute them."""
        sealed = parse_xml(
            (self.oa if app == "oa" else self.mp).encrypt_message(payload, nonce, timestamp).encode()
        )
        return sealed["Encrypt"], sealed["MsgSignature"]

    async def push(
        self,
        app: str,
        payload: str,
        *,
        mode: Mode = "safe",
        timestamp: str | None = None,
        json_format: bool = False,
        **query_overrides: str,
    ) -> Pushed:
        query = self.query(app, timestamp=timestamp)
        ts, nonce = query["timestamp"], query["nonce"]
        body = payload
        if mode != "plain":
            encrypt, signature = self.encrypted(app, payload, timestamp=ts, nonce=nonce)
            query.update(encrypt_type="aes", msg_signature=signature)
            if json_format:
                body = json.dumps({"ToUserName": "gh_mp", "Encrypt": encrypt})
            elif mode == "safe":
                body = safe_body(encrypt)
            else:  # compatible: the plaintext fields beside <Encrypt>
                body = payload.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        query.update(query_overrides)
        response = await self.client.post(f"/wechat/{app}", params=query, content=body.encode())
        return Pushed(response, nonce, ts)

    def reply(self, pushed: Pushed, app: str = "oa") -> dict[str, Any]:
        return read_reply(pushed.response.text, self.oa if app == "oa" else self.mp)


def read_reply(text: str, crypto: WeChatCrypto) -> dict[str, Any]:
    """The passive reply's fields ({} for "success"); an encrypted one is opened, and its signature
    checked, by wechatpy."""
    if text == "success":
        return {}
    fields = parse_xml(text.encode())
    if "Encrypt" in fields:
        inner = crypto.decrypt_message(text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        return parse_xml(inner.encode() if isinstance(inner, str) else inner)
    return fields
