"""The wording of a reminder letter drafted from its reasons. Pure; the supervisor edits it while draft."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_NUMERALS = "一二三四五六七八九十"
REASON_LABELS = {
    "bottom_rank": "排名靠后",
    "on_time_rate": "按时办结率低于要求",
    "key_supervision_overdue": "重点督办事项逾期未办结",
    "manual": "其他问题",
}


def letter_title(unit_name: str, period_label: str) -> str:
    return f"关于{unit_name}{period_label}“随手拍，随手报”工作情况的提醒函"


def letter_body(
    *, unit_name: str, period_label: str, issuer: str, reasons: Sequence[Mapping[str, Any]]
) -> str:
    """Paragraphs separated by newlines: the finding, one numbered paragraph per reason, the request."""
    lines = [
        f"经{issuer}对{period_label}“随手拍，随手报”平台工单办理情况进行分析研判，{unit_name}存在以下问题："
    ]
    for i, reason in enumerate(reasons):
        numeral = _NUMERALS[i] if i < len(_NUMERALS) else str(i + 1)
        lines.append(f"{numeral}、{reason['text']}")
    lines.append(
        "请你单位高度重视，认真分析原因，明确责任人员，切实抓好整改，"
        "并于收到本函之日起5个工作日内将整改情况书面反馈。"
    )
    lines.append("特此提醒。")
    return "\n".join(lines)
