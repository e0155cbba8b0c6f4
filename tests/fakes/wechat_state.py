"""What the fake WeChat server knows and how each endpoint answers. Plain, synchronous, no HTTP.

`WeChatState.handle(endpoint, method, query, body)` returns (http_status, JSON dict | (bytes, type)).
The HTTP layer (wechat_server.py) adds recorded calls, faults and the thread it runs in.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEDUPE_WINDOW = 600.0  # client_msg_id: a resend within 10 minutes is a no-op
EARLY_RENEWAL = 300.0  # stable_token normal mode gives a new token in the last 5 minutes
FORCE_INTERVAL = 30.0
FORCE_DAILY = 20

# Which app's access_token each endpoint wants; the others take none.
AUTHED = {
    "cgi-bin/message/template/send": "oa",
    "cgi-bin/media/get": "oa",
    "cgi-bin/user/info": "oa",
    "cgi-bin/qrcode/create": "oa",
    "cgi-bin/message/subscribe/send": "mp",
    "wxa/msg_sec_check": "mp",
    "wxa/media_check_async": "mp",
    "wxa/business/getuserphonenumber": "mp",
}

Answer = tuple[int, dict[str, Any] | tuple[bytes, str]]


def err(code: int, msg: str) -> Answer:
    return 200, {"errcode": code, "errmsg": msg}


def ok(**values: Any) -> Answer:
    return 200, {"errcode": 0, "errmsg": "ok", **values}


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日( \d{2}:\d{2}(:\d{2})?)?")
_LIMITS = {"thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32,
           "phone_number": 17, "car_number": 8, "phrase": 5}  # fmt: skip


def value_problem(key: str, value: object, *, oa: bool) -> str | None:
    """An independent oracle of WeChat's value rules (not the app's cutter): why `value` would fail."""
    if not isinstance(value, str) or not value:
        return "empty"
    if "\n" in value or "\r" in value:
        return "line break"
    if oa and len(value) > 20:
        return "over 20 characters"
    match = re.fullmatch(r"([a-z_]+?)(\d+)", key)
    kind = match.group(1) if match else "thing"
    if kind in ("time", "date"):
        return None if _TIME.fullmatch(value) else "bad time format"
    if kind == "name":
        return None if len(value) <= (10 if _CJK.search(value) else 20) else "name too long"
    if kind == "amount":
        return None if re.fullmatch(r"[¥$€]?\d{1,10}(\.\d{1,2})?元?", value) else "bad amount"
    limit = _LIMITS.get(kind, 20)
    if len(value) > limit:
        return f"{kind} over {limit}"
    if kind == "phrase" and not all(_CJK.match(c) for c in value):
        return "phrase must be Chinese only"
    if kind == "character_string" and not re.fullmatch(r"[\x21-\x7e]+", value):
        return "character_string must be digits, letters or symbols"
    if kind == "number" and not re.fullmatch(r"\d+(\.\d+)?", value):
        return "number must be digits"
    if kind == "letter" and not re.fullmatch(r"[A-Za-z]+", value):
        return "letter must be letters"
    return None


@dataclass
class Token:
    value: str
    appid: str
    expires_at: float
    revoked: bool = False


@dataclass
class Delivered:
    channel: str  # "template" | "subscribe"
    touser: str
    template_id: str
    data: dict[str, str]
    msgid: str
    at: float
    client_msg_id: str | None = None
    page: str | None = None
    miniprogram: dict[str, str] | None = None


@dataclass
class Follower:
    unionid: str | None = None
    following: bool = True


@dataclass
class MediaItem:
    content: bytes
    content_type: str
    expires_at: float


@dataclass
class WeChatState:
    oa_appid: str = "wxfakeoa000000001"
    oa_secret: str = "fake-oa-secret"
    mp_appid: str = "wxfakemp000000001"
    mp_secret: str = "fake-mp-secret"
    token_ttl: int = 7200
    clock: Callable[[], float] = time.time
    # Bench mode: any openid follows and may receive subscribe messages; any template id exists.
    open_directory: bool = False

    tokens: list[Token] = field(default_factory=list)
    token_fetches: list[tuple[str, bool, float]] = field(default_factory=list)  # appid, force, at
    followers: dict[str, Follower] = field(default_factory=dict)
    mp_users: dict[str, str | None] = field(default_factory=dict)  # openid → unionid
    grants: dict[tuple[str, str], int] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # template_id → "oa" | "mp"
    login_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    phone_codes: dict[str, str] = field(default_factory=dict)
    media: dict[str, MediaItem] = field(default_factory=dict)
    text_verdicts: dict[str, tuple[str, int]] = field(default_factory=dict)  # keyword → (suggest, label)
    media_verdicts: dict[str, tuple[str, int]] = field(default_factory=dict)  # media_url → (suggest, label)
    media_checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # trace_id → request + verdict
    qrcodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # ticket → scene_str, expires_at
    delivered: list[Delivered] = field(default_factory=list)
    _dedupe: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    _msgids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000_000_000_000_000_001))

    # -- tokens -------------------------------------------------------------------------------------

    def _secret_of(self, appid: str) -> str | None:
        return {self.oa_appid: self.oa_secret, self.mp_appid: self.mp_secret}.get(appid)

    def app_of(self, appid: str) -> str:
        return "oa" if appid == self.oa_appid else "mp"

    def current_token(self, appid: str) -> Token | None:
        now = self.clock()
        live = [t for t in self.tokens if t.appid == appid and not t.revoked and t.expires_at > now]
        return live[-1] if live else None

    def _issue(self, appid: str) -> Token:
        token = Token(f"FAKE_{appid[-6:]}_{len(self.tokens) + 1}_{secrets.token_hex(8)}", appid,
                      self.clock() + self.token_ttl)  # fmt: skip
        self.tokens.append(token)
        return token

    def revoke_tokens(self, appid: str) -> None:
        """Someone else force-refreshed: every token of `appid` stops working (40001)."""
        for token in self.tokens:
            if token.appid == appid:
                token.revoked = True

    def stable_token(self, body: dict[str, Any]) -> Answer:
        appid, secret = str(body.get("appid", "")), str(body.get("secret", ""))
        expected = self._secret_of(appid)
        if body.get("grant_type") != "client_credential":
            return err(40002, "invalid grant_type")
        if expected is None:
            return err(40013, "invalid appid")
        if secret != expected:
            return err(40125, "invalid appsecret")
        now, force = self.clock(), bool(body.get("force_refresh"))
        self.token_fetches.append((appid, force, now))
        current = self.current_token(appid)
        if force:
            forced = [at for a, f, at in self.token_fetches[:-1] if a == appid and f]
            if forced and now - forced[-1] < FORCE_INTERVAL and current is not None:
                return ok(access_token=current.value, expires_in=int(current.expires_at - now))
            if len([at for at in forced if now - at < 86400]) >= FORCE_DAILY:
                return err(45009, "reach max api daily quota limit")
            self.revoke_tokens(appid)
            current = self._issue(appid)
        elif current is None or current.expires_at - now <= EARLY_RENEWAL:
            current = self._issue(appid)
        return ok(access_token=current.value, expires_in=int(current.expires_at - now))

    def check_token(self, endpoint: str, value: str | None) -> Answer | None:
        wanted = self.oa_appid if AUTHED[endpoint] == "oa" else self.mp_appid
        token = next((t for t in reversed(self.tokens) if t.value == value), None)
        if token is None or token.revoked or token.appid != wanted:
            return err(40001, "invalid credential, access_token is invalid or not latest")
        if token.expires_at <= self.clock():
            return err(42001, "access_token expired")
        return None

    # -- messages -----------------------------------------------------------------------------------

    def _template_ok(self, template_id: str, app: str) -> bool:
        return self.open_directory or self.templates.get(template_id) == app

    def _data_problem(self, data: object, *, oa: bool) -> str | None:
        if not isinstance(data, dict) or not data:
            return "data missing"
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            if (problem := value_problem(key, value, oa=oa)) is not None:
                return f"argument invalid! data.{key}.value {problem}"
        return None

    def _deliver(self, channel: str, body: dict[str, Any], **extra: Any) -> str:
        msgid = str(next(self._msgids))
        data = {k: v["value"] for k, v in body["data"].items()}
        self.delivered.append(
            Delivered(channel, body["touser"], body["template_id"], data, msgid, self.clock(), **extra)
        )
        return msgid

    def template_send(self, body: dict[str, Any]) -> Answer:
        touser = str(body.get("touser", ""))
        follower = self.followers.get(touser) or (Follower() if self.open_directory else None)
        if follower is None:
            return err(40003, "invalid openid")
        if not follower.following:
            return err(43004, "require subscribe")
        if not self._template_ok(str(body.get("template_id", "")), "oa"):
            return err(40037, "invalid template_id")
        if (problem := self._data_problem(body.get("data"), oa=True)) is not None:
            return err(47003, problem)
        now, client_msg_id = self.clock(), body.get("client_msg_id")
        if client_msg_id:
            seen = self._dedupe.get((touser, client_msg_id))
            if seen is not None and now - seen[1] < DEDUPE_WINDOW:
                return ok(msgid=int(seen[0]))
        msgid = self._deliver(
            "template",
            body,
            client_msg_id=client_msg_id,
            miniprogram=body.get("miniprogram"),
            page=body.get("url"),
        )
        if client_msg_id:
            self._dedupe[(touser, client_msg_id)] = (msgid, now)
        return ok(msgid=int(msgid))

    def subscribe_send(self, body: dict[str, Any]) -> Answer:
        touser, template_id = str(body.get("touser", "")), str(body.get("template_id", ""))
        if touser not in self.mp_users and not self.open_directory:
            return err(40003, "invalid openid")
        if not self._template_ok(template_id, "mp"):
            return err(40037, "invalid template_id")
        if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
            return err(47003, "argument invalid! miniprogram_state")
        if body.get("lang", "zh_CN") not in ("zh_CN", "en_US", "zh_HK", "zh_TW"):
            return err(47003, "argument invalid! lang")
        if (problem := self._data_problem(body.get("data"), oa=False)) is not None:
            return err(47003, problem)
        if not self.open_directory:
            left = self.grants.get((touser, template_id), 0)
            if left <= 0:
                return err(43101, "user refuse to accept the msg")
            self.grants[(touser, template_id)] = left - 1
        return ok(msgid=int(self._deliver("subscribe", body, page=body.get("page"))))

    # -- identity, media, content security ----------------------------------------------------------

    def jscode2session(self, query: dict[str, str]) -> Answer:
        if query.get("appid") != self.mp_appid:
            return err(40013, "invalid appid")
        if query.get("secret") != self.mp_secret:
            return err(40125, "invalid appsecret")
        if query.get("grant_type") != "authorization_code":
            return err(40002, "invalid grant_type")
        login = self.login_codes.pop(query.get("js_code", ""), None)  # a code is single-use
        if login is None:
            return err(40029, "invalid code")
        self.mp_users[login["openid"]] = login.get("unionid")
        return ok(**login)

    def user_info(self, query: dict[str, str]) -> Answer:
        openid = query.get("openid", "")
        follower = self.followers.get(openid)
        if follower is None:
            return err(40003, "invalid openid")
        answer: dict[str, Any] = {"subscribe": int(follower.following), "openid": openid}
        if follower.unionid:
            answer["unionid"] = follower.unionid
        return 200, answer

    def qrcode_create(self, body: dict[str, Any]) -> Answer:
        scene = ((body.get("action_info") or {}).get("scene") or {}).get("scene_str")
        if (
            body.get("action_name") not in ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE")
            or not scene
            or len(scene) > 64
        ):
            return err(40097, "invalid args")
        expire = min(int(body.get("expire_seconds") or 30), 2_592_000)
        ticket = "gQ" + secrets.token_urlsafe(24)
        self.qrcodes[ticket] = {"scene_str": scene, "expires_at": self.clock() + expire}
        return 200, {
            "ticket": ticket,
            "expire_seconds": expire,
            "url": f"http://weixin.qq.com/q/{ticket[:20]}",
        }

    def media_get(self, query: dict[str, str]) -> Answer:
        item = self.media.get(query.get("media_id", ""))
        if item is None or item.expires_at <= self.clock():
            return err(40007, "invalid media_id")
        return 200, (item.content, item.content_type)

    def msg_sec_check(self, body: dict[str, Any]) -> Answer:
        if body.get("version") != 2:
            return ok()  # the v1 answer: no verdict, a trap for clients that forget version 2
        if body.get("openid") not in self.mp_users and not self.open_directory:
            return err(61010, "user access record expired")
        content = str(body.get("content", ""))
        suggest, label = next(
            (v for k, v in self.text_verdicts.items() if k in content), ("pass", 100)
        )  # fmt: skip
        trace_id = secrets.token_hex(12)
        return ok(result={"suggest": suggest, "label": label}, detail=[], trace_id=trace_id)

    def media_check_async(self, body: dict[str, Any]) -> Answer:
        if body.get("version") != 2:
            return err(47001, "data format error: version 2 required")
        if body.get("openid") not in self.mp_users and not self.open_directory:
            return err(61010, "user access record expired")
        url = str(body.get("media_url", ""))
        if not url.startswith(("http://", "https://")):
            return err(47001, "data format error: media_url")
        suggest, label = self.media_verdicts.get(url, ("pass", 100))
        trace_id = secrets.token_hex(12)
        self.media_checks[trace_id] = {**body, "suggest": suggest, "label": label}
        return ok(trace_id=trace_id)

    def phone_number(self, body: dict[str, Any]) -> Answer:
        phone = self.phone_codes.pop(str(body.get("code", "")), None)
        if phone is None:
            return err(40029, "invalid code")
        info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
                "watermark": {"timestamp": int(self.clock()), "appid": self.mp_appid}}  # fmt: skip
        return ok(phone_info=info)

    def media_check_push(self, trace_id: str) -> dict[str, Any]:
        """The wxa_media_check event WeChat would push for `trace_id` (v2 JSON), for callback tests."""
        check = self.media_checks[trace_id]
        return {
            "ToUserName": "gh_fake_mp", "FromUserName": check.get("openid"), "CreateTime": int(self.clock()),
            "MsgType": "event", "Event": "wxa_media_check", "appid": self.mp_appid, "trace_id": trace_id,
            "version": 2, "errcode": 0, "errmsg": "ok",
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": check["suggest"],
                        "label": check["label"], "prob": 90}],
            "result": {"suggest": check["suggest"], "label": check["label"]},
        }  # fmt: skip

    def handle(self, endpoint: str, query: dict[str, str], body: dict[str, Any]) -> Answer:
        if endpoint in AUTHED and (refused := self.check_token(endpoint, query.get("access_token"))):
            return refused
        handler = {
            "cgi-bin/stable_token": lambda: self.stable_token(body),
            "sns/jscode2session": lambda: self.jscode2session(query),
            "cgi-bin/message/template/send": lambda: self.template_send(body),
            "cgi-bin/message/subscribe/send": lambda: self.subscribe_send(body),
            "cgi-bin/media/get": lambda: self.media_get(query),
            "wxa/msg_sec_check": lambda: self.msg_sec_check(body),
            "wxa/media_check_async": lambda: self.media_check_async(body),
            "wxa/business/getuserphonenumber": lambda: self.phone_number(body),
            "cgi-bin/user/info": lambda: self.user_info(query),
            "cgi-bin/qrcode/create": lambda: self.qrcode_create(body),
        }.get(endpoint)
        return handler() if handler else (404, {"errcode": 404, "errmsg": "no such endpoint in the fake"})
