"""Mini program message push handlers: photo check verdicts and subscribe-message events."""

from __future__ import annotations

import logging

from app.inbound import delivery
from app.inbound.delivery import SubscribeChoice, SubscribeSent
from wechat_callbacks.registry import REGISTRY, Context, Result

log = logging.getLogger("suishoupai.wechat.callbacks")


def _suggest(ctx: Context) -> str:
    suggest = ctx.message.get("result", "suggest")
    if suggest:
        return suggest
    # Version 1 pushes say isrisky 0/1; anything else is for a person to look at.
    return {"0": "pass", "1": "risky"}.get(ctx.message.get("isrisky") or "", "review")


@REGISTRY.on("mp", "event", "wxa_media_check")
async def media_checked(ctx: Context) -> Result:
    appid = ctx.message.get("appid")
    expected = ctx.services.settings.wechat_mp_appid
    if appid and expected and appid != expected:
        log.warning("wxa_media_check for another appid ignored", extra={"appid": appid})
        return Result()
    trace_id = ctx.message.get("trace_id")
    if trace_id:
        await delivery.media_checked(ctx.session, trace_id=trace_id, suggest=_suggest(ctx), now=ctx.now)
    return Result()


def _choices(ctx: Context, container: str) -> list[SubscribeChoice]:
    return [
        SubscribeChoice(item.get("TemplateId", ""), item.get("SubscribeStatusString", ""))
        for item in ctx.message.items(container)
    ]


@REGISTRY.on("mp", "event", "subscribe_msg_popup_event")
async def popup_answered(ctx: Context) -> Result:
    choices = _choices(ctx, "SubscribeMsgPopupEvent")
    await delivery.popup_choices(ctx.session, mp_openid=ctx.message.from_user, choices=choices, now=ctx.now)
    return Result()


@REGISTRY.on("mp", "event", "subscribe_msg_change_event")
async def settings_changed(ctx: Context) -> Result:
    choices = _choices(ctx, "SubscribeMsgChangeEvent")
    await delivery.settings_changed(
        ctx.session, mp_openid=ctx.message.from_user, choices=choices, now=ctx.now
    )
    return Result()


@REGISTRY.on("mp", "event", "subscribe_msg_sent_event")
async def subscribe_sent(ctx: Context) -> Result:
    results = [
        SubscribeSent(
            item.get("TemplateId", ""),
            item.get("MsgID", ""),
            item.get("ErrorCode", ""),
            item.get("ErrorStatus", ""),
        )
        for item in ctx.message.items("SubscribeMsgSentEvent")
    ]
    await delivery.subscribe_sent(ctx.session, mp_openid=ctx.message.from_user, results=results, now=ctx.now)
    return Result()
