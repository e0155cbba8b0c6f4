"""Where each unit sits (its town and village), and which units a supervisor's area holds.

The stored Analysis lists units by kind and id only; placing them needs the areas, departments and
handlers as they are now. A town supervisor reads the county's figures and their own town's units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.analysis.indicators import UnitKind
from app.areas.models import Area, Department
from app.people.models import Role, StaffAccount


@dataclass(frozen=True, slots=True)
class Place:
    town_id: int | None
    village_id: int | None


async def places(session: AsyncSession) -> dict[tuple[UnitKind, int], Place]:
    """(unit kind, id) → its town and village, for every town, village, department and handler."""
    found: dict[tuple[UnitKind, int], Place] = {}
    for area_id, level, parent_id in (
        await session.execute(
            select(Area.id, Area.level, Area.parent_id).where(Area.level.in_(("town", "village")))
        )
    ).all():
        if level == "town":
            found[(UnitKind.town, area_id)] = Place(area_id, None)
        else:
            found[(UnitKind.village, area_id)] = Place(parent_id, area_id)
    for dept_id, town_id in (await session.execute(select(Department.id, Department.town_id))).all():
        found[(UnitKind.department, dept_id)] = Place(town_id, None)
    home, village = aliased(Area), aliased(Area)
    handlers = (
        select(StaffAccount.id, home.level, home.id, village.id, village.parent_id, home.parent_id)
        .join(home, home.id == StaffAccount.area_id)
        .outerjoin(village, village.id == home.parent_id)
        .where(StaffAccount.role == Role.handler.value)
    )
    for staff_id, level, home_id, parent_id, parent_town, home_parent in (
        await session.execute(handlers)
    ).all():
        if level == "village":
            found[(UnitKind.handler, staff_id)] = Place(home_parent, home_id)
        elif level == "grid":
            found[(UnitKind.handler, staff_id)] = Place(parent_town, parent_id)
        else:
            found[(UnitKind.handler, staff_id)] = Place(home_id if level == "town" else None, None)
    return found


@dataclass(frozen=True, slots=True)
class Visible:
    """The units one reader may see the figures of; `everything` for county-wide readers."""

    everything: bool = False
    ids: dict[UnitKind, set[int]] = field(default_factory=dict)

    def allows(self, kind: UnitKind, unit_id: int) -> bool:
        return self.everything or unit_id in self.ids.get(kind, set())


async def visible_in_area(session: AsyncSession, *, level: str, area_id: int) -> Visible:
    if level == "county":
        return Visible(everything=True)
    ids: dict[UnitKind, set[int]] = {kind: set() for kind in UnitKind if kind is not UnitKind.county}
    for (kind, unit_id), place in (await places(session)).items():
        inside = place.town_id == area_id if level == "town" else place.village_id == area_id
        if level == "village" and kind is UnitKind.town:
            inside = False
        if inside:
            ids[kind].add(unit_id)
    return Visible(ids=ids)


def filter_analysis(data: dict[str, Any], visible: Visible) -> dict[str, Any]:
    """The stored Analysis JSON with only the units `visible` allows (county totals, categories and the
    trend stay: they are the county's report, which every supervisor reads; so does the town ranking)."""
    if visible.everything:
        return data

    def figures(f: dict[str, Any]) -> dict[str, Any]:
        units = {
            k: [u for u in rows if visible.allows(UnitKind(k), u["unit_id"])]
            for k, rows in f["units"].items()
        }
        rankings = {
            k: rows
            if k == UnitKind.town.value
            else [r for r in rows if visible.allows(UnitKind(k), r["unit_id"])]
            for k, rows in f["rankings"].items()
        }
        return {**f, "units": units, "rankings": rankings}

    return {**data, "current": figures(data["current"]), "previous": figures(data["previous"])}
