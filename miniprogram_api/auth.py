"""Sign-in with wx.login's code, token refresh and sign-out, binding a staff account, phone number."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, status

from app.console.auth import STAFF_TOKEN_TTL
from app.core.security import issue_token
from app.core.settings import Settings
from app.http.deps import STAFF_AUDIENCE, NowDep, SessionDep, SettingsDep
from app.people.models import ROLE_LABELS, Role, StaffAccount
from app.villagers import profile as profile_service
from app.villagers import service as villagers_service
from app.villagers import staff_binding
from app.villagers.service import TokenPolicy
from miniprogram_api import wechat
from miniprogram_api.config import MiniProgramSettings
from miniprogram_api.deps import CurrentVillager, MpSettingsDep
from miniprogram_api.profile import profile_of
from miniprogram_api.schemas import CodeIn, LoginIn, LoginOut, ProfileOut, RefreshIn, TokenOut, Workbench

router = APIRouter(tags=["mini program: sign-in"])


def policy_of(settings: Settings, mp: MiniProgramSettings) -> TokenPolicy:
    return TokenPolicy(
        secret=settings.secret_key,
        access_ttl=timedelta(minutes=mp.access_token_ttl_minutes),
        refresh_ttl=timedelta(days=mp.refresh_token_ttl_days),
    )


def workbench_of(staff: StaffAccount, *, settings: Settings, now: datetime) -> Workbench:
    token = issue_token(
        subject=str(staff.id),
        audience=STAFF_AUDIENCE,
        secret=settings.secret_key,
        now=now,
        ttl=STAFF_TOKEN_TTL,
    )
    return Workbench(
        access_token=token,
        expires_in=int(STAFF_TOKEN_TTL.total_seconds()),
        role=staff.role,
        role_label=ROLE_LABELS[Role(staff.role)],
        display_name=staff.display_name,
    )


@router.post("/auth/login", response_model=LoginOut)
async def login(
    body: LoginIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    now: NowDep,
) -> LoginOut:
    identity = await wechat.code_to_session(request, body.code)
    signed = await villagers_service.sign_in(
        session, identity=identity, policy=policy_of(settings, mp), now=now
    )
    await session.commit()
    return LoginOut(
        access_token=signed.tokens.access_token,
        refresh_token=signed.tokens.refresh_token,
        expires_in=signed.tokens.expires_in,
        profile=await profile_of(session, signed.villager),
        workbench=workbench_of(signed.staff, settings=settings, now=now) if signed.staff else None,
    )


@router.post("/auth/refresh", response_model=TokenOut)
async def refresh(
    body: RefreshIn, session: SessionDep, settings: SettingsDep, mp: MpSettingsDep, now: NowDep
) -> TokenOut:
    try:
        tokens = await villagers_service.refresh(
            session, refresh_token=body.refresh_token, policy=policy_of(settings, mp), now=now
        )
    finally:
        # A detected reuse ends the session: that must stick even though the answer is a 401.
        await session.commit()
    return TokenOut(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(me: CurrentVillager, session: SessionDep, now: NowDep) -> None:
    await villagers_service.sign_out(session, session_id=me.session.id, now=now)
    await session.commit()


@router.post("/auth/bind-staff", response_model=Workbench)
async def bind_staff(
    body: CodeIn, me: CurrentVillager, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Workbench:
    assert me.villager.mp_openid is not None  # every mini program sign-in has one
    staff = await staff_binding.bind(
        session,
        code=body.code,
        mp_openid=me.villager.mp_openid,
        unionid=me.villager.unionid,
        actor=me.actor,
        now=now,
    )
    await session.commit()
    return workbench_of(staff, settings=settings, now=now)


@router.post("/me/phone", response_model=ProfileOut)
async def bind_phone(
    body: CodeIn,
    request: Request,
    me: CurrentVillager,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> ProfileOut:
    phone = await wechat.phone_number(request, body.code)
    await profile_service.set_phone(
        session, villager=me.villager, phone=phone, secret=settings.secret_key, now=now
    )
    await session.commit()
    return await profile_of(session, me.villager)
