"""The embedded demo's SQLite computes the same indicators (its percentiles by window functions)."""

from __future__ import annotations

import asyncio

from app.analysis import indicators, snapshot
from app.analysis.indicators import UnitKind
from app.analysis.periods import parse_period
from app.core import migrate
from app.core.database import Database
from tests.indicators import county_gen
from tests.indicators.county_gen import AS_OF
from tests.indicators.oracle import TZ
from tests.indicators.test_indicators import check_all_kinds


async def test_sqlite_indicators_match_the_recomputation(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            county = await county_gen.build(session, reports=1200, seed=3)
            for key in ("2026-10", "2026-Q3"):
                found = await indicators.compute_many(
                    session, parse_period(key), list(UnitKind), tz=TZ, as_of=AS_OF
                )
                # julianday() keeps time to about a millisecond: durations agree to 1e-4.
                assert check_all_kinds(county, found, key, tolerance=1e-4) == [], key
                assert found[UnitKind.county][0].median_resolve_hours is not None
            analysis = await snapshot.analyse(session, parse_period("2026-11"), tz=TZ, as_of=AS_OF)
            assert sum(t.received for t in analysis.trend) == analysis.current.county.received > 0
    finally:
        await database.dispose()
