"""The housekeeping jobs: unchecked photos go to human review after 30 minutes; idempotency keys and
daily report counts are deleted once they can no longer matter."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.idempotency.models import IdempotencyRecord
from app.media.models import Media
from app.reports.models import DailyReportCount
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests import factories
from tests.factories import NOW


def _photo(name: str, *, status: str = "pending", created_ago: int, requested_ago: int | None) -> Media:
    return Media(
        sha256=name.ljust(64, "0"),
        size_bytes=1,
        mime_type="image/jpeg",
        storage_key=f"{name}.jpg",
        check_status=status,
        check_requested_at=None if requested_ago is None else NOW - timedelta(minutes=requested_ago),
        created_at=NOW - timedelta(minutes=created_ago),
        updated_at=NOW - timedelta(minutes=created_ago),
    )


async def test_photos_unchecked_for_30_minutes_go_to_human_review(session, database, settings):
    photos = {
        "unanswered": _photo("a", created_ago=40, requested_ago=31),
        "asked lately": _photo("b", created_ago=40, requested_ago=10),
        "never asked": _photo("c", created_ago=31, requested_ago=None),  # WeChat down, or a chat photo
        "just uploaded": _photo("d", created_ago=5, requested_ago=None),
        "passed": _photo("e", status="pass", created_ago=90, requested_ago=89),
        "risky": _photo("f", status="risky", created_ago=90, requested_ago=89),
    }
    session.add_all(photos.values())
    await session.flush()
    result = await run_once(JOBS["media-check-hold"], database=database, settings=settings, now=NOW)
    assert (result.outcome, result.counts) == ("succeeded", {"held": 2})
    for photo in photos.values():
        await session.refresh(photo)
    assert {name: p.check_status for name, p in photos.items()} == {
        "unanswered": "review",
        "asked lately": "pending",
        "never asked": "review",
        "just uploaded": "pending",
        "passed": "pass",
        "risky": "risky",
    }
    again = await run_once(JOBS["media-check-hold"], database=database, settings=settings, now=NOW)
    assert again.counts == {"held": 0}


async def test_retention_deletes_week_old_keys_and_past_days_counts(session, database, settings):
    villager = await factories.villager(session)
    for key, days_ago in (("old", 8), ("recent", 6)):
        session.add(
            IdempotencyRecord(
                villager_id=villager.id,
                operation="report.submit",
                key=key,
                request_hash="h",
                status_code=201,
                response={"id": 1},
                created_at=NOW - timedelta(days=days_ago),
            )
        )
    today = date(2026, 12, 3)  # NOW is 10:00 in Asia/Shanghai
    for day in (today, today - timedelta(days=1), today - timedelta(days=2), today - timedelta(days=30)):
        session.add(DailyReportCount(villager_id=villager.id, day=day, reports=1))
    await session.flush()
    result = await run_once(JOBS["retention"], database=database, settings=settings, now=NOW)
    assert (result.outcome, result.counts) == ("succeeded", {"idempotency_keys": 1, "daily_counts": 2})
    session.expunge_all()
    assert (await session.scalars(select(IdempotencyRecord.key))).all() == ["recent"]
    kept = (await session.scalars(select(DailyReportCount.day).order_by(DailyReportCount.day))).all()
    assert kept == [today - timedelta(days=1), today]
