"""Outbox jobs: send what is due, and keep the shared access_tokens fresh ahead of their expiry.

`suishoupai job run outbox-dispatch` runs the first once. Both are safe to run anywhere, any number of
times at once: rows are claimed with SKIP LOCKED, tokens refreshed under a row lock.
"""

from __future__ import annotations

from app.notifications.config import NotifyConfig
from app.notifications.dispatcher import Dispatcher
from app.wechat.factory import build_client
from app.wechat.transport import WeChatApp
from scheduler.registry import Job, JobContext, register


async def dispatch_outbox(ctx: JobContext) -> dict[str, int]:
    client = build_client(ctx.settings, ctx.database.sessionmaker)
    try:
        dispatcher = Dispatcher(
            sessionmaker=ctx.database.sessionmaker, client=client, tz=ctx.settings.tz, config=NotifyConfig()
        )
        return await dispatcher.run_once(now=ctx.now)
    finally:
        await client.aclose()


async def refresh_tokens(ctx: JobContext) -> dict[str, int]:
    client = build_client(ctx.settings, ctx.database.sessionmaker)
    counts = {"refreshed": 0, "unconfigured": 0}
    try:
        for app in WeChatApp:
            if not client.configured(app):
                counts["unconfigured"] += 1
            elif await client.transport.refresh_ahead(app):
                counts["refreshed"] += 1
    finally:
        await client.aclose()
    return counts


register(Job(name="outbox-dispatch", run=dispatch_outbox, every_seconds=5))
register(Job(name="wechat-token-refresh", run=refresh_tokens, every_seconds=60))
