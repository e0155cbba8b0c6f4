"""A rising category (类别激增): this week's count far above the weeks before. Pure.

"This week" is the last 7 days up to the scan (a rolling week, so a surge is seen within a scan, not on
the Monday after), compared with the average of the WARNING_RISING_WEEKS 7-day spans before it. A
category is rising in a town, or in the whole county, when its count is at least WARNING_RISING_MIN
and at least WARNING_RISING_FACTOR × that average. With an average of 0 the first condition alone
decides (anything from nothing is a rise). Weeks before the ledger's first report do not count; with
none at all, nothing is rising yet (a new county's first week is not a surge).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.warnings.clusters import Candidate, Cluster
from app.warnings.models import Basis, WarningKind
from app.warnings.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class Surge:
    area_id: int
    basis: Basis  # town or county
    category_id: int
    count: int
    average: float
    needed: int  # what a week needs to count as rising here


def needed(average: float, t: Thresholds) -> int:
    return max(t.rising_min, math.ceil(t.rising_factor * average - 1e-9))


def surges(
    recent: Mapping[tuple[int, int], int],
    trailing: Mapping[tuple[int, int], int],
    *,
    weeks: int,
    county_id: int,
    t: Thresholds,
) -> list[Surge]:
    """`recent`/`trailing`: counts per (town id, category id); `weeks`: trailing weeks that count."""
    if weeks < 1:
        return []
    county_recent: Counter[int] = Counter()
    county_trailing: Counter[int] = Counter()
    for (_town, category), n in recent.items():
        county_recent[category] += n
    for (_town, category), n in trailing.items():
        county_trailing[category] += n
    found = []
    for (town, category), n in sorted(recent.items()):
        average = trailing.get((town, category), 0) / weeks
        if n >= needed(average, t):
            found.append(Surge(town, Basis.town, category, n, average, needed(average, t)))
    for category, n in sorted(county_recent.items()):
        average = county_trailing[category] / weeks
        if n >= needed(average, t):
            found.append(Surge(county_id, Basis.county, category, n, average, needed(average, t)))
    return found


def clusters(found: Iterable[Surge], members: Iterable[Candidate], *, weeks: int) -> list[Cluster]:
    """One cluster per surge, listing the week's reports of that category in that area."""
    pool = list(members)
    out = []
    for s in found:
        chosen = [
            m
            for m in pool
            if m.category_id == s.category_id and (s.basis is Basis.county or m.town_id == s.area_id)
        ]
        out.append(
            Cluster(
                kind=WarningKind.rising,
                basis=s.basis,
                category_id=s.category_id,
                subject=f"a{s.area_id}",
                members=tuple(sorted(chosen, key=lambda c: (c.submitted_at, c.id))),
                min_reports=s.needed,
                area_id=s.area_id,
                details={
                    "count": s.count,
                    "average": round(s.average, 2),
                    "weeks": weeks,
                    "needed": s.needed,
                },
            )
        )
    return out
