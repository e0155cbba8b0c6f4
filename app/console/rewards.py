"""Rewards, redemptions and the quarterly payout in the console: the catalog of a village or town, orders
and fulfilling by pickup code, the 季兑现 XLSX. Scoped by area; every write audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select

from app.areas.models import Area
from app.audit import service as audit
from app.core.errors import InvalidInput, NotFound
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.http.pagination import decode_cursor, encode_cursor
from app.people.models import Role
from app.points import payout, redemptions, rewards
from app.points import scope as points_scope
from app.points.models import Redemption
from app.points.quarters import Quarter
from app.points.schemas import RedemptionOut, RedemptionPage, RewardOut

router = APIRouter(prefix="/api/v1/points", tags=["console: rewards and payout"])
R = Role
VIEWERS = (R.admin, R.supervisor, R.village_secretary, R.intake_cadre)
MANAGERS = (R.admin, R.supervisor, R.village_secretary)
FULFILLERS = (R.intake_cadre, R.village_secretary)
PAYOUT_READERS = (R.admin, R.supervisor, R.village_secretary)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class RewardIn(BaseModel):
    area_id: int = Field(ge=1, description="a village or a town inside your area")
    name: Name
    description: Text | None = None
    value_fen: int = Field(ge=0, le=100_000_000, description="the goods' value in fen (1 yuan = 100)")
    points_price: int = Field(ge=1, le=1_000_000)
    stock: int = Field(ge=0, le=1_000_000)


class RewardPatch(BaseModel):
    name: Name | None = None
    description: Text | None = None
    value_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    points_price: int | None = Field(default=None, ge=1, le=1_000_000)
    is_active: bool | None = None
    stock_delta: int = Field(default=0, ge=-1_000_000, le=1_000_000, description="stock moves by this much")


class RewardRow(RewardOut):
    area_name: str


async def _area_in_scope(session: SessionDep, staff: CurrentStaffContext, area_id: int) -> Area:
    area = await session.get(Area, area_id)
    if area is None or not points_scope.covers(staff.account.area, area.path):
        raise NotFound("区域不存在", field="area_id")
    return area


@router.get("/rewards", response_model=list[RewardRow])
async def list_rewards(
    staff: Annotated[CurrentStaffContext, allow(*VIEWERS)], session: SessionDep
) -> list[RewardRow]:
    rows = await rewards.list_rewards(session, areas=points_scope.areas_under(staff.account.area))
    return [RewardRow(**RewardOut.of(r).model_dump(), area_name=name) for r, name in rows]


@router.post("/rewards", response_model=RewardOut, status_code=201)
async def create_reward(
    body: RewardIn,
    staff: Annotated[CurrentStaffContext, allow(*MANAGERS)],
    session: SessionDep,
    now: NowDep,
) -> RewardOut:
    area = await _area_in_scope(session, staff, body.area_id)
    reward = await rewards.create_reward(
        session,
        area=area,
        data=rewards.NewReward(
            name=body.name,
            description=body.description,
            value_fen=body.value_fen,
            points_price=body.points_price,
            stock=body.stock,
        ),
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return RewardOut.of(reward)


@router.patch("/rewards/{reward_id}", response_model=RewardOut)
async def update_reward(
    reward_id: int,
    body: RewardPatch,
    staff: Annotated[CurrentStaffContext, allow(*MANAGERS)],
    session: SessionDep,
    now: NowDep,
) -> RewardOut:
    reward = await rewards.get_reward(session, reward_id)
    try:
        await _area_in_scope(session, staff, reward.area_id)
    except NotFound as exc:
        raise NotFound("物资不存在", field="reward_id") from exc
    changes = body.model_dump(exclude_unset=True, exclude={"stock_delta"})
    for name in ("name", "value_fen", "points_price", "is_active"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"{name} 不能为空", field=name)
    updated = await rewards.update_reward(
        session, reward=reward, changes=changes, stock_delta=body.stock_delta, actor=staff.actor, now=now
    )
    await session.commit()
    return RewardOut.of(updated)


@router.get("/redemptions", response_model=RedemptionPage)
async def list_redemptions(
    staff: Annotated[CurrentStaffContext, allow(*VIEWERS)],
    session: SessionDep,
    status: Literal["placed", "fulfilled", "cancelled"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> RedemptionPage:
    stmt = (
        select(Redemption)
        .join(Area, Area.id == Redemption.village_id)
        .where(points_scope.areas_under(staff.account.area))
    )
    if status is not None:
        stmt = stmt.where(Redemption.status == status)
    if (before := decode_cursor(cursor)) is not None:
        stmt = stmt.where(Redemption.id < before)
    rows = (await session.scalars(stmt.order_by(Redemption.id.desc()).limit(limit + 1))).all()
    items = [RedemptionOut.of(r) for r in rows[:limit]]
    return RedemptionPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


class FulfilIn(BaseModel):
    pickup_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]


@router.post("/redemptions/fulfil", response_model=RedemptionOut)
async def fulfil(
    body: FulfilIn,
    staff: Annotated[CurrentStaffContext, allow(*FULFILLERS)],
    session: SessionDep,
    now: NowDep,
) -> RedemptionOut:
    """The village cadre hands the goods over against the villager's pickup code."""
    village_id = staff.scope.village_id
    if village_id is None:
        raise NotFound("领取码无效，或该兑换已领取、已取消", field="pickup_code")
    done = await redemptions.fulfil(
        session, village_id=village_id, pickup_code=body.pickup_code, actor=staff.actor, now=now
    )
    await session.commit()
    return RedemptionOut.of(done)


QuarterPath = Annotated[str, Path(pattern=r"^\d{4}-Q[1-4]$", description="e.g. 2026-Q4 (Asia/Shanghai)")]


@router.get(
    "/payouts/{quarter}.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "the quarter's payout (季兑现) as XLSX"}},
)
async def payout_xlsx(
    quarter: QuarterPath,
    staff: Annotated[CurrentStaffContext, allow(*PAYOUT_READERS)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> StreamingResponse:
    q = Quarter.parse(quarter)
    out = await payout.write_xlsx(session, quarter=q, tz=settings.tz, within=staff.account.area)
    audit.record(
        session,
        actor=staff.actor,
        action="points.payout.export",
        target_type="payout",
        target_id=str(q),
        at=now,
        details={"area_id": staff.account.area_id},
    )
    await session.commit()

    def chunks() -> Iterator[bytes]:
        try:
            while block := out.read(64 * 1024):
                yield block
        finally:
            out.close()

    filename = f"季兑现_{q}.xlsx"
    return StreamingResponse(
        chunks(),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
