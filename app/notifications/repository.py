"""The outbox's queries: listing for the console, and the dispatcher's claim / context / record.

Claiming is one statement: pending rows due by `due_by` are locked with FOR UPDATE SKIP LOCKED (two
dispatchers never take the same row; SQLite's single writer gives the same), and their next_attempt_at is
pushed to the end of a lease, so a crashed sender's rows come back by themselves when it runs out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.kinds import Channel, Status
from app.notifications.models import Notification, NotificationTemplate, SubscribeGrant
from app.notifications.routing import Recipient
from app.notifications.templates import TemplateSpec, spec_from_row
from app.people.models import StaffAccount, Villager

N = cast(Table, Notification.__table__)
G = cast(Table, SubscribeGrant.__table__)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    kind: str
    villager_id: int | None
    staff_id: int | None
    report_id: int | None
    payload: dict[str, Any]
    attempts: int
    client_msg_id: str
    created_at: datetime


async def list_notifications(
    session: AsyncSession,
    *,
    statuses: Collection[str] = (),
    kind: str | None = None,
    report_id: int | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> Sequence[Notification]:
    stmt = select(Notification)
    if statuses:
        stmt = stmt.where(Notification.status.in_(list(statuses)))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    if report_id is not None:
        stmt = stmt.where(Notification.report_id == report_id)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return (await session.scalars(stmt.order_by(Notification.id.desc()).limit(limit))).all()


async def claim_due(
    session: AsyncSession, *, due_by: datetime, lease_until: datetime, at: datetime, limit: int, token: str
) -> list[Claimed]:
    due = (
        select(N.c.id)
        .where(N.c.status == Status.pending.value, N.c.next_attempt_at <= due_by)
        .order_by(N.c.next_attempt_at, N.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(N)
        .where(N.c.id.in_(due))
        .values(
            attempts=N.c.attempts + 1,  # counted at claim: a row that kills its sender cannot loop forever
            next_attempt_at=lease_until,
            claim_token=token,
            claimed_at=at,
            updated_at=at,
        )
        .returning(
            N.c.id,
            N.c.kind,
            N.c.villager_id,
            N.c.staff_id,
            N.c.report_id,
            N.c.payload,
            N.c.attempts,
            N.c.client_msg_id,
            N.c.created_at,
        )
    )
    rows = (await session.execute(stmt)).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


async def recipients(
    session: AsyncSession, *, villager_ids: Collection[int], staff_ids: Collection[int]
) -> dict[tuple[str, int], Recipient]:
    found: dict[tuple[str, int], Recipient] = {}
    if villager_ids:
        villagers = (
            await session.execute(
                select(Villager.id, Villager.mp_openid, Villager.oa_openid, Villager.oa_following).where(
                    Villager.id.in_(list(villager_ids))
                )
            )
        ).all()
        for vid, mp, oa, following in villagers:
            found[("villager", vid)] = Recipient("villager", vid, mp, oa, bool(following))
    if staff_ids:
        staff = (
            await session.execute(
                select(StaffAccount.id, StaffAccount.mp_openid, StaffAccount.oa_openid).where(
                    StaffAccount.id.in_(list(staff_ids)), StaffAccount.is_active.is_(True)
                )
            )
        ).all()
        for sid, mp, oa in staff:
            found[("staff", sid)] = Recipient("staff", sid, mp, oa, oa is not None)
    return found


async def grants(session: AsyncSession, *, villager_ids: Collection[int]) -> dict[tuple[int, str], int]:
    if not villager_ids:
        return {}
    rows = await session.execute(
        select(G.c.villager_id, G.c.template_id, G.c.remaining).where(
            G.c.villager_id.in_(list(villager_ids)), G.c.remaining > 0
        )
    )
    return {(vid, tid): remaining for vid, tid, remaining in rows}


async def templates(session: AsyncSession) -> dict[tuple[str, Channel], TemplateSpec]:
    specs: dict[tuple[str, Channel], TemplateSpec] = {}
    for row in await session.scalars(select(NotificationTemplate)):
        spec = spec_from_row(
            kind=row.kind,
            channel=row.channel,
            template_id=row.template_id,
            fields=row.fields,
            page=row.page,
            enabled=row.enabled,
        )
        if spec is not None:
            specs[(spec.kind.value, spec.channel)] = spec
    return specs


_RECORD = (
    update(N)
    .where(and_(N.c.id == bindparam("b_id"), N.c.claim_token == bindparam("b_claim")))
    .values(
        status=bindparam("b_status"),
        next_attempt_at=bindparam("b_next"),
        channel=bindparam("b_channel"),
        template_id=bindparam("b_template"),
        wechat_msgid=bindparam("b_msgid"),
        sent_at=bindparam("b_sent_at"),
        last_errcode=bindparam("b_errcode"),
        last_error=bindparam("b_error"),
        claim_token=None,
        updated_at=bindparam("b_at"),
    )
)
_SPEND_GRANT = (
    update(G)
    .where(
        and_(
            G.c.villager_id == bindparam("b_villager"),
            G.c.template_id == bindparam("b_template"),
            G.c.remaining > 0,
        )
    )
    .values(remaining=G.c.remaining - 1, updated_at=bindparam("b_at"))
)


async def record(
    session: AsyncSession, *, results: Sequence[dict[str, Any]], spent: Sequence[dict[str, Any]]
) -> None:
    """Writes each claimed row's outcome (only while the claim is still ours) and spends used grants."""
    if results:
        await session.execute(_RECORD, list(results))
    if spent:
        await session.execute(_SPEND_GRANT, list(spent))
