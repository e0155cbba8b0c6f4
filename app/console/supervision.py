"""Supervision from the console: key supervision orders, look-back re-checks and special ledgers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, func, select

from app.analysis.periods import parse_period
from app.core.errors import InvalidInput, NotFound
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.people.models import Role
from app.people.scope import report_condition
from app.reports import repository
from app.reports.models import Report
from app.supervision import service
from app.supervision.models import (
    LookBack,
    SpecialLedger,
    SpecialLedgerItem,
    SupervisionOrder,
    SupervisionRecord,
)

router = APIRouter(prefix="/api/v1/supervision", tags=["console: supervision"])
R = Role
Supervisors = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin)]
Checkers = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin, R.village_secretary, R.intake_cadre)]


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    method: str
    by_staff_id: int | None
    at: datetime
    findings: str


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    report_id: int
    source: str
    status: str
    reason: str
    opened_by_id: int | None
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    result: str | None
    records: list[RecordOut] = []


async def _order_out(session: SessionDep, order: SupervisionOrder) -> OrderOut:
    records = (
        await session.scalars(
            select(SupervisionRecord)
            .where(SupervisionRecord.order_id == order.id)
            .order_by(SupervisionRecord.id)
        )
    ).all()
    out = OrderOut.model_validate(order)
    out.records = [RecordOut.model_validate(r) for r in records]
    return out


class OrderIn(BaseModel):
    report_id: int
    reason: str = Field(min_length=1, max_length=500)
    due_at: AwareDatetime


@router.get("/orders", response_model=list[OrderOut])
async def list_orders(
    staff: Supervisors,
    session: SessionDep,
    status: Literal["open", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[OrderOut]:
    stmt = (
        select(SupervisionOrder)
        .join(Report, Report.id == SupervisionOrder.report_id)
        .where(report_condition(staff.scope))
    )
    if status:
        stmt = stmt.where(SupervisionOrder.status == status)
    orders = (await session.scalars(stmt.order_by(SupervisionOrder.id.desc()).limit(limit))).all()
    return [await _order_out(session, o) for o in orders]


class SupervisionCounts(BaseModel):
    period: str | None  # the period asked for, or None for all time
    orders: int  # key supervision orders opened (重点督办)
    closed: int  # of those, closed
    open: int
    by_method: dict[str, int]  # acts of supervision in the period: system, phone, on_site


@router.get("/counts", response_model=SupervisionCounts)
async def supervision_counts(
    staff: Supervisors,
    session: SessionDep,
    settings: SettingsDep,
    period: Annotated[
        str | None, Query(min_length=6, max_length=10, description="2026-W48, 2026-11, 2026-Q4")
    ] = None,
) -> SupervisionCounts:
    """The supervision figures of the staff's area: orders opened in the period (and how many of them
    are closed now), and the acts of supervision recorded in it, by method."""
    in_scope = select(Report.id).where(report_condition(staff.scope))
    in_area = SupervisionOrder.report_id.in_(in_scope)
    # Acts count by when they were done, on any order of the area (one opened before the period too).
    opened: list[ColumnElement[bool]] = [in_area]
    acts: list[ColumnElement[bool]] = [
        SupervisionRecord.order_id.in_(select(SupervisionOrder.id).where(in_area))
    ]
    if period is not None:
        try:
            bounds = parse_period(period)
        except ValueError as exc:
            raise InvalidInput(f"period：{exc}", field="period") from None
        start, end = bounds.start_at(settings.tz), bounds.end_at(settings.tz)
        opened += [SupervisionOrder.opened_at >= start, SupervisionOrder.opened_at < end]
        acts += [SupervisionRecord.at >= start, SupervisionRecord.at < end]
    row = (
        await session.execute(
            select(
                func.count(SupervisionOrder.id),
                func.count(SupervisionOrder.id).filter(SupervisionOrder.status == "closed"),
            ).where(*opened)
        )
    ).one()
    methods = dict.fromkeys(("system", "phone", "on_site"), 0)
    by_method = select(SupervisionRecord.method, func.count()).where(*acts).group_by(SupervisionRecord.method)
    methods.update({method: int(n) for method, n in (await session.execute(by_method)).all()})
    orders, closed = int(row[0]), int(row[1])
    return SupervisionCounts(
        period=period, orders=orders, closed=closed, open=orders - closed, by_method=methods
    )


@router.post("/orders", response_model=OrderOut, status_code=201)
async def open_order(body: OrderIn, staff: Supervisors, session: SessionDep, now: NowDep) -> OrderOut:
    report = await repository.get_scoped(
        session, scope=report_condition(staff.scope), report_id=body.report_id
    )
    if report is None:
        raise NotFound("工单不存在", field="report_id")
    order = await service.open_order(
        session, report=report, reason=body.reason, due_at=body.due_at, actor=staff.actor, now=now
    )
    await session.commit()
    return await _order_out(session, order)


class RecordIn(BaseModel):
    method: Literal["system", "phone", "on_site"]
    findings: str = Field(min_length=1, max_length=2000)


@router.post("/orders/{order_id}/records", response_model=OrderOut, status_code=201)
async def add_record(
    order_id: int, body: RecordIn, staff: Supervisors, session: SessionDep, now: NowDep
) -> OrderOut:
    order = await service.get_order(session, order_id, report_condition(staff.scope))
    await service.add_record(
        session, order=order, method=body.method, findings=body.findings, actor=staff.actor, now=now
    )
    await session.commit()
    return await _order_out(session, order)


class CloseIn(BaseModel):
    result: str = Field(min_length=1, max_length=2000)


@router.post("/orders/{order_id}/close", response_model=OrderOut)
async def close_order(
    order_id: int, body: CloseIn, staff: Supervisors, session: SessionDep, now: NowDep
) -> OrderOut:
    order = await service.get_order(session, order_id, report_condition(staff.scope))
    await service.close_order(session, order=order, result=body.result, actor=staff.actor, now=now)
    await session.commit()
    return await _order_out(session, order)


class LookBackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    report_id: int
    due_at: datetime
    done_at: datetime | None
    outcome: str | None
    notes: str | None


class LookBackIn(BaseModel):
    report_id: int
    due_at: AwareDatetime


@router.post("/look-backs", response_model=LookBackOut, status_code=201)
async def schedule_look_back(
    body: LookBackIn, staff: Supervisors, session: SessionDep, now: NowDep
) -> LookBackOut:
    report = await repository.get_scoped(
        session, scope=report_condition(staff.scope), report_id=body.report_id
    )
    if report is None:
        raise NotFound("工单不存在", field="report_id")
    look = await service.schedule_look_back(
        session, report=report, due_at=body.due_at, actor=staff.actor, now=now
    )
    await session.commit()
    return LookBackOut.model_validate(look)


@router.get("/look-backs", response_model=list[LookBackOut])
async def list_look_backs(
    staff: Checkers, session: SessionDep, now: NowDep, due: bool | None = None, done: bool | None = None
) -> list[LookBackOut]:
    stmt = select(LookBack).join(Report, Report.id == LookBack.report_id).where(report_condition(staff.scope))
    if due:
        stmt = stmt.where(LookBack.due_at <= now)
    if done is not None:
        stmt = stmt.where(LookBack.done_at.is_not(None) if done else LookBack.done_at.is_(None))
    return [
        LookBackOut.model_validate(x) for x in (await session.scalars(stmt.order_by(LookBack.due_at))).all()
    ]


class LookBackDoneIn(BaseModel):
    outcome: Literal["holds", "recurred"]
    notes: str | None = Field(default=None, max_length=2000)


@router.post("/look-backs/{look_back_id}/complete", response_model=LookBackOut)
async def complete_look_back(
    look_back_id: int,
    body: LookBackDoneIn,
    staff: Checkers,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> LookBackOut:
    look = await session.scalar(
        select(LookBack)
        .join(Report, Report.id == LookBack.report_id)
        .where(LookBack.id == look_back_id, report_condition(staff.scope))
    )
    if look is None:
        raise NotFound("回头看记录不存在", field="look_back_id")
    await service.complete_look_back(
        session, look=look, outcome=body.outcome, notes=body.notes, actor=staff.actor, now=now, tz=settings.tz
    )
    await session.commit()
    return LookBackOut.model_validate(look)


class LedgerIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    report_ids: list[int] = Field(min_length=1, max_length=1000)


class LedgerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    description: str | None
    area_id: int
    pushed_at: datetime | None
    report_ids: list[int] = []


async def _ledger_out(session: SessionDep, ledger: SpecialLedger) -> LedgerOut:
    out = LedgerOut.model_validate(ledger)
    out.report_ids = list(
        (
            await session.scalars(
                select(SpecialLedgerItem.report_id)
                .where(SpecialLedgerItem.ledger_id == ledger.id)
                .order_by(SpecialLedgerItem.report_id)
            )
        ).all()
    )
    return out


@router.post("/ledgers", response_model=LedgerOut, status_code=201)
async def create_ledger(body: LedgerIn, staff: Supervisors, session: SessionDep, now: NowDep) -> LedgerOut:
    ledger = await service.create_ledger(
        session,
        title=body.title,
        description=body.description,
        report_ids=body.report_ids,
        area_id=staff.scope.area_id,
        scope=report_condition(staff.scope),
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return await _ledger_out(session, ledger)


async def _scoped_ledger(session: SessionDep, staff: CurrentStaffContext, ledger_id: int) -> SpecialLedger:
    from app.areas.models import Area

    ledger = await session.get(SpecialLedger, ledger_id)
    area = await session.get(Area, ledger.area_id) if ledger else None
    mine = await session.get(Area, staff.scope.area_id)
    # A ledger belongs to the area it was made in; those above that area see it too.
    if ledger is None or area is None or mine is None or not area.path.startswith(mine.path):
        raise NotFound("专项台账不存在", field="ledger_id")
    return ledger


@router.get("/ledgers/{ledger_id}", response_model=LedgerOut)
async def get_ledger(ledger_id: int, staff: Supervisors, session: SessionDep) -> LedgerOut:
    return await _ledger_out(session, await _scoped_ledger(session, staff, ledger_id))


@router.post("/ledgers/{ledger_id}/push", response_model=LedgerOut)
async def push_ledger(ledger_id: int, staff: Supervisors, session: SessionDep, now: NowDep) -> LedgerOut:
    ledger = await _scoped_ledger(session, staff, ledger_id)
    await service.push_ledger(session, ledger=ledger, actor=staff.actor, now=now)
    await session.commit()
    return await _ledger_out(session, ledger)
