"""The clocks' queries. Each due-list is an indexed range on (status, deadline) minus the steps already
recorded (NOT EXISTS on `sla_rungs`' primary key), so a scan costs what is due, not what is stored.

Limits differ by category (its SLA policy), so the conditions that depend on them are one range per
group of categories sharing a policy; there are a handful of policies, not one per report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.models import Category, SlaPolicy
from app.reports.models import Report
from app.reports.sla import SlaLimits
from app.sla import ladder
from app.sla.ladder import Rung
from app.sla.models import SlaRung


@dataclass(frozen=True, slots=True)
class PolicyGroup:
    limits: SlaLimits
    category_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DueReport:
    """The columns of a report the steps need (read in bulk, not as ORM objects)."""

    id: int
    kind: str
    status: str
    category_id: int
    village_id: int
    town_id: int
    department_id: int | None
    assignee_staff_id: int | None
    assignee_team: str | None
    ledger_no: str | None
    description: str
    respond_due_at: datetime | None
    resolve_due_at: datetime | None
    resolved_at: datetime | None
    reporter_villager_id: int | None
    escalation_level: int


_DUE_COLUMNS = [getattr(Report, name) for name in DueReport.__dataclass_fields__]

# The deadline each step is keyed by.
DEADLINE = {
    Rung.remind_respond: Report.respond_due_at,
    Rung.respond: Report.respond_due_at,
    Rung.remind_resolve: Report.resolve_due_at,
    Rung.town: Report.resolve_due_at,
    Rung.county: Report.resolve_due_at,
    Rung.rating_request: Report.resolved_at,
}


def deadline_of(rung: Rung, report: DueReport) -> datetime:
    value = getattr(report, DEADLINE[rung].key)
    assert value is not None
    return value


async def policy_groups(session: AsyncSession) -> list[PolicyGroup]:
    rows = await session.execute(select(Category.id, SlaPolicy).join(SlaPolicy))
    grouped: dict[SlaLimits, list[int]] = defaultdict(list)
    for category_id, policy in rows.all():
        grouped[SlaLimits.of(policy)].append(category_id)
    return [PolicyGroup(limits, tuple(sorted(ids))) for limits, ids in grouped.items()]


def limits_by_category(groups: Sequence[PolicyGroup]) -> dict[int, SlaLimits]:
    return {cid: g.limits for g in groups for cid in g.category_ids}


def _per_policy(groups: Sequence[PolicyGroup], condition: Any) -> ColumnElement[bool]:
    parts = [
        and_(Report.category_id.in_(g.category_ids), c)
        for g in groups
        if (c := condition(g.limits)) is not None
    ]
    return or_(*parts) if parts else false()


def _within(column: Any, now: datetime, lead: timedelta) -> ColumnElement[bool] | None:
    # A policy with no lead time sends no reminder.
    return column <= now + lead if lead > timedelta(0) else None


def due_condition(rung: Rung, now: datetime, groups: Sequence[PolicyGroup]) -> ColumnElement[bool]:
    """The SQL twin of `ladder.reminders_due` / `rungs_due` / `rating_request_due` for one rung."""
    if rung is Rung.remind_respond:
        return and_(
            Report.status.in_(ladder.AWAITING_RESPONSE),
            Report.respond_due_at > now,
            _per_policy(
                groups, lambda lim: _within(Report.respond_due_at, now, ladder.respond_reminder_lead(lim))
            ),
        )
    if rung is Rung.respond:
        return and_(Report.status.in_(ladder.AWAITING_RESPONSE), Report.respond_due_at <= now)
    if rung is Rung.remind_resolve:
        return and_(
            Report.status.in_(ladder.IN_HAND),
            Report.resolve_due_at > now,
            _per_policy(
                groups, lambda lim: _within(Report.resolve_due_at, now, ladder.resolve_reminder_lead(lim))
            ),
        )
    if rung is Rung.town:
        return and_(Report.status.in_(ladder.OPEN), Report.resolve_due_at <= now)
    if rung is Rung.county:
        late = _per_policy(groups, lambda lim: Report.resolve_due_at <= now - ladder.county_delay(lim))
        # A literal, not a parameter: it must match the partial index ix_reports_escalated_twice.
        twice = text(f"reports.escalation_level >= {ladder.ESCALATIONS_BEFORE_COUNTY}")
        return and_(Report.status.in_(ladder.OPEN), Report.resolve_due_at.is_not(None), or_(late, twice))
    return and_(
        Report.status == "resolved",
        Report.resolved_at <= now - ladder.RATING_REQUEST_AFTER,
        Report.resolved_at > now - ladder.UNRATED_CLOSE_AFTER,
        Report.reporter_villager_id.is_not(None),
    )


def _not_reached(rung: Rung) -> ColumnElement[bool]:
    keys = [SlaRung.report_id == Report.id, SlaRung.rung == rung.value]
    if rung is not Rung.county:  # the county rung is once per report, whatever the deadline
        keys.append(SlaRung.deadline_at == DEADLINE[rung])
    return ~exists().where(*keys)


async def due(
    session: AsyncSession, rung: Rung, *, now: datetime, groups: Sequence[PolicyGroup], limit: int
) -> list[DueReport]:
    rows = await session.execute(
        select(*_DUE_COLUMNS)
        .where(due_condition(rung, now, groups), _not_reached(rung))
        # Oldest deadline first, the order of the (status, deadline) indexes. Not by id: with a LIMIT
        # the planner would walk the primary key through every stored report looking for due ones.
        .order_by(DEADLINE[rung], Report.id)
        .limit(limit)
    )
    return [DueReport(*row) for row in rows.all()]


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def claim(
    session: AsyncSession, rung: Rung, reports: Sequence[DueReport], *, now: datetime
) -> set[int]:
    """Record the step for these reports; returns the ids this transaction recorded (the rest were
    recorded by someone else first, and are theirs to act on). Rows go in id order, as every claimant
    inserts them, so two claimants wait on each other in one direction only and never deadlock."""
    if not reports:
        return set()
    values = [
        {"report_id": r.id, "rung": rung.value, "deadline_at": deadline_of(rung, r), "reached_at": now}
        for r in sorted(reports, key=lambda r: r.id)
    ]
    table: Table = SlaRung.__table__  # type: ignore[assignment]
    # Executed with many parameter sets (batched by SQLAlchemy, in this order): one cached statement.
    stmt = _insert(session)(table).on_conflict_do_nothing().returning(table.c.report_id)
    return {row[0] for row in (await session.execute(stmt, values)).all()}


async def reports_for_update(session: AsyncSession, ids: Sequence[int]) -> list[Report]:
    if not ids:
        return []
    stmt = select(Report).where(Report.id.in_(ids)).order_by(Report.id).with_for_update()
    return list((await session.scalars(stmt)).all())


async def unrated_for_update(session: AsyncSession, *, now: datetime, limit: int) -> list[Report]:
    """Resolved reports nobody rated in time; rows another instance is closing are skipped, not waited on."""
    stmt = (
        select(Report)
        .where(Report.status == "resolved", Report.resolved_at <= now - ladder.UNRATED_CLOSE_AFTER)
        .order_by(Report.resolved_at, Report.id)  # the (status, resolved_at) index's order, as above
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())
