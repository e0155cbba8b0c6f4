"""What the moral bank shows, to villagers (mini program) and staff (console) alike."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.points.models import REDEMPTION_STATUS_LABELS, PointsEntry, Redemption, RedemptionStatus, Reward


class EntryOut(BaseModel):
    id: int
    amount: int
    reason: str
    label: str
    report_id: int | None
    redemption_id: int | None
    reverses_id: int | None
    # What the rules gave before a cap cut it (None when not capped).
    uncapped_amount: int | None
    rule_version_id: int | None
    at: datetime

    @classmethod
    def of(cls, e: PointsEntry) -> EntryOut:
        return cls(
            id=e.id,
            amount=e.amount,
            reason=e.reason,
            label=e.label,
            report_id=e.report_id,
            redemption_id=e.redemption_id,
            reverses_id=e.reverses_id,
            uncapped_amount=e.uncapped_amount,
            rule_version_id=e.rule_version_id,
            at=e.occurred_at,
        )


class LedgerPage(BaseModel):
    balance: int
    items: list[EntryOut]
    next_cursor: str | None = None


class RewardOut(BaseModel):
    id: int
    area_id: int
    name: str
    description: str | None
    value_fen: int
    points_price: int
    stock: int
    is_active: bool

    @classmethod
    def of(cls, r: Reward) -> RewardOut:
        return cls(
            id=r.id,
            area_id=r.area_id,
            name=r.name,
            description=r.description,
            value_fen=r.value_fen,
            points_price=r.points_price,
            stock=r.stock,
            is_active=r.is_active,
        )


class RedemptionOut(BaseModel):
    id: int
    reward_id: int
    reward_name: str
    points: int
    value_fen: int
    status: str
    status_label: str
    pickup_code: str
    village_id: int
    villager_id: int
    placed_at: datetime
    fulfilled_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, r: Redemption) -> RedemptionOut:
        return cls(
            id=r.id,
            reward_id=r.reward_id,
            reward_name=r.reward_name,
            points=r.points,
            value_fen=r.value_fen,
            status=r.status,
            status_label=REDEMPTION_STATUS_LABELS[RedemptionStatus(r.status)],
            pickup_code=r.pickup_code,
            village_id=r.village_id,
            villager_id=r.villager_id,
            placed_at=r.placed_at,
            fulfilled_at=r.fulfilled_at,
            cancelled_at=r.cancelled_at,
        )


class RedemptionPlaced(RedemptionOut):
    balance: int


class RedemptionPage(BaseModel):
    items: list[RedemptionOut]
    next_cursor: str | None = None
