"""Binding a staff account to a mini program identity with a one-time code issued in the console."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput
from app.people.models import StaffAccount
from app.villagers.models import StaffBindingCode

# No 0/O, 1/I/L: the code is read off a screen and typed on a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def issue_code(session: AsyncSession, *, staff_id: int, now: datetime, ttl: timedelta) -> str:
    """For the console: a fresh code for this account (earlier unused ones stop working)."""
    for old in await session.scalars(
        select(StaffBindingCode).where(
            StaffBindingCode.staff_id == staff_id, StaffBindingCode.used_at.is_(None)
        )
    ):
        old.used_at = now
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        StaffBindingCode(staff_id=staff_id, code_hash=code_digest(code), expires_at=now + ttl, created_at=now)
    )
    await session.flush()
    return code


async def bind(
    session: AsyncSession, *, code: str, mp_openid: str, unionid: str | None, actor: Actor, now: datetime
) -> StaffAccount:
    row = await session.scalar(
        select(StaffBindingCode).where(StaffBindingCode.code_hash == code_digest(code)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput("绑定码无效或已过期，请在工作台重新获取", field="code")
    staff = await session.get(StaffAccount, row.staff_id)
    if staff is None or not staff.is_active:
        raise InvalidInput("绑定码无效或已过期，请在工作台重新获取", field="code")
    holder = await session.scalar(select(StaffAccount.id).where(StaffAccount.mp_openid == mp_openid))
    if holder is not None and holder != staff.id:
        raise Conflict("该微信已绑定其他工作人员账号", field="code")
    row.used_at = now
    staff.mp_openid = mp_openid
    if unionid and staff.unionid is None:
        staff.unionid = unionid
    staff.updated_at = now
    audit.record(
        session, actor=actor, action="staff.bind_miniprogram", target_type="staff", target_id=staff.id, at=now
    )
    await session.flush()
    return staff
