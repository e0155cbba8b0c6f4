"""Official Account handlers: what followers send (reporting by chat) and the account's events."""

from __future__ import annotations

import functools

from app.inbound import chat, delivery, identity, keywords, replies
from app.inbound.chat import ChatOutcome
from app.people.models import ROLE_LABELS, Role, Villager
from wechat_callbacks.registry import REGISTRY, Context, Result

QR_SCENE_PREFIX = "qrscene_"


async def _follower(ctx: Context) -> Villager:
    """The sender, locked for the rest of the transaction; created (with its unionid) on first contact."""
    openid = ctx.message.from_user
    villager = await identity.follower(ctx.session, openid=openid, lock=True)
    if villager is None:
        unionid = await ctx.services.lookup_unionid(openid)
        return await identity.ensure_follower(ctx.session, openid=openid, unionid=unionid, now=ctx.now)
    if not villager.oa_following:
        # Only a follower can write to the account: they are following again.
        villager.oa_following = True
        villager.updated_at = ctx.now
    return villager


def _result(ctx: Context, outcome: ChatOutcome) -> Result:
    if outcome.fetch_id is not None:
        # A partial of a coroutine function, so that BackgroundTasks awaits it on the event loop.
        ctx.later.append(functools.partial(ctx.services.fetch_photos, [outcome.fetch_id], ctx.now))
    return Result(outcome.reply, outcome.report_id)


async def _text(ctx: Context, text: str) -> Result:
    rules, session, now = ctx.services.rules, ctx.session, ctx.now
    keyword = keywords.classify(text)
    if keyword is None:
        added = await chat.add_further_text(
            session, openid=ctx.message.from_user, text=text, rules=rules, now=now, message=ctx.handled_row()
        )
        if added is not None:
            outcome, stored = added
            ctx.stored_handled(stored)
            return _result(ctx, outcome)
    villager = await _follower(ctx)
    if keyword is not None:
        outcome = await chat.on_keyword(session, villager=villager, keyword=keyword, rules=rules, now=now)
    else:
        outcome = await chat.on_text(
            session, villager=villager, text=text, rules=rules, now=now, reference=ctx.services.reference
        )
    return _result(ctx, outcome)


@REGISTRY.on("oa", "text")
async def text_message(ctx: Context) -> Result:
    return await _text(ctx, ctx.message.get("Content") or "")


@REGISTRY.on("oa", "voice")
async def voice_message(ctx: Context) -> Result:
    # With speech recognition switched on in the console, WeChat sends the words too.
    recognised = (ctx.message.get("Recognition") or "").strip()
    return await _text(ctx, recognised) if recognised else Result(replies.UNSUPPORTED)


@REGISTRY.on("oa", "image")
async def image_message(ctx: Context) -> Result:
    media_id = ctx.message.get("MediaId")
    if not media_id:
        return Result(replies.UNSUPPORTED)
    # The photo's download row references the message: store it first (a retry stops here).
    message_id = await ctx.message_id()
    villager = await _follower(ctx)
    outcome = await chat.on_photo(
        ctx.session,
        villager=villager,
        inbound_id=message_id,
        wechat_media_id=media_id,
        rules=ctx.services.rules,
        now=ctx.now,
    )
    return _result(ctx, outcome)


@REGISTRY.on("oa", "location")
async def location_message(ctx: Context) -> Result:
    # Location_X is the latitude, Location_Y the longitude; the chat's map picker gives GCJ-02.
    where = chat.point(
        ctx.message.get("Location_X"),
        ctx.message.get("Location_Y"),
        coord_system="gcj02",
        address=ctx.message.get("Label"),
    )
    if where is None:
        return Result(replies.UNSUPPORTED)
    villager = await _follower(ctx)
    outcome = await chat.on_location(
        ctx.session, villager=villager, where=where, rules=ctx.services.rules, now=ctx.now
    )
    return _result(ctx, outcome)


async def _unsupported(ctx: Context) -> Result:
    return Result(replies.UNSUPPORTED)


for _kind in ("video", "shortvideo", "link"):
    REGISTRY.on("oa", _kind)(_unsupported)


# -- events ----------------------------------------------------------------------------------------


async def _bind_reply(ctx: Context, scene: str) -> str | None:
    if not identity.is_binding_scene(scene):
        return None
    binding = await identity.bind_staff(ctx.session, scene=scene, openid=ctx.message.from_user, now=ctx.now)
    if binding.staff is None:
        return replies.BIND_TAKEN if binding.refused == "taken" else replies.BIND_INVALID
    role = ROLE_LABELS.get(Role(binding.staff.role), binding.staff.role)
    return replies.BOUND.format(name=binding.staff.display_name, role=role)


@REGISTRY.on("oa", "event", "subscribe")
async def subscribed(ctx: Context) -> Result:
    villager = await identity.follower(ctx.session, openid=ctx.message.from_user, lock=True)
    unionid = None
    if villager is None or villager.unionid is None:
        unionid = await ctx.services.lookup_unionid(ctx.message.from_user)
    await identity.ensure_follower(ctx.session, openid=ctx.message.from_user, unionid=unionid, now=ctx.now)
    welcome = replies.WELCOME.format(window=int(ctx.services.rules.window.total_seconds() // 60))
    key = ctx.message.get("EventKey") or ""
    bound = await _bind_reply(ctx, key[len(QR_SCENE_PREFIX) :]) if key.startswith(QR_SCENE_PREFIX) else None
    return Result(f"{bound}\n\n{welcome}" if bound else welcome)


@REGISTRY.on("oa", "event", "unsubscribe")
async def unsubscribed(ctx: Context) -> Result:
    await identity.unfollow(ctx.session, openid=ctx.message.from_user, now=ctx.now)
    return Result()


@REGISTRY.on("oa", "event", "SCAN")
async def scanned(ctx: Context) -> Result:
    # A follower scanned a parametric QR code; EventKey is the scene itself (no qrscene_ prefix).
    await _follower(ctx)
    return Result(await _bind_reply(ctx, ctx.message.get("EventKey") or ""))


@REGISTRY.on("oa", "event", "LOCATION")
async def location_reported(ctx: Context) -> Result:
    villager = await identity.follower(ctx.session, openid=ctx.message.from_user, lock=True)
    # The position WeChat reports itself is GPS (WGS-84), unlike the chat's map picker.
    where = chat.point(ctx.message.get("Latitude"), ctx.message.get("Longitude"), coord_system="wgs84")
    if villager is not None and where is not None:
        await chat.on_reported_location(
            ctx.session, villager=villager, where=where, rules=ctx.services.rules, now=ctx.now
        )
    return Result()  # WeChat allows no reply to this event


@REGISTRY.on("oa", "event", "CLICK")
async def menu_clicked(ctx: Context) -> Result:
    keyword = keywords.MENU_KEYS.get((ctx.message.get("EventKey") or "").lower())
    if keyword is None:
        return Result()
    villager = await _follower(ctx)
    outcome = await chat.on_keyword(
        ctx.session, villager=villager, keyword=keyword, rules=ctx.services.rules, now=ctx.now
    )
    return _result(ctx, outcome)


@REGISTRY.on("oa", "event", "TEMPLATESENDJOBFINISH")
async def template_delivered(ctx: Context) -> Result:
    await delivery.record_delivery(
        ctx.session,
        wechat_msgid=ctx.message.get("MsgID") or "",
        status=ctx.message.get("Status") or "unknown",
        now=ctx.now,
    )
    return Result()
