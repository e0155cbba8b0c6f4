"""Builders for outbox tests: templates configured in both places, people with WeChat identities."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.notifications import service as notifications_service
from app.notifications.config import NotifyConfig
from app.notifications.dispatcher import Dispatcher
from app.notifications.kinds import Channel, Kind
from app.notifications.models import Notification, SubscribeGrant
from app.people.models import StaffAccount, Villager
from app.wechat.client import WeChatClient
from tests.fakes.wechat_server import FakeWeChat

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
ADMIN = Actor(kind="system")
PAYLOAD = {
    "ledger_no": "SP20261203-00001",
    "title": "路灯坏了",
    "status": "办理中",
    "time": NOW.isoformat(),
    "note": "有新的办理进展",
    "report_id": 1,
}
_seq = itertools.count(1)


def template_id(kind: Kind, channel: Channel) -> str:
    return f"tpl-{'mp' if channel is Channel.mp_subscribe else 'oa'}-{kind.value}"


async def configure_templates(
    session: AsyncSession, fake: FakeWeChat | None = None, *, channels: tuple[Channel, ...] = tuple(Channel)
) -> None:
    for kind in Kind:
        for channel in channels:
            tid = template_id(kind, channel)
            await notifications_service.configure_template(
                session, kind=kind, channel=channel, template_id=tid, actor=ADMIN, now=NOW
            )
            if fake is not None:
                fake.add_template(tid, app="mp" if channel is Channel.mp_subscribe else "oa")


async def villager(
    session: AsyncSession,
    fake: FakeWeChat | None = None,
    *,
    mp: bool = True,
    oa: bool = False,
    following: bool = True,
    grants: dict[Kind, int] | None = None,
) -> Villager:
    i = next(_seq)
    row = Villager(
        mp_openid=f"mp-v{i}" if mp else None,
        oa_openid=f"oa-v{i}" if oa else None,
        oa_following=following if oa else False,
        unionid=f"union-v{i}" if mp and oa else None,
    )
    session.add(row)
    await session.flush()
    if fake is not None:
        if mp:
            fake.add_mp_user(row.mp_openid or "")
        if oa:
            fake.add_follower(row.oa_openid or "", following=following)
    for kind, n in (grants or {}).items():
        tid = template_id(kind, Channel.mp_subscribe)
        await notifications_service.record_subscribe_grants(
            session, villager_id=row.id, template_ids=[tid] * n, now=NOW
        )
        if fake is not None:
            fake.grant(row.mp_openid or "", tid, n)
    return row


async def bind_staff_oa(session: AsyncSession, staff: StaffAccount, fake: FakeWeChat | None = None) -> None:
    staff.oa_openid = f"oa-s{staff.id}"
    await session.flush()
    if fake is not None:
        fake.add_follower(staff.oa_openid)


async def notify(session: AsyncSession, *, villager_id=None, staff_id=None, kind=Kind.progress, **payload):
    key = f"test:{next(_seq)}"
    payload = {**PAYLOAD, **payload}
    assert await notifications_service.enqueue(
        session,
        kind=kind,
        dedupe_key=key,
        now=NOW,
        payload=payload,
        villager_id=villager_id,
        staff_id=staff_id,
    )
    return await session.scalar(select(Notification).where(Notification.dedupe_key == key))


def dispatcher(database, client: WeChatClient | None, **config: object) -> Dispatcher:
    settings: dict[str, Any] = {"backoff_base_seconds": 10.0, **config}
    return Dispatcher(
        sessionmaker=database.sessionmaker, client=client, tz=TZ, config=NotifyConfig(**settings)
    )


async def seed_outbox(
    session: AsyncSession,
    fake: FakeWeChat | None,
    *,
    count: int,
    subscribe_share: float = 0.0,
    prefix: str = "b",
) -> None:
    """`count` villagers following the Official Account, each with one due notification; the first
    `subscribe_share` of them also hold one subscribe grant. Bulk inserts: fast enough for thousands.
    Without `fake` (a fake in another process, in open-directory mode) only the database is seeded."""
    await configure_templates(session, fake)
    people = [
        Villager(mp_openid=f"mp-{prefix}{i}", oa_openid=f"oa-{prefix}{i}", oa_following=True)
        for i in range(count)
    ]
    session.add_all(people)
    await session.flush()
    with_grant = int(count * subscribe_share)
    tid = template_id(Kind.progress, Channel.mp_subscribe)
    session.add_all(
        SubscribeGrant(villager_id=v.id, template_id=tid, remaining=1, updated_at=NOW)
        for v in people[:with_grant]
    )
    for i, v in enumerate(people if fake is not None else ()):
        assert fake is not None
        fake.add_mp_user(v.mp_openid or "")
        fake.add_follower(v.oa_openid or "")
        if i < with_grant:
            fake.grant(v.mp_openid or "", tid)
    payload = PAYLOAD
    rows = [
        {"dedupe_key": f"seed:{prefix}:{v.id}", "kind": Kind.progress.value, "villager_id": v.id,
         "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": NOW,
         "client_msg_id": notifications_service.new_client_msg_id(), "created_at": NOW, "updated_at": NOW}
        for v in people
    ]  # fmt: skip
    await session.execute(cast(Table, Notification.__table__).insert(), rows)
