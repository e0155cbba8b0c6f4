"""Builds the process's WeChat client from the settings; the one place that knows all the parts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.settings import Settings
from app.wechat.client import WeChatClient
from app.wechat.config import WeChatTuning
from app.wechat.tokens import TokenStore
from app.wechat.transport import AppCredentials, WeChatApp, WeChatTransport


def build_client(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    tuning: WeChatTuning | None = None,
    tokens: TokenStore | None = None,
) -> WeChatClient:
    tuning = tuning or WeChatTuning()
    apps = {
        WeChatApp.official_account: AppCredentials(settings.wechat_oa_appid, settings.wechat_oa_secret),
        WeChatApp.mini_program: AppCredentials(settings.wechat_mp_appid, settings.wechat_mp_secret),
    }
    transport = WeChatTransport(
        base_url=settings.wechat_api_base,
        apps=apps,
        tokens=tokens or TokenStore(sessionmaker, policy=tuning.token_policy()),
        timeout=tuning.timeout(),
        max_connections=tuning.max_connections,
    )
    return WeChatClient(transport)
