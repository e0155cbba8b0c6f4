"""Reporting by chatting with the Official Account.

What one follower sends within the window (the previous message less than `window` ago) is one
conversation, and one conversation is one report:
- the first description (a text, or a voice message's recognised text) makes the report, in the
  follower's home village (their profile, shared with the mini program through the unionid); when
  that is unknown the description is held and the follower is asked to name their village, which then
  becomes their home village;
- photos and a location sent before the description are held for it; sent after it, while the report
  still awaits review, they are added to it, and so are further texts;
- keywords (帮助, 进度, 新反映) answer without touching the conversation, except 新反映, which ends it.
Content from the Official Account cannot go through WeChat's content check (that needs a mini program
openid), so the report is held for review: the cadre's acceptance is the check.
Every caller holds the follower's row lock (identity.follower(lock=True)), so one follower's
messages are applied one after another; the one exception is a further text for a report that still
awaits review (add_further_text), one statement that needs no lock (conversation.add_to_open_report
says why). This runs inside WeChat's 5 seconds: few statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.core.errors import DomainError
from app.inbound import attach, conversation, progress, replies, villages
from app.inbound.conversation import DESCRIPTION_CHARS
from app.inbound.keywords import Keyword
from app.inbound.models import ChatSession, MediaFetch
from app.people.models import Villager
from app.reference.cache import ReferenceData
from app.reports import limits
from app.reports import service as reports_service

CHANNEL = "official_account"
MEDIA_LIFETIME = timedelta(days=3)  # WeChat deletes temporary media after 3 days
# A reply to "which village?" longer than this is more description, not a village name.
VILLAGE_ANSWER_CHARS = 16


class ChatNotConfigured(DomainError):
    code = "chat_not_configured"


@dataclass(frozen=True, slots=True)
class ChatRules:
    window: timedelta
    category_code: str
    tz: ZoneInfo
    daily_limit: int = 20  # reports a day per villager, all channels together

    @property
    def window_minutes(self) -> int:
        return int(self.window.total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lng: float
    coord_system: str  # gcj02 (the chat's map picker) | wgs84 (the LOCATION event)
    address: str | None = None


def point(lat: object, lng: object, *, coord_system: str, address: str | None = None) -> Point | None:
    try:
        la, ln = float(str(lat)), float(str(lng))
    except ValueError:
        return None
    if not (-90 <= la <= 90 and -180 <= ln <= 180):
        return None
    return Point(la, ln, coord_system, (address or "").strip()[:200] or None)


@dataclass(frozen=True, slots=True)
class ChatOutcome:
    reply: str | None
    report_id: int | None = None
    fetch_id: int | None = None  # a photo to download right after the reply


# -- the conversation ------------------------------------------------------------------------------


async def _open(
    session: AsyncSession, villager: Villager, rules: ChatRules, now: datetime
) -> tuple[ChatSession | None, int | None]:
    """The open conversation (renewed) and its report, if it has one."""
    chat = await conversation.open_conversation(
        session, villager_id=villager.id, window=rules.window, now=now
    )
    return chat, chat.report_id if chat else None


def _moved_on(chat: ChatSession) -> None:
    # The report is under review already: what follows is another matter, in a conversation of its own.
    chat.state = "closed"


def _started(
    session: AsyncSession, villager: Villager, now: datetime, chat: ChatSession | None
) -> ChatSession:
    if chat is None:
        chat = ChatSession(villager_id=villager.id, state="collecting", texts=[], started_at=now)
        session.add(chat)
    chat.last_message_at = now
    return chat


def _local_time(value: datetime | None, rules: ChatRules, now: datetime) -> str:
    if value is None:
        return "尽快"
    local = value.astimezone(rules.tz)
    same_day = local.date() == now.astimezone(rules.tz).date()
    return f"{local:%H:%M}" if same_day else f"{local.month}月{local.day}日 {local:%H:%M}"


async def _submit(
    session: AsyncSession,
    *,
    chat: ChatSession | None,
    texts: list[str],
    villager: Villager,
    village_id: int,
    rules: ChatRules,
    now: datetime,
    reference: ReferenceData,
) -> ChatOutcome:
    category = await reference.category_by_code(session, rules.category_code)
    if category is None or not category.is_active:
        raise ChatNotConfigured(f"chat report category {rules.category_code!r} is missing or inactive")
    try:
        await limits.take_one(session, villager_id=villager.id, limit=rules.daily_limit, now=now, tz=rules.tz)
    except limits.TooManyReports as refused:
        # The same limit as the mini program's: the chat is no way around it.
        if chat is not None:
            chat.state = "closed"
        await session.flush()
        return ChatOutcome(refused.message)
    report = await reports_service.submit_report(
        session,
        data=reports_service.NewReport(
            kind=category.kind,
            category_id=category.id,
            description="\n".join(texts)[:DESCRIPTION_CHARS],
            village_id=village_id,
            grid_id=villager.home_grid_id if village_id == villager.home_village_id else None,
            lat=chat.lat if chat else None,
            lng=chat.lng if chat else None,
            coord_system=chat.coord_system if chat else None,
            address=chat.address if chat else None,
            channel=CHANNEL,
            reporter_villager_id=villager.id,
            held_for_review=True,
        ),
        actor=Actor(kind="villager", id=villager.id),
        now=now,
        reference=reference,
    )
    village = (await reference.areas(session, [village_id]))[village_id]
    held_photos = chat is not None
    chat = _started(session, villager, now, chat)
    chat.report_id, chat.texts, chat.state = report.id, [], "collecting"
    await session.flush()
    if held_photos:
        await attach.give_photos_their_report(session, session_id=chat.id, report_id=report.id, now=now)
    reply = replies.RECEIVED.format(
        report_id=report.id,
        village=village.name,
        respond_by=_local_time(report.respond_due_at, rules, now),
        window=rules.window_minutes,
    )
    return ChatOutcome(reply, report.id)


# -- what a follower sends -------------------------------------------------------------------------


async def on_keyword(
    session: AsyncSession, *, villager: Villager, keyword: Keyword, rules: ChatRules, now: datetime
) -> ChatOutcome:
    if keyword is Keyword.progress:
        return ChatOutcome(await progress.latest_reports_text(session, villager_id=villager.id))
    if keyword is Keyword.new:
        chat, _ = await _open(session, villager, rules, now)
        if chat is not None:
            chat.state = "closed"
            await session.flush()
        return ChatOutcome(replies.NEW_CONVERSATION)
    return ChatOutcome(replies.GUIDE.format(window=rules.window_minutes))


async def add_further_text(
    session: AsyncSession,
    *,
    openid: str,
    text: str,
    rules: ChatRules,
    now: datetime,
    message: Mapping[str, Any],
) -> tuple[ChatOutcome, bool] | None:
    """The text added to the report of the follower's open conversation, before any lock, and the
    message (inbound_service.handled_row) stored with the reply: the outcome, and False when a delivery
    of the message was stored already. None when that is not what this text does (nothing was
    written): on_text then decides, under the lock."""
    text = text.strip()
    if not text:
        return None
    added = await conversation.add_to_open_report(
        session,
        openid=openid,
        window=rules.window,
        now=now,
        text=text,
        message=message,
        reply=replies.TEXT_ADDED,
    )
    if added is None:
        return None
    outcome = ChatOutcome(replies.TEXT_ADDED.format(report_id=added.report_id), added.report_id)
    return outcome, added.stored


async def on_text(
    session: AsyncSession,
    *,
    villager: Villager,
    text: str,
    rules: ChatRules,
    now: datetime,
    reference: ReferenceData | None = None,
) -> ChatOutcome:
    reference = reference or ReferenceData()
    text = text.strip()
    if not text:
        return ChatOutcome(replies.UNSUPPORTED)
    chat, report_id = await _open(session, villager, rules, now)
    if chat is not None and report_id is not None:
        if await conversation.add_text(session, report_id=report_id, text=text, now=now):
            return ChatOutcome(replies.TEXT_ADDED.format(report_id=report_id), report_id)
        _moved_on(chat)
        chat = None
    if chat is not None and chat.state == "awaiting_village":
        return await _village_answer(
            session, chat=chat, villager=villager, text=text, rules=rules, now=now, reference=reference
        )
    texts = [*(chat.texts if chat else []), text]
    if villager.home_village_id is None:
        chat = _started(session, villager, now, chat)
        chat.texts, chat.state = texts, "awaiting_village"
        await session.flush()
        return ChatOutcome(replies.ASK_VILLAGE)
    return await _submit(
        session,
        chat=chat,
        texts=texts,
        villager=villager,
        village_id=villager.home_village_id,
        rules=rules,
        now=now,
        reference=reference,
    )


async def _village_answer(
    session: AsyncSession,
    *,
    chat: ChatSession,
    villager: Villager,
    text: str,
    rules: ChatRules,
    now: datetime,
    reference: ReferenceData,
) -> ChatOutcome:
    match = await villages.resolve(session, text)
    if match.village is not None:
        if villager.home_village_id is None:
            villager.home_village_id = match.village.id
            villager.updated_at = now
        return await _submit(
            session,
            chat=chat,
            texts=list(chat.texts),
            villager=villager,
            village_id=match.village.id,
            rules=rules,
            now=now,
            reference=reference,
        )
    if match.choices:
        choices = "；".join(f"{name}（{town}，{code}）" for name, town, code in match.choices)
        await session.flush()
        return ChatOutcome(replies.VILLAGE_AMBIGUOUS.format(text=text, choices=choices))
    if len(text) > VILLAGE_ANSWER_CHARS:
        chat.texts = [*chat.texts, text]
        await session.flush()
        return ChatOutcome(replies.ASK_VILLAGE)
    await session.flush()
    return ChatOutcome(replies.VILLAGE_NOT_FOUND.format(text=text))


async def on_photo(
    session: AsyncSession,
    *,
    villager: Villager,
    inbound_id: int,
    wechat_media_id: str,
    rules: ChatRules,
    now: datetime,
) -> ChatOutcome:
    found, report_id = await _open(session, villager, rules, now)
    if (
        found is not None
        and report_id is not None
        and not await conversation.awaiting_review(session, report_id=report_id)
    ):
        _moved_on(found)
        found, report_id = None, None
    chat = _started(session, villager, now, found)
    await session.flush()
    fetch = MediaFetch(
        inbound_message_id=inbound_id,
        wechat_media_id=wechat_media_id[:128],
        villager_id=villager.id,
        session_id=chat.id,
        report_id=report_id,
        status="pending",
        attempts=0,
        attached=False,
        next_attempt_at=now,
        expires_at=now + MEDIA_LIFETIME,
        created_at=now,
        updated_at=now,
    )
    session.add(fetch)
    await session.flush()
    if report_id is not None:
        return ChatOutcome(replies.PHOTO_ADDED.format(report_id=report_id), report_id, fetch.id)
    if chat.state == "awaiting_village":
        return ChatOutcome(replies.ASK_VILLAGE, fetch_id=fetch.id)
    return ChatOutcome(replies.PHOTO_HELD, fetch_id=fetch.id)


def _hold(chat: ChatSession, where: Point) -> None:
    chat.lat, chat.lng, chat.coord_system, chat.address = (
        where.lat,
        where.lng,
        where.coord_system,
        where.address,
    )


async def on_location(
    session: AsyncSession, *, villager: Villager, where: Point, rules: ChatRules, now: datetime
) -> ChatOutcome:
    """A location message (the map picker in the chat: GCJ-02, with a label)."""
    found, report_id = await _open(session, villager, rules, now)
    if found is not None and report_id is not None:
        if await conversation.place(session, report_id=report_id, where=where, now=now):
            return ChatOutcome(replies.LOCATION_ADDED.format(report_id=report_id), report_id)
        _moved_on(found)
        found = None
    chat = _started(session, villager, now, found)
    _hold(chat, where)
    await session.flush()
    if chat.state == "awaiting_village":
        return ChatOutcome(replies.ASK_VILLAGE)
    label = f"（{where.address}）" if where.address else ""
    return ChatOutcome(replies.LOCATION_HELD.format(label=label))


async def on_reported_location(
    session: AsyncSession, *, villager: Villager, where: Point, rules: ChatRules, now: datetime
) -> None:
    """The LOCATION event (reported when the follower opens the chat, if they allowed it): it places
    the conversation's report when the follower sends no location of their own. No reply is allowed."""
    chat, report_id = await _open(session, villager, rules, now)
    if report_id is not None:
        await conversation.place(session, report_id=report_id, where=where, now=now, only_unplaced=True)
        return
    # Opening the chat comes before writing: hold the position for what they are about to send.
    chat = _started(session, villager, now, chat)
    # A location the follower sent themselves (GCJ-02) wins over one WeChat reported for them.
    if chat.lat is None or chat.coord_system == where.coord_system:
        _hold(chat, where)
    await session.flush()
