"""Villager sign-in (our own tokens over WeChat's code2session), refresh, and who a token belongs to.

The edge calls WeChat and hands the identity in; nothing here talks to WeChat or knows about HTTP.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import DomainError
from app.core.security import issue_token, read_token
from app.people.models import StaffAccount, Villager
from app.villagers import crypto
from app.villagers.models import VillagerSession

VILLAGER_AUDIENCE = "villager"
SESSION_KEY_PURPOSE = "villager.session_key"
# A refresh whose answer was lost on a weak network is retried with the old token; within this window
# that is a retry, not theft, and it rotates again instead of ending the session.
REFRESH_RETRY_GRACE = timedelta(minutes=2)


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthorized"


@dataclass(frozen=True, slots=True)
class WeChatIdentity:
    openid: str
    session_key: str
    unionid: str | None = None


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class SignIn:
    villager: Villager
    tokens: Tokens
    # The active staff account bound to this WeChat identity, if any: its workbench opens too.
    staff: StaffAccount | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(vsession: VillagerSession, policy: TokenPolicy, now: datetime, *, openid: str | None) -> Tokens:
    refresh = secrets.token_urlsafe(32)
    vsession.refresh_hash = _hash(refresh)
    vsession.refresh_expires_at = now + policy.refresh_ttl
    access = issue_token(
        subject=str(vsession.villager_id),
        audience=VILLAGER_AUDIENCE,
        secret=policy.secret,
        now=now,
        ttl=policy.access_ttl,
        sid=vsession.id,
        # The mini program openid, so that a content check can go to WeChat before any database work
        # (the villager's own id for this mini program; nothing the villager may not see).
        oid=openid,
    )
    return Tokens(access, refresh, int(policy.access_ttl.total_seconds()))


async def _find_or_create(session: AsyncSession, identity: WeChatIdentity, now: datetime) -> Villager:
    villager = await session.scalar(select(Villager).where(Villager.mp_openid == identity.openid))
    if villager is None and identity.unionid:
        # Known from the Official Account side already: the unionid links the two identities.
        villager = await session.scalar(select(Villager).where(Villager.unionid == identity.unionid))
        if villager is not None and villager.mp_openid is None:
            villager.mp_openid = identity.openid
    if villager is None:
        villager = Villager(mp_openid=identity.openid, unionid=identity.unionid, created_at=now)
        session.add(villager)
    elif identity.unionid and villager.unionid is None:
        villager.unionid = identity.unionid
    villager.last_seen_at = now
    villager.updated_at = now
    await session.flush()
    return villager


async def sign_in(
    session: AsyncSession, *, identity: WeChatIdentity, policy: TokenPolicy, now: datetime
) -> SignIn:
    villager = await _find_or_create(session, identity, now)
    vsession = VillagerSession(
        villager_id=villager.id,
        session_key_encrypted=crypto.encrypt(
            policy.secret, identity.session_key, purpose=SESSION_KEY_PURPOSE
        ),
        refresh_hash=secrets.token_hex(32),  # replaced below, once the row has its id
        refresh_expires_at=now,
        created_at=now,
    )
    session.add(vsession)
    await session.flush()
    tokens = _issue(vsession, policy, now, openid=villager.mp_openid)
    staff = await session.scalar(
        select(StaffAccount).where(
            StaffAccount.mp_openid == identity.openid, StaffAccount.is_active.is_(True)
        )
    )
    await session.flush()
    return SignIn(villager, tokens, staff)


async def refresh(session: AsyncSession, *, refresh_token: str, policy: TokenPolicy, now: datetime) -> Tokens:
    digest = _hash(refresh_token)
    vsession = await session.scalar(
        select(VillagerSession)
        .where((VillagerSession.refresh_hash == digest) | (VillagerSession.previous_refresh_hash == digest))
        .with_for_update()
    )
    expired = Unauthenticated("登录已过期，请重新登录", field="refresh_token")
    if vsession is None or vsession.revoked_at is not None or vsession.refresh_expires_at <= now:
        raise expired
    if vsession.refresh_hash != digest:
        retried = vsession.refreshed_at is not None and now - vsession.refreshed_at <= REFRESH_RETRY_GRACE
        if not retried:
            # An old refresh token came back long after it was replaced: someone copied it.
            vsession.revoked_at = now
            await session.flush()
            raise expired
    else:
        vsession.previous_refresh_hash = digest
    vsession.refreshed_at = now
    openid = await session.scalar(select(Villager.mp_openid).where(Villager.id == vsession.villager_id))
    tokens = _issue(vsession, policy, now, openid=openid)
    await session.flush()
    return tokens


async def sign_out(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    vsession = await session.get(VillagerSession, session_id)
    if vsession is not None and vsession.revoked_at is None:
        vsession.revoked_at = now
        await session.flush()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says, before the database has confirmed its sign-in is still open."""

    villager_id: int
    session_id: int
    openid: str | None


def read_access_token(token: str, *, secret: str) -> AccessClaims | None:
    claims = read_token(token, audience=VILLAGER_AUDIENCE, secret=secret)
    if not claims or not str(claims.get("sub", "")).isdigit() or not isinstance(claims.get("sid"), int):
        return None
    openid = claims.get("oid")
    return AccessClaims(int(claims["sub"]), claims["sid"], openid if isinstance(openid, str) else None)


# Every mini program request runs this: built once, with bound parameters.
_OPEN_SIGN_IN = (
    select(Villager, VillagerSession)
    .join(VillagerSession, VillagerSession.villager_id == Villager.id)
    .where(
        Villager.id == bindparam("vid"),
        VillagerSession.id == bindparam("sid"),
        VillagerSession.revoked_at.is_(None),
    )
)


async def confirm(session: AsyncSession, claims: AccessClaims) -> tuple[Villager, VillagerSession] | None:
    """The villager and sign-in the claims name, unless that sign-in was ended."""
    params = {"vid": claims.villager_id, "sid": claims.session_id}
    row = (await session.execute(_OPEN_SIGN_IN, params)).first()
    return (row[0], row[1]) if row else None


def session_key_of(vsession: VillagerSession, *, secret: str) -> str:
    return crypto.decrypt(secret, vsession.session_key_encrypted, purpose=SESSION_KEY_PURPOSE)
