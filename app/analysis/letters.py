"""Reminder letters (提醒函): draft → issued → acknowledged, or withdrawn while draft.

Supervisors review a draft (edit its title and text), issue it — which gives it the year's next document
number and writes an outbox row to each of the unit's responsible staff — or withdraw it; the unit
acknowledges an issued letter with its response. Every step writes an audit entry in the same
transaction; a step from the wrong state is a 409 with the reason in Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import letter_numbers
from app.analysis.models import (
    LETTER_STATUS_LABELS,
    GeneratedBy,
    LetterStatus,
    LetterUnit,
    ReminderLetter,
)
from app.areas.models import Area, Department
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.notifications import service as notifications
from app.notifications.kinds import Kind
from app.people.models import Role, StaffAccount


@dataclass(frozen=True, slots=True)
class Unit:
    kind: LetterUnit
    id: int
    name: str
    town_id: int
    village_id: int | None
    department_id: int | None


async def resolve_unit(session: AsyncSession, *, kind: LetterUnit, unit_id: int) -> Unit:
    if kind is LetterUnit.village:
        area = await session.get(Area, unit_id)
        if area is None or area.level != "village" or area.parent_id is None:
            raise InvalidInput("单位不存在：unit_id 应为村(社区)的编号", field="unit_id")
        return Unit(kind, area.id, area.name, area.parent_id, area.id, None)
    dept = await session.get(Department, unit_id)
    if dept is None:
        raise InvalidInput("单位不存在：unit_id 应为职能部门的编号", field="unit_id")
    return Unit(kind, dept.id, dept.name, dept.town_id, None, dept.id)


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def draft_letter(
    session: AsyncSession,
    *,
    unit: Unit,
    period_kind: str,
    period_key: str,
    reasons: Sequence[dict[str, Any]],
    title: str,
    body: str,
    actor: Actor,
    now: datetime,
) -> ReminderLetter | None:
    """A new draft; None when the unit already has a letter for this period (one per unit and period)."""
    values = {
        "unit_kind": unit.kind.value,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "town_id": unit.town_id,
        "village_id": unit.village_id,
        "department_id": unit.department_id,
        "period_kind": period_kind,
        "period_key": period_key,
        "reasons": list(reasons),
        "title": title,
        "body": body,
        "status": LetterStatus.draft.value,
        "drafted_by": GeneratedBy.staff.value if actor.kind == "staff" else GeneratedBy.job.value,
        "drafted_by_staff_id": actor.id if actor.kind == "staff" else None,
        "created_at": now,
        "updated_at": now,
    }
    stmt = (
        _insert(session)(ReminderLetter)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[
                ReminderLetter.unit_kind,
                ReminderLetter.unit_id,
                ReminderLetter.period_kind,
                ReminderLetter.period_key,
            ]
        )
        .returning(ReminderLetter.id)
    )
    letter_id = (await session.execute(stmt)).scalar_one_or_none()
    if letter_id is None:
        return None
    audit.record(
        session,
        actor=actor,
        action="letter.draft",
        target_type="reminder_letter",
        target_id=letter_id,
        at=now,
        details={"unit": f"{unit.kind.value}:{unit.id}", "period": period_key, "reasons": _codes(reasons)},
    )
    letter = await session.get(ReminderLetter, letter_id)
    assert letter is not None
    return letter


def _codes(reasons: Sequence[dict[str, Any]]) -> list[str]:
    return [str(r.get("code")) for r in reasons]


async def get_letter(
    session: AsyncSession, *, letter_id: int, scope: ColumnElement[bool], for_update: bool = False
) -> ReminderLetter:
    stmt = select(ReminderLetter).where(ReminderLetter.id == letter_id, scope)
    if for_update:
        stmt = stmt.with_for_update()
    letter = await session.scalar(stmt)
    if letter is None:
        raise NotFound("提醒函不存在", field="letter_id")
    if for_update:
        await session.refresh(letter)
    return letter


def _require(letter: ReminderLetter, expected: LetterStatus, doing: str) -> None:
    if letter.status != expected.value:
        label = LETTER_STATUS_LABELS[LetterStatus(letter.status)]
        raise Conflict(f"提醒函当前状态为「{label}」，不能{doing}", field="status", status=letter.status)


async def edit_draft(
    session: AsyncSession,
    *,
    letter: ReminderLetter,
    title: str | None,
    body: str | None,
    actor: Actor,
    now: datetime,
) -> ReminderLetter:
    _require(letter, LetterStatus.draft, "修改")
    changed: list[str] = []
    if title is not None and title != letter.title:
        letter.title = title
        changed.append("title")
    if body is not None and body != letter.body:
        letter.body = body
        changed.append("body")
    letter.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="letter.edit",
        target_type="reminder_letter",
        target_id=letter.id,
        at=now,
        details={"changed": changed},
    )
    return letter


async def issue(
    session: AsyncSession, *, letter: ReminderLetter, actor: Actor, now: datetime, tz: ZoneInfo
) -> ReminderLetter:
    _require(letter, LetterStatus.draft, "印发")
    letter.doc_year, letter.doc_seq, letter.doc_no = await letter_numbers.next_doc_no(session, now=now, tz=tz)
    letter.status = LetterStatus.issued.value
    letter.issued_at = now
    letter.issued_by_id = actor.id if actor.kind == "staff" else None
    letter.updated_at = now
    await session.flush()
    recipients = await responsible_staff(session, letter)
    for staff_id in recipients:
        await notifications.enqueue(
            session,
            kind=Kind.reminder_letter,
            dedupe_key=f"reminder_letter:{letter.id}:s{staff_id}",
            now=now,
            payload={
                "unit": letter.unit_name,
                "title": letter.title,
                "time": now.isoformat(),
                "note": f"提醒函{letter.doc_no}，请及时签收并反馈整改情况",
                "letter_id": letter.id,
            },
            staff_id=staff_id,
        )
    audit.record(
        session,
        actor=actor,
        action="letter.issue",
        target_type="reminder_letter",
        target_id=letter.id,
        at=now,
        details={"doc_no": letter.doc_no, "notified": len(recipients)},
    )
    return letter


async def withdraw(
    session: AsyncSession, *, letter: ReminderLetter, reason: str, actor: Actor, now: datetime
) -> ReminderLetter:
    _require(letter, LetterStatus.draft, "撤回（只有草稿可以撤回）")
    letter.status = LetterStatus.withdrawn.value
    letter.withdrawn_at = now
    letter.withdrawn_by_id = actor.id if actor.kind == "staff" else None
    letter.withdraw_reason = reason
    letter.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="letter.withdraw",
        target_type="reminder_letter",
        target_id=letter.id,
        at=now,
        details={"reason": reason},
    )
    return letter


async def acknowledge(
    session: AsyncSession, *, letter: ReminderLetter, response: str, actor: Actor, now: datetime
) -> ReminderLetter:
    _require(letter, LetterStatus.issued, "签收")
    letter.status = LetterStatus.acknowledged.value
    letter.acknowledged_at = now
    letter.acknowledged_by_id = actor.id if actor.kind == "staff" else None
    letter.response = response
    letter.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="letter.acknowledge",
        target_type="reminder_letter",
        target_id=letter.id,
        at=now,
        details={"doc_no": letter.doc_no},
    )
    return letter


async def responsible_staff(session: AsyncSession, letter: ReminderLetter) -> list[int]:
    """Who answers for the unit: its village secretaries, or the department's staff (active only)."""
    if letter.unit_kind == LetterUnit.village.value:
        condition = (StaffAccount.role == Role.village_secretary.value) & (
            StaffAccount.area_id == letter.village_id
        )
    else:
        condition = (StaffAccount.role == Role.department_staff.value) & (
            StaffAccount.department_id == letter.department_id
        )
    rows = await session.scalars(
        select(StaffAccount.id).where(condition, StaffAccount.is_active.is_(True)).order_by(StaffAccount.id)
    )
    return list(rows)


