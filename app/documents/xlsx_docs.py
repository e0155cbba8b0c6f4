"""A period report's numbers as XLSX: county totals, every unit's indicators and rank, categories, the
weekly trend. Values are numbers (rates as fractions formatted as percentages), so they can be summed
and sorted; empty where a rate has nothing to measure. Synchronous (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from app.analysis.indicators import UNIT_LABELS, UnitKind
from app.documents.indicator_labels import DURATION_NAMES, RATE_NAMES, SHOWN, label

UNIT_SHEETS = (UnitKind.town, UnitKind.village, UnitKind.department, UnitKind.handler)


def _format(name: str) -> str | None:
    if name in RATE_NAMES:
        return "0.0%"
    if name in DURATION_NAMES:
        return "0.0"
    return None


def _header(ws: Worksheet, headers: Sequence[str]) -> None:
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _append(ws: Worksheet, values: Sequence[Any], names: Sequence[str | None]) -> None:
    ws.append(list(values))
    for cell, name in zip(ws[ws.max_row], names, strict=True):
        fmt = _format(name) if name else None
        if fmt:
            cell.number_format = fmt


def build(analysis: dict[str, Any], *, title: str) -> bytes:
    current, previous = analysis["current"], analysis["previous"]
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "全县汇总"
    ws.append([title])
    ws.append([])
    ws.append(["指标", "本期", "上期"])
    for name in SHOWN:
        _append(
            ws,
            [label(name), current["county"].get(name), (previous.get("county") or {}).get(name)],
            [None, name, name],
        )

    for kind in UNIT_SHEETS:
        sheet = workbook.create_sheet(UNIT_LABELS[kind])
        ranks = {r["unit_id"]: r for r in current["rankings"].get(kind.value, [])}
        _header(sheet, ["编号", "单位", "排名", *[label(n) for n in SHOWN]])
        for unit in current["units"].get(kind.value, []):
            standing = ranks.get(unit["unit_id"])
            _append(
                sheet,
                [unit["unit_id"], unit["unit_name"], standing["rank"] if standing else None]
                + [unit.get(n) for n in SHOWN],
                [None, None, None, *SHOWN],
            )

    categories = workbook.create_sheet("类别")
    _header(categories, ["类别", "类型", "收到反映", "已办结"])
    for c in current["categories"]:
        categories.append([c["name"], c["kind"], c["received"], c["resolved"]])

    trend = workbook.create_sheet("每周趋势")
    _header(trend, ["周", "起始日", "截止日（不含）", "收到反映", "已办结"])
    for t in analysis["trend"]:
        trend.append([t["label"], t["start"], t["end"], t["received"], t["resolved"]])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
