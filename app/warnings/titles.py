"""The one-line Chinese summary a warning and its bulletin carry. Pure."""

from __future__ import annotations

from typing import Any

from app.warnings.models import Basis


def title(
    *, basis: Basis, area: str, category: str, count: int, reporters: int, details: dict[str, Any]
) -> str:
    if basis is Basis.reporter:
        return f"{area}{category}反复投诉：同一反映人{count}次"
    if basis is Basis.place:
        return f"{area}{category}反复投诉：同一地点{count}次"
    if basis is Basis.issue:
        return f"{area}{category}集中反映：{reporters}人反映{count}件"
    # The latest scan's week (a grown rising warning also lists the earlier weeks' reports).
    week = int(details.get("count", count))
    average = float(details.get("average", 0.0))
    weeks = int(details.get("weeks", 0))
    return f"{area}{category}类别激增：近7天{week}件，前{weeks}周平均每周{average:.1f}件"
