"""The moral bank in the mini program: one's balance and history, the catalog of one's village and town,
redeeming (idempotent under retries, like filing a report), one's orders and cancelling an open one.
A villager sees only their own account and orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.areas.models import Area
from app.http.deps import NowDep, SessionDep
from app.idempotency import service as idempotency
from app.idempotency.models import IdempotencyRecord
from app.points import history, ledger, redemptions, rewards
from app.points.ledger import Holder
from app.points.schemas import LedgerPage, RedemptionOut, RedemptionPage, RedemptionPlaced, RewardOut
from miniprogram_api.deps import CurrentVillager

router = APIRouter(tags=["mini program: moral bank"])
OPERATION = "points.redeem"
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
Limit = Annotated[int, Query(ge=1, le=50)]
Cursor = Annotated[str | None, Query(max_length=200)]


class RedeemIn(BaseModel):
    reward_id: int = Field(ge=1)


@router.get("/points", response_model=LedgerPage)
async def my_points(
    me: CurrentVillager, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> LedgerPage:
    return await history.ledger_page(session, Holder(villager_id=me.id), limit=limit, cursor=cursor)


@router.get("/rewards", response_model=list[RewardOut])
async def catalog(me: CurrentVillager, session: SessionDep) -> list[RewardOut]:
    if me.villager.home_village_id is None:
        return []
    village = await session.get(Area, me.villager.home_village_id)
    assert village is not None
    return [RewardOut.of(r) for r in await rewards.catalog_for(session, village=village)]


def _replay(record: IdempotencyRecord) -> JSONResponse:
    assert record.status_code is not None and record.response is not None
    return JSONResponse(record.response, record.status_code, headers={"Idempotent-Replayed": "true"})


@router.post("/redemptions", response_model=RedemptionPlaced, status_code=status.HTTP_201_CREATED)
async def redeem(
    body: RedeemIn, idempotency_key: IdempotencyKey, me: CurrentVillager, session: SessionDep, now: NowDep
) -> JSONResponse:
    digest = idempotency.request_hash(body.model_dump(mode="json"))
    lookup: dict[str, Any] = {"villager_id": me.id, "operation": OPERATION, "key": idempotency_key}
    if (done := await idempotency.find(session, digest=digest, **lookup)) is not None:
        return _replay(done)
    record = await idempotency.claim(session, digest=digest, now=now, **lookup)
    if record is None:
        # A concurrent retry of this very request finished first: answer as it did.
        done = await idempotency.find(session, digest=digest, **lookup)
        assert done is not None
        return _replay(done)
    placed = await redemptions.redeem(session, villager=me.villager, reward_id=body.reward_id, now=now)
    account = await ledger.find_account(session, Holder(villager_id=me.id))
    assert account is not None
    payload = RedemptionPlaced(**RedemptionOut.of(placed).model_dump(), balance=account.balance).model_dump(
        mode="json"
    )
    await idempotency.complete(session, record=record, status_code=status.HTTP_201_CREATED, response=payload)
    await session.commit()
    return JSONResponse(payload, status.HTTP_201_CREATED)


@router.get("/redemptions", response_model=RedemptionPage)
async def my_redemptions(
    me: CurrentVillager, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> RedemptionPage:
    return await history.redemption_page(session, villager_id=me.id, limit=limit, cursor=cursor)


@router.post("/redemptions/{redemption_id}/cancel", response_model=RedemptionOut)
async def cancel(redemption_id: int, me: CurrentVillager, session: SessionDep, now: NowDep) -> RedemptionOut:
    cancelled = await redemptions.cancel(
        session, redemption_id=redemption_id, villager_id=me.id, actor=me.actor, now=now
    )
    await session.commit()
    return RedemptionOut.of(cancelled)
