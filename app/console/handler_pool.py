"""The handler pool (办理人员库) review: the quarter's ranking inside each team of a village, the
suggested changes, and the village secretary's decision on each (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, StringConstraints

from app.areas.models import Area
from app.core.errors import InvalidInput, NotFound
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.people.models import TEAM_LABELS, Role, Team
from app.points import handler_pool
from app.points import scope as points_scope
from app.points.models import PoolSuggestion
from app.points.quarters import Quarter

router = APIRouter(prefix="/api/v1/points/handler-pool", tags=["console: handler pool"])
R = Role
READERS = (R.admin, R.supervisor, R.village_secretary)
QuarterPath = Annotated[str, Path(pattern=r"^\d{4}-Q[1-4]$", description="e.g. 2026-Q4")]


class MemberOut(BaseModel):
    staff_id: int
    name: str
    points: int
    rank: int


class TeamOut(BaseModel):
    team: str
    label: str
    members: list[MemberOut]


class SuggestionOut(BaseModel):
    id: int
    quarter: str
    village_id: int
    team: str
    change: str
    staff_id: int | None
    villager_id: int | None
    points: int
    rank: int
    status: str
    decided_by_id: int | None
    decided_at: AwareDatetime | None
    note: str | None

    @classmethod
    def of(cls, s: PoolSuggestion) -> SuggestionOut:
        return cls(
            id=s.id,
            quarter=s.quarter,
            village_id=s.village_id,
            team=s.team,
            change=s.change,
            staff_id=s.staff_id,
            villager_id=s.villager_id,
            points=s.points,
            rank=s.rank,
            status=s.status,
            decided_by_id=s.decided_by_id,
            decided_at=s.decided_at,
            note=s.note,
        )


class PoolOut(BaseModel):
    quarter: str
    village_id: int
    teams: list[TeamOut]
    suggestions: list[SuggestionOut]


@router.get("/{quarter}", response_model=PoolOut)
async def review(
    quarter: QuarterPath,
    staff: Annotated[CurrentStaffContext, allow(*READERS)],
    session: SessionDep,
    settings: SettingsDep,
    village_id: Annotated[int | None, Query(ge=1, description="required above village level")] = None,
) -> PoolOut:
    q = Quarter.parse(quarter)
    village_id = village_id or staff.scope.village_id
    if village_id is None:
        raise InvalidInput("请选择村(社区)", field="village_id")
    village = await session.get(Area, village_id)
    if (
        village is None
        or village.level != "village"
        or not points_scope.covers(staff.account.area, village.path)
    ):
        raise NotFound("村(社区)不存在", field="village_id")
    teams = await handler_pool.ranking(session, village_id=village.id, quarter=q, tz=settings.tz)
    found = await handler_pool.suggestions(session, village_id=village.id, quarter=q)
    return PoolOut(
        quarter=str(q),
        village_id=village.id,
        teams=[
            TeamOut(
                team=team,
                label=TEAM_LABELS[Team(team)],
                members=[
                    MemberOut(staff_id=m.staff_id, name=m.name, points=m.points, rank=m.rank) for m in members
                ],
            )
            for team, members in teams.items()
        ],
        suggestions=[SuggestionOut.of(s) for s in found],
    )


class DecisionIn(BaseModel):
    note: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=500)] = None


async def _decide(
    suggestion_id: int,
    body: DecisionIn,
    staff: CurrentStaffContext,
    session: SessionDep,
    now: NowDep,
    confirm: bool,
) -> SuggestionOut:
    if staff.scope.village_id is None:
        raise NotFound("调整建议不存在", field="suggestion_id")
    decided = await handler_pool.decide(
        session,
        suggestion_id=suggestion_id,
        village_id=staff.scope.village_id,
        confirm=confirm,
        note=body.note,
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return SuggestionOut.of(decided)


@router.post("/suggestions/{suggestion_id}/confirm", response_model=SuggestionOut)
async def confirm(
    suggestion_id: int,
    body: DecisionIn,
    staff: Annotated[CurrentStaffContext, allow(R.village_secretary)],
    session: SessionDep,
    now: NowDep,
) -> SuggestionOut:
    return await _decide(suggestion_id, body, staff, session, now, confirm=True)


@router.post("/suggestions/{suggestion_id}/decline", response_model=SuggestionOut)
async def decline(
    suggestion_id: int,
    body: DecisionIn,
    staff: Annotated[CurrentStaffContext, allow(R.village_secretary)],
    session: SessionDep,
    now: NowDep,
) -> SuggestionOut:
    return await _decide(suggestion_id, body, staff, session, now, confirm=False)
