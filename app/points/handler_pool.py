"""The handler pool (办理人员库) by points, per quarter: a ranking inside each of the four teams of a
village, and suggested changes that the village secretary confirms or declines.

Quarter points are every entry of the quarter except redemptions and their refunds (what was earned,
net of reversals and adjustments). The rule, with the version in force when the suggestions are made:
- leave: an active handler whose quarter points are below `pool_leave_below` (default 1: no case closed
  in the quarter). Confirming takes them out of their team (the account stays, so open cases can be
  finished; the secretary may deactivate it separately).
- join: the `pool_join_top` villagers of the village with the most quarter points, at least
  `pool_join_min_points`, suggested for the volunteer team (志愿者). Confirming records the decision;
  the secretary then creates their account (POST /api/v1/staff) with that team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, NotFound
from app.people.models import Role, StaffAccount, Team, Villager
from app.points import rules
from app.points.models import PointsAccount, PointsEntry, PoolChange, PoolSuggestion, SuggestionStatus
from app.points.quarters import Quarter

JOIN_TEAM = Team.volunteer


@dataclass(frozen=True, slots=True)
class Member:
    staff_id: int
    name: str
    team: str
    points: int
    rank: int


def rank_by_points(rows: list[tuple[int, str, int]]) -> list[tuple[int, str, int, int]]:
    """(id, name, points) → with a competition rank (1, 2, 2, 4), most points first. Pure."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[0]))
    ranked, previous, rank = [], None, 0
    for position, (pid, name, points) in enumerate(ordered, start=1):
        if points != previous:
            rank, previous = position, points
        ranked.append((pid, name, points, rank))
    return ranked


async def _quarter_points(
    session: AsyncSession,
    *,
    quarter: Quarter,
    tz: ZoneInfo,
    staff_ids: list[int] | None = None,
    villager_ids: list[int] | None = None,
) -> dict[int, int]:
    start, end = quarter.bounds(tz)
    holder = PointsAccount.staff_id if staff_ids is not None else PointsAccount.villager_id
    ids = staff_ids if staff_ids is not None else villager_ids or []
    if not ids:
        return {}
    rows = await session.execute(
        select(holder, func.sum(PointsEntry.amount))
        .join(PointsEntry, PointsEntry.account_id == PointsAccount.id)
        .where(
            holder.in_(ids),
            PointsEntry.redemption_id.is_(None),
            PointsEntry.occurred_at >= start,
            PointsEntry.occurred_at < end,
        )
        .group_by(holder)
    )
    return {int(pid): int(total) for pid, total in rows.all() if pid is not None}


async def _village_areas(session: AsyncSession, village_id: int) -> list[int]:
    grids = (await session.scalars(select(Area.id).where(Area.parent_id == village_id))).all()
    return [village_id, *grids]


async def ranking(
    session: AsyncSession, *, village_id: int, quarter: Quarter, tz: ZoneInfo
) -> dict[str, list[Member]]:
    handlers = (
        await session.execute(
            select(StaffAccount.id, StaffAccount.display_name, StaffAccount.team).where(
                StaffAccount.role == Role.handler.value,
                StaffAccount.is_active.is_(True),
                StaffAccount.team.is_not(None),
                StaffAccount.area_id.in_(await _village_areas(session, village_id)),
            )
        )
    ).all()
    points = await _quarter_points(session, quarter=quarter, tz=tz, staff_ids=[h.id for h in handlers])
    teams: dict[str, list[Member]] = {t.value: [] for t in Team}
    for team in Team:
        rows = [(h.id, h.display_name, points.get(h.id, 0)) for h in handlers if h.team == team.value]
        teams[team.value] = [Member(i, n, team.value, p, r) for i, n, p, r in rank_by_points(rows)]
    return teams


