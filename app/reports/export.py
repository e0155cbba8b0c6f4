"""The ledger (台账) as XLSX with Chinese headers, row by row: a year of a county fits in little memory.

Rows come from the database in chunks (a server-side cursor on PostgreSQL) and go into openpyxl's
write-only workbook, which spools them to a temporary file; nothing holds the whole ledger at once.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.areas.models import Area, Department
from app.categories.models import KIND_LABELS, Category, Kind
from app.reports.models import Report
from app.reports.repository import ReportFilters, filtered_query, is_overdue
from app.reports.workflow import RATINGS, REJECT_REASONS, STATUS_LABELS, Status

HEADERS = [
    "台账编号",
    "状态",
    "类型",
    "类别",
    "问题描述",
    "镇(街道)",
    "村(社区)",
    "地址",
    "渠道",
    "上报时间",
    "响应时限",
    "受理时间",
    "办结时限",
    "办结时间",
    "归档时间",
    "承办部门",
    "升级次数",
    "重办次数",
    "是否超期",
    "重点督办",
    "不予受理原因",
    "办理结果",
    "评价",
    "评价意见",
]
CHANNELS = {"miniprogram": "小程序", "official_account": "公众号", "console": "工作台"}
CHUNK = 2000


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(
    r: Report, category: str, town: str, village: str, dept: str | None, now: datetime, tz: ZoneInfo
) -> list[Any]:
    return [
        r.ledger_no or "",
        STATUS_LABELS[Status(r.status)],
        KIND_LABELS[Kind(r.kind)],
        category,
        r.description,
        town,
        village,
        r.address or "",
        CHANNELS.get(r.channel, r.channel),
        _local(r.submitted_at, tz),
        _local(r.respond_due_at, tz),
        _local(r.accepted_at, tz),
        _local(r.resolve_due_at, tz),
        _local(r.resolved_at, tz),
        _local(r.closed_at, tz),
        dept or "",
        r.escalation_level,
        r.reopen_count,
        "是" if is_overdue(r, now) else "否",
        "是" if r.key_supervision else "否",
        REJECT_REASONS.get(r.reject_reason or "", ""),
        r.result_summary or "",
        RATINGS.get(r.rating or "", ""),
        r.rating_comment or "",
    ]


def _append(ws: Any, rows: Sequence[Any], now: datetime, tz: ZoneInfo) -> None:
    for report, category, town, village, dept in rows:
        ws.append(_row(report, category, town, village, dept, now, tz))


async def write_ledger(
    session: AsyncSession, *, scope: ColumnElement[bool], filters: ReportFilters, now: datetime, tz: ZoneInfo
) -> IO[bytes]:
    """The XLSX in a temporary file (rewound), for the edge to stream out and close."""
    town, village = aliased(Area), aliased(Area)
    base = filtered_query(scope, filters, now).subquery()
    report = aliased(Report, base)
    stmt = (
        select(report, Category.name, town.name, village.name, Department.name)
        .join(Category, Category.id == report.category_id)
        .join(town, town.id == report.town_id)
        .join(village, village.id == report.village_id)
        .outerjoin(Department, Department.id == report.department_id)
        .order_by(report.id)
        .execution_options(yield_per=CHUNK)
    )
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("台账")
    ws.append(HEADERS)
    result = await session.stream(stmt)
    async for chunk in result.partitions(CHUNK):
        # openpyxl is synchronous: keep it off the event loop.
        await asyncio.to_thread(_append, ws, chunk, now, tz)
    out = tempfile.TemporaryFile()  # closed by the edge once streamed
    await asyncio.to_thread(workbook.save, out)
    out.seek(0)
    return out
