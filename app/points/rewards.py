"""The rewards catalog (物资) of a village or a town: goods with a yuan value (in fen), a points price and
stock. Stock only moves by relative, guarded updates, so an edit never races a redemption's decrement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.points.models import Reward

CATALOG_LEVELS = ("village", "town")


@dataclass(frozen=True, slots=True)
class NewReward:
    name: str
    value_fen: int
    points_price: int
    stock: int
    description: str | None = None


async def create_reward(
    session: AsyncSession, *, area: Area, data: NewReward, actor: Actor, now: datetime
) -> Reward:
    if area.level not in CATALOG_LEVELS:
        raise InvalidInput("物资目录只能属于村(社区)或镇(街道)", field="area_id")
    reward = Reward(
        area_id=area.id,
        name=data.name,
        description=data.description,
        value_fen=data.value_fen,
        points_price=data.points_price,
        stock=data.stock,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(reward)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="points.reward.create",
        target_type="reward",
        target_id=reward.id,
        at=now,
        details={
            "area_id": area.id,
            "name": data.name,
            "value_fen": data.value_fen,
            "points_price": data.points_price,
            "stock": data.stock,
        },
    )
    return reward


async def update_reward(
    session: AsyncSession,
    *,
    reward: Reward,
    changes: dict[str, Any],
    stock_delta: int,
    actor: Actor,
    now: datetime,
) -> Reward:
    """Name, description, value, price and active flag are set; stock moves by `stock_delta`."""
    allowed = {"name", "description", "value_fen", "points_price", "is_active"}
    if set(changes) - allowed:
        raise ValueError(sorted(set(changes) - allowed))
    if stock_delta:
        moved = await session.scalar(
            update(Reward)
            .where(Reward.id == reward.id, Reward.stock + stock_delta >= 0)
            .values(stock=Reward.stock + stock_delta, updated_at=now)
            .returning(Reward.stock)
            .execution_options(synchronize_session=False)
        )
        if moved is None:
            raise Conflict("库存不足，不能减少这么多", field="stock_delta")
    for name, value in changes.items():
        setattr(reward, name, value)
    reward.updated_at = now
    await session.flush()
    await session.refresh(reward)
    audit.record(
        session,
        actor=actor,
        action="points.reward.update",
        target_type="reward",
        target_id=reward.id,
        at=now,
        details={**changes, "stock_delta": stock_delta, "stock": reward.stock},
    )
    return reward


async def get_reward(session: AsyncSession, reward_id: int) -> Reward:
    reward = await session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("物资不存在", field="reward_id")
    return reward


async def catalog_for(session: AsyncSession, *, village: Area) -> list[Reward]:
    """What a villager of this village can redeem now: their village's and their town's goods in stock."""
    areas = [village.id] + ([village.parent_id] if village.parent_id else [])
    rows = await session.scalars(
        select(Reward)
        .where(Reward.area_id.in_(areas), Reward.is_active.is_(True), Reward.stock > 0)
        .order_by(Reward.points_price, Reward.id)
    )
    return list(rows.all())


async def list_rewards(session: AsyncSession, *, areas: ColumnElement[bool]) -> list[tuple[Reward, str]]:
    rows = await session.execute(
        select(Reward, Area.name).join(Area, Area.id == Reward.area_id).where(areas).order_by(Reward.id)
    )
    return [(r, name) for r, name in rows.all()]