async def suggest(
    session: AsyncSession, *, quarter: Quarter, now: datetime, tz: ZoneInfo, village_id: int | None = None
) -> int:
    """Write the quarter's suggestions (each person once per quarter, however often this runs)."""
    params = (await rules.in_force(session, now=now)).params
    stmt = select(Area.id).where(Area.level == "village").order_by(Area.id)
    if village_id is not None:
        stmt = stmt.where(Area.id == village_id)
    written = 0
    for vid in (await session.scalars(stmt)).all():
        rows: list[dict[str, object]] = []
        for team, members in (await ranking(session, village_id=vid, quarter=quarter, tz=tz)).items():
            rows += [
                {
                    "staff_id": m.staff_id,
                    "team": team,
                    "change": PoolChange.leave_pool.value,
                    "points": m.points,
                    "rank": m.rank,
                }
                for m in members
                if m.points < params.pool_leave_below
            ]
        villagers = (await session.scalars(select(Villager.id).where(Villager.home_village_id == vid))).all()
        earned = await _quarter_points(session, quarter=quarter, tz=tz, villager_ids=list(villagers))
        ranked = rank_by_points([(v, "", p) for v, p in earned.items() if p >= params.pool_join_min_points])
        rows += [
            {
                "villager_id": v,
                "team": JOIN_TEAM.value,
                "change": PoolChange.join_pool.value,
                "points": p,
                "rank": r,
            }
            for v, _name, p, r in ranked[: params.pool_join_top]
        ]
        for row in rows:
            written += await _insert_suggestion(session, quarter=quarter, village_id=vid, now=now, **row)
    return written


async def _insert_suggestion(
    session: AsyncSession, *, quarter: Quarter, village_id: int, now: datetime, **row: object
) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    person = "staff_id" if "staff_id" in row else "villager_id"
    stmt = (
        insert(PoolSuggestion)
        .values(
            quarter=str(quarter),
            village_id=village_id,
            status=SuggestionStatus.pending.value,
            created_at=now,
            **row,
        )
        .on_conflict_do_nothing(index_elements=["quarter", person])
        .returning(PoolSuggestion.id)
    )
    return int((await session.execute(stmt)).scalar_one_or_none() is not None)


async def suggestions(session: AsyncSession, *, village_id: int, quarter: Quarter) -> list[PoolSuggestion]:
    rows = await session.scalars(
        select(PoolSuggestion)
        .where(PoolSuggestion.village_id == village_id, PoolSuggestion.quarter == str(quarter))
        .order_by(PoolSuggestion.change, PoolSuggestion.team, PoolSuggestion.rank, PoolSuggestion.id)
    )
    return list(rows.all())


async def decide(
    session: AsyncSession,
    *,
    suggestion_id: int,
    village_id: int,
    confirm: bool,
    note: str | None,
    actor: Actor,
    now: datetime,
) -> PoolSuggestion:
    suggestion = await session.scalar(
        select(PoolSuggestion)
        .where(PoolSuggestion.id == suggestion_id, PoolSuggestion.village_id == village_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if suggestion is None:
        raise NotFound("调整建议不存在", field="suggestion_id")
    if suggestion.status != SuggestionStatus.pending.value:
        raise Conflict("该建议已处理", field="suggestion_id")
    suggestion.status = (SuggestionStatus.confirmed if confirm else SuggestionStatus.declined).value
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = now
    suggestion.note = note
    if confirm and suggestion.change == PoolChange.leave_pool.value and suggestion.staff_id is not None:
        handler = await session.get(StaffAccount, suggestion.staff_id)
        if handler is not None and handler.team == suggestion.team:
            handler.team = None
            handler.updated_at = now
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"points.pool.{'confirm' if confirm else 'decline'}",
        target_type="handler_pool_suggestion",
        target_id=suggestion.id,
        at=now,
        details={
            "quarter": suggestion.quarter,
            "change": suggestion.change,
            "team": suggestion.team,
            "staff_id": suggestion.staff_id,
            "villager_id": suggestion.villager_id,
            "note": note,
        },
    )
    return suggestion
