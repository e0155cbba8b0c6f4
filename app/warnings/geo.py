"""Distances on the ground and a grid that finds the points near each other without comparing all pairs."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def pairs_within(points: Sequence[tuple[float, float]], radius_m: float) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) of the points at most `radius_m` apart.

    Cells are `radius_m` tall and, at the group's widest latitude, at least `radius_m` wide, so two
    points that close lie in the same or a neighbouring cell: only those are measured.
    """
    if not points:
        return
    widest = max(abs(lat) for lat, _ in points)
    dlat = radius_m / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(min(widest, 89.0))), 1e-6)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (lat, lng) in enumerate(points):
        cells[(math.floor(lat / dlat), math.floor(lng / dlng))].append(i)
    for (cy, cx), members in cells.items():
        near = [j for dy in (-1, 0, 1) for dx in (-1, 0, 1) for j in cells.get((cy + dy, cx + dx), ())]
        for i in members:
            lat, lng = points[i]
            for j in near:
                if j > i and haversine_m(lat, lng, *points[j]) <= radius_m:
                    yield i, j
