"""A per-job PostgreSQL advisory lock, so two instances never run the same job at the same moment.

The lock is transaction-level (`pg_try_advisory_xact_lock`) in a session held open for the run: the
database drops it when that transaction ends, however the process ends, so a crash cannot leave it held.
The job's own work runs in other sessions. It does not replace the jobs' own claims (unique keys,
SKIP LOCKED): it only saves a second instance from doing the same scan for nothing. SQLite, a single
demo process, has no such locks; the claims alone keep it right.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select

from app.core.database import Database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per name (advisory locks share one key space per database)."""
    digest = hashlib.sha256(f"suishoupai:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def supports_locks(database: Database) -> bool:
    return database.url.startswith("postgresql")


@asynccontextmanager
async def exclusive(database: Database, name: str) -> AsyncIterator[bool]:
    """Yields True while this process holds the lock for `name`, False when another one does."""
    if not supports_locks(database):
        yield True
        return
    async with database.sessionmaker() as session:
        held = bool(await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))))
        try:
            yield held
        finally:
            # Commit, not rollback: in the test suite sessions are savepoints on one connection, and
            # rolling this outer one back would take the job's own (released) savepoints with it.
            await session.commit()
