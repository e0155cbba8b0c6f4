"""The mini program edge's use of the WeChat client: which WeChat failure becomes which answer.

Sign-in and phone numbers cannot go ahead without WeChat (401 / 503). Content checks fail safe: when
WeChat cannot answer, the text is held for human review and the photo waits for the 30-minute hold.
"""

from __future__ import annotations

import logging

from fastapi import Request

from app.core.errors import DomainError, InvalidInput
from app.villagers.service import Unauthenticated, WeChatIdentity
from app.wechat.client import WeChatClient
from app.wechat.errors import InvalidCode, PermanentError, TransientError, WeChatError
from app.wechat.factory import build_client

log = logging.getLogger("suishoupai.mp.wechat")
# 40163: the code was used already. 40029: invalid code (also an expired one).
_BAD_CODE = frozenset({40029, 40163})


class WeChatUnavailable(DomainError):
    status_code = 503
    code = "wechat_unavailable"


def client_of(request: Request) -> WeChatClient:
    """The app's shared client (the composition root may set one); built on first use otherwise."""
    client: WeChatClient | None = getattr(request.app.state, "wechat", None)
    if client is None:
        client = build_client(request.app.state.settings, request.app.state.database.sessionmaker)
        request.app.state.wechat = client
    return client


def _busy() -> WeChatUnavailable:
    return WeChatUnavailable("微信服务繁忙，请稍后再试")


async def code_to_session(request: Request, code: str) -> WeChatIdentity:
    try:
        login = await client_of(request).code_to_session(code)
    except PermanentError as exc:
        if isinstance(exc, InvalidCode) or exc.errcode in _BAD_CODE:
            raise Unauthenticated("登录凭证无效或已使用，请重新打开小程序登录", field="code") from exc
        if exc.errcode == 40226:
            raise Unauthenticated("微信账号存在安全风险，暂时无法登录", field="code") from exc
        log.warning("code2session refused", extra={"reason": exc.reason})
        raise Unauthenticated("微信登录失败，请重新打开小程序", field="code") from exc
    except WeChatError as exc:  # busy, rate limited, timeout, not configured, our credentials
        log.warning("code2session unavailable", extra={"reason": exc.reason})
        raise _busy() from exc
    return WeChatIdentity(openid=login.openid, session_key=login.session_key, unionid=login.unionid)


async def check_text(request: Request, *, openid: str, content: str) -> str:
    """pass, review or risky; review when WeChat cannot say (the text is held, never waved through)."""
    try:
        return (await client_of(request).msg_sec_check(openid=openid, content=content)).suggest
    except WeChatError as exc:
        log.warning("msg_sec_check unavailable, holding for review", extra={"reason": exc.reason})
        return "review"


async def request_media_check(request: Request, *, openid: str, media_url: str) -> str | None:
    """WeChat's trace id, or None when it could not be asked (the photo then waits for human review)."""
    try:
        return await client_of(request).media_check_async(openid=openid, media_url=media_url)
    except WeChatError as exc:
        log.warning("media_check_async unavailable", extra={"reason": exc.reason})
        return None


async def phone_number(request: Request, code: str) -> str:
    try:
        return (await client_of(request).get_phone_number(code)).pure_phone_number
    except TransientError as exc:
        raise _busy() from exc
    except PermanentError as exc:
        raise InvalidInput("手机号授权已失效，请重新点击获取手机号", field="code") from exc
    except WeChatError as exc:
        raise _busy() from exc
