"""Every indicator of every unit kind, on a generated county, against an independent recomputation."""

from __future__ import annotations

import math

import pytest

from app.analysis import indicators
from app.analysis.indicators import FIGURES, UnitKind
from app.analysis.periods import parse_period
from app.people.scope import area_condition
from tests.indicators import county_gen, oracle
from tests.indicators.county_gen import AS_OF
from tests.indicators.oracle import TZ

PERIODS = ["2026-09", "2026-10", "2026-Q3", "2026-W40", "2026-W48"]
RATE_NAMES = [
    "responded_in_time_rate",
    "on_time_rate",
    "satisfaction_rate",
    "unrated_share",
    "key_supervision_rate",
    "reopen_rate",
]
DURATION_NAMES = [
    "median_response_minutes",
    "p90_response_minutes",
    "median_resolve_hours",
    "p90_resolve_hours",
]


@pytest.fixture
async def county(session):
    return await county_gen.build(session, reports=3000)


def _expected(county, period_key: str, kind: str, within_village: int | None = None):
    period = parse_period(period_key)
    repeat_ids = oracle.repeats(county.reports)
    rows = [
        r
        for r in county.reports
        if oracle.local_day_in(r, period.start, period.end)
        and (within_village is None or r.village_id == within_village)
    ]
    grouped: dict[int, list] = {}
    for r in rows:
        unit = oracle.unit_of(r, kind, county.village_town, county.county.county.id)
        if unit is not None:
            grouped.setdefault(unit, []).append(r)
    return {unit: oracle.figures_of(rs, repeat_ids, AS_OF, county.supervised) for unit, rs in grouped.items()}


def _close(a, b, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=tolerance)


def _compare(
    row: indicators.Indicators, expected: dict[str, object] | None, tolerance: float = 1e-6
) -> list[str]:
    data = row.to_dict()
    wrong = []
    for name in FIGURES:
        want = 0 if expected is None else expected.get(name, 0)
        if data[name] != want:
            wrong.append(f"{row.unit_kind}:{row.unit_id} {name} {data[name]} != {want}")
    for name in [*RATE_NAMES, *DURATION_NAMES]:
        want = None if expected is None else expected[name]
        if not _close(data[name], want, tolerance):
            wrong.append(f"{row.unit_kind}:{row.unit_id} {name} {data[name]} != {want}")
    return wrong


def check_all_kinds(county, found, period_key: str, tolerance: float = 1e-6) -> list[str]:
    wrong: list[str] = []
    for kind in UnitKind:
        expected = _expected(county, period_key, kind.value)
        rows = found[kind]
        assert len({r.unit_id for r in rows}) == len(rows)
        for row in rows:
            wrong += _compare(row, expected.get(row.unit_id), tolerance)
        # No unit with reports is missing from the rows.
        assert set(expected) <= {r.unit_id for r in rows}, kind
    return wrong


async def test_every_indicator_of_every_unit_kind_matches_a_recomputation(session, county):
    for period_key in PERIODS:
        period = parse_period(period_key)
        found = await indicators.compute_many(session, period, list(UnitKind), tz=TZ, as_of=AS_OF)
        assert check_all_kinds(county, found, period_key) == [], period_key
        county_row = found[UnitKind.county][0]
        # The data exercise the figures: none of the county's counts is trivially zero.
        assert all(getattr(county_row, name) > 0 for name in FIGURES), (period_key, county_row)


async def test_units_are_all_listed_with_zeros_and_extra_assignees_kept(session, county):
    rows = await indicators.compute(session, parse_period("2026-10"), UnitKind.handler, tz=TZ, as_of=AS_OF)
    ids = {r.unit_id for r in rows}
    assert set(county.handlers) | set(county.assignees) <= ids
    idle = county.handlers[-1]
    assert next(r for r in rows if r.unit_id == idle).received == 0
    towns = await indicators.compute(session, parse_period("2026-10"), UnitKind.town, tz=TZ, as_of=AS_OF)
    assert {r.unit_id for r in towns} == set(county.towns)
    villages = await indicators.compute(
        session, parse_period("2026-10"), UnitKind.village, tz=TZ, as_of=AS_OF
    )
    assert [r.unit_id for r in villages] == sorted(county.villages, key=lambda v: v)  # ordered by code
    # A week with no reports at all: every unit present, every figure zero, every rate None.
    empty = await indicators.compute(session, parse_period("2027-W10"), UnitKind.village, tz=TZ, as_of=AS_OF)
    assert {r.unit_id for r in empty} == set(county.villages)
    assert all(
        r.received == 0 and r.on_time_rate is None and r.median_response_minutes is None for r in empty
    )


