"""Which village a chat reporter means when they type one: a 12-digit division code, or a name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.areas.models import Area

_CODE = re.compile(r"[0-9]{12}")
_SUFFIXES = ("村", "社区", "居委会", "村委会")
MAX_CHOICES = 5


@dataclass(frozen=True, slots=True)
class VillageMatch:
    village: Area | None
    # Several villages share the name: (name, town name, code) of each, for the follower to choose.
    choices: Sequence[tuple[str, str, str]] = ()


def _names(text: str) -> list[str]:
    names = [text]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            names.append(text[: -len(suffix)])
        else:
            names.append(text + suffix)
    return names


async def resolve(session: AsyncSession, text: str) -> VillageMatch:
    text = re.sub(r"\s+", "", text)[:50]
    if not text:
        return VillageMatch(None)
    town = aliased(Area)
    stmt = (
        select(Area, town.name)
        .join(town, town.id == Area.parent_id)
        .where(Area.level == "village")
        .order_by(Area.code)
        .limit(MAX_CHOICES + 1)
    )
    if _CODE.fullmatch(text):
        stmt = stmt.where(Area.code == text)
    else:
        stmt = stmt.where(or_(*(Area.name == name for name in _names(text))))
    rows = (await session.execute(stmt)).all()
    if len(rows) == 1:
        return VillageMatch(rows[0][0])
    return VillageMatch(None, [(a.name, town_name, a.code) for a, town_name in rows[:MAX_CHOICES]])
