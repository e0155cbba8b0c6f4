"""The few SQL expressions that differ between PostgreSQL (production) and SQLite (the embedded demo)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Interval, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def minutes_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """(later - earlier) in minutes, as a float; NULL when either side is NULL."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float) / 60.0
    # SQLite keeps UTC timestamps as text; julianday() reads them (fractions of a second included).
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def within_days(later: Any, earlier: Any, days: int, dialect: str) -> ColumnElement[bool]:
    """`earlier` is at most `days` days before `later` (both timestamps)."""
    if dialect == "postgresql":
        condition: ColumnElement[bool] = earlier >= later - literal(timedelta(days=days), Interval())
        return condition
    return minutes_between(later, earlier, dialect) <= days * 24 * 60


def is_postgres(dialect: str) -> bool:
    return dialect == "postgresql"


# What the analysis statements run with on PostgreSQL. Their row estimates are poor (keys computed
# inside CTEs have no statistics), which inflates their costs enough to switch on JIT compilation —
# seconds of compiling for a statement that runs in less — and makes the planner sort hundreds of
# thousands of rows for merge joins where hash joins are cheaper; the sorts of a month's reports need
# more than the default 4 MB of work_mem.
TUNING = {"jit": "off", "enable_mergejoin": "off", "work_mem": "64MB"}


@asynccontextmanager
async def tuned(session: AsyncSession) -> AsyncIterator[None]:
    """Run the enclosed statements with TUNING on PostgreSQL, then restore the transaction's values."""
    if dialect_of(session) != "postgresql":
        yield
        return
    before = {name: await session.scalar(select(func.current_setting(name))) for name in TUNING}
    for name, value in TUNING.items():
        await session.execute(select(func.set_config(name, value, True)))
    try:
        yield
    finally:
        for name, old in before.items():
            await session.execute(select(func.set_config(name, old, True)))
