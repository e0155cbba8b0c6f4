"""Turning the clusters a scan found into warnings, idempotently.

The rule, for each cluster (its key: kind, basis, category, subject):
- The reports it shares with warnings of the same key are already listed; the rest are its new reports.
- If it shares a report with an open warning, it *is* that warning (the one sharing most): the new
  reports are added, `version` goes up and a bulletin goes out. As the window slides a cluster loses
  its oldest reports but still shares the rest, so a cluster that keeps going stays one warning.
- Otherwise (no warning, or only acknowledged or dismissed ones) its new reports make a new warning
  if they qualify on their own (enough reports, enough distinct reporters): a decided warning is never
  reopened, and the same cluster found again adds nothing.
A scan that finds nothing new writes nothing, however often it runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.categories.models import Category
from app.warnings import repository
from app.warnings.clusters import Candidate, Cluster
from app.warnings.models import Basis, EarlyWarning, WarningKind, WarningReport, WarningStatus
from app.warnings.titles import title


@dataclass
class Change:
    warning: EarlyWarning
    added: list[int]
    created: bool


@dataclass
class Names:
    """Area and category names for titles, each read once per scan."""

    areas: dict[int, Area] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)

    async def area(self, session: AsyncSession, area_id: int) -> Area:
        if area_id not in self.areas:
            row = await session.get(Area, area_id)
            assert row is not None, area_id
            self.areas[area_id] = row
        return self.areas[area_id]

    async def category(self, session: AsyncSession, category_id: int) -> str:
        if category_id not in self.categories:
            row = await session.get(Category, category_id)
            self.categories[category_id] = row.name if row else str(category_id)
        return self.categories[category_id]


async def apply(
    session: AsyncSession, clusters: Sequence[Cluster], *, now: datetime, county_id: int
) -> list[Change]:
    names = Names()
    changes = []
    for cluster in clusters:
        change = await _one(session, cluster, now=now, county_id=county_id, names=names)
        if change is not None:
            changes.append(change)
    await session.flush()
    return changes


async def _one(
    session: AsyncSession, cluster: Cluster, *, now: datetime, county_id: int, names: Names
) -> Change | None:
    links = await repository.linked(session, key=cluster.key, report_ids=cluster.ids)
    taken = {report_id for _, report_id, _ in links}
    new = [m for m in cluster.members if m.id not in taken]
    if not new:
        return None
    shared_open = Counter(w for w, _, status in links if status == WarningStatus.open.value)
    if shared_open:
        warning_id = min(shared_open, key=lambda w: (-shared_open[w], w))
        warning = await session.get(EarlyWarning, warning_id)
        assert warning is not None
        await _grow(session, warning, cluster, new, now=now, county_id=county_id, names=names)
        return Change(warning, [m.id for m in new], created=False)
    if not cluster.qualifies(m.id for m in new):
        return None
    warning = await _create(session, cluster, new, now=now, county_id=county_id, names=names)
    return Change(warning, [m.id for m in new], created=True)


async def _create(
    session: AsyncSession,
    cluster: Cluster,
    members: list[Candidate],
    *,
    now: datetime,
    county_id: int,
    names: Names,
) -> EarlyWarning:
    first = min(members, key=lambda m: m.id)
    village_id, town_id = _span(members)
    warning = EarlyWarning(
        signature=":".join((*map(str, cluster.key[:2]), f"c{cluster.category_id}", cluster.subject))
        + f":r{first.id}",
        kind=cluster.kind.value,
        basis=cluster.basis.value,
        category_id=cluster.category_id,
        subject=cluster.subject,
        status=WarningStatus.open.value,
        report_count=len(members),
        version=1,
        first_report_at=min(m.submitted_at for m in members),
        last_report_at=max(m.submitted_at for m in members),
        detected_at=now,
        details=dict(cluster.details),
        title="",
        created_at=now,
        updated_at=now,
    )
    _place(warning, cluster, village_id, town_id, county_id)
    session.add(warning)
    await session.flush()
    session.add_all(WarningReport(warning_id=warning.id, report_id=m.id, version=1) for m in members)
    await _retitle(session, warning, names)
    return warning


async def _grow(
    session: AsyncSession,
    warning: EarlyWarning,
    cluster: Cluster,
    new: list[Candidate],
    *,
    now: datetime,
    county_id: int,
    names: Names,
) -> None:
    warning.version += 1
    session.add_all(
        WarningReport(warning_id=warning.id, report_id=m.id, version=warning.version) for m in new
    )
    warning.report_count += len(new)
    warning.first_report_at = min(warning.first_report_at, *(m.submitted_at for m in new))
    warning.last_report_at = max(warning.last_report_at, *(m.submitted_at for m in new))
    warning.grown_at = now
    warning.updated_at = now
    village_id, town_id = _span(new)
    if warning.village_id != village_id:
        village_id = None
    if warning.town_id != town_id:
        town_id = None
    # A new dict: a JSON column notices reassignment, not mutation in place.
    warning.details = {**warning.details, **cluster.details}
    _place(warning, cluster, village_id, town_id, county_id)
    await _retitle(session, warning, names)


def _span(members: Sequence[Candidate]) -> tuple[int | None, int | None]:
    villages = {m.village_id for m in members}
    towns = {m.town_id for m in members}
    return (
        next(iter(villages)) if len(villages) == 1 else None,
        next(iter(towns)) if len(towns) == 1 else None,
    )


def _place(
    warning: EarlyWarning, cluster: Cluster, village_id: int | None, town_id: int | None, county_id: int
) -> None:
    """The narrowest area over all its reports; a rising warning keeps the area it is about."""
    if cluster.kind is WarningKind.rising:
        warning.area_id = cluster.area_id or county_id
        warning.town_id = cluster.area_id if cluster.basis is Basis.town else None
        warning.village_id = None
        return
    warning.village_id = village_id if town_id is not None else None
    warning.town_id = town_id
    warning.area_id = warning.village_id or town_id or county_id


async def _retitle(session: AsyncSession, warning: EarlyWarning, names: Names) -> None:
    await session.flush()
    area = await names.area(session, warning.area_id)
    warning.title = title(
        basis=Basis(warning.basis),
        area=area.name,
        category=await names.category(session, warning.category_id),
        count=warning.report_count,
        reporters=await repository.reporter_count(session, warning_id=warning.id),
        details=warning.details,
    )[:200]
