"""The console's view of the outbox: admins list notifications, retry failed ones, configure templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.http.deps import CurrentStaffContext, NowDep, SessionDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.notifications import repository
from app.notifications import service as notifications_service
from app.notifications.kinds import Channel, Kind, Status
from app.notifications.models import Notification, NotificationTemplate
from app.notifications.schemas import NotificationItem, TemplateIn, TemplateItem
from app.people.models import Role

router = APIRouter(prefix="/api/v1/notifications", tags=["console: notifications"])
Admin = Annotated[CurrentStaffContext, allow(Role.admin)]


def _item(row: Notification) -> NotificationItem:
    values = {k: getattr(row, k) for k in NotificationItem.model_fields if k != "recipient_type"}
    return NotificationItem(**values, recipient_type="villager" if row.villager_id is not None else "staff")


@router.get("", response_model=Page[NotificationItem])
async def list_notifications(
    staff: Admin,
    session: SessionDep,
    status: Annotated[list[Status] | None, Query()] = None,
    kind: Kind | None = None,
    report_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[NotificationItem]:
    rows = await repository.list_notifications(
        session,
        statuses=[s.value for s in status or []],
        kind=kind.value if kind else None,
        report_id=report_id,
        limit=limit + 1,
        before_id=decode_cursor(cursor),
    )
    items = [_item(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


@router.post("/{notification_id}/retry", response_model=NotificationItem)
async def retry_notification(
    notification_id: int, staff: Admin, session: SessionDep, now: NowDep
) -> NotificationItem:
    row = await notifications_service.retry_notification(
        session, notification_id=notification_id, actor=staff.actor, now=now
    )
    await session.commit()
    return _item(row)


@router.get("/templates", response_model=list[TemplateItem])
async def list_templates(staff: Admin, session: SessionDep) -> list[TemplateItem]:
    rows = await session.scalars(
        select(NotificationTemplate).order_by(NotificationTemplate.kind, NotificationTemplate.channel)
    )
    return [TemplateItem.model_validate(r) for r in rows]


@router.put("/templates/{kind}/{channel}", response_model=TemplateItem)
async def put_template(
    kind: Kind, channel: Channel, body: TemplateIn, staff: Admin, session: SessionDep, now: NowDep
) -> TemplateItem:
    row = await notifications_service.configure_template(
        session,
        kind=kind,
        channel=channel,
        template_id=body.template_id,
        fields=[f.model_dump(exclude_none=True) for f in body.fields] if body.fields is not None else None,
        page=body.page,
        enabled=body.enabled,
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return TemplateItem.model_validate(row)
