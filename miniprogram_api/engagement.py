"""Before filing: open reports nearby and seconding one (附议). After resolution: the rating (回访)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.categories.models import Category
from app.core.errors import InvalidInput, NotFound
from app.http.deps import NowDep, SessionDep, SettingsDep
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS, Action, Status
from app.villagers import nearby, seconds
from app.villagers.models import ReportSecond
from app.villagers.visibility import secondable
from miniprogram_api import notify, views
from miniprogram_api.deps import CurrentVillager, MpSettingsDep
from miniprogram_api.schemas import NearbyItem, RatingIn, ReportView, SecondOut

router = APIRouter(prefix="/reports", tags=["mini program: seconding and rating"])


@router.get("/nearby", response_model=list[NearbyItem])
async def nearby_reports(
    me: CurrentVillager,
    session: SessionDep,
    mp: MpSettingsDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    category: Annotated[str, Query(min_length=1, max_length=40)],
    coord_system: Literal["gcj02", "wgs84"] = "gcj02",
) -> list[NearbyItem]:
    category_id = await session.scalar(select(Category.id).where(Category.code == category))
    if category_id is None:
        raise InvalidInput("所选类别不存在", field="category")
    found = await nearby.open_reports_near(
        session,
        lat=lat,
        lng=lng,
        coord_system=coord_system,
        category_id=category_id,
        radius_m=mp.nearby_radius_m,
    )
    ids = [n.report.id for n in found]
    counts = await seconds.counts(session, ids)
    mine = set(
        await session.scalars(
            select(ReportSecond.report_id).where(
                ReportSecond.report_id.in_(ids), ReportSecond.villager_id == me.id
            )
        )
    )
    return [
        NearbyItem(
            id=n.report.id,
            category=n.category_name,
            status_label=STATUS_LABELS[Status(n.report.status)],
            description=n.report.description,
            # Rounded: enough to recognise the spot, not to pinpoint whoever filed it.
            distance_m=int(round(n.distance_m, -1)),
            submitted_at=n.report.submitted_at,
            seconds=counts.get(n.report.id, 0),
            seconded_by_me=n.report.id in mine,
        )
        for n in found
    ]


@router.post("/{report_id}/second", response_model=SecondOut)
async def second_report(report_id: int, me: CurrentVillager, session: SessionDep, now: NowDep) -> SecondOut:
    report = await session.scalar(select(Report).where(Report.id == report_id, secondable()))
    if report is None:
        raise NotFound("工单不存在或已办结", field="report_id")
    added = await seconds.second(session, report=report, villager_id=me.id, now=now)
    await session.commit()
    counts = await seconds.counts(session, [report.id])
    return SecondOut(report_id=report.id, seconds=counts.get(report.id, 0), added=added)


@router.post("/{report_id}/rating", response_model=ReportView)
async def rate_report(
    report_id: int,
    body: RatingIn,
    me: CurrentVillager,
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    now: NowDep,
) -> ReportView:
    report = await session.scalar(
        select(Report).where(Report.id == report_id, Report.reporter_villager_id == me.id).with_for_update()
    )
    if report is None:
        raise NotFound("工单不存在", field="report_id")
    await reports_service.perform_action(
        session,
        report=report,
        action=Action.rate,
        actor=me.actor,
        now=now,
        tz=settings.tz,
        rating=body.rating,
        comment=body.comment,
    )
    await notify.report_rated(session, report=report, now=now)
    await session.commit()
    return await views.detail(session, report, viewer_id=me.id, settings=settings, mp=mp, now=now)
