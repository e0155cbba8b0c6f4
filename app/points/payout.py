"""The quarterly payout (季兑现): the goods handed over in a quarter (Asia/Shanghai), per town and village —
the people, the points spent (from the ledger's debit entries) and the yuan value — as XLSX."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.areas.models import Area
from app.people.models import Villager
from app.points.models import PointsEntry, Reason, Redemption, RedemptionStatus
from app.points.quarters import Quarter

SUMMARY_HEADERS = ["镇(街道)", "村(社区)", "兑换人数", "兑换次数", "消耗积分", "物资价值(元)"]
DETAIL_HEADERS = [
    "领取时间",
    "镇(街道)",
    "村(社区)",
    "兑换人",
    "物资",
    "消耗积分",
    "物资价值(元)",
    "兑换时间",
]
YUAN = "0.00"


@dataclass(frozen=True, slots=True)
class VillageTotal:
    town: str
    village: str
    people: int
    redemptions: int
    points: int
    value_fen: int


def _inside(village: Any, within: Area) -> ColumnElement[bool]:
    """Villages inside the viewer's area (the whole county for county staff)."""
    return true() if within.level == "county" else village.path.startswith(within.path)


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


async def totals(
    session: AsyncSession, *, quarter: Quarter, tz: ZoneInfo, within: Area
) -> list[VillageTotal]:
    """Per village: distinct people, orders, points (the ledger's debits) and value (fen)."""
    start, end = quarter.bounds(tz)
    village, town = aliased(Area), aliased(Area)
    rows = await session.execute(
        select(
            town.name,
            village.name,
            func.count(func.distinct(Redemption.villager_id)),
            func.count(Redemption.id),
            -func.sum(PointsEntry.amount),
            func.sum(Redemption.value_fen),
        )
        .join(
            PointsEntry,
            (PointsEntry.redemption_id == Redemption.id) & (PointsEntry.reason == Reason.redemption.value),
        )
        .join(village, village.id == Redemption.village_id)
        .join(town, town.id == village.parent_id)
        .where(
            Redemption.status == RedemptionStatus.fulfilled.value,
            Redemption.fulfilled_at >= start,
            Redemption.fulfilled_at < end,
            _inside(village, within),
        )
        .group_by(town.id, town.name, village.id, village.name)
        .order_by(town.name, village.name)
    )
    return [VillageTotal(t, v, int(p), int(n), int(pts), int(fen)) for t, v, p, n, pts, fen in rows.all()]


async def write_xlsx(session: AsyncSession, *, quarter: Quarter, tz: ZoneInfo, within: Area) -> IO[bytes]:
    """The workbook in a rewound temporary file: a summary sheet (with the total) and every handover."""
    summary = await totals(session, quarter=quarter, tz=tz, within=within)
    start, end = quarter.bounds(tz)
    village, town = aliased(Area), aliased(Area)
    details = (
        await session.execute(
            select(
                Redemption.fulfilled_at,
                town.name,
                village.name,
                Villager.real_name,
                Villager.id,
                Redemption.reward_name,
                PointsEntry.amount,
                Redemption.value_fen,
                Redemption.placed_at,
            )
            .join(
                PointsEntry,
                (PointsEntry.redemption_id == Redemption.id)
                & (PointsEntry.reason == Reason.redemption.value),
            )
            .join(Villager, Villager.id == Redemption.villager_id)
            .join(village, village.id == Redemption.village_id)
            .join(town, town.id == village.parent_id)
            .where(
                Redemption.status == RedemptionStatus.fulfilled.value,
                Redemption.fulfilled_at >= start,
                Redemption.fulfilled_at < end,
                _inside(village, within),
            )
            .order_by(town.name, village.name, Redemption.fulfilled_at, Redemption.id)
        )
    ).all()
    return await asyncio.to_thread(_workbook, quarter, summary, details, tz)


def _workbook(
    quarter: Quarter, summary: list[VillageTotal], details: Sequence[Any], tz: ZoneInfo
) -> IO[bytes]:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "汇总"
    ws.append([f"{quarter.label}道德银行积分兑现汇总"])
    ws.append(SUMMARY_HEADERS)
    for t in summary:
        ws.append([t.town, t.village, t.people, t.redemptions, t.points, yuan(t.value_fen)])
        ws.cell(ws.max_row, 6).number_format = YUAN
    people = len({row[4] for row in details})  # distinct villagers over the whole quarter
    ws.append(
        [
            "合计",
            f"{len(summary)} 个村(社区)",
            people,
            sum(t.redemptions for t in summary),
            sum(t.points for t in summary),
            yuan(sum(t.value_fen for t in summary)),
        ]
    )
    ws.cell(ws.max_row, 6).number_format = YUAN
    sheet = workbook.create_sheet("明细")
    sheet.append(DETAIL_HEADERS)
    for (
        fulfilled_at,
        town_name,
        village_name,
        real_name,
        villager_id,
        reward,
        amount,
        fen,
        placed_at,
    ) in details:
        sheet.append(
            [
                fulfilled_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                town_name,
                village_name,
                real_name or f"村民{villager_id}",
                reward,
                -amount,
                yuan(fen),
                placed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            ]
        )
        sheet.cell(sheet.max_row, 7).number_format = YUAN
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out
