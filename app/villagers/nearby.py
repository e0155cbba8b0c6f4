"""Open reports near a point, so a villager can second one (附议) instead of filing a duplicate.

Phones in China report GCJ-02 (the mini program's default) or WGS-84 (GPS, photo EXIF); the two differ
by several hundred metres, more than the search radius, so every point is compared in GCJ-02.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.models import Category
from app.reports.models import Report
from app.villagers.visibility import secondable

_A = 6378245.0
_EE = 0.00669342162296594323
_EARTH_RADIUS_M = 6371008.8
# Wide enough to hold the radius plus the largest GCJ-02 shift, before the exact distance is taken.
_PREFILTER_DEG = 0.02


def _outside_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """The published GCJ-02 approximation (accurate to a few metres); identity outside China."""
    if _outside_china(lat, lng):
        return lat, lng
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lng + dlng


def as_gcj02(lat: float, lng: float, system: str | None) -> tuple[float, float]:
    return wgs84_to_gcj02(lat, lng) if system == "wgs84" else (lat, lng)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


@dataclass(frozen=True, slots=True)
class Nearby:
    report: Report
    category_name: str
    distance_m: float


async def open_reports_near(
    session: AsyncSession,
    *,
    lat: float,
    lng: float,
    coord_system: str,
    category_id: int,
    radius_m: float,
    limit: int = 20,
) -> Sequence[Nearby]:
    here = as_gcj02(lat, lng, coord_system)
    rows = await session.execute(
        select(Report, Category.name)
        .join(Category, Category.id == Report.category_id)
        .where(
            secondable(),
            Report.category_id == category_id,
            Report.lat.between(lat - _PREFILTER_DEG, lat + _PREFILTER_DEG),
            Report.lng.between(lng - _PREFILTER_DEG, lng + _PREFILTER_DEG),
        )
        .order_by(Report.id.desc())
        .limit(500)
    )
    found = []
    for report, name in rows.all():
        assert report.lat is not None and report.lng is not None
        d = distance_m(here, as_gcj02(report.lat, report.lng, report.coord_system))
        if d <= radius_m:
            found.append(Nearby(report, name, d))
    return sorted(found, key=lambda n: n.distance_m)[:limit]
