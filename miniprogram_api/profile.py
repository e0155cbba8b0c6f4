"""The villager's own profile: home village and grid, real name, masked phone number."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.core.errors import InvalidInput
from app.http.deps import NowDep, SessionDep
from app.people.models import Villager
from app.villagers import profile as profile_service
from miniprogram_api.deps import CurrentVillager
from miniprogram_api.schemas import AreaRef, ProfileIn, ProfileOut

router = APIRouter(prefix="/me", tags=["mini program: profile"])


async def profile_of(session: AsyncSession, villager: Villager) -> ProfileOut:
    async def ref(area_id: int | None) -> AreaRef | None:
        area = await session.get(Area, area_id) if area_id else None
        return AreaRef(id=area.id, name=area.name) if area else None

    return ProfileOut(
        id=villager.id,
        real_name=villager.real_name,
        phone_masked=villager.phone_masked,
        home_village=await ref(villager.home_village_id),
        home_grid=await ref(villager.home_grid_id),
    )


@router.get("", response_model=ProfileOut)
async def get_profile(me: CurrentVillager, session: SessionDep) -> ProfileOut:
    return await profile_of(session, me.villager)


@router.patch("", response_model=ProfileOut)
async def update_profile(
    body: ProfileIn, me: CurrentVillager, session: SessionDep, now: NowDep
) -> ProfileOut:
    sent = body.model_fields_set
    if "home_village_id" in sent or "home_grid_id" in sent:
        village_id = body.home_village_id or me.villager.home_village_id
        if village_id is None:
            raise InvalidInput("请先选择所在村(社区)", field="home_village_id")
        await profile_service.bind_home(
            session, villager=me.villager, village_id=village_id, grid_id=body.home_grid_id, now=now
        )
    if "real_name" in sent:
        await profile_service.set_real_name(session, villager=me.villager, name=body.real_name, now=now)
    await session.commit()
    return await profile_of(session, me.villager)