async def test_within_and_scope_narrow_the_reports(session, county):
    period = parse_period("2026-10")
    village = county.villages[1]
    rows = await indicators.compute(
        session, period, UnitKind.handler, tz=TZ, as_of=AS_OF, within_area_id=village
    )
    expected = _expected(county, "2026-10", "handler", within_village=village)
    wrong: list[str] = []
    for row in rows:
        wrong += _compare(row, expected.get(row.unit_id))
    assert wrong == []
    # Only that village's handlers are listed (plus anyone holding one of its reports).
    listed = {r.unit_id for r in rows}
    assert listed >= set(expected)
    scoped = await indicators.compute(
        session, period, UnitKind.village, tz=TZ, as_of=AS_OF, scope=area_condition("village", village)
    )
    by_id = {r.unit_id: r for r in scoped}
    assert by_id[village].received == len(
        [
            r
            for r in county.reports
            if r.village_id == village and oracle.local_day_in(r, period.start, period.end)
        ]
    )
    assert all(r.received == 0 for r in scoped if r.unit_id != village)


async def test_a_report_at_2359_local_on_the_last_day_stays_in_that_quarter(session, county):
    first, second = county.reports[0], county.reports[1]
    for key, inside, outside in (
        ("2026-Q3", first, second),
        ("2026-Q4", second, first),
        ("2026-09", first, second),
    ):
        ids = await indicators.drilldown_ids(
            session, parse_period(key), UnitKind.village, inside.village_id, "received", tz=TZ, as_of=AS_OF
        )
        assert inside.id in ids
        other = await indicators.drilldown_ids(
            session, parse_period(key), UnitKind.village, outside.village_id, "received", tz=TZ, as_of=AS_OF
        )
        assert outside.id not in other


async def test_drilldown_lists_exactly_the_reports_each_figure_counts(session, county):
    period = parse_period("2026-10")
    found = await indicators.compute_many(session, period, list(UnitKind), tz=TZ, as_of=AS_OF)
    repeat_ids = oracle.repeats(county.reports)
    checked = 0
    for kind in (UnitKind.county, UnitKind.town, UnitKind.department, UnitKind.handler):
        for row in found[kind][:3]:
            for figure in FIGURES:
                ids = await indicators.drilldown_ids(
                    session, period, kind, row.unit_id, figure, tz=TZ, as_of=AS_OF
                )
                assert len(ids) == getattr(row, figure), (kind, row.unit_id, figure)
                checked += 1
    assert checked > 100
    # The repeat ids are the oracle's too, not just the same number of them.
    county_id = county.county.county.id
    ids = await indicators.drilldown_ids(
        session, period, UnitKind.county, county_id, "repeat_complaints", tz=TZ, as_of=AS_OF
    )
    in_period = {r.id for r in county.reports if oracle.local_day_in(r, period.start, period.end)}
    assert set(ids) == repeat_ids & in_period


async def test_drilldown_pages_by_id_and_refuses_unknown_figures(session, county):
    period = parse_period("2026-10")
    village = county.villages[0]
    every = await indicators.drilldown_ids(
        session, period, UnitKind.village, village, "resolved", tz=TZ, as_of=AS_OF
    )
    seen: list[int] = []
    before = None
    while True:
        page = await indicators.drilldown(
            session,
            period,
            UnitKind.village,
            village,
            "resolved",
            tz=TZ,
            as_of=AS_OF,
            limit=7,
            before_id=before,
        )
        if not page:
            break
        seen += [r.id for r in page]
        before = page[-1].id
    assert sorted(seen) == every and len(seen) > 7
    with pytest.raises(ValueError, match="未知的指标"):
        await indicators.drilldown(session, period, UnitKind.village, village, "happiness", tz=TZ)
