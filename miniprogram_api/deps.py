"""Dependencies of the mini program edge: the signed-in villager, its settings, photo storage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.http.deps import SessionDep, SettingsDep
from app.media.storage import MediaStorage, storage_of
from app.people.models import Villager
from app.villagers import service as villagers_service
from app.villagers.models import VillagerSession
from miniprogram_api.config import MiniProgramSettings, get_mp_settings

_bearer = HTTPBearer(auto_error=False)
UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    {"code": "unauthorized", "message": "登录已失效，请重新登录"},
    headers={"WWW-Authenticate": "Bearer"},
)


async def _mp_settings() -> MiniProgramSettings:
    return get_mp_settings()


MpSettingsDep = Annotated[MiniProgramSettings, Depends(_mp_settings)]


class CurrentVillagerContext:
    def __init__(self, villager: Villager, vsession: VillagerSession, request: Request) -> None:
        self.villager = villager
        self.session = vsession
        self.id = villager.id
        self.actor = Actor(
            kind="villager",
            id=villager.id,
            ip=request.client.host if request.client else None,
            request_id=getattr(request.state, "request_id", None),
        )


async def get_access_claims(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> villagers_service.AccessClaims:
    """The token's claims, checked by signature and expiry only: `confirm` asks the database."""
    if credentials is None:
        raise UNAUTHORIZED
    claims = villagers_service.read_access_token(credentials.credentials, secret=settings.secret_key)
    if claims is None:
        raise UNAUTHORIZED
    return claims


AccessClaimsDep = Annotated[villagers_service.AccessClaims, Depends(get_access_claims)]


async def confirm(
    request: Request, session: AsyncSession, claims: villagers_service.AccessClaims
) -> CurrentVillagerContext:
    """The signed-in villager, once the database shows the sign-in is still open (401 otherwise)."""
    found = await villagers_service.confirm(session, claims)
    if found is None:
        raise UNAUTHORIZED
    return CurrentVillagerContext(found[0], found[1], request)


async def get_current_villager(
    request: Request, session: SessionDep, claims: AccessClaimsDep
) -> CurrentVillagerContext:
    return await confirm(request, session, claims)


CurrentVillager = Annotated[CurrentVillagerContext, Depends(get_current_villager)]


async def get_storage(request: Request) -> MediaStorage:
    return storage_of(request.app)


StorageDep = Annotated[MediaStorage, Depends(get_storage)]
