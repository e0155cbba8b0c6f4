"""Reminder letters (提醒函) from the console: supervisors draft, edit, issue or withdraw them; the unit
(a village's secretary, a department's staff) acknowledges with its response; counts per period."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import letters
from app.analysis.access import letter_condition, may_acknowledge
from app.analysis.cycle import issuer_name, the_county
from app.analysis.letter_text import letter_body, letter_title
from app.analysis.models import LETTER_STATUS_LABELS, LetterStatus, LetterUnit, ReminderLetter
from app.analysis.period_reports import KIND_OF_PERIOD
from app.analysis.periods import PeriodKind, parse_period
from app.audit import service as audit
from app.core.errors import Conflict, InvalidInput, NotFound
from app.documents import render
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.people.models import Role
from app.people.scope import StaffScope

router = APIRouter(prefix="/api/v1/letters", tags=["console: reminder letters"])
R = Role
Supervisors = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin)]
Readers = Annotated[
    CurrentStaffContext, allow(R.supervisor, R.admin, R.village_secretary, R.intake_cadre, R.department_staff)
]
Units = Annotated[CurrentStaffContext, allow(R.village_secretary, R.department_staff)]


class LetterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    unit_kind: str
    unit_id: int
    unit_name: str
    town_id: int
    village_id: int | None
    department_id: int | None
    period_kind: str
    period_key: str
    reasons: list[dict[str, Any]]
    title: str
    body: str
    status: str
    status_label: str = ""
    drafted_by: str
    drafted_by_staff_id: int | None
    doc_no: str | None
    issued_by_id: int | None
    issued_at: datetime | None
    withdrawn_by_id: int | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    response: str | None
    created_at: datetime
    updated_at: datetime


def _out(letter: ReminderLetter) -> LetterOut:
    out = LetterOut.model_validate(letter)
    out.status_label = LETTER_STATUS_LABELS[LetterStatus(letter.status)]
    return out


def _in_area(scope: StaffScope, unit: letters.Unit) -> bool:
    if scope.role is Role.admin or scope.area_level == "county":
        return True
    if scope.area_level == "town":
        return unit.town_id == scope.area_id
    return scope.area_level == "village" and unit.village_id == scope.area_id


@router.get("", response_model=list[LetterOut])
async def list_letters(
    staff: Readers,
    session: SessionDep,
    status: LetterStatus | None = None,
    period: str | None = None,
    unit_kind: LetterUnit | None = None,
    unit_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[LetterOut]:
    key = None
    if period is not None:
        try:
            key = parse_period(period).key
        except ValueError as exc:
            raise InvalidInput(f"period：{exc}", field="period") from None
    rows = await letters.list_letters(
        session,
        scope=letter_condition(staff.scope),
        status=status.value if status else None,
        period_key=key,
        unit_kind=unit_kind.value if unit_kind else None,
        unit_id=unit_id,
        limit=limit,
    )
    return [_out(r) for r in rows]


class PeriodCounts(BaseModel):
    period: str
    period_label: str
    drafted: int
    issued: int
    acknowledged: int
    withdrawn: int


@router.get("/counts", response_model=list[PeriodCounts])
async def letter_counts(
    staff: Supervisors, session: SessionDep, period_kind: Literal["week", "month", "quarter"] = "month"
) -> list[PeriodCounts]:
    """Letters per period (newest first): drafted (all), issued (issued or acknowledged since),
    acknowledged, withdrawn."""
    kind = KIND_OF_PERIOD[PeriodKind(period_kind)]
    rows = await letters.counts_by_period(
        session, scope=letter_condition(staff.scope), period_kind=kind.value
    )
    return [PeriodCounts(**row, period_label=parse_period(row["period"]).label) for row in rows]


class DraftIn(BaseModel):
    unit_kind: LetterUnit
    unit_id: int
    period: str = Field(min_length=6, max_length=10, description="2026-11 (or a week / quarter key)")
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=10)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=10000)


@router.post("", response_model=LetterOut, status_code=201)
async def draft_letter(
    body: DraftIn, staff: Supervisors, session: SessionDep, settings: SettingsDep, now: NowDep
) -> LetterOut:
    try:
        period = parse_period(body.period)
    except ValueError as exc:
        raise InvalidInput(f"period：{exc}", field="period") from None
    unit = await letters.resolve_unit(session, kind=body.unit_kind, unit_id=body.unit_id)
    if not _in_area(staff.scope, unit):
        raise NotFound("单位不存在", field="unit_id")
    county = await the_county(session)
    issuer = issuer_name(settings, county) if county else settings.analysis_issuer
    reasons = [{"code": "manual", "text": text} for text in body.reasons]
    letter = await letters.draft_letter(
        session,
        unit=unit,
        period_kind=KIND_OF_PERIOD[period.kind].value,
        period_key=period.key,
        reasons=reasons,
        title=body.title or letter_title(unit.name, period.label),
        body=body.body
        or letter_body(unit_name=unit.name, period_label=period.label, issuer=issuer, reasons=reasons),
        actor=staff.actor,
        now=now,
    )
    if letter is None:
        raise Conflict("该单位本期已有提醒函，请修改已有的提醒函", field="unit_id")
    await session.commit()
    return _out(letter)


@router.get("/{letter_id}.docx", response_class=Response)
async def letter_docx(
    letter_id: int, staff: Readers, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    letter = await letters.get_letter(session, letter_id=letter_id, scope=letter_condition(staff.scope))
    content = await render.letter_docx(session, letter=letter, settings=settings)
    audit.record(
        session,
        actor=staff.actor,
        action="reminder_letter.download",
        target_type="reminder_letter",
        target_id=letter.id,
        at=now,
        details={"format": "docx"},
    )
    await session.commit()
    filename = f"提醒函_{letter.unit_name}_{letter.period_key}.docx"
    return Response(
        content,
        media_type=render.DOCX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/{letter_id}", response_model=LetterOut)
async def get_letter(letter_id: int, staff: Readers, session: SessionDep) -> LetterOut:
    return _out(await letters.get_letter(session, letter_id=letter_id, scope=letter_condition(staff.scope)))


class EditIn(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=10000)

    @model_validator(mode="after")
    def _something(self) -> EditIn:
        if self.title is None and self.body is None:
            raise ValueError("title 或 body 至少填写一项")
        return self


async def _locked(session: AsyncSession, staff: CurrentStaffContext, letter_id: int) -> ReminderLetter:
    """The letter, in the staff member's view and locked for the change they are making (404 else)."""
    return await letters.get_letter(
        session, letter_id=letter_id, scope=letter_condition(staff.scope), for_update=True
    )


