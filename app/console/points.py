"""The moral bank in the console: rule versions, a person's ledger, manual adjustments, reversals and the
reconciliation report. Every write is audited; people outside the staff member's area look absent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from app.core.errors import InvalidInput, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, allow
from app.people.models import Role
from app.points import adjustments, history, ledger, reconciliation, rules
from app.points import scope as points_scope
from app.points.ledger import Holder
from app.points.models import PointsAccount, RuleVersion
from app.points.schemas import EntryOut, LedgerPage

router = APIRouter(prefix="/api/v1/points", tags=["console: moral bank"])
R = Role
LEDGER_VIEWERS = (R.admin, R.supervisor, R.village_secretary, R.intake_cadre)
CORRECTORS = (R.admin, R.village_secretary)
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RuleVersionOut(BaseModel):
    id: int
    params: dict[str, Any]
    note: str
    effective_from: AwareDatetime
    created_at: AwareDatetime
    created_by_id: int | None

    @classmethod
    def of(cls, v: RuleVersion) -> RuleVersionOut:
        return cls(
            id=v.id,
            params=v.params,
            note=v.note,
            effective_from=v.effective_from,
            created_at=v.created_at,
            created_by_id=v.created_by_id,
        )


class RuleVersionIn(BaseModel):
    params: dict[str, Any] = Field(
        description="every parameter of app/points/rules.py RuleParams; missing → default"
    )
    note: Reason
    effective_from: AwareDatetime | None = None


@router.get("/rules", response_model=list[RuleVersionOut])
async def list_rule_versions(
    staff: Annotated[CurrentStaffContext, allow(*ALL_STAFF)], session: SessionDep
) -> list[RuleVersionOut]:
    return [RuleVersionOut.of(v) for v in await rules.list_versions(session)]


@router.post("/rules", response_model=RuleVersionOut, status_code=201)
async def create_rule_version(
    body: RuleVersionIn,
    staff: Annotated[CurrentStaffContext, allow(R.admin)],
    session: SessionDep,
    now: NowDep,
) -> RuleVersionOut:
    version = await rules.create_version(
        session,
        params=body.params,
        note=body.note,
        effective_from=body.effective_from,
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return RuleVersionOut.of(version)


@router.get("/villagers/{villager_id}/ledger", response_model=LedgerPage)
async def villager_ledger(
    villager_id: int,
    staff: Annotated[CurrentStaffContext, allow(*LEDGER_VIEWERS)],
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LedgerPage:
    await points_scope.villager_in_scope(session, staff.account.area, villager_id)
    return await history.ledger_page(session, Holder(villager_id=villager_id), limit=limit, cursor=cursor)


@router.get("/staff/{staff_id}/ledger", response_model=LedgerPage)
async def staff_ledger(
    staff_id: int,
    staff: Annotated[CurrentStaffContext, allow(*LEDGER_VIEWERS)],
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LedgerPage:
    await points_scope.staff_in_scope(session, staff.account.area, staff_id)
    return await history.ledger_page(session, Holder(staff_id=staff_id), limit=limit, cursor=cursor)


class AdjustmentIn(BaseModel):
    villager_id: int | None = Field(default=None, ge=1)
    staff_id: int | None = Field(default=None, ge=1)
    amount: int = Field(ge=-1000, le=1000, description="signed: positive adds, negative removes")
    reason: Reason

    @model_validator(mode="after")
    def _one_person(self) -> AdjustmentIn:
        if (self.villager_id is None) == (self.staff_id is None):
            raise ValueError("villager_id or staff_id, exactly one")
        return self


@router.post("/adjustments", response_model=EntryOut, status_code=201)
async def adjust(
    body: AdjustmentIn,
    staff: Annotated[CurrentStaffContext, allow(*CORRECTORS)],
    session: SessionDep,
    now: NowDep,
) -> EntryOut:
    if body.amount == 0:
        raise InvalidInput("调整的积分不能为 0", field="amount")
    area = staff.account.area
    if body.villager_id is not None:
        await points_scope.villager_in_scope(session, area, body.villager_id)
    else:
        assert body.staff_id is not None
        await points_scope.staff_in_scope(session, area, body.staff_id)
    entry = await adjustments.adjust(
        session,
        holder=Holder(villager_id=body.villager_id, staff_id=body.staff_id),
        amount=body.amount,
        reason=body.reason,
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return EntryOut.of(entry)


class ReversalIn(BaseModel):
    reason: Reason


@router.post("/entries/{entry_id}/reversal", response_model=EntryOut, status_code=201)
async def reverse_entry(
    entry_id: int,
    body: ReversalIn,
    staff: Annotated[CurrentStaffContext, allow(*CORRECTORS)],
    session: SessionDep,
    now: NowDep,
) -> EntryOut:
    entry = await ledger.get_entry(session, entry_id)
    account = await session.get(PointsAccount, entry.account_id)
    assert account is not None
    try:
        if account.villager_id is not None:
            await points_scope.villager_in_scope(session, staff.account.area, account.villager_id)
        else:
            assert account.staff_id is not None
            await points_scope.staff_in_scope(session, staff.account.area, account.staff_id)
    except NotFound as exc:
        raise NotFound("积分记录不存在", field="entry_id") from exc
    reversal = await adjustments.reverse_by_staff(
        session, entry=entry, reason=body.reason, actor=staff.actor, now=now
    )
    await session.commit()
    return EntryOut.of(reversal)


class FindingOut(BaseModel):
    kind: str
    target_type: str
    target_id: int
    detail: str


class ReconciliationOut(BaseModel):
    counts: dict[str, int]
    findings: list[FindingOut]


@router.get("/reconciliation", response_model=ReconciliationOut)
async def reconcile(
    staff: Annotated[CurrentStaffContext, allow(R.admin)], session: SessionDep
) -> ReconciliationOut:
    findings = await reconciliation.run(session)
    return ReconciliationOut(
        counts=reconciliation.counts(findings),
        findings=[
            FindingOut(kind=f.kind, target_type=f.target_type, target_id=f.target_id, detail=f.detail)
            for f in findings
        ],
    )
