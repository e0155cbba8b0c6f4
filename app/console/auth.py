"""Staff sign-in: OAuth2 password flow."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import func, select

from app.audit import service as audit
from app.audit.service import Actor
from app.core.security import issue_token, verify_password
from app.http.deps import STAFF_AUDIENCE, NowDep, SessionDep, SettingsDep
from app.people.models import StaffAccount

router = APIRouter(prefix="/api/v1/auth", tags=["console: auth"])
STAFF_TOKEN_TTL = timedelta(hours=12)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


@router.post("/token", response_model=TokenOut)
async def issue_staff_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> TokenOut:
    account = await session.scalar(
        select(StaffAccount).where(func.lower(StaffAccount.username) == form.username.strip().lower())
    )
    # The same answer, after the same work, whether the user is unknown, disabled or mistyped the password.
    ok = verify_password(form.password, account.password_hash if account else None)
    if account is None or not ok or not account.is_active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            {"code": "bad_credentials", "message": "用户名或密码错误"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = issue_token(
        subject=str(account.id),
        audience=STAFF_AUDIENCE,
        secret=settings.secret_key,
        now=now,
        ttl=STAFF_TOKEN_TTL,
    )
    actor = Actor(
        kind="staff", id=account.id, role=account.role, ip=request.client.host if request.client else None
    )
    audit.record(
        session, actor=actor, action="staff.sign_in", target_type="staff", target_id=account.id, at=now
    )
    await session.commit()
    return TokenOut(access_token=token, expires_in=int(STAFF_TOKEN_TTL.total_seconds()))
