"""Public disclosure (公开): resolved problems and published praise of a village or town.

Nothing that identifies a reporter leaves here: no name, phone, openid, position or address, and only
photos WeChat's check passed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.areas.models import Area
from app.categories.models import KIND_LABELS, Category, Kind
from app.core.errors import InvalidInput
from app.http.deps import NowDep, SessionDep, SettingsDep
from app.http.pagination import decode_cursor, encode_cursor
from app.media import service as media_service
from app.people.scope import area_condition
from app.reports.models import Report
from app.villagers.visibility import disclosed
from miniprogram_api.deps import MpSettingsDep
from miniprogram_api.media import signed_url
from miniprogram_api.schemas import FeedItem, FeedPage

router = APIRouter(prefix="/feed", tags=["mini program: disclosure"])


@router.get("", response_model=FeedPage)
async def feed(
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    now: NowDep,
    response: Response,
    area_id: Annotated[int, Query(ge=1, description="a village or a town")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> FeedPage:
    area = await session.get(Area, area_id)
    if area is None or area.level not in ("town", "village"):
        raise InvalidInput("请选择镇(街道)或村(社区)", field="area_id")
    village, town = aliased(Area), aliased(Area)
    stmt = (
        select(Report, Category.name, village.name, town.name)
        .join(Category, Category.id == Report.category_id)
        .join(village, village.id == Report.village_id)
        .join(town, town.id == Report.town_id)
        .where(disclosed(), area_condition(area.level, area.id))
    )
    if (before := decode_cursor(cursor)) is not None:
        stmt = stmt.where(Report.id < before)
    rows = (await session.execute(stmt.order_by(Report.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    photos = await media_service.photos_of(session, [r.id for r, *_ in page])
    items = [
        FeedItem(
            id=r.id,
            kind=r.kind,
            kind_label=KIND_LABELS[Kind(r.kind)],
            category=category,
            description=r.description,
            result=r.result_summary,
            town=town_name,
            village=village_name,
            day=(r.resolved_at or r.closed_at or r.submitted_at).astimezone(settings.tz).date(),
            photos=[
                signed_url(p.id, secret=settings.secret_key, mp=mp, now=now)
                for p in photos.get(r.id, [])
                if p.check_status == "pass"
            ],
        )
        for r, category, village_name, town_name in page
    ]
    response.headers["Cache-Control"] = "public, max-age=60"
    return FeedPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)
