"""Posting to the ledger: the one way points move. Each posting locks the person's account row (their
entries are serialised), inserts the entry unless its award key already has one, and moves the balance
by the same amount in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.errors import Conflict, NotFound
from app.points.models import PointsAccount, PointsEntry, Reason


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True, slots=True)
class Holder:
    """Whose account: a villager or a staff member."""

    villager_id: int | None = None
    staff_id: int | None = None

    def __post_init__(self) -> None:
        if (self.villager_id is None) == (self.staff_id is None):
            raise ValueError("an account belongs to exactly one villager or one staff member")


@dataclass(frozen=True, slots=True)
class Posting:
    amount: int
    reason: Reason
    label: str
    award_key: str
    report_id: int | None = None
    timeline_event_id: int | None = None
    redemption_id: int | None = None
    reverses_id: int | None = None
    rule_version_id: int | None = None
    uncapped_amount: int | None = None
    actor_staff_id: int | None = None
    note: str | None = None


async def lock_account(session: AsyncSession, holder: Holder, *, now: datetime) -> PointsAccount:
    """The holder's account, made on first use, locked until the transaction ends."""
    column = PointsAccount.villager_id if holder.villager_id is not None else PointsAccount.staff_id
    value = holder.villager_id if holder.villager_id is not None else holder.staff_id
    await session.execute(
        _insert(session)(PointsAccount)
        .values(
            villager_id=holder.villager_id,
            staff_id=holder.staff_id,
            balance=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[column])
    )
    return await _locked(session, column == value)


async def lock_account_by_id(session: AsyncSession, account_id: int) -> PointsAccount:
    return await _locked(session, PointsAccount.id == account_id)


async def _locked(session: AsyncSession, condition: ColumnElement[bool]) -> PointsAccount:
    account = await session.scalar(
        select(PointsAccount).where(condition).with_for_update().execution_options(populate_existing=True)
    )
    assert account is not None
    return account


async def find_account(session: AsyncSession, holder: Holder) -> PointsAccount | None:
    if holder.villager_id is not None:
        return await session.scalar(
            select(PointsAccount).where(PointsAccount.villager_id == holder.villager_id)
        )
    return await session.scalar(select(PointsAccount).where(PointsAccount.staff_id == holder.staff_id))


async def post(
    session: AsyncSession, account: PointsAccount, posting: Posting, *, now: datetime
) -> PointsEntry | None:
    """Append one entry to a locked account; None when its award key already has its entry."""
    stmt = (
        _insert(session)(PointsEntry)
        .values(
            account_id=account.id,
            amount=posting.amount,
            reason=posting.reason.value,
            label=posting.label[:100],
            award_key=posting.award_key,
            report_id=posting.report_id,
            timeline_event_id=posting.timeline_event_id,
            redemption_id=posting.redemption_id,
            reverses_id=posting.reverses_id,
            rule_version_id=posting.rule_version_id,
            uncapped_amount=posting.uncapped_amount,
            actor_staff_id=posting.actor_staff_id,
            note=posting.note,
            occurred_at=now,
        )
        .on_conflict_do_nothing(index_elements=[PointsEntry.award_key])
        .returning(PointsEntry)
    )
    entry: PointsEntry | None = (await session.scalars(stmt)).one_or_none()
    if entry is None:
        return None
    account.balance += posting.amount
    account.updated_at = now
    await session.flush()
    return entry


def reversal_key(entry_id: int) -> str:
    return f"reverse:{entry_id}"


async def reverse(
    session: AsyncSession,
    *,
    entry: PointsEntry,
    label: str,
    now: datetime,
    actor_staff_id: int | None = None,
    note: str | None = None,
) -> PointsEntry | None:
    """Cancel one entry with its opposite; None when it was reversed already (a retry)."""
    if entry.reason == Reason.reversal.value:
        raise Conflict("冲正记录不能再次冲正", field="entry_id")
    account = await lock_account_by_id(session, entry.account_id)
    return await post(
        session,
        account,
        Posting(
            amount=-entry.amount,
            reason=Reason.reversal,
            label=label,
            award_key=reversal_key(entry.id),
            report_id=entry.report_id,
            redemption_id=entry.redemption_id,
            reverses_id=entry.id,
            rule_version_id=entry.rule_version_id,
            actor_staff_id=actor_staff_id,
            note=note,
        ),
        now=now,
    )


def unreversed() -> ColumnElement[bool]:
    """Entries no reversal points at yet."""
    reversal = aliased(PointsEntry)
    return ~select(reversal.id).where(reversal.reverses_id == PointsEntry.id).exists()


async def live_entries(
    session: AsyncSession, *, report_id: int, reasons: frozenset[Reason]
) -> list[PointsEntry]:
    rows = await session.scalars(
        select(PointsEntry)
        .where(
            PointsEntry.report_id == report_id,
            PointsEntry.reason.in_([r.value for r in reasons]),
            unreversed(),
        )
        .order_by(PointsEntry.id)
    )
    return list(rows.all())


async def get_entry(session: AsyncSession, entry_id: int) -> PointsEntry:
    entry = await session.get(PointsEntry, entry_id)
    if entry is None:
        raise NotFound("积分记录不存在", field="entry_id")
    return entry
