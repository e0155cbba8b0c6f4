"""Concentrated reports (集中反映): several people raising one issue within a few days. Pure.

Within one category and the window (WARNING_CONCENTRATED_HOURS), two reports are linked when they are
about the same place — the same village, or both located within WARNING_CONCENTRATED_RADIUS_M (which
reaches across a village boundary) — and their texts are alike (similarity.similarity at least
WARNING_TEXT_SIMILARITY). A cluster is a connected component of those links with at least
WARNING_CONCENTRATED_MIN_REPORTERS distinct reporters: two unrelated issues in one village share no
link, so they make two clusters. Pairs are compared only inside one category's window (small groups).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from app.warnings.clusters import Candidate, Cluster
from app.warnings.geo import pairs_within
from app.warnings.models import Basis, WarningKind
from app.warnings.similarity import similarity
from app.warnings.thresholds import Thresholds


def find(candidates: Iterable[Candidate], t: Thresholds) -> list[Cluster]:
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[c.category_id].append(c)
    clusters = []
    for category_id, members in sorted(groups.items()):
        members.sort(key=lambda c: (c.submitted_at, c.id))
        for component in _components(members, t):
            if len({m.reporter for m in component}) >= t.concentrated_min_reporters:
                clusters.append(
                    Cluster(
                        kind=WarningKind.concentrated,
                        basis=Basis.issue,
                        category_id=category_id,
                        subject="-",
                        members=tuple(component),
                        min_reports=t.concentrated_min_reporters,
                        min_reporters=t.concentrated_min_reporters,
                    )
                )
    return clusters


def _components(members: Sequence[Candidate], t: Thresholds) -> list[list[Candidate]]:
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _place_pairs(members, t.concentrated_radius_m):
        a, b = members[i], members[j]
        if root(i) != root(j) and abs(a.submitted_at - b.submitted_at) <= t.concentrated_window:
            if similarity(a.description, b.description) >= t.text_similarity:
                parent[root(i)] = root(j)
    found: dict[int, list[Candidate]] = defaultdict(list)
    for i, m in enumerate(members):
        found[root(i)].append(m)
    return [c for c in found.values() if len(c) > 1]


def _place_pairs(members: Sequence[Candidate], radius_m: float) -> set[tuple[int, int]]:
    """Pairs in the same village, and located pairs (one coordinate system) within the radius."""
    pairs: set[tuple[int, int]] = set()
    by_village: dict[int, list[int]] = defaultdict(list)
    by_system: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(members):
        by_village[m.village_id].append(i)
        if m.located:
            by_system[m.coord_system or ""].append(i)
    for idx in by_village.values():
        pairs.update((a, b) for n, a in enumerate(idx) for b in idx[n + 1 :])
    for idx in by_system.values():
        points = [(members[i].lat or 0.0, members[i].lng or 0.0) for i in idx]
        pairs.update((min(idx[a], idx[b]), max(idx[a], idx[b])) for a, b in pairs_within(points, radius_m))
    return pairs
