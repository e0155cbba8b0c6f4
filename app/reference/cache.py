"""Categories (with their SLA limits) and areas, as every submission reads them, kept a short while.

They change a few times a year, yet each report submitted (mini program or chat) read them again: three
or four statements out of about a dozen. A `ReferenceData` keeps what it read for `ttl` seconds
(REFERENCE_CACHE_SECONDS). The app holds one per process. A request's session commits that write a
category, an SLA policy or an area drop that process's copy at once (`watch`, called for every request
session); other processes (several instances, several workers) see an edit within the ttl. Meanwhile a
category just switched off may still take a report: it is reviewed like any other. A refusal is
never served from memory: an id or a code not found, or a category found switched off, is looked up
again, so a category just created or switched back on is usable at once. With ttl 0 (the
default for code outside a request) nothing is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Row, bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.categories.models import Category, SlaPolicy
from app.reports.sla import SlaLimits


@dataclass(frozen=True, slots=True)
class CategoryRef:
    id: int
    code: str
    kind: str
    name: str
    is_active: bool
    limits: SlaLimits


@dataclass(frozen=True, slots=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


_LIMITS = [getattr(SlaPolicy, name) for name in SlaLimits.__dataclass_fields__]
_CATEGORIES = select(
    Category.id, Category.code, Category.kind, Category.name, Category.is_active, *_LIMITS
).join(SlaPolicy, SlaPolicy.id == Category.sla_policy_id)
_AREAS = select(Area.id, Area.code, Area.name, Area.level, Area.parent_id).where(
    Area.id.in_(bindparam("ids", expanding=True))
)


def _category(row: Row[Any]) -> CategoryRef:
    limits = SlaLimits(**{name: getattr(row, name) for name in SlaLimits.__dataclass_fields__})
    return CategoryRef(row.id, row.code, row.kind, row.name, row.is_active, limits)


class ReferenceData:
    def __init__(self, ttl_seconds: float = 0.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._by_code: dict[str, CategoryRef] = {}
        self._by_id: dict[int, CategoryRef] = {}
        self._categories_read: float | None = None
        self._areas: dict[int, tuple[float, AreaRef]] = {}

    def _fresh(self, read_at: float | None) -> bool:
        return read_at is not None and self._ttl > 0 and self._clock() - read_at < self._ttl

    def invalidate(self) -> None:
        """Forget everything (after an edit of categories, SLA policies or areas in this process)."""
        self._by_code, self._by_id, self._categories_read = {}, {}, None
        self._areas = {}

    async def _read_categories(self, session: AsyncSession) -> None:
        # All of them at once: a county has a few dozen.
        refs = [_category(row) for row in (await session.execute(_CATEGORIES)).all()]
        self._by_code = {ref.code: ref for ref in refs}
        self._by_id = {ref.id: ref for ref in refs}
        self._categories_read = self._clock()

    def _usable(self, ref: CategoryRef | None) -> bool:
        return ref is not None and ref.is_active and self._fresh(self._categories_read)

    async def category_by_code(self, session: AsyncSession, code: str) -> CategoryRef | None:
        if not self._usable(self._by_code.get(code)):
            await self._read_categories(session)
        return self._by_code.get(code)

    async def category(self, session: AsyncSession, category_id: int) -> CategoryRef | None:
        if not self._usable(self._by_id.get(category_id)):
            await self._read_categories(session)
        return self._by_id.get(category_id)

    async def areas(self, session: AsyncSession, ids: Iterable[int]) -> dict[int, AreaRef]:
        """The areas of these ids that exist."""
        wanted = set(ids)
        found: dict[int, AreaRef] = {}
        for area_id in wanted:
            kept = self._areas.get(area_id)
            if kept is not None and self._fresh(kept[0]):
                found[area_id] = kept[1]
        missing = wanted - found.keys()
        if missing:
            now = self._clock()
            for row in (await session.execute(_AREAS, {"ids": sorted(missing)})).all():
                ref = AreaRef(row.id, row.code, row.name, row.level, row.parent_id)
                found[ref.id] = ref
                if self._ttl > 0:
                    self._areas[ref.id] = (now, ref)
        return found


# What the cache is read from: a commit that wrote any of these drops the copy.
_SOURCES = (Category, SlaPolicy, Area)
_WATCHED = "reference_data"  # session.info: the ReferenceData this session's commits keep fresh
_WROTE = "reference_data_written"


def watch(session: AsyncSession, reference: ReferenceData) -> None:
    """Drop `reference` when this session commits a change to a category, an SLA policy or an area."""
    session.info[_WATCHED] = reference


@event.listens_for(Session, "before_flush")
def _note_writes(session: Session, _context: object, _instances: object) -> None:
    if _WATCHED in session.info and not session.info.get(_WROTE):
        written = chain(session.new, session.dirty, session.deleted)
        if any(isinstance(obj, _SOURCES) for obj in written):
            session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        session.info[_WATCHED].invalidate()


@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)
