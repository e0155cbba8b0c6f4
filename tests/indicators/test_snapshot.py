"""analyse(): a period's and the previous period's figures, rankings, categories and trend, as JSON."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

from app.analysis import snapshot
from app.analysis.indicators import UnitKind
from app.analysis.periods import parse_period
from app.analysis.snapshot import Analysis
from tests.indicators import county_gen, oracle
from tests.indicators.county_gen import AS_OF
from tests.indicators.oracle import TZ


@pytest.fixture
async def county(session):
    return await county_gen.build(session, reports=1500, seed=11)


def _in(period, reports):
    return [r for r in reports if oracle.local_day_in(r, period.start, period.end)]


async def test_an_analysis_holds_this_and_last_periods_figures(session, county):
    period = parse_period("2026-10")
    analysis = await snapshot.analyse(session, period, tz=TZ, as_of=AS_OF)
    repeat_ids = oracle.repeats(county.reports)
    for figures, key in ((analysis.current, "2026-10"), (analysis.previous, "2026-09")):
        assert figures.period.key == key
        rows = _in(figures.period, county.reports)
        expected = oracle.figures_of(rows, repeat_ids, AS_OF, county.supervised)
        assert figures.county.received == expected["received"] == len(rows)
        assert figures.county.resolved_on_time == expected["resolved_on_time"]
        assert figures.county.repeat_complaints == expected["repeat_complaints"]
        # Every category listed, their counts the period's.
        by_category = Counter(r.category_id for r in rows)
        assert {c.category_id: c.received for c in figures.categories if c.received} == dict(by_category)
        assert sum(c.resolved for c in figures.categories) == figures.county.resolved
        assert {u.unit_id for u in figures.units[UnitKind.village]} == set(county.villages)
        assert set(figures.units) == {UnitKind.town, UnitKind.village, UnitKind.department, UnitKind.handler}
    # Rankings: by on-time rate, then satisfaction; ties share a rank.
    for kind in snapshot.RANKED_KINDS:
        ranking = analysis.current.rankings[kind]
        assert len(ranking) == len(analysis.current.units[kind])
        keys = [tuple(-1 if v is None else v for v in (r.on_time_rate, r.satisfaction_rate)) for r in ranking]
        assert keys == sorted(keys, reverse=True)
        for a, b in itertools.pairwise(ranking):
            same = (a.on_time_rate, a.satisfaction_rate) == (b.on_time_rate, b.satisfaction_rate)
            assert (a.rank == b.rank) == same and (not same or (a.tied and b.tied))
    # Change since last period, for one village.
    village = county.villages[0]
    now, before = (
        analysis.current.unit(UnitKind.village, village),
        analysis.previous.unit(UnitKind.village, village),
    )
    assert now is not None and before is not None
    assert analysis.change(UnitKind.village, village, "received") == now.received - before.received
    # The trend: the weeks of October (clipped), adding up to the month.
    assert analysis.trend[0].start == "2026-10-01" and analysis.trend[-1].end == "2026-11-01"
    assert sum(t.received for t in analysis.trend) == analysis.current.county.received
    assert sum(t.resolved for t in analysis.trend) == analysis.current.county.resolved


async def test_the_json_form_round_trips(session, county):
    analysis = await snapshot.analyse(session, parse_period("2026-Q4"), tz=TZ, as_of=AS_OF)
    stored = json.loads(json.dumps(analysis.to_json(), ensure_ascii=False))
    again = Analysis.from_json(stored)
    assert again == analysis
    assert again.current.rank_of(UnitKind.town, county.towns[0]) == analysis.current.rank_of(
        UnitKind.town, county.towns[0]
    )
    with pytest.raises(ValueError):
        Analysis.from_json({**stored, "schema": 99})


async def test_a_weeks_trend_is_the_eight_weeks_ending_with_it(session, county):
    analysis = await snapshot.analyse(session, parse_period("2026-W44"), tz=TZ, as_of=AS_OF)
    assert len(analysis.trend) == 8 and analysis.trend[-1].start == "2026-10-26"
    week = parse_period("2026-W40")
    assert analysis.trend[3].start == "2026-09-28"
    assert analysis.trend[3].received == len(_in(week, county.reports))
    assert analysis.trend[-1].received == analysis.current.county.received
    assert analysis.previous.period.key == "2026-W43"
