"""The indicators recomputed in plain Python from the generated rows, independently of app/analysis.

Written from the definitions in app/analysis/indicators.py's docstring, not from its SQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.reports.models import Report

TZ = ZoneInfo("Asia/Shanghai")
OPEN = {"submitted", "accepted", "assigned", "in_progress"}


def local_day_in(report: Report, start_day: object, end_day: object) -> bool:
    day = report.submitted_at.astimezone(TZ).date()
    return start_day <= day < end_day  # type: ignore[operator]


def first_response(r: Report) -> datetime | None:
    if r.accepted_at is not None:
        return r.accepted_at
    if r.status == "rejected":
        return r.closed_at
    return None


def haversine_m(a: Report, b: Report) -> float:
    assert a.lat is not None and a.lng is not None and b.lat is not None and b.lng is not None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def repeats(all_reports: list[Report]) -> set[int]:
    """Problems with an earlier problem ≤ 30 days before: same villager, or same category and ≤ 200 m."""
    found: set[int] = set()
    order = sorted((r for r in all_reports if r.kind == "problem"), key=lambda r: (r.submitted_at, r.id))
    by_reporter: dict[int, list[Report]] = defaultdict(list)
    by_category: dict[tuple[int, str], list[Report]] = defaultdict(list)
    window = timedelta(days=30)
    for r in order:
        if r.reporter_villager_id is not None:
            earlier = by_reporter[r.reporter_villager_id]
            if earlier and r.submitted_at - earlier[-1].submitted_at <= window:
                found.add(r.id)
            earlier.append(r)
        if r.lat is not None and r.lng is not None:
            bucket = by_category[(r.category_id, r.coord_system or "")]
            for q in reversed(bucket):
                if r.submitted_at - q.submitted_at > window:
                    break
                if haversine_m(r, q) <= 200:
                    found.add(r.id)
                    break
            bucket.append(r)
    return found


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (what percentile_cont does)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figures_of(
    reports: Iterable[Report], repeat_ids: set[int], as_of: datetime, supervised: set[int]
) -> dict[str, object]:
    """`supervised`: the reports given a key supervision order (closing one clears the report's flag)."""
    f: dict[str, int] = defaultdict(int)
    response_minutes: list[float] = []
    resolve_hours: list[float] = []
    for r in reports:
        f["received"] += 1
        rejected = r.status == "rejected"
        problem = r.kind == "problem"
        if r.accepted_at is not None and not rejected:
            f["accepted"] += 1
        if rejected:
            f["rejected"] += 1
        if r.status == "submitted":
            f["awaiting_response"] += 1
        answered = first_response(r)
        if answered is not None:
            f["responded"] += 1
            response_minutes.append((answered - r.submitted_at).total_seconds() / 60)
            if r.respond_due_at is not None and answered <= r.respond_due_at:
                f["responded_in_time"] += 1
        if (
            problem
            and not rejected
            and (r.resolved_at is not None or (r.resolve_due_at is not None and r.resolve_due_at < as_of))
        ):
            f["due"] += 1
        if r.resolved_at is not None:
            f["resolved"] += 1
            resolve_hours.append((r.resolved_at - r.submitted_at).total_seconds() / 3600)
            if r.resolve_due_at is not None and r.resolved_at <= r.resolve_due_at:
                f["resolved_on_time"] += 1
            if r.rating is None:
                f["unrated"] += 1
            if r.key_supervision or r.id in supervised:
                f["key_supervision_resolved"] += 1
        if problem and r.status in OPEN and r.resolve_due_at is not None and r.resolve_due_at < as_of:
            f["overdue_open"] += 1
        if r.rating is not None:
            f["rated"] += 1
        if r.rating in ("satisfied", "basically"):
            f["satisfied"] += 1
        if r.key_supervision or r.id in supervised:
            f["key_supervision"] += 1
        if r.reopen_count > 0:
            f["reopened"] += 1
        if r.resolved_at is not None or r.reopen_count > 0:
            f["ever_resolved"] += 1
        if r.id in repeat_ids:
            f["repeat_complaints"] += 1

    def rate(a: str, b: str) -> float | None:
        return f[a] / f[b] if f[b] else None

    return {
        **f,
        "median_response_minutes": percentile(response_minutes, 0.5),
        "p90_response_minutes": percentile(response_minutes, 0.9),
        "median_resolve_hours": percentile(resolve_hours, 0.5),
        "p90_resolve_hours": percentile(resolve_hours, 0.9),
        "responded_in_time_rate": rate("responded_in_time", "received"),
        "on_time_rate": rate("resolved_on_time", "due"),
        "satisfaction_rate": rate("satisfied", "rated"),
        "unrated_share": rate("unrated", "resolved"),
        "key_supervision_rate": rate("key_supervision_resolved", "key_supervision"),
        "reopen_rate": rate("reopened", "ever_resolved"),
    }


def unit_of(r: Report, kind: str, village_town: dict[int, int], county_id: int) -> int | None:
    if kind == "county":
        return county_id
    if kind == "town":
        return village_town[r.village_id]
    if kind == "village":
        return r.village_id
    if kind == "department":
        return r.department_id
    return r.assignee_staff_id
