"""Versioned awarding rules. A version's parameters are validated here; the version in force at a moment
is the newest one effective by then, and every entry it computes names it.

Parameters (points are whole numbers):
- accepted_points: a report accepted (a praise or alert acknowledged), for quality grade 1, 2, 3;
  default_grade is used when the intake cadre gives none.
- confirmed_bonus by kind: a problem closed after its resolution (the problem or hazard confirmed
  removed), a praise published, an alert published or forwarded to the department that deals with it.
- handler_on_time / handler_late: per case closed, resolved by its deadline or not; handler_rating adds
  by the reporter's rating (unrated: closed without one).
- reporter_daily_cap / reporter_monthly_cap: the most a villager earns by reporting in one local day or
  month (awards beyond it are recorded, capped to what is left, possibly 0).
- pool_*: the handler-pool suggestions (see handler_pool.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import InvalidInput
from app.points.models import RuleVersion

Points = Annotated[int, Field(ge=0, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindBonus(_Strict):
    problem: Points = 3
    praise: Points = 3
    alert: Points = 5


class RatingPoints(_Strict):
    satisfied: Points = 5
    basically: Points = 2
    unrated: Points = 0


class RuleParams(_Strict):
    accepted_points: Annotated[list[Points], Field(min_length=3, max_length=3)] = [2, 5, 10]
    default_grade: Annotated[int, Field(ge=1, le=3)] = 1
    confirmed_bonus: KindBonus = KindBonus()
    handler_on_time: Points = 5
    handler_late: Points = 1
    handler_rating: RatingPoints = RatingPoints()
    reporter_daily_cap: Annotated[int, Field(ge=0, le=100_000)] = 30
    reporter_monthly_cap: Annotated[int, Field(ge=0, le=1_000_000)] = 200
    pool_leave_below: Annotated[int, Field(ge=0, le=100_000)] = 1
    pool_join_min_points: Annotated[int, Field(ge=0, le=100_000)] = 30
    pool_join_top: Annotated[int, Field(ge=0, le=100)] = 3

    def accepted_for(self, grade: int | None) -> int:
        return self.accepted_points[(grade or self.default_grade) - 1]


class Rules:
    """A rule version as the awarding code reads it."""

    def __init__(self, version: RuleVersion) -> None:
        self.version_id = version.id
        self.params = RuleParams.model_validate(version.params)


def parse(params: dict[str, Any]) -> RuleParams:
    try:
        return RuleParams.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "params"
        raise InvalidInput(f"规则参数无效：{where}", field=f"params.{where}") from exc


async def in_force(session: AsyncSession, *, now: datetime) -> Rules:
    version = await session.scalar(
        select(RuleVersion)
        .where(RuleVersion.effective_from <= now)
        .order_by(RuleVersion.effective_from.desc(), RuleVersion.id.desc())
        .limit(1)
    )
    if version is None:
        raise RuntimeError("no points rule version in force: migration 0009 seeds the first one")
    return Rules(version)


async def create_version(
    session: AsyncSession,
    *,
    params: dict[str, Any],
    note: str,
    effective_from: datetime | None,
    actor: Actor,
    now: datetime,
) -> RuleVersion:
    """A new version (never an edit of an old one: entries keep naming the version that computed them)."""
    checked = parse(params)
    if effective_from is not None and effective_from < now:
        raise InvalidInput("生效时间不能早于当前时间", field="effective_from")
    version = RuleVersion(
        params=checked.model_dump(),
        note=note,
        effective_from=effective_from or now,
        created_at=now,
        created_by_id=actor.id if actor.kind == "staff" else None,
    )
    session.add(version)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="points.rules.create",
        target_type="points_rule_version",
        target_id=version.id,
        at=now,
        details={
            "note": note,
            "params": version.params,
            "effective_from": version.effective_from.isoformat(),
        },
    )
    return version


async def list_versions(session: AsyncSession) -> list[RuleVersion]:
    return list((await session.scalars(select(RuleVersion).order_by(RuleVersion.id.desc()))).all())
