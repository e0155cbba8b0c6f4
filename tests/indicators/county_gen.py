"""A generated county for the indicator tests: thousands of reports written straight into the database.

Rows are built the way the workflow leaves them (which timestamps each status carries), with every
status, ratings, extensions, reopens, key supervision, escalations, repeats by reporter and by place, and
reports on both sides of local-midnight period boundaries. Coordinates come from "spots" at least 1 km
apart with at most 60 m of jitter, so two reports are either well within 200 m or far beyond it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Department
from app.categories.models import Category
from app.people.models import StaffAccount, Villager
from app.reports.models import Report
from app.supervision.models import SupervisionOrder
from tests import factories

START = datetime(2026, 7, 31, 16, 0, tzinfo=UTC)  # 1 August 2026, 00:00 local
END = datetime(2026, 12, 15, 16, 0, tzinfo=UTC)
AS_OF = datetime(2026, 12, 16, 4, 0, tzinfo=UTC)
# The last second of 30 September local (Q3, September) and the first of 1 October (Q4, October).
BOUNDARY_BEFORE = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
BOUNDARY_AFTER = datetime(2026, 9, 30, 16, 0, 0, tzinfo=UTC)


@dataclass
class GeneratedCounty:
    county: factories.County
    towns: list[int]
    villages: list[int]
    village_town: dict[int, int]
    departments: list[int]
    handlers: list[int]
    assignees: list[int]  # everyone a report may be assigned to (handlers and one grid worker)
    reports: list[Report] = field(default_factory=list)
    supervised: set[int] = field(default_factory=set)  # reports given a key supervision order


def _offset(lat: float, lng: float, metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(bearing) / 111_195
    dlng = metres * math.sin(bearing) / (111_195 * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


async def build(session: AsyncSession, *, reports: int = 3000, seed: int = 8) -> GeneratedCounty:
    rng = random.Random(seed)
    c = await factories.county(session)
    towns = [c.town, c.other_town]
    villages = [c.village, c.other_village]
    for town in towns:
        for _ in range(2):
            villages.append(await factories.area(session, level="village", parent=town))
    village_town = {v.id: v.parent_id for v in villages if v.parent_id is not None}
    departments = [c.department, c.other_department]
    for town in towns:
        departments.append(
            d := Department(town_id=town.id, code=f"gen{factories.n()}", name=f"部门{factories.n()}")
        )
        session.add(d)
    await session.flush()
    handlers_by_village: dict[int, list[StaffAccount]] = {}
    for v in villages:
        handlers_by_village[v.id] = [
            await factories.staff(session, role="handler", area=v, team="volunteer") for _ in range(2)
        ]
    # A handler who never gets a case: listed with zeros.
    idle = await factories.staff(session, role="handler", area=c.village, team="technician")
    grid_worker = await factories.staff(session, role="grid_worker", area=c.grid)
    villagers = [
        Villager(mp_openid=f"gen-{seed}-{i}", home_village_id=villages[i % len(villages)].id)
        for i in range(400)
    ]
    session.add_all(villagers)
    await session.flush()
    categories = list((await session.scalars(select(Category).order_by(Category.id))).all())
    by_kind: dict[str, list[Category]] = {}
    for cat in categories:
        by_kind.setdefault(cat.kind, []).append(cat)

    spots: dict[int, list[tuple[float, float]]] = {}
    for i, v in enumerate(villages):
        base_lat, base_lng = 31.50 + 0.1 * i, 106.60 + 0.1 * i
        spots[v.id] = [_offset(base_lat, base_lng, 1500.0 * k, 0.7) for k in range(8)]

    span = (END - START).total_seconds()
    rows: list[Report] = []
    for i in range(reports):
        if i == 0:
            submitted = BOUNDARY_BEFORE
        elif i == 1:
            submitted = BOUNDARY_AFTER
        else:
            submitted = START + timedelta(seconds=rng.random() * span)
        village = rng.choice(villages)
        kind = rng.choices(["problem", "praise", "alert"], weights=[80, 10, 10])[0]
        category = rng.choice(by_kind[kind])
        reporter = rng.choice(villagers) if rng.random() < 0.85 else None
        lat = lng = None
        coords = None
        if rng.random() < 0.8:
            # Popular spots draw more reports: the first spots of a village are the busiest.
            spot = spots[village.id][min(int(rng.expovariate(0.6)), 7)]
            lat, lng = _offset(*spot, rng.random() * 60, rng.random() * 2 * math.pi)
            coords = "gcj02" if rng.random() < 0.8 else "wgs84"
        row = Report(
            kind=kind,
            category_id=category.id,
            description=f"生成的反映{i}",
            lat=lat,
            lng=lng,
            coord_system=coords,
            town_id=village_town[village.id],
            village_id=village.id,
            reporter_villager_id=reporter.id if reporter else None,
            status="submitted",
            submitted_at=submitted,
            respond_due_at=submitted + timedelta(minutes=30),
            resolve_due_at=submitted + timedelta(hours=24) if kind == "problem" else None,
            key_supervision=kind == "problem" and rng.random() < 0.06,
        )
        _live(row, rng, village_town, handlers_by_village, departments, grid_worker)
        rows.append(row)
    session.add_all(rows)
    await session.flush()
    supervised = await _orders(session, rows, rng)
    return GeneratedCounty(
        county=c,
        towns=[t.id for t in towns],
        villages=[v.id for v in villages],
        village_town=village_town,
        departments=[d.id for d in departments],
        handlers=[h.id for hs in handlers_by_village.values() for h in hs] + [idle.id],
        assignees=[h.id for hs in handlers_by_village.values() for h in hs] + [grid_worker.id],
        reports=rows,
        supervised=supervised,
    )


async def _orders(session: AsyncSession, rows: list[Report], rng: random.Random) -> set[int]:
    """Key supervision orders on most flagged reports: a resolved one's order is mostly closed, and
    closing clears the report's flag (as supervision.close_order does)."""
    orders = []
    for r in rows:
        if not r.key_supervision or rng.random() < 0.3:
            continue  # flagged by the console's action alone, without an order
        closed = r.resolved_at is not None and rng.random() < 0.7
        at = r.submitted_at + timedelta(hours=48)
        orders.append(
            SupervisionOrder(
                report_id=r.id,
                source="manual",
                status="closed" if closed else "open",
                reason="生成的督办",
                opened_at=at,
                due_at=at + timedelta(days=3),
                closed_at=r.resolved_at if closed else None,
            )
        )
        if closed:
            r.key_supervision = False
    session.add_all(orders)
    await session.flush()
    return {o.report_id for o in orders}


