"""Photo jobs.

- `media-fetch`: every photo a follower sent the Official Account is fetched from WeChat's temporary
  media (kept there 3 days) into the media storage and put on its report, retried until it is. Safe
  anywhere, any number of times at once: rows are claimed with SKIP LOCKED and a lease
  (app.inbound.media_fetch).
- `media-check-hold`: photos whose content check has no answer after 30 minutes go to human review,
  and the reports they are on that await review are held. Guarded UPDATEs: running it twice at once
  holds each photo and report once.

`suishoupai job run <name>` runs either once.
"""

from __future__ import annotations

from app.inbound.media_fetch import MediaFetcher
from app.media import service as media_service
from app.media.storage import storage_for
from app.wechat.factory import build_client
from scheduler.registry import Job, JobContext, register


async def fetch_chat_photos(ctx: JobContext) -> dict[str, int]:
    client = build_client(ctx.settings, ctx.database.sessionmaker)
    storage = storage_for(ctx.settings)
    try:
        fetcher = MediaFetcher(sessionmaker=ctx.database.sessionmaker, source=client, storage=storage)
        return await fetcher.run_once(now=ctx.now)
    finally:
        await client.aclose()
        await storage.aclose()


register(Job(name="media-fetch", run=fetch_chat_photos, every_seconds=30))


async def hold_unchecked_photos(ctx: JobContext) -> dict[str, int]:
    async with ctx.database.sessionmaker() as session:
        held = await media_service.hold_unanswered_checks(session, now=ctx.now)
        await session.commit()
    return {"photos": held.photos, "reports": held.reports}


# Photos unchecked for 30 minutes go to human review (WECHAT.md): within 5 minutes of that.
register(Job(name="media-check-hold", run=hold_unchecked_photos, every_seconds=300))
