"""How a report looks in the mini program: to its reporter in full, to anyone else as disclosed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.categories.models import KIND_LABELS, Category, Kind
from app.core.settings import Settings
from app.media import service as media_service
from app.reports import repository as reports_repository
from app.reports.models import Report
from app.reports.workflow import ACTION_LABELS, RATINGS, STATUS_LABELS, Action, Status
from app.villagers import seconds
from miniprogram_api.config import MiniProgramSettings
from miniprogram_api.media import media_out
from miniprogram_api.schemas import ReportSummary, ReportView, TimelineOut

_EXTRA_ACTION_LABELS = {"submit": "提交"}


def action_label(action: str) -> str:
    if action in _EXTRA_ACTION_LABELS:
        return _EXTRA_ACTION_LABELS[action]
    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return action


def summary(report: Report, category_name: str, seconds_count: int) -> ReportSummary:
    return ReportSummary(
        id=report.id,
        ledger_no=report.ledger_no,
        kind=report.kind,
        kind_label=KIND_LABELS[Kind(report.kind)],
        category=category_name,
        status=report.status,
        status_label=STATUS_LABELS[Status(report.status)],
        description=report.description,
        submitted_at=report.submitted_at,
        seconds=seconds_count,
    )


async def summaries(session: AsyncSession, rows: Sequence[tuple[Report, str]]) -> list[ReportSummary]:
    counts = await seconds.counts(session, [r.id for r, _ in rows])
    return [summary(r, name, counts.get(r.id, 0)) for r, name in rows]


async def detail(
    session: AsyncSession,
    report: Report,
    *,
    viewer_id: int,
    settings: Settings,
    mp: MiniProgramSettings,
    now: datetime,
) -> ReportView:
    mine = report.reporter_villager_id == viewer_id
    category = await session.get(Category, report.category_id)
    village = await session.get(Area, report.village_id)
    assert category is not None and village is not None
    counts = await seconds.counts(session, [report.id])
    photos = (await media_service.photos_of(session, [report.id])).get(report.id, [])
    if not mine:
        # Disclosed to others: only photos WeChat passed, no position, no address.
        photos = [p for p in photos if p.check_status == "pass"]
    timeline = await reports_repository.timeline_of(session, report.id, reporter_view=True)
    base = summary(report, category.name, counts.get(report.id, 0))
    return ReportView(
        **base.model_dump(),
        mine=mine,
        village=village.name,
        address=report.address if mine else None,
        lat=report.lat if mine else None,
        lng=report.lng if mine else None,
        coord_system=report.coord_system if mine else None,
        anonymous=report.is_anonymous,
        held_for_review=report.held_for_review if mine else False,
        result=report.result_summary,
        rating=report.rating,
        rating_label=RATINGS.get(report.rating) if report.rating else None,
        can_rate=mine and report.kind == "problem" and report.status == Status.resolved.value,
        photos=[media_out(p, secret=settings.secret_key, mp=mp, now=now) for p in photos],
        timeline=[
            TimelineOut(
                at=e.at,
                action=e.action,
                action_label=action_label(e.action),
                status=e.status_after,
                status_label=STATUS_LABELS[Status(e.status_after)],
                message=e.message,
            )
            for e in timeline
        ],
    )
