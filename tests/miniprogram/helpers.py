"""Signing villagers in without WeChat (for tests about what comes after sign-in) and common requests."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.core.clock import utcnow
from app.core.settings import Settings
from app.people.models import Villager
from app.villagers import service as villagers_service
from app.villagers.service import TokenPolicy, WeChatIdentity
from tests.fakes.wechat_server import FakeWeChat
from tests.miniprogram import photos

_seq = itertools.count(1)


def policy(settings: Settings) -> TokenPolicy:
    return TokenPolicy(settings.secret_key, timedelta(hours=2), timedelta(days=30))


async def villager(
    session: AsyncSession,
    settings: Settings,
    *,
    village: Area | None = None,
    fake: FakeWeChat | None = None,
) -> tuple[Villager, dict[str, str]]:
    """A signed-in villager; with `fake`, one the fake WeChat has seen (content checks then answer)."""
    identity = WeChatIdentity(openid=f"o-test-{next(_seq)}-{uuid.uuid4().hex[:6]}", session_key="sk==")
    if fake is not None:
        fake.add_mp_user(identity.openid)
    signed = await villagers_service.sign_in(
        session, identity=identity, policy=policy(settings), now=utcnow()
    )
    if village is not None:
        signed.villager.home_village_id = village.id
    await session.flush()
    return signed.villager, {"Authorization": f"Bearer {signed.tokens.access_token}"}


async def upload(mp: httpx.AsyncClient, headers: dict[str, str], data: bytes | None = None) -> httpx.Response:
    body = data if data is not None else photos.image("JPEG", color=next(_seq))
    return await mp.post("/mp/v1/media", headers=headers, files={"file": ("wx-tmp.jpg", body, "image/jpeg")})


async def login(mp: httpx.AsyncClient, fake: FakeWeChat, *, openid: str | None = None) -> httpx.Response:
    """Sign in the real way: wx.login's code, exchanged by the service with the (fake) WeChat."""
    code = f"code-{uuid.uuid4().hex[:12]}"
    fake.add_login_code(code, openid or f"o-login-{uuid.uuid4().hex[:10]}")
    return await mp.post("/mp/v1/auth/login", json={"code": code})


def bearer(res: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "problem",
        "category": "public_facilities",
        "description": "村口路灯坏了三天，晚上很黑",
        "location": {"lat": 31.5601, "lng": 107.1003, "coord_system": "gcj02", "address": "石垭村村口"},
    }
    body.update(overrides)
    return body


async def submit(
    mp: httpx.AsyncClient, headers: dict[str, str], key: str | None = None, **overrides: Any
) -> httpx.Response:
    return await mp.post(
        "/mp/v1/reports",
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
        json=report_body(**overrides),
    )


async def resolve(
    session: AsyncSession, report_id: int, staff_id: int, *, result: str = "已更换灯泡"
) -> None:
    """Staff take the report through accept → assign → start → resolve."""
    from zoneinfo import ZoneInfo

    from app.audit.service import Actor
    from app.reports import service as reports_service
    from app.reports.workflow import Action

    actor, tz = Actor(kind="staff", id=staff_id), ZoneInfo("Asia/Shanghai")
    steps: list[tuple[Action, dict[str, Any]]] = [
        (Action.accept, {}),
        (Action.assign, {"assignee_staff_id": staff_id}),
        (Action.start, {}),
        (Action.resolve, {"result": result}),
    ]
    for action, params in steps:
        report = await reports_service.get_report(session, report_id)
        await reports_service.perform_action(
            session, report=report, action=action, actor=actor, now=utcnow(), tz=tz, **params
        )
