"""Typed dependencies shared by the edges: settings, sessions, the clock, the signed-in staff member."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit.service import Actor
from app.core.clock import utcnow
from app.core.database import Database
from app.core.security import read_token
from app.core.settings import Settings
from app.people.models import Role, StaffAccount
from app.people.scope import StaffScope
from app.reference.cache import ReferenceData, watch

STAFF_AUDIENCE = "staff"


# Dependencies are coroutines even when they need no await: FastAPI runs a plain function in a worker
# thread, a hop on every request.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> AsyncIterator[AsyncSession]:
    # The route commits (the edge owns the transaction); whatever it leaves uncommitted is rolled back.
    async with database.sessionmaker() as session:
        # A commit that edits categories, SLA policies or areas refreshes this process's copy.
        watch(session, reference_of(request.app))
        yield session


async def get_now() -> datetime:
    return utcnow()


def reference_of(app: FastAPI) -> ReferenceData:
    """The process's cached categories and areas (app/reference/cache.py), made on first use."""
    reference: ReferenceData | None = getattr(app.state, "reference", None)
    if reference is None:
        reference = ReferenceData(app.state.settings.reference_cache_seconds)
        app.state.reference = reference
    return reference


async def get_reference(request: Request) -> ReferenceData:
    return reference_of(request.app)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]
ReferenceDep = Annotated[ReferenceData, Depends(get_reference)]

_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail={"code": "unauthorized", "message": "登录已失效，请重新登录"},
    headers={"WWW-Authenticate": "Bearer"},
)


class CurrentStaffContext:
    """The signed-in staff account, what it may see, and how its actions are audited."""

    def __init__(self, account: StaffAccount, request: Request) -> None:
        self.account = account
        area = account.area
        village_id = area.id if area.level == "village" else area.parent_id if area.level == "grid" else None
        self.scope = StaffScope(
            staff_id=account.id,
            role=Role(account.role),
            area_id=area.id,
            area_level=area.level,
            department_id=account.department_id,
            team=account.team,
            village_id=village_id,
        )
        self.actor = Actor(
            kind="staff",
            id=account.id,
            role=account.role,
            ip=request.client.host if request.client else None,
            request_id=getattr(request.state, "request_id", None),
        )

    @property
    def role(self) -> Role:
        return self.scope.role


async def get_current_staff(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_oauth2)],
) -> CurrentStaffContext:
    claims = read_token(token, audience=STAFF_AUDIENCE, secret=settings.secret_key) if token else None
    if not claims or not str(claims.get("sub", "")).isdigit():
        raise _UNAUTHORIZED
    account = await session.scalar(
        select(StaffAccount)
        .options(selectinload(StaffAccount.area))
        .where(StaffAccount.id == int(claims["sub"]))
    )
    if account is None or not account.is_active:
        raise _UNAUTHORIZED
    return CurrentStaffContext(account, request)


CurrentStaff = Annotated[CurrentStaffContext, Depends(get_current_staff)]


class RoleCheck:
    """The dependency every console endpoint carries: who may call it (403 for the rest)."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    async def __call__(self, staff: CurrentStaff) -> CurrentStaffContext:
        if staff.role not in self.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, {"code": "forbidden", "message": "无权执行此操作"})
        return staff


def allow(*roles: Role) -> Any:
    """`staff: Annotated[CurrentStaffContext, allow(Role.admin, ...)]` — declares and enforces the roles."""
    return Depends(RoleCheck(frozenset(roles)))


ALL_STAFF = tuple(Role)


def api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], Dependant | None]]:
    """(path, methods, dependant) of every API route, also through included routers.

    Newer FastAPI keeps included routers as wrappers in `app.routes`; `iter_route_contexts` flattens them.
    """
    iterate = getattr(fastapi_routing, "iter_route_contexts", None)
    for route in iterate(app.routes) if iterate else app.routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            methods: set[str] = getattr(route, "methods", None) or set()
            yield str(getattr(route, "path", original.path)), set(methods), original.dependant


def routes_without_role_check(app: FastAPI, *, prefix: str, public: set[str]) -> list[str]:
    """Console routes that forgot to declare who may call them (the app refuses to start with any)."""
    missing = []
    for path, methods, dependant in api_routes(app):
        if not path.startswith(prefix) or path in public:
            continue
        if dependant is None or not any(isinstance(d.call, RoleCheck) for d in _walk(dependant)):
            missing.append(f"{sorted(methods)} {path}")
    return missing


def _walk(dependant: Dependant) -> list[Dependant]:
    found = []
    for sub in dependant.dependencies:
        found.append(sub)
        found.extend(_walk(sub))
    return found
