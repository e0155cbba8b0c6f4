"""A health report (体检报告) as DOCX: standing, indicators against the previous period, a chart of the
main rates, and the open overdue items. Built from the stored row only; synchronous."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.analysis.indicators import UNIT_LABELS, UnitKind
from app.documents import charts, docx_layout
from app.documents.indicator_labels import SHOWN, label, shown, shown_change

CHART_RATES = ("responded_in_time_rate", "on_time_rate", "satisfaction_rate", "key_supervision_rate")
STATUS_TEXT = {"submitted": "已上报", "accepted": "已受理", "assigned": "已交办", "in_progress": "办理中"}
PEER_TEXT = {
    UnitKind.town: "全县各镇(街道)",
    UnitKind.village: "全县各村(社区)",
    UnitKind.department: "全县各职能部门",
    UnitKind.handler: "本村(社区)办理人员",
}


@dataclass(frozen=True, slots=True)
class HealthDoc:
    unit_kind: UnitKind
    unit_name: str
    period_label: str
    version: int
    indicators: dict[str, Any]
    previous: dict[str, Any] | None
    changes: dict[str, Any]
    rank: int | None
    peers: int
    overdue: list[dict[str, Any]]
    issuer: str
    issued_on: date


def title_of(doc: HealthDoc) -> str:
    return f"{doc.unit_name}{doc.period_label}体检报告"


def standing_sentence(doc: HealthDoc) -> str:
    unit = UNIT_LABELS[doc.unit_kind]
    if doc.rank is None:
        return f"本期该{unit}无可排名的办结数据。"
    text = f"本期在{PEER_TEXT[doc.unit_kind]}（共{doc.peers}个）中按时办结率排名第{doc.rank}位"
    before = doc.changes.get("previous_rank")
    if before is not None:
        text += f"，上期第{before}位"
    return text + "。"


def indicator_rows(doc: HealthDoc) -> list[list[str]]:
    rows = []
    for name in SHOWN:
        before = (doc.previous or {}).get(name)
        change = doc.changes.get(name)
        if change is None and doc.indicators.get(name) is not None and before is not None:
            change = doc.indicators[name] - before
        rows.append(
            [
                label(name),
                shown(name, doc.indicators.get(name)),
                shown(name, before),
                shown_change(name, change),
            ]
        )
    return rows


def rates_png(doc: HealthDoc) -> bytes:
    return charts.ranking_chart(
        f"{doc.unit_name}主要指标",
        [label(n) for n in CHART_RATES],
        [doc.indicators.get(n) for n in CHART_RATES],
    )


def build(doc: HealthDoc) -> bytes:
    document = docx_layout.new_document()
    docx_layout.title(document, title_of(doc))
    docx_layout.doc_number(document, f"（第{doc.version}版）")
    docx_layout.heading(document, "一、总体评价")
    docx_layout.body(document, standing_sentence(doc))
    docx_layout.heading(document, "二、主要指标")
    docx_layout.table(document, ("指标", "本期", "上期", "变化"), indicator_rows(doc))
    docx_layout.picture(document, rates_png(doc))
    docx_layout.heading(document, "三、超时未办结事项")
    if doc.overdue:
        docx_layout.body(document, f"截至本报告生成时，共有{len(doc.overdue)}件事项超时未办结，请抓紧办理。")
        docx_layout.table(
            document,
            ("序号", "台账编号", "状态", "办理时限"),
            [
                [
                    i + 1,
                    item["ledger_no"] or f"工单{item['report_id']}",
                    STATUS_TEXT.get(item["status"], item["status"]),
                    (item["due_at"] or "")[:16].replace("T", " "),
                ]
                for i, item in enumerate(doc.overdue)
            ],
        )
    else:
        docx_layout.body(document, "截至本报告生成时，无超时未办结事项。")
    docx_layout.signature(document, doc.issuer, doc.issued_on)
    return docx_layout.to_bytes(document)
