"""Repeated complaints (反复投诉): one villager, or one spot, in one category, again and again. Pure.

- Reporter: every report of one villager in one category within the window (the repository only hands
  over villager-category pairs that reached WARNING_REPEAT_MIN). Staff filers (grid workers report as
  their job) are not "repeat complainers".
- Place: located reports of one category within WARNING_REPEAT_RADIUS_M of a seed report, whoever filed
  them. Seeds are taken greedily, the report with the most unclaimed neighbours first, so a cluster is a
  disc of that radius around a real report (no chaining along a road) and each report is in one
  cluster. Points are compared only within one coordinate system (GCJ-02 and WGS-84 differ by
  hundreds of metres). A place cluster filed by one villager alone is left to the reporter rule.
Status does not matter: rejected and closed reports count (a complaint rejected three times is the
point of the warning).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from app.warnings.clusters import Candidate, Cluster
from app.warnings.geo import pairs_within
from app.warnings.models import Basis, WarningKind
from app.warnings.thresholds import Thresholds


def by_reporter(candidates: Iterable[Candidate], t: Thresholds) -> list[Cluster]:
    groups: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.villager_id is not None:
            groups[(c.villager_id, c.category_id)].append(c)
    clusters = []
    for (villager_id, category_id), members in sorted(groups.items()):
        if len(members) >= t.repeat_min:
            clusters.append(
                Cluster(
                    kind=WarningKind.repeated,
                    basis=Basis.reporter,
                    category_id=category_id,
                    subject=f"v{villager_id}",
                    members=tuple(sorted(members, key=_order)),
                    min_reports=t.repeat_min,
                    details={"villager_id": villager_id},
                )
            )
    return clusters


def by_place(candidates: Iterable[Candidate], t: Thresholds) -> list[Cluster]:
    groups: dict[tuple[int, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.located:
            groups[(c.category_id, c.coord_system or "")].append(c)
    clusters = []
    for (category_id, _system), members in sorted(groups.items()):
        for disc in _discs(sorted(members, key=_order), t.repeat_radius_m, t.repeat_min):
            if len({m.reporter for m in disc}) == 1 and disc[0].villager_id is not None:
                continue  # one villager's repeats: the reporter rule's warning
            seed = disc[0]
            clusters.append(
                Cluster(
                    kind=WarningKind.repeated,
                    basis=Basis.place,
                    category_id=category_id,
                    subject="-",
                    members=tuple(sorted(disc, key=_order)),
                    min_reports=t.repeat_min,
                    details={"lat": seed.lat, "lng": seed.lng, "radius_m": t.repeat_radius_m},
                )
            )
    return clusters


def _discs(members: Sequence[Candidate], radius_m: float, minimum: int) -> list[list[Candidate]]:
    """Greedy seeds: the report with most unclaimed neighbours and those neighbours, while enough remain.

    The seed is placed first in each returned list.
    """
    near: list[set[int]] = [{i} for i in range(len(members))]
    points = [(m.lat or 0.0, m.lng or 0.0) for m in members]
    for i, j in pairs_within(points, radius_m):
        near[i].add(j)
        near[j].add(i)
    free = set(range(len(members)))
    found: list[list[Candidate]] = []
    while True:
        # Most neighbours first; among equals the earliest report (members are in report order).
        best = max(sorted(free), key=lambda i: len(near[i] & free), default=None)
        if best is None or len(near[best] & free) < minimum:
            return found
        chosen = near[best] & free
        free -= chosen
        found.append([members[best], *(members[i] for i in sorted(chosen - {best}))])


def _order(c: Candidate) -> tuple[object, int]:
    return (c.submitted_at, c.id)
