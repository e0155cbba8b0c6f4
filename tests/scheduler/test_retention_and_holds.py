"""The housekeeping jobs: unchecked photos go to human review after 30 minutes; idempotency keys and
daily report counts are deleted once they can no longer matter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.idempotency.models import IdempotencyRecord
from app.media.models import Media, ReportMedia
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
        "asked 30 minutes ago": _photo("b", created_ago=40, requested_ago=30),
        "asked 29 minutes ago": _photo("c", created_ago=40, requested_ago=29),
        "never asked": _photo("d", created_ago=31, requested_ago=None),  # WeChat down, or a chat photo
        "just uploaded": _photo("e", created_ago=5, requested_ago=None),
        "passed": _photo("f", status="pass", created_ago=90, requested_ago=89),
        "risky": _photo("g", status="risky", created_ago=90, requested_ago=89),
    }
    session.add_all(photos.values())
    c = await factories.county(session)
    awaiting, accepted, other = [await factories.report(session, village=c.village) for _ in range(3)]
    accepted.status = "accepted"  # its cadre has seen it: not held again
    await session.flush()
    for report, photo in (
        (awaiting, "unanswered"),
        (accepted, "never asked"),
        (other, "asked 29 minutes ago"),
    ):
        session.add(ReportMedia(report_id=report.id, media_id=photos[photo].id, purpose="report", position=0))
    await session.flush()
    result = await run_once(JOBS["media-check-hold"], database=database, settings=settings, now=NOW)
    assert (result.outcome, result.counts) == ("succeeded", {"photos": 2, "reports": 1})
    for row in (*photos.values(), awaiting, accepted, other):
        await session.refresh(row)
    assert {name: p.check_status for name, p in photos.items()} == {
        "unanswered": "review",
        "asked 30 minutes ago": "pending",
        "asked 29 minutes ago": "pending",
        "never asked": "review",
        "just uploaded": "pending",
        "passed": "pass",
        "risky": "risky",
    }
    assert (awaiting.held_for_review, awaiting.version) == (True, 2)
    assert (accepted.held_for_review, other.held_for_review) == (False, False)
    again = await run_once(JOBS["media-check-hold"], database=database, settings=settings, now=NOW)
    assert again.counts == {"photos": 0, "reports": 0}


# The county's calendar day, not the server's: at 01:00 on 3 December in Shanghai it is still
# 2 December in UTC, and the 2nd is then yesterday, to be kept.
@pytest.mark.parametrize(
    "now",
    [NOW, datetime(2026, 12, 2, 17, 0, tzinfo=UTC)],
    ids=["10:00 in Shanghai", "01:00 in Shanghai, the day before in UTC"],
)
async def test_retention_deletes_week_old_keys_and_past_days_counts(session, database, settings, now):
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
                created_at=now - timedelta(days=days_ago),
            )
        )
    today = date(2026, 12, 3)  # in Asia/Shanghai, at either time
    for day in (today, today - timedelta(days=1), today - timedelta(days=2), today - timedelta(days=30)):
        session.add(DailyReportCount(villager_id=villager.id, day=day, reports=1))
    await session.flush()
    result = await run_once(JOBS["retention"], database=database, settings=settings, now=now)
    assert (result.outcome, result.counts) == ("succeeded", {"idempotency_keys": 1, "daily_counts": 2})
    session.expunge_all()
    assert (await session.scalars(select(IdempotencyRecord.key))).all() == ["recent"]
    kept = (await session.scalars(select(DailyReportCount.day).order_by(DailyReportCount.day))).all()
    assert kept == [today - timedelta(days=1), today]
