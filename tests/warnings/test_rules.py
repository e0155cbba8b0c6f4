"""The detectors as pure rules, on hand-made candidates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.warnings import concentrated, repeated
from app.warnings.clusters import Candidate
from app.warnings.geo import haversine_m, pairs_within
from app.warnings.models import Basis
from app.warnings.thresholds import Thresholds
from tests.warnings.synthetic import offset

T = Thresholds()
AT = datetime(2026, 11, 20, 2, tzinfo=UTC)
HOME = (31.56, 107.10)
_ids = iter(range(1, 10_000))


def cand(
    *,
    villager: int | None = None,
    staff: int | None = None,
    category: int = 1,
    village: int = 10,
    town: int = 2,
    hours: float = 0,
    east: float | None = None,
    north: float = 0.0,
    system: str = "gcj02",
    text: str = "",
) -> Candidate:
    point = offset(HOME, east, north) if east is not None else None
    return Candidate(
        id=next(_ids),
        category_id=category,
        town_id=town,
        village_id=village,
        submitted_at=AT + timedelta(hours=hours),
        villager_id=villager,
        staff_id=staff,
        lat=point[0] if point else None,
        lng=point[1] if point else None,
        coord_system=system if point else None,
        description=text,
    )


def test_haversine_and_the_grid_find_exactly_the_close_pairs():
    points = [offset(HOME, 0, 0), offset(HOME, 150, 0), offset(HOME, 199, 0), offset(HOME, 0, 260)]
    assert abs(haversine_m(*points[0], *points[1]) - 150) < 0.5
    assert set(pairs_within(points, 200)) == {(0, 1), (0, 2), (1, 2)}


def test_one_villager_three_times_in_one_category_is_a_repeat_twice_or_staff_is_not():
    clusters = repeated.by_reporter(
        [cand(villager=1) for _ in range(3)]
        + [cand(villager=2) for _ in range(2)]
        + [cand(villager=3, category=c) for c in (1, 2, 3)],
        T,
    )
    assert [(c.subject, len(c.members)) for c in clusters] == [("v1", 3)]
    assert repeated.by_reporter([cand(staff=9) for _ in range(5)], T) == []


def test_one_place_needs_three_reports_within_the_radius_without_chaining_along_a_road():
    line = [cand(villager=i, east=150.0 * i) for i in range(6)]  # every 150 m along a road
    clusters = repeated.by_place(line, T)
    assert all(c.basis is Basis.place for c in clusters)
    for c in clusters:  # each cluster is a disc of 200 m around its seed, never the whole road
        lat, lng = c.details["lat"], c.details["lng"]
        assert all(haversine_m(lat, lng, m.lat or 0, m.lng or 0) <= 200 for m in c.members)
    assert sum(len(c.members) for c in clusters) <= 6 and len(clusters) == 2
    apart = [cand(villager=i, east=260.0 * i) for i in range(3)]
    assert repeated.by_place(apart, T) == []


def test_a_place_cluster_keeps_to_one_coordinate_system_and_leaves_one_villager_to_the_reporter_rule():
    mixed = [cand(villager=1, east=0), cand(villager=2, east=10), cand(villager=3, east=20, system="wgs84")]
    assert repeated.by_place(mixed, T) == []
    alone = [cand(villager=7, east=5.0 * i) for i in range(3)]
    assert repeated.by_place(alone, T) == []
    three = [cand(villager=i, east=5.0 * i, village=10 + i) for i in range(3)]  # across village borders
    (cluster,) = repeated.by_place(three, T)
    assert len(cluster.members) == 3


LIGHTS = [
    "村口路灯不亮，晚上走路看不见",
    "村口的路灯坏了好几天了",
    "路灯坏了，村口晚上一片漆黑",
    "村口路灯晚上不亮",
]
WATER = ["全村停水两天了，做饭洗衣都没水", "村里自来水停了两天", "连续两天停水，一滴水都没有"]


def test_concentrated_splits_unrelated_issues_in_one_village():
    found = concentrated.find(
        [cand(villager=i, text=t, hours=i) for i, t in enumerate(LIGHTS)]
        + [cand(villager=10 + i, text=t, hours=i) for i, t in enumerate(WATER)],
        T,
    )
    assert sorted(len(c.members) for c in found) == [3, 4]
    texts = [{m.description for m in c.members} for c in found]
    assert set(LIGHTS) in texts and set(WATER) in texts


def test_concentrated_needs_distinct_reporters_the_window_and_the_place():
    same_person = [cand(villager=1, text=t) for t in LIGHTS[:3]]
    assert concentrated.find(same_person, T) == []
    # More than 72 h apart: no link (the scan's window, 72 h up to now, also bounds a whole cluster).
    too_slow = [cand(villager=i, text=t, hours=80.0 * i) for i, t in enumerate(LIGHTS[:3])]
    assert concentrated.find(too_slow, T) == []
    far = [cand(villager=i, text=t, village=20 + i, east=2000.0 * i) for i, t in enumerate(LIGHTS[:3])]
    assert concentrated.find(far, T) == []
    near = [cand(villager=i, text=t, village=20 + i, east=300.0 * i) for i, t in enumerate(LIGHTS[:3])]
    (across,) = concentrated.find(near, T)
    assert {m.village_id for m in across.members} == {20, 21, 22}
    other_category = [cand(villager=i, text=t, category=1 + i) for i, t in enumerate(LIGHTS[:3])]
    assert concentrated.find(other_category, T) == []


def test_a_cluster_qualifies_on_part_of_its_reports_only_with_enough_of_them():
    (cluster,) = concentrated.find([cand(villager=i, text=t) for i, t in enumerate(LIGHTS)], T)
    ids = [m.id for m in cluster.members]
    assert cluster.qualifies(ids) and cluster.qualifies(ids[:3]) and not cluster.qualifies(ids[:2])
