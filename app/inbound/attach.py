"""Putting a downloaded chat photo on its report, exactly once, whichever comes first: the photo's
download or the report. Both sides update the photo's fetch row, so the row lock orders them and the
later one sees what the earlier one wrote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound.models import InboundMessage, MediaFetch
from app.media.models import ReportMedia


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def attach_photo(session: AsyncSession, *, fetch_id: int, report_id: int, media_id: int) -> None:
    position = await session.scalar(
        select(func.count())
        .select_from(ReportMedia)
        .where(ReportMedia.report_id == report_id, ReportMedia.purpose == "report")
    )
    await session.execute(
        _insert(session)(ReportMedia)
        .values(report_id=report_id, media_id=media_id, purpose="report", position=position or 0)
        .on_conflict_do_nothing(index_elements=["report_id", "media_id", "purpose"])
    )
    await session.execute(update(MediaFetch).where(MediaFetch.id == fetch_id).values(attached=True))


async def give_photos_their_report(
    session: AsyncSession, *, session_id: int, report_id: int, now: datetime
) -> int:
    """The conversation's report now exists: its held photos point at it; those already downloaded are
    attached now, the others by their download. Returns how many were attached."""
    rows = (
        await session.execute(
            update(MediaFetch)
            .where(MediaFetch.session_id == session_id, MediaFetch.report_id.is_(None))
            .values(report_id=report_id, updated_at=now)
            .returning(MediaFetch.id, MediaFetch.media_id, MediaFetch.attached, MediaFetch.inbound_message_id)
        )
    ).all()
    if rows:
        # The photo messages belong to the report too (the console shows which report a message made).
        await session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_([r.inbound_message_id for r in rows]))
            .values(report_id=report_id)
        )
    attached = 0
    for fetch_id, media_id, done, _message_id in sorted(rows):
        if media_id is not None and not done:
            await attach_photo(session, fetch_id=fetch_id, report_id=report_id, media_id=media_id)
            attached += 1
    return attached