def _clamp(at: datetime) -> datetime | None:
    """Events after the analysis instant have not happened yet."""
    return at if at <= AS_OF else None


def _live(
    row: Report,
    rng: random.Random,
    village_town: dict[int, int],
    handlers: dict[int, list[StaffAccount]],
    departments: list[Department],
    grid_worker: StaffAccount,
) -> None:
    """Moves a fresh row along the lifecycle to a random end state, setting what the workflow sets."""
    submitted = row.submitted_at
    response = submitted + timedelta(minutes=rng.choice([2, 10, 25, 29, 30, 31, 45, 90, 240]) + rng.random())
    if row.kind != "problem":
        end = rng.choices(
            ["submitted", "acknowledged", "published", "forwarded", "rejected"], [10, 40, 25, 15, 10]
        )
        state = end[0]
        if state == "submitted" or _clamp(response) is None:
            return
        if state == "rejected":
            row.status, row.reject_reason, row.closed_at = "rejected", "invalid", response
            return
        row.status, row.accepted_at = state, response
        if state != "acknowledged":
            row.closed_at = response + timedelta(hours=2)
        if state == "forwarded":
            row.department_id = rng.choice(departments).id
        return
    story = rng.choices(
        [
            "submitted",
            "rejected",
            "duplicate_after_accept",
            "accepted",
            "assigned",
            "in_progress",
            "resolved",
            "closed_satisfied",
            "closed_basically",
            "reopened_unsatisfied",
            "closed_no_rating",
            "reopened_then_closed",
        ],
        [5, 7, 3, 5, 8, 8, 12, 25, 10, 5, 7, 5],
    )[0]
    if story == "submitted" or _clamp(response) is None:
        return
    if story == "rejected":
        row.status = "rejected"
        row.reject_reason = rng.choice(["invalid", "out_of_scope", "duplicate"])
        row.closed_at = response
        return
    row.accepted_at = response
    row.status = "accepted"
    if story == "duplicate_after_accept":
        row.status, row.reject_reason = "rejected", "duplicate"
        row.closed_at = response + timedelta(minutes=20)
        return
    if story == "accepted":
        return
    # Assigned: a village handler, a team, a grid worker, or escalated to a town department.
    pick = rng.random()
    if pick < 0.55:
        row.assignee_staff_id = rng.choice(handlers[row.village_id]).id
    elif pick < 0.62:
        row.assignee_staff_id = grid_worker.id
    elif pick < 0.72:
        row.assignee_team = "volunteer"
    else:
        own = [d for d in departments if d.town_id == village_town[row.village_id]]
        row.department_id = (rng.choice(own) if rng.random() < 0.9 else rng.choice(departments)).id
        row.escalation_level = 1
    row.status = "assigned"
    if rng.random() < 0.15:
        row.resolve_due_at = submitted + timedelta(hours=72)  # an approved extension
    if story == "assigned":
        return
    row.status = "in_progress"
    if story == "in_progress":
        return
    resolved = response + timedelta(hours=rng.choice([1, 5, 12, 20, 23.4, 30, 47, 70, 90]) + rng.random())
    if _clamp(resolved) is None:
        return
    row.resolved_at, row.status, row.result_summary = resolved, "resolved", "已处理"
    if story == "resolved":
        return
    rated = resolved + timedelta(hours=rng.choice([2, 30, 100]))
    if _clamp(rated) is None:
        return
    if story in ("closed_satisfied", "closed_basically"):
        row.rating = "satisfied" if story == "closed_satisfied" else "basically"
        row.status, row.closed_at, row.close_reason = "closed", rated, "rated"
        return
    if story == "closed_no_rating":
        row.status, row.closed_at, row.close_reason = "closed", rated, "no_response"
        return
    # Unsatisfied: reopened with a fresh 24-hour limit.
    row.rating, row.reopen_count = "unsatisfied", 1
    row.resolved_at, row.closed_at = None, None
    row.status = (
        "assigned" if (row.assignee_staff_id or row.assignee_team or row.department_id) else "accepted"
    )
    row.resolve_due_at = rated + timedelta(hours=24)
    if story == "reopened_unsatisfied":
        return
    again = rated + timedelta(hours=rng.choice([3, 30]))
    closed = again + timedelta(hours=5)
    if _clamp(closed) is None:
        return
    row.resolved_at, row.closed_at = again, closed
    row.rating = rng.choice(["satisfied", "basically", None])
    row.status, row.close_reason = "closed", "rated" if row.rating else "no_response"
