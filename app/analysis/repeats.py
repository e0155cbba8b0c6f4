"""Repeat complaints (重复投诉) in SQL: problem reports whose reporter, or whose place and category,
already had another problem report in the preceding 30 days. Praise and alerts are not complaints: they
neither count nor make a later problem a repeat.

- Same reporter: the same villager (reporter_villager_id); reports filed by staff have no villager and
  are matched by place only. The nearest earlier report of that villager comes from a window function.
- Same place: the same category and coordinate system, both with coordinates, within 200 m
  (equirectangular distance; cos² of the latitude from its Taylor series so SQLite computes it too).
  Candidates are found through a grid of cells at least 200 m tall and wide (at the highest latitude
  of the reports looked at), so any two points within 200 m are in the same or a neighbouring cell.
  Category, coordinate system and cell are
  packed into one integer key, so each report of the period probes its 9 cells with one equality each
  (a hash join) instead of comparing every pair of a category.
- "Another report" is any problem report of any status (rejected and duplicates included), anywhere in
  the county, submitted earlier (same instant: the lower id is earlier), at most 30 days before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.sqlfn import within_days
from app.reports.models import Report

WINDOW_DAYS = 30
RADIUS_M = 200.0
METRES_PER_DEGREE = 6_371_000 * math.pi / 180
# Cells 211 m tall; their width in degrees of longitude is chosen for the highest latitude present, so
# that they are at least 200 m wide everywhere (see `Grid.for_latitude`).
LAT_CELL_DEGREES = 0.0019
# Cell rows (latitude) fit in 17 bits and columns (longitude) in 18 bits once offset to be positive.
_ROW_SPAN, _COLUMN_SPAN = 1 << 17, 1 << 18
_NEIGHBOURS = [dy * _COLUMN_SPAN + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


@dataclass(frozen=True, slots=True)
class Grid:
    """The cells' width in degrees of longitude. Any valid width gives the same repeats; a narrower one
    gives fewer candidate pairs to measure."""

    lng_cell_degrees: float

    @classmethod
    def for_latitude(cls, max_abs_lat: float) -> Grid:
        # cos of the highest latitude (plus a margin), floored at 80° where the width reaches its cap.
        lat = min(abs(max_abs_lat) + 0.5, 80.0)
        return cls(LAT_CELL_DEGREES / math.cos(math.radians(lat)))


DEFAULT_GRID = Grid.for_latitude(63.0)


async def grid_for(session: AsyncSession) -> Grid:
    """The narrowest valid grid for the county's reports (two lookups in the index on latitude)."""
    highest, lowest = (await session.execute(select(func.max(Report.lat), func.min(Report.lat)))).one()
    if highest is None or lowest is None:
        return DEFAULT_GRID
    return Grid.for_latitude(max(abs(float(highest)), abs(float(lowest))))


def _cos_squared(lat_degrees: Any) -> ColumnElement[float]:
    x2 = (lat_degrees * (math.pi / 180)) * (lat_degrees * (math.pi / 180))
    # cos²x = 1 - x² + x⁴/3 - 2x⁶/45 + x⁸/315 (error < 2e-4 below 60°)
    return 1 - x2 + x2 * x2 / 3 - 2 * x2 * x2 * x2 / 45 + x2 * x2 * x2 * x2 / 315


def _place_key(grid: Grid) -> ColumnElement[Any]:
    """(category, coordinate system, cell row, cell column) as one BIGINT; NULL without coordinates."""
    coords = case((Report.coord_system == "gcj02", 1), (Report.coord_system == "wgs84", 2), else_=0)
    row = cast(Report.lat / LAT_CELL_DEGREES, Integer) + _ROW_SPAN // 2
    column = cast(Report.lng / grid.lng_cell_degrees, Integer) + _COLUMN_SPAN // 2
    kind = cast(Report.category_id, BigInteger) * 4 + coords
    return (kind * _ROW_SPAN + row) * _COLUMN_SPAN + column


def repeat_ids(
    start_at: datetime, end_at: datetime, dialect: str, grid: Grid = DEFAULT_GRID
) -> Select[tuple[int]]:
    """Ids of the reports submitted in [start_at, end_at) that are repeat complaints."""
    window = (
        select(
            Report.id.label("id"),
            Report.submitted_at.label("at"),
            Report.reporter_villager_id.label("reporter"),
            Report.lat.label("lat"),
            Report.lng.label("lng"),
            (_cos_squared(Report.lat) * (METRES_PER_DEGREE * METRES_PER_DEGREE)).label("lng_m2"),
            _place_key(grid).label("place"),
        )
        .where(
            Report.kind == "problem",
            Report.submitted_at >= start_at - timedelta(days=WINDOW_DAYS),
            Report.submitted_at < end_at,
        )
        .cte("repeat_window")
    )

    lagged = (
        select(
            window.c.id,
            window.c.at,
            func.lag(window.c.at)
            .over(partition_by=window.c.reporter, order_by=(window.c.at, window.c.id))
            .label("previous_at"),
        )
        .where(window.c.reporter.is_not(None))
        .subquery("lagged")
    )
    by_reporter = select(lagged.c.id).where(
        lagged.c.at >= start_at,
        lagged.c.previous_at.is_not(None),
        within_days(lagged.c.at, lagged.c.previous_at, WINDOW_DAYS, dialect),
    )

    # Each report of the period once per neighbouring cell (9 rows), hash-joined to the window on the
    # key (sqlfn.TUNING keeps PostgreSQL from sorting both sides for a merge join instead). lng_m2, the
    # square metres per square degree of longitude at a report's latitude, is computed once per report.
    offsets = union_all(*[select(literal(o).label("o")) for o in _NEIGHBOURS]).subquery("offsets")
    probe = (
        select(
            window.c.id,
            window.c.at,
            window.c.lat,
            window.c.lng,
            window.c.lng_m2,
            (window.c.place + offsets.c.o).label("place"),
        )
        .select_from(window)
        .join(offsets, literal(True))
        .where(window.c.at >= start_at, window.c.place.is_not(None))
        .subquery("repeat_probe")
    )
    p, q = probe, window.alias("q")
    dlat, dlng = p.c.lat - q.c.lat, p.c.lng - q.c.lng
    by_place = (
        select(p.c.id)
        .select_from(p)
        .join(q, q.c.place == p.c.place)
        .where(
            tuple_(q.c.at, q.c.id) < tuple_(p.c.at, p.c.id),
            within_days(p.c.at, q.c.at, WINDOW_DAYS, dialect),
            dlat * dlat * (METRES_PER_DEGREE * METRES_PER_DEGREE) + dlng * dlng * p.c.lng_m2
            <= RADIUS_M * RADIUS_M,
        )
    )
    return select(union(by_reporter, by_place).subquery().c.id)
