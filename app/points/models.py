"""The moral bank's tables: rule versions, accounts (one per person), the append-only ledger, rewards,
redemptions and the quarterly handler-pool suggestions.

The ledger is the truth; `points_accounts.balance` is derived from it in the same transaction (and the
reconciliation compares the two). Ledger rows are never updated or deleted: on PostgreSQL and SQLite a
trigger made by migration 0009 refuses both, so a correction can only be a reversing entry.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.core.models import BigIntPK, TimestampMixin


class Reason(enum.StrEnum):
    reporter_accepted = "reporter_accepted"  # a report accepted (acknowledged), by its quality grade
    reporter_confirmed = "reporter_confirmed"  # the problem confirmed removed, the praise/alert confirmed
    handler_case = "handler_case"  # a case closed: timeliness and the reporter's rating
    adjustment = "adjustment"  # a signed manual entry by an administrator or village secretary
    reversal = "reversal"  # cancels exactly one earlier entry
    redemption = "redemption"  # points spent on a reward


REASON_LABELS = {
    Reason.reporter_accepted: "反映被受理",
    Reason.reporter_confirmed: "反映得到确认",
    Reason.handler_case: "办结工单",
    Reason.adjustment: "人工调整",
    Reason.reversal: "冲正",
    Reason.redemption: "兑换物资",
}
REPORTER_AWARDS = frozenset({Reason.reporter_accepted, Reason.reporter_confirmed})
AUTOMATIC_AWARDS = REPORTER_AWARDS | {Reason.handler_case}


def _in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)


class RuleVersion(Base):
    """One version of the awarding rules; an entry names the version that computed it."""

    __tablename__ = "points_rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    params: Mapped[dict[str, Any]] = mapped_column()
    note: Mapped[str] = mapped_column(String(200))
    # The version in force at a moment is the newest one effective by then.
    effective_from: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))


class PointsAccount(Base):
    """A person's account: a villager or a staff member. Its row lock serialises that person's entries."""

    __tablename__ = "points_accounts"
    __table_args__ = (CheckConstraint("(villager_id IS NULL) <> (staff_id IS NULL)", name="one_holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villagers.id"), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), unique=True)
    balance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class PointsEntry(Base):
    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint(f"reason IN ({_in(Reason)})", name="reason"),
        CheckConstraint("reason = 'reversal' OR reverses_id IS NULL", name="reversal_target"),
        Index("ix_points_entries_account_id_id", "account_id", "id"),
        Index("ix_points_entries_account_id_occurred_at", "account_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    amount: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(100))
    # Names the awarding event ("report:12:reporter:accepted"): a retry inserts nothing.
    award_key: Mapped[str] = mapped_column(String(120), unique=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    timeline_event_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("timeline_events.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("points_entries.id"), index=True)
    rule_version_id: Mapped[int | None] = mapped_column(ForeignKey("points_rule_versions.id"))
    # Set when a cap cut the award: what the rules gave before the cap.
    uncapped_amount: Mapped[int | None] = mapped_column()
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column()


class Reward(TimestampMixin, Base):
    """Goods (物资) in the catalog of a village or a town."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("points_price > 0", name="price_positive"),
        CheckConstraint("value_fen >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(500))
    value_fen: Mapped[int] = mapped_column()
    points_price: Mapped[int] = mapped_column()
    stock: Mapped[int] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)


class RedemptionStatus(enum.StrEnum):
    placed = "placed"  # points debited, stock taken, waiting for pickup
    fulfilled = "fulfilled"
    cancelled = "cancelled"


REDEMPTION_STATUS_LABELS = {
    RedemptionStatus.placed: "待领取",
    RedemptionStatus.fulfilled: "已领取",
    RedemptionStatus.cancelled: "已取消",
}


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(RedemptionStatus)})", name="status"),
        CheckConstraint("points > 0", name="points_positive"),
        # A pickup code names one open redemption in its village.
        Index(
            "uq_redemptions_open_pickup_code",
            "village_id",
            "pickup_code",
            unique=True,
            postgresql_where=text("status = 'placed'"),
            sqlite_where=text("status = 'placed'"),
        ),
        Index("ix_redemptions_village_id_fulfilled_at", "village_id", "fulfilled_at"),
        Index("ix_redemptions_villager_id_id", "villager_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    # Where the goods are picked up: the villager's village when they redeemed.
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # What was bought, as it was then (the catalog may change later).
    reward_name: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column()
    value_fen: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=RedemptionStatus.placed.value)
    pickup_code: Mapped[str] = mapped_column(String(6))
    placed_at: Mapped[datetime] = mapped_column()
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()


class PoolChange(enum.StrEnum):
    join_pool = "join"
    leave_pool = "leave"


class SuggestionStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    declined = "declined"


class PoolSuggestion(Base):
    """A suggested change to a village's handler pool (办理人员库) for one quarter, until decided."""

    __tablename__ = "handler_pool_suggestions"
    __table_args__ = (
        CheckConstraint(f"change IN ({_in(PoolChange)})", name="change"),
        CheckConstraint(f"status IN ({_in(SuggestionStatus)})", name="status"),
        CheckConstraint("(villager_id IS NULL) <> (staff_id IS NULL)", name="one_person"),
        UniqueConstraint("quarter", "staff_id"),
        UniqueConstraint("quarter", "villager_id"),
        Index("ix_handler_pool_suggestions_village_id_quarter", "village_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    team: Mapped[str] = mapped_column(String(20))
    change: Mapped[str] = mapped_column(String(5))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villagers.id"))
    points: Mapped[int] = mapped_column()
    rank: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=SuggestionStatus.pending.value)
    created_at: Mapped[datetime] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))
