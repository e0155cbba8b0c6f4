"""The callbacks' use of the outside world: the WeChat client (user/info for the unionid, media/get for
chat photos), the media storage, and the first download attempt right after the reply."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from fastapi import FastAPI

from app.core.database import Database
from app.core.settings import Settings
from app.http.deps import reference_of
from app.inbound.chat import ChatRules
from app.inbound.media_fetch import MediaFetcher
from app.media.storage import storage_of
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError
from app.wechat.factory import build_client
from app.wechat.transport import WeChatApp
from wechat_callbacks.registry import Services

log = logging.getLogger("suishoupai.wechat.callbacks")
# user/info runs inside the 5 seconds WeChat waits for our answer, on a follower's first contact only.
USER_INFO_TIMEOUT_SECONDS = 1.5


def client_of(app: FastAPI) -> WeChatClient:
    """The app's shared client (the composition root or a test may set one); built on first use."""
    client: WeChatClient | None = getattr(app.state, "wechat", None)
    if client is None:
        client = build_client(app.state.settings, app.state.database.sessionmaker)
        app.state.wechat = client
    return client


def chat_rules(settings: Settings) -> ChatRules:
    return ChatRules(
        window=timedelta(minutes=settings.wechat_chat_report_window_minutes),
        category_code=settings.wechat_chat_report_category,
        tz=settings.tz,
        daily_limit=settings.wechat_chat_daily_report_limit,
    )


async def lookup_unionid(client: WeChatClient, openid: str) -> str | None:
    if not client.configured(WeChatApp.official_account):
        return None
    try:
        async with asyncio.timeout(USER_INFO_TIMEOUT_SECONDS):
            return (await client.user_info(openid)).unionid
    except (WeChatError, TimeoutError) as exc:
        # Unknown for now: the follower gets a row of their own and is asked for their village.
        log.warning("user/info unavailable", extra={"reason": getattr(exc, "reason", "timeout")})
        return None


def services_for(app: FastAPI) -> Services:
    settings: Settings = app.state.settings
    database: Database = app.state.database

    async def unionid(openid: str) -> str | None:
        return await lookup_unionid(client_of(app), openid)

    async def fetch_photos(ids: list[int], now: datetime) -> object:
        fetcher = MediaFetcher(
            sessionmaker=database.sessionmaker, source=client_of(app), storage=storage_of(app)
        )
        try:
            return await fetcher.run_once(now=now, only=ids)
        except Exception:  # best effort: the row stays due and the media-fetch job takes it
            log.exception("immediate chat photo download failed", extra={"fetch_ids": ids})
            return None

    return Services(
        settings=settings,
        rules=chat_rules(settings),
        lookup_unionid=unionid,
        fetch_photos=fetch_photos,
        reference=reference_of(app),
    )


def services_of(app: FastAPI) -> Services:
    """The app's handler services, built once."""
    services: Services | None = getattr(app.state, "wechat_services", None)
    if services is None:
        services = services_for(app)
        app.state.wechat_services = services
    return services
