"""Finds drift between the ledger and everything derived from it. Read-only; each finding names the row.

- balance: an account's balance is not the sum of its entries;
- award_without_event: an automatic award whose report or timeline event is missing, or an event of
  another report;
- reversal: a reversal that reverses nothing, reverses an entry of another account or by another amount,
  or is one of two reversals of the same entry;
- redemption: an order without its debit (or with the wrong amount), a cancelled one without the
  reversal of its debit, an open or fulfilled one whose debit was reversed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.points.models import (
    AUTOMATIC_AWARDS,
    PointsAccount,
    PointsEntry,
    Reason,
    Redemption,
    RedemptionStatus,
)
from app.reports.models import Report, TimelineEvent

KINDS = ("balance", "award_without_event", "reversal", "redemption")


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    target_type: str
    target_id: int
    detail: str


async def run(session: AsyncSession) -> list[Finding]:
    return [
        *await _balances(session),
        *await _awards_without_event(session),
        *await _reversals(session),
        *await _redemptions(session),
    ]


def counts(findings: list[Finding]) -> dict[str, int]:
    totals = dict.fromkeys(KINDS, 0)
    for f in findings:
        totals[f.kind] += 1
    return totals


async def _balances(session: AsyncSession) -> list[Finding]:
    sums = (
        select(PointsEntry.account_id, func.sum(PointsEntry.amount).label("total"))
        .group_by(PointsEntry.account_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    rows = await session.execute(
        select(PointsAccount.id, PointsAccount.balance, total)
        .outerjoin(sums, sums.c.account_id == PointsAccount.id)
        .where(PointsAccount.balance != total)
        .order_by(PointsAccount.id)
    )
    return [
        Finding("balance", "points_account", account_id, f"余额 {balance} ≠ 流水合计 {ledger_total}")
        for account_id, balance, ledger_total in rows.all()
    ]


async def _awards_without_event(session: AsyncSession) -> list[Finding]:
    rows = await session.execute(
        select(PointsEntry.id, PointsEntry.report_id, TimelineEvent.report_id)
        .outerjoin(Report, Report.id == PointsEntry.report_id)
        .outerjoin(TimelineEvent, TimelineEvent.id == PointsEntry.timeline_event_id)
        .where(
            PointsEntry.reason.in_([r.value for r in AUTOMATIC_AWARDS]),
            or_(
                Report.id.is_(None),
                TimelineEvent.id.is_(None),
                TimelineEvent.report_id != PointsEntry.report_id,
            ),
        )
        .order_by(PointsEntry.id)
    )
    return [
        Finding("award_without_event", "points_entry", entry_id, f"工单 {report_id} 的奖励缺少对应的办理记录")
        for entry_id, report_id, _event_report in rows.all()
    ]


async def _reversals(session: AsyncSession) -> list[Finding]:
    original = aliased(PointsEntry)
    reversal = PointsEntry.reason == Reason.reversal.value
    broken = await session.execute(
        select(PointsEntry.id, original.id)
        .outerjoin(original, original.id == PointsEntry.reverses_id)
        .where(
            reversal,
            or_(
                original.id.is_(None),
                original.account_id != PointsEntry.account_id,
                original.amount != -PointsEntry.amount,
            ),
        )
        .order_by(PointsEntry.id)
    )
    found = [
        Finding("reversal", "points_entry", entry_id, "冲正记录没有对应的原记录，或账户、金额不符")
        for entry_id, _original_id in broken.all()
    ]
    twice = await session.execute(
        select(PointsEntry.reverses_id, func.count())
        .where(reversal, PointsEntry.reverses_id.is_not(None))
        .group_by(PointsEntry.reverses_id)
        .having(func.count() > 1)
    )
    found += [
        Finding("reversal", "points_entry", target, f"同一记录被冲正 {n} 次")
        for target, n in twice.all()
        if target is not None
    ]
    return found


async def _redemptions(session: AsyncSession) -> list[Finding]:
    debit = aliased(PointsEntry)
    undo = aliased(PointsEntry)
    rows = await session.execute(
        select(Redemption.id, Redemption.status, Redemption.points, debit.amount, undo.id)
        .outerjoin(debit, (debit.redemption_id == Redemption.id) & (debit.reason == Reason.redemption.value))
        .outerjoin(undo, (undo.reverses_id == debit.id) & (undo.reason == Reason.reversal.value))
        .order_by(Redemption.id)
    )
    found = []
    for redemption_id, status, points, debit_amount, undo_id in rows.all():
        if debit_amount is None:
            problem = "缺少扣分记录"
        elif debit_amount != -points:
            problem = f"扣分 {-debit_amount} ≠ 兑换积分 {points}"
        elif status == RedemptionStatus.cancelled.value and undo_id is None:
            problem = "已取消但积分未退回"
        elif status != RedemptionStatus.cancelled.value and undo_id is not None:
            problem = "未取消但积分已退回"
        else:
            continue
        found.append(Finding("redemption", "redemption", redemption_id, problem))
    return found
