"""Who is writing to the Official Account: the villager behind an OA openid, following or not, and the
staff account a one-time binding QR code links to that openid.

A villager met first in the mini program and later on the Official Account is one row: the unionid
(which the edge looks up with cgi-bin/user/info) links the two openids. Without a unionid the OA openid
gets a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.people.models import StaffAccount, Villager
from app.villagers.models import StaffBindingCode
from app.villagers.staff_binding import code_digest as binding_digest

# The scene a staff binding QR code carries: "bind:<staff binding code>" (scene_str ≤ 64 characters).
BIND_SCENE_PREFIX = "bind:"


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_FOLLOWER = select(Villager).where(Villager.oa_openid == bindparam("p_openid"))
# NO KEY UPDATE: rows that reference the villager (reports, photos) take key-share locks.
_FOLLOWER_LOCKED = _FOLLOWER.with_for_update(key_share=True)


async def follower(session: AsyncSession, *, openid: str, lock: bool = False) -> Villager | None:
    """The villager with this OA openid. `lock` serialises one follower's messages (chat assembly)."""
    stmt = _FOLLOWER_LOCKED if lock else _FOLLOWER
    villager: Villager | None = await session.scalar(stmt, {"p_openid": openid})
    return villager


async def _by_unionid(session: AsyncSession, unionid: str) -> Villager | None:
    villager: Villager | None = await session.scalar(
        select(Villager).where(Villager.unionid == unionid).with_for_update(key_share=True)
    )
    return villager


async def link_unionid(session: AsyncSession, *, villager: Villager, unionid: str, now: datetime) -> Villager:
    """Give an OA-only row its unionid; when the mini program already knows that person, the OA openid
    moves to their row (the OA-only row keeps whatever it reported)."""
    if villager.unionid == unionid:
        return villager
    other = await _by_unionid(session, unionid)
    if other is None:
        villager.unionid = unionid
        villager.updated_at = now
        await session.flush()
        return villager
    openid, following = villager.oa_openid, villager.oa_following
    villager.oa_openid, villager.oa_following, villager.updated_at = None, False, now
    await session.flush()  # the unique openid must leave this row before it lands on the other
    other.oa_openid, other.oa_following, other.updated_at = openid, following, now
    await session.flush()
    return other


async def ensure_follower(
    session: AsyncSession, *, openid: str, unionid: str | None, now: datetime, following: bool = True
) -> Villager:
    """The villager for this OA openid, created (or found by unionid) on first contact; locked."""
    villager = await follower(session, openid=openid, lock=True)
    if villager is None and unionid:
        villager = await _by_unionid(session, unionid)
        if villager is not None:
            villager.oa_openid = openid
            villager.oa_following = following
            villager.updated_at = now
            await session.flush()
            return villager
    if villager is None:
        # Two first messages of one new follower can race here: the unique openid settles it.
        await session.execute(
            _insert(session)(Villager)
            .values(oa_openid=openid, unionid=unionid, oa_following=following, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[Villager.oa_openid])
        )
        villager = await follower(session, openid=openid, lock=True)
        assert villager is not None
        return villager
    if unionid and villager.unionid is None:
        villager = await link_unionid(session, villager=villager, unionid=unionid, now=now)
    if villager.oa_following != following:
        villager.oa_following = following
        villager.updated_at = now
        await session.flush()
    return villager


async def unfollow(session: AsyncSession, *, openid: str, now: datetime) -> Villager | None:
    """Not following any more: template messages stop, notifications fall back to the mini program.
    A staff account bound to this openid is unbound (WeChat refuses templates to non-followers); after
    following again its owner binds anew with a fresh code from the console."""
    villager = await follower(session, openid=openid, lock=True)
    if villager is not None and villager.oa_following:
        villager.oa_following = False
        villager.updated_at = now
    staff = await session.scalar(
        select(StaffAccount).where(StaffAccount.oa_openid == openid).with_for_update()
    )
    if staff is not None:
        staff.oa_openid = None
        audit.record(
            session,
            actor=Actor(kind="system"),
            action="staff.oa_unbound",
            target_type="staff",
            target_id=staff.id,
            at=now,
            details={"reason": "unsubscribe"},
        )
    await session.flush()
    return villager


@dataclass(frozen=True, slots=True)
class Binding:
    staff: StaffAccount | None
    # Why not: "invalid" (unknown, used or expired code), "taken" (this WeChat is bound to someone else).
    refused: str | None = None


def is_binding_scene(scene: str) -> bool:
    return scene.startswith(BIND_SCENE_PREFIX)


async def bind_staff(session: AsyncSession, *, scene: str, openid: str, now: datetime) -> Binding:
    """A staff member scanned the one-time QR code made for their account: this openid now receives
    their Official Account notifications. The code is spent whatever happens next."""
    code = scene[len(BIND_SCENE_PREFIX) :]
    row = await session.scalar(
        select(StaffBindingCode).where(StaffBindingCode.code_hash == binding_digest(code)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return Binding(None, "invalid")
    staff = await session.get(StaffAccount, row.staff_id)
    if staff is None or not staff.is_active:
        return Binding(None, "invalid")
    holder = await session.scalar(select(StaffAccount.id).where(StaffAccount.oa_openid == openid))
    if holder is not None and holder != staff.id:
        return Binding(None, "taken")
    row.used_at = now
    staff.oa_openid = openid
    staff.updated_at = now
    audit.record(
        session,
        actor=Actor.system("wechat-callback"),
        action="staff.bind_official_account",
        target_type="staff",
        target_id=staff.id,
        at=now,
    )
    await session.flush()
    return Binding(staff)
