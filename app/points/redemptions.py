"""Redeeming points for goods, fulfilling by pickup code, cancelling.

A redemption is one transaction: the villager's account row is locked (their balance cannot be spent
twice), the stock is taken by a guarded decrement (`stock = stock - 1 WHERE stock >= 1`: under
concurrency exactly as many succeed as there is stock; CHECK (stock >= 0) backs it), the debit entry is
posted and the pickup notice is written. Cancelling reverses the debit and puts the item back.
Lock order everywhere: redemption row, then account, then reward.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.people.models import Villager
from app.points import ledger, notices
from app.points.errors import InsufficientPoints, OutOfStock
from app.points.ledger import Holder, Posting
from app.points.models import PointsEntry, Reason, Redemption, RedemptionStatus, Reward

CODE_ATTEMPTS = 20


def new_pickup_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def redeem(session: AsyncSession, *, villager: Villager, reward_id: int, now: datetime) -> Redemption:
    if villager.home_village_id is None:
        raise InvalidInput("请先在“我的”中设置所在村(社区)，再兑换物资", field="reward_id")
    village = await session.get(Area, villager.home_village_id)
    assert village is not None
    reward = await session.get(Reward, reward_id)
    if reward is None or not reward.is_active or reward.area_id not in (village.id, village.parent_id):
        raise NotFound("物资不存在或已下架", field="reward_id")
    account = await ledger.lock_account(session, Holder(villager_id=villager.id), now=now)
    if account.balance < reward.points_price:
        raise InsufficientPoints(
            f"余额不足：兑换需要 {reward.points_price} 积分，您当前有 {account.balance} 积分",
            field="reward_id",
        )
    left = await session.scalar(
        update(Reward)
        .where(Reward.id == reward.id, Reward.is_active.is_(True), Reward.stock >= 1)
        .values(stock=Reward.stock - 1, updated_at=now)
        .returning(Reward.stock)
        .execution_options(synchronize_session=False)
    )
    if left is None:
        raise OutOfStock(f"库存不足：「{reward.name}」已兑完", field="reward_id")
    redemption = await _place(session, villager_id=villager.id, reward=reward, village_id=village.id, now=now)
    await ledger.post(
        session,
        account,
        Posting(
            amount=-reward.points_price,
            reason=Reason.redemption,
            label=f"兑换：{reward.name}",
            award_key=f"redemption:{redemption.id}:debit",
            redemption_id=redemption.id,
        ),
        now=now,
    )
    await notices.redemption_ready(session, redemption=redemption, village_name=village.name, now=now)
    return redemption


async def _place(
    session: AsyncSession, *, villager_id: int, reward: Reward, village_id: int, now: datetime
) -> Redemption:
    """The order with a pickup code no other open order of the village has (a clash retries the code)."""
    for _ in range(CODE_ATTEMPTS):
        redemption = Redemption(
            villager_id=villager_id,
            reward_id=reward.id,
            village_id=village_id,
            reward_name=reward.name,
            points=reward.points_price,
            value_fen=reward.value_fen,
            status=RedemptionStatus.placed.value,
            pickup_code=new_pickup_code(),
            placed_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(redemption)
                await session.flush()
        except IntegrityError:
            continue
        return redemption
    raise Conflict("领取码生成失败，请稍后重试", field="reward_id")


async def _debit_of(session: AsyncSession, redemption: Redemption) -> PointsEntry:
    entry = await session.scalar(
        select(PointsEntry).where(
            PointsEntry.redemption_id == redemption.id, PointsEntry.reason == Reason.redemption.value
        )
    )
    assert entry is not None, f"redemption {redemption.id} without its debit"
    return entry


async def cancel(
    session: AsyncSession, *, redemption_id: int, villager_id: int, actor: Actor, now: datetime
) -> Redemption:
    redemption = await session.scalar(
        select(Redemption)
        .where(Redemption.id == redemption_id, Redemption.villager_id == villager_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if redemption is None:
        raise NotFound("兑换记录不存在", field="redemption_id")
    if redemption.status != RedemptionStatus.placed.value:
        done = "已领取" if redemption.status == RedemptionStatus.fulfilled.value else "已取消"
        raise Conflict(f"该兑换{done}，不能取消", field="redemption_id")
    redemption.status = RedemptionStatus.cancelled.value
    redemption.cancelled_at = now
    await ledger.reverse(
        session,
        entry=await _debit_of(session, redemption),
        label=f"取消兑换：{redemption.reward_name}",
        now=now,
    )
    await session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id)
        .values(stock=Reward.stock + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="points.redemption.cancel",
        target_type="redemption",
        target_id=redemption.id,
        at=now,
        details={"reward_id": redemption.reward_id, "points": redemption.points},
    )
    return redemption


async def fulfil(
    session: AsyncSession, *, village_id: int, pickup_code: str, actor: Actor, now: datetime
) -> Redemption:
    """The village cadre hands the goods over: the open order with this code in their village."""
    redemption = await session.scalar(
        select(Redemption)
        .where(
            Redemption.village_id == village_id,
            Redemption.pickup_code == pickup_code,
            Redemption.status == RedemptionStatus.placed.value,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if redemption is None:
        raise NotFound("领取码无效，或该兑换已领取、已取消", field="pickup_code")
    redemption.status = RedemptionStatus.fulfilled.value
    redemption.fulfilled_at = now
    redemption.fulfilled_by_id = actor.id
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="points.redemption.fulfil",
        target_type="redemption",
        target_id=redemption.id,
        at=now,
        details={"pickup_code": pickup_code, "villager_id": redemption.villager_id},
    )
    return redemption
