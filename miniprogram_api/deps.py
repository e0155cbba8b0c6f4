"""Dependencies of the mini program edge: the signed-in villager, its settings, photo storage."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.audit.service import Actor
from app.http.deps import SessionDep, SettingsDep
from app.media.storage import LocalFolderStorage, MediaStorage
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


def _mp_settings() -> MiniProgramSettings:
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


async def get_current_villager(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentVillagerContext:
    if credentials is None:
        raise UNAUTHORIZED
    found = await villagers_service.authenticate(
        session, token=credentials.credentials, secret=settings.secret_key
    )
    if found is None:
        raise UNAUTHORIZED
    return CurrentVillagerContext(found[0], found[1], request)


CurrentVillager = Annotated[CurrentVillagerContext, Depends(get_current_villager)]


@functools.lru_cache(maxsize=4)
def _local_storage(root: Path) -> LocalFolderStorage:
    return LocalFolderStorage(root)


def get_storage(settings: SettingsDep) -> MediaStorage:
    return _local_storage(settings.media_dir)


StorageDep = Annotated[MediaStorage, Depends(get_storage)]