@router.patch("/{letter_id}", response_model=LetterOut)
async def edit_letter(
    letter_id: int, body: EditIn, staff: Supervisors, session: SessionDep, now: NowDep
) -> LetterOut:
    letter = await _locked(session, staff, letter_id)
    await letters.edit_draft(
        session, letter=letter, title=body.title, body=body.body, actor=staff.actor, now=now
    )
    await session.commit()
    return _out(letter)


@router.post("/{letter_id}/issue", response_model=LetterOut)
async def issue_letter(
    letter_id: int, staff: Supervisors, session: SessionDep, settings: SettingsDep, now: NowDep
) -> LetterOut:
    letter = await _locked(session, staff, letter_id)
    await letters.issue(session, letter=letter, actor=staff.actor, now=now, tz=settings.tz)
    await session.commit()
    return _out(letter)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@router.post("/{letter_id}/withdraw", response_model=LetterOut)
async def withdraw_letter(
    letter_id: int, body: WithdrawIn, staff: Supervisors, session: SessionDep, now: NowDep
) -> LetterOut:
    letter = await _locked(session, staff, letter_id)
    await letters.withdraw(session, letter=letter, reason=body.reason, actor=staff.actor, now=now)
    await session.commit()
    return _out(letter)


class AcknowledgeIn(BaseModel):
    response: str = Field(min_length=1, max_length=5000)


@router.post("/{letter_id}/acknowledge", response_model=LetterOut)
async def acknowledge_letter(
    letter_id: int, body: AcknowledgeIn, staff: Units, session: SessionDep, now: NowDep
) -> LetterOut:
    letter = await _locked(session, staff, letter_id)
    if not may_acknowledge(staff.scope, letter):
        raise NotFound("提醒函不存在", field="letter_id")
    await letters.acknowledge(session, letter=letter, response=body.response, actor=staff.actor, now=now)
    await session.commit()
    return _out(letter)
