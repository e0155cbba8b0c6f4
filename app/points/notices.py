"""What the moral bank tells villagers, as outbox rows in the same transaction as the entry or order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications import service as notifications_service
from app.notifications.kinds import Kind
from app.points.models import PointsAccount, PointsEntry, Redemption


async def points_earned(
    session: AsyncSession, *, account: PointsAccount, entry: PointsEntry, now: datetime
) -> bool:
    """One notice per entry that added points to a villager (its id is the dedupe key)."""
    if account.villager_id is None or entry.amount <= 0:
        return False
    return await notifications_service.enqueue(
        session,
        kind=Kind.points_earned,
        dedupe_key=f"points:{entry.id}",
        now=now,
        villager_id=account.villager_id,
        # Not tied to the report's row: the notice is about the account (the payload names the report).
        payload={
            "points": entry.amount,
            "balance": account.balance,
            "title": entry.label,
            "time": now.isoformat(),
            "report_id": entry.report_id,
        },
    )


async def redemption_ready(
    session: AsyncSession, *, redemption: Redemption, village_name: str, now: datetime
) -> bool:
    return await notifications_service.enqueue(
        session,
        kind=Kind.redemption_ready,
        dedupe_key=f"redemption:{redemption.id}:ready",
        now=now,
        villager_id=redemption.villager_id,
        payload={
            "title": redemption.reward_name,
            "pickup_code": redemption.pickup_code,
            "unit": village_name,  # where to pick it up
            "time": now.isoformat(),
            "redemption_id": redemption.id,
        },
    )
