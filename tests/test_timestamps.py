"""UTC in storage, exact and aware on the way back, on both databases, across the county's midnight."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core import migrate
from app.core.database import make_engine, make_sessionmaker

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 23:59:59.999999 and 00:00:00.000001 local, on either side of a Shanghai midnight (15:59 / 16:00 UTC).
MOMENTS = [
    datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI),
    datetime(2026, 4, 1, 0, 0, 0, 1, tzinfo=SHANGHAI),
    datetime(2026, 12, 31, 15, 59, 59, 500000, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 0, 0, 0, tzinfo=timezone(timedelta(hours=8))),
]


async def _round_trip(maker) -> list[datetime]:
    async with maker() as session:
        for i, moment in enumerate(MOMENTS):
            session.add(
                AuditEntry(at=moment, action="t", target_type="t", target_id=str(i), details={"i": i})
            )
        await session.commit()
    async with maker() as session:
        rows = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "t").order_by(AuditEntry.id))
        ).all()
        return [r.at for r in rows]


def _check(values: list[datetime]) -> None:
    assert values == MOMENTS  # equal instants …
    assert all(v.tzinfo is UTC for v in values)  # … returned aware, in UTC
    local_days = [v.astimezone(SHANGHAI).date().isoformat() for v in values]
    assert local_days == ["2026-03-31", "2026-04-01", "2026-12-31", "2027-01-01"]


async def test_round_trip_on_postgresql(fresh_db):
    engine = make_engine(fresh_db.url)
    try:
        _check(await _round_trip(make_sessionmaker(engine)))
    finally:
        await engine.dispose()


async def test_round_trip_on_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'tz.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    engine = make_engine(url)
    try:
        _check(await _round_trip(make_sessionmaker(engine)))
        # Ordering and comparison in SQL follow instants, not the offsets they were written with.
        async with make_sessionmaker(engine)() as session:
            cutoff = datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)
            later = (await session.scalars(select(AuditEntry.target_id).where(AuditEntry.at >= cutoff))).all()
        assert sorted(later) == ["1", "2", "3"]
    finally:
        await engine.dispose()


async def test_naive_datetimes_are_refused(session):
    session.add(AuditEntry(at=datetime(2026, 1, 1, 12, 0), action="t", target_type="t", target_id="x"))
    with pytest.raises(Exception, match="naive"):
        await session.flush()
