"""The area tree and the report form's lists. Public, cacheable: they change a few times a year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, selectinload

from app.areas.models import LEVEL_LABELS, Area, AreaLevel
from app.categories.models import KIND_LABELS, Category, Kind, Topic
from app.core.errors import NotFound
from app.http.deps import SessionDep
from miniprogram_api.schemas import AreaOut, CategoriesOut, CategoryOut, KindOut, TopicOut

router = APIRouter(tags=["mini program: reference"])
_CACHE = "public, max-age=3600"


def time_limit_text(kind: str, respond_minutes: int, handle_hours: int) -> str:
    if kind != "problem":  # praise and alerts are acknowledged, not handled
        return f"{respond_minutes}分钟内响应"
    return f"{respond_minutes}分钟内响应，{handle_hours}小时内办结反馈"


@router.get("/areas", response_model=list[AreaOut])
async def list_areas(
    session: SessionDep, response: Response, parent_id: Annotated[int | None, Query(ge=1)] = None
) -> list[AreaOut]:
    """One level at a time (towns, then a town's villages, then a village's grids): small answers."""
    if parent_id is None:
        county = await session.scalar(select(Area.id).where(Area.level == "county").order_by(Area.id))
        if county is None:
            return []
        parent_id = county
    elif await session.get(Area, parent_id) is None:
        raise NotFound("区域不存在", field="parent_id")
    child = aliased(Area)
    rows = await session.execute(
        select(Area, exists().where(child.parent_id == Area.id))
        .where(Area.parent_id == parent_id)
        .order_by(Area.code)
    )
    response.headers["Cache-Control"] = _CACHE
    return [
        AreaOut(
            id=a.id,
            name=a.name,
            level=a.level,
            level_label=LEVEL_LABELS[AreaLevel(a.level)],
            has_children=bool(has_children),
        )
        for a, has_children in rows.all()
    ]


@router.get("/categories", response_model=CategoriesOut)
async def list_categories(session: SessionDep, response: Response) -> CategoriesOut:
    categories = (
        await session.scalars(
            select(Category)
            .options(selectinload(Category.sla_policy))
            .where(Category.is_active.is_(True))
            .order_by(Category.sort_order, Category.id)
        )
    ).all()
    topics = (await session.scalars(select(Topic).order_by(Topic.sort_order))).all()
    response.headers["Cache-Control"] = _CACHE
    return CategoriesOut(
        kinds=[
            KindOut(
                code=kind.value,
                name=KIND_LABELS[kind],
                categories=[
                    CategoryOut(
                        id=c.id,
                        code=c.code,
                        name=c.name,
                        respond_minutes=c.sla_policy.respond_minutes,
                        handle_hours=c.sla_policy.handle_hours,
                        time_limit=time_limit_text(
                            c.kind, c.sla_policy.respond_minutes, c.sla_policy.handle_hours
                        ),
                    )
                    for c in categories
                    if c.kind == kind.value
                ],
            )
            for kind in Kind
        ],
        topics=[TopicOut(code=t.code, name=t.name) for t in topics],
    )
