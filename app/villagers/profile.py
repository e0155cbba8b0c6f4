"""A villager's home village and grid, real name and phone number (stored encrypted, shown masked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.core.errors import InvalidInput
from app.people.models import Villager
from app.villagers import crypto

PHONE_PURPOSE = "villager.phone"


async def bind_home(
    session: AsyncSession, *, villager: Villager, village_id: int, grid_id: int | None, now: datetime
) -> Villager:
    village = await session.get(Area, village_id)
    if village is None or village.level != "village":
        raise InvalidInput("所选村(社区)不存在", field="home_village_id")
    if grid_id is not None:
        grid = await session.get(Area, grid_id)
        if grid is None or grid.level != "grid" or grid.parent_id != village.id:
            raise InvalidInput("所选网格不属于该村(社区)", field="home_grid_id")
    villager.home_village_id = village.id
    villager.home_grid_id = grid_id
    villager.updated_at = now
    await session.flush()
    return villager


async def set_real_name(
    session: AsyncSession, *, villager: Villager, name: str | None, now: datetime
) -> None:
    villager.real_name = (name or "").strip() or None
    villager.updated_at = now
    await session.flush()


async def set_phone(
    session: AsyncSession, *, villager: Villager, phone: str, secret: str, now: datetime
) -> None:
    villager.phone_encrypted = crypto.encrypt(secret, phone, purpose=PHONE_PURPOSE)
    villager.phone_masked = crypto.mask_phone(phone)
    villager.updated_at = now
    await session.flush()


def phone_of(villager: Villager, *, secret: str) -> str | None:
    if villager.phone_encrypted is None:
        return None
    return crypto.decrypt(secret, villager.phone_encrypted, purpose=PHONE_PURPOSE)
