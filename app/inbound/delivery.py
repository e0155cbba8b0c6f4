"""What WeChat tells us after the fact: how a sent notification fared, what a villager did with the
subscribe-message popup and settings, and the verdict of an asynchronous photo check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.media import service as media_service
from app.media.models import ReportMedia
from app.notifications import service as notifications_service
from app.notifications.models import Notification, SubscribeGrant
from app.people.models import Villager
from app.reports.models import Report

STATUS_CHARS = 40


async def record_delivery(session: AsyncSession, *, wechat_msgid: str, status: str, now: datetime) -> int:
    """TEMPLATESENDJOBFINISH (or a subscribe message's sent event) for the outbox row WeChat answered
    with this msgid; returns the rows updated (0 for a message we did not send)."""
    if not wechat_msgid:
        return 0
    result = await session.execute(
        update(Notification)
        .where(Notification.wechat_msgid == wechat_msgid)
        .values(delivery_status=status[:STATUS_CHARS], delivery_reported_at=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class SubscribeChoice:
    template_id: str
    status: str  # accept | reject (popup, settings) ...


@dataclass(frozen=True, slots=True)
class SubscribeSent:
    template_id: str
    msgid: str
    error_code: str
    error_status: str


async def _villager_by_mp_openid(session: AsyncSession, openid: str) -> Villager | None:
    villager: Villager | None = await session.scalar(select(Villager).where(Villager.mp_openid == openid))
    return villager


async def _zero_grants(
    session: AsyncSession, *, villager_id: int, template_ids: Iterable[str], now: datetime
) -> None:
    ids = sorted(set(template_ids))
    if ids:
        await session.execute(
            update(SubscribeGrant)
            .where(SubscribeGrant.villager_id == villager_id, SubscribeGrant.template_id.in_(ids))
            .values(remaining=0, updated_at=now)
        )


async def popup_choices(
    session: AsyncSession, *, mp_openid: str, choices: Sequence[SubscribeChoice], now: datetime
) -> int:
    """subscribe_msg_popup_event: each accepted template buys one subscribe message. Returns grants added."""
    villager = await _villager_by_mp_openid(session, mp_openid)
    accepted = [c.template_id for c in choices if c.status == "accept" and c.template_id]
    if villager is None or not accepted:
        return 0
    await notifications_service.record_subscribe_grants(
        session, villager_id=villager.id, template_ids=accepted, now=now
    )
    return len(accepted)


async def settings_changed(
    session: AsyncSession, *, mp_openid: str, choices: Sequence[SubscribeChoice], now: datetime
) -> int:
    """subscribe_msg_change_event: a template switched off in the settings page cannot be sent again,
    whatever the grants say; its grants are dropped so the outbox routes around it."""
    villager = await _villager_by_mp_openid(session, mp_openid)
    rejected = [c.template_id for c in choices if c.status == "reject" and c.template_id]
    if villager is None or not rejected:
        return 0
    await _zero_grants(session, villager_id=villager.id, template_ids=rejected, now=now)
    return len(rejected)


async def subscribe_sent(
    session: AsyncSession, *, mp_openid: str, results: Sequence[SubscribeSent], now: datetime
) -> int:
    """subscribe_msg_sent_event: the delivery status on each outbox row; a failed delivery means the
    template is refused, so its grants are dropped too."""
    updated = 0
    for item in results:
        ok = item.error_code in ("0", "")
        status = "success" if ok else f"failed:{item.error_code} {item.error_status}".strip()
        updated += await record_delivery(session, wechat_msgid=item.msgid, status=status, now=now)
    failed = [r.template_id for r in results if r.error_code not in ("0", "") and r.template_id]
    if failed:
        villager = await _villager_by_mp_openid(session, mp_openid)
        if villager is not None:
            await _zero_grants(session, villager_id=villager.id, template_ids=failed, now=now)
    return updated


async def media_checked(session: AsyncSession, *, trace_id: str, suggest: str, now: datetime) -> list[int]:
    """wxa_media_check: the photo's verdict. A risky photo is hidden from everyone; the reports it is on
    (risky or "review") are held for review. Returns those reports' ids."""
    media = await media_service.apply_check_result(session, trace_id=trace_id, suggest=suggest, now=now)
    if media is None or media.check_status == "pass":
        return []
    reports = (
        await session.scalars(
            select(Report).where(
                Report.id.in_(select(ReportMedia.report_id).where(ReportMedia.media_id == media.id)),
                Report.held_for_review.is_(False),
            )
        )
    ).all()
    for report in reports:
        report.held_for_review = True
        report.updated_at = now
    await session.flush()
    return sorted(r.id for r in reports)