async def list_letters(
    session: AsyncSession,
    *,
    scope: ColumnElement[bool],
    status: str | None = None,
    period_key: str | None = None,
    unit_kind: str | None = None,
    unit_id: int | None = None,
    limit: int = 100,
) -> Sequence[ReminderLetter]:
    stmt = select(ReminderLetter).where(scope)
    if status:
        stmt = stmt.where(ReminderLetter.status == status)
    if period_key:
        stmt = stmt.where(ReminderLetter.period_key == period_key)
    if unit_kind:
        stmt = stmt.where(ReminderLetter.unit_kind == unit_kind)
    if unit_id is not None:
        stmt = stmt.where(ReminderLetter.unit_id == unit_id)
    return (await session.scalars(stmt.order_by(ReminderLetter.id.desc()).limit(limit))).all()


async def counts_by_period(
    session: AsyncSession, *, scope: ColumnElement[bool], period_kind: str
) -> list[dict[str, Any]]:
    """Per period: letters drafted (every letter, whatever became of it), issued (issued or acknowledged
    since), acknowledged, withdrawn; newest period first."""
    sent = ReminderLetter.status.in_((LetterStatus.issued.value, LetterStatus.acknowledged.value))
    rows = await session.execute(
        select(
            ReminderLetter.period_key,
            func.count(),
            func.count().filter(sent),
            func.count().filter(ReminderLetter.status == LetterStatus.acknowledged.value),
            func.count().filter(ReminderLetter.status == LetterStatus.withdrawn.value),
        )
        .where(scope, ReminderLetter.period_kind == period_kind)
        .group_by(ReminderLetter.period_key)
        .order_by(ReminderLetter.period_key.desc())
    )
    return [
        {"period": key, "drafted": d, "issued": i, "acknowledged": a, "withdrawn": w}
        for key, d, i, a, w in rows.all()
    ]
