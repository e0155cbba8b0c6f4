"""How the console shows a report: list items and the detail with timeline and photos."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.models import Category
from app.reports import repository
from app.reports.models import Report
from app.reports.repository import is_overdue
from app.reports.schemas import CategoryRef, MediaItem, ReportDetail, ReportListItem, TimelineItem
from app.reports.workflow import STATUS_LABELS, Status

_DERIVED = frozenset({"category", "status_label", "overdue", "timeline", "media"})


def _columns(report: Report, fields: Iterable[str]) -> dict[str, object]:
    return {k: getattr(report, k) for k in fields if k not in _DERIVED}


def list_item(report: Report, category: Category, now: datetime) -> dict[str, object]:
    return {
        **_columns(report, ReportListItem.model_fields),
        "status_label": STATUS_LABELS[Status(report.status)],
        "category": CategoryRef(id=category.id, code=category.code, name=category.name, kind=category.kind),
        "overdue": is_overdue(report, now),
    }


async def detail_of(session: AsyncSession, report: Report, now: datetime) -> ReportDetail:
    category = await session.get(Category, report.category_id)
    assert category is not None
    timeline = await repository.timeline_of(session, report.id)
    media = await repository.media_of(session, report.id)
    return ReportDetail.model_validate(
        {
            **_columns(report, ReportDetail.model_fields),
            **list_item(report, category, now),
            "timeline": [TimelineItem.model_validate(e, from_attributes=True) for e in timeline],
            "media": [
                MediaItem(
                    id=m.id,
                    purpose=rm.purpose,
                    mime_type=m.mime_type,
                    size_bytes=m.size_bytes,
                    sha256=m.sha256,
                    check_status=m.check_status,
                    hidden=m.hidden,
                )
                for rm, m in media
            ],
        }
    )
