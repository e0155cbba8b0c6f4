"""A period report (周统计 / 月度分析排名 / 季度通报) as DOCX: summary, county table, charts, rankings.

Built from the stored Analysis JSON (already narrowed to what the reader may see), never from live
data, so the document says exactly what the stored version says. Synchronous (python-docx and
matplotlib): run it in a thread from async code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.analysis.indicators import UNIT_LABELS, UnitKind
from app.documents import charts, docx_layout
from app.documents.indicator_labels import SHOWN, label, shown, shown_change

RANKING_TABLE_HEADERS = ("排名", "单位", "按时办结率", "回访满意度", "应办结", "按时办结")
MAX_CHART_UNITS = 20
_SECTION_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class PeriodDoc:
    title: str
    version: int
    issuer: str
    issued_on: date
    period_label: str
    analysis: dict[str, Any]


def county_rows(current: dict[str, Any], previous: dict[str, Any] | None) -> list[list[str]]:
    rows = []
    for name in SHOWN:
        now, before = current.get(name), (previous or {}).get(name)
        change = None if now is None or before is None else now - before
        rows.append([label(name), shown(name, now), shown(name, before), shown_change(name, change)])
    return rows


def ranking_rows(ranking: Sequence[dict[str, Any]], units: Sequence[dict[str, Any]]) -> list[list[str]]:
    by_id = {u["unit_id"]: u for u in units}
    rows = []
    for r in ranking:
        unit = by_id.get(r["unit_id"], {})
        rows.append(
            [
                f"{r['rank']}{'（并列）' if r['tied'] else ''}",
                r["unit_name"],
                shown("on_time_rate", r["on_time_rate"]),
                shown("satisfaction_rate", r["satisfaction_rate"]),
                shown("due", unit.get("due", 0)),
                shown("resolved_on_time", unit.get("resolved_on_time", 0)),
            ]
        )
    return rows


def summary_sentence(period_label: str, county: dict[str, Any]) -> str:
    return (
        f"{period_label}，全县“随手拍，随手报”平台共收到群众反映{county['received']}件，"
        f"受理{county['accepted']}件，不予受理{county['rejected']}件；应办结{county['due']}件，"
        f"按时办结{county['resolved_on_time']}件，按时办结率{shown('on_time_rate', county['on_time_rate'])}；"
        f"按时响应率{shown('responded_in_time_rate', county['responded_in_time_rate'])}，"
        f"回访满意度{shown('satisfaction_rate', county['satisfaction_rate'])}，"
        f"超时未办结{county['overdue_open']}件。"
    )


def trend_png(doc: PeriodDoc) -> bytes:
    trend = doc.analysis["trend"]
    return charts.trend_chart(
        f"{doc.period_label}每周受理与办结",
        [t["label"] for t in trend],
        {"收到反映": [t["received"] for t in trend], "已办结": [t["resolved"] for t in trend]},
    )


def category_png(doc: PeriodDoc) -> bytes:
    found = sorted(
        (c for c in doc.analysis["current"]["categories"] if c["received"]),
        key=lambda c: -c["received"],
    )[:12]
    return charts.category_chart(
        f"{doc.period_label}各类别反映件数", [c["name"] for c in found], [c["received"] for c in found]
    )


def ranking_png(doc: PeriodDoc, kind: UnitKind) -> bytes:
    ranking = doc.analysis["current"]["rankings"].get(kind.value, [])
    title = f"{UNIT_LABELS[kind]}按时办结率排名"
    if len(ranking) > MAX_CHART_UNITS:
        ranking = ranking[-MAX_CHART_UNITS:]
        title += f"（后{MAX_CHART_UNITS}名）"
    return charts.ranking_chart(
        title, [r["unit_name"] for r in ranking], [r["on_time_rate"] for r in ranking]
    )


def build(doc: PeriodDoc) -> bytes:
    current, previous = doc.analysis["current"], doc.analysis["previous"]
    document = docx_layout.new_document()
    docx_layout.title(document, doc.title)
    docx_layout.doc_number(document, f"（第{doc.version}版）")
    sections = iter(_SECTION_NUMERALS)

    docx_layout.heading(document, f"{next(sections)}、总体情况")
    docx_layout.body(document, summary_sentence(doc.period_label, current["county"]))
    docx_layout.table(
        document, ("指标", "本期", "上期", "变化"), county_rows(current["county"], previous.get("county"))
    )

    docx_layout.heading(document, f"{next(sections)}、每周趋势")
    docx_layout.picture(document, trend_png(doc))

    docx_layout.heading(document, f"{next(sections)}、类别分布")
    docx_layout.picture(document, category_png(doc))

    for kind in (UnitKind.town, UnitKind.village, UnitKind.department):
        ranking = current["rankings"].get(kind.value, [])
        if not ranking:
            continue
        docx_layout.heading(document, f"{next(sections)}、{UNIT_LABELS[kind]}排名")
        docx_layout.picture(document, ranking_png(doc, kind))
        docx_layout.table(
            document, RANKING_TABLE_HEADERS, ranking_rows(ranking, current["units"].get(kind.value, []))
        )

    docx_layout.signature(document, doc.issuer, doc.issued_on)
    return docx_layout.to_bytes(document)
