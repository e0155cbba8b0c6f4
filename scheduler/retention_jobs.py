"""Retention: rows that only matter for a while are deleted once they no longer can.

- Idempotency keys older than a week: a mini program retries a request within minutes, and a key
  replays only its own villager's answer.
- Daily report counts of days before yesterday (local): only today's count limits anyone.

Each is one DELETE; two runs at once delete each row once. `suishoupai job run retention` runs it.
"""

from __future__ import annotations

from datetime import timedelta

from app.idempotency import service as idempotency
from app.reports import limits
from scheduler.registry import Job, JobContext, register

KEYS_KEPT = timedelta(days=7)


async def purge_expired(ctx: JobContext) -> dict[str, int]:
    yesterday = ctx.now.astimezone(ctx.settings.tz).date() - timedelta(days=1)
    async with ctx.database.sessionmaker() as session:
        keys = await idempotency.purge_before(session, before=ctx.now - KEYS_KEPT)
        counts = await limits.purge_before(session, day=yesterday)
        await session.commit()
    return {"idempotency_keys": keys, "daily_counts": counts}


register(Job(name="retention", run=purge_expired, cron="50 3 * * *"))
