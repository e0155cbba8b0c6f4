"""The two ways a submission's writes are made: in one statement (PostgreSQL) and step by step (any
database, the embedded SQLite demo). They must write the same rows, and at the daily limit nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.core import migrate
from app.core.clock import utcnow
from app.core.database import Database
from app.idempotency.models import IdempotencyRecord
from app.main import create_app
from app.media.models import ReportMedia
from app.notifications.models import Notification
from app.reference.cache import ReferenceData
from app.reports.limits import TooManyReports
from app.reports.models import DailyReportCount, Report, TimelineEvent
from app.wechat.factory import build_client
from miniprogram_api import deps, filing, submission
from miniprogram_api.schemas import ReportIn
from tests import factories
from tests.miniprogram import helpers

TZ = ZoneInfo("Asia/Shanghai")
WRITTEN = (Report, TimelineEvent, ReportMedia, Notification, IdempotencyRecord, DailyReportCount)


def _key(villager_id: int) -> filing.RequestKey:
    return filing.RequestKey(villager_id, "report.submit", uuid.uuid4().hex, "digest-" + uuid.uuid4().hex)


async def _form(
    session: AsyncSession, villager: Any, photo_ids: list[int], now: datetime, **body: Any
) -> filing.Form:
    form = ReportIn.model_validate(helpers.report_body(photo_ids=photo_ids, **body))
    return await submission.prepare(
        session, villager=villager, body=form, held_for_review=True, now=now, reference=ReferenceData()
    )


def _row(obj: Any, *, leave_out: tuple[str, ...]) -> dict[str, Any]:
    table: Table = obj.__table__
    return {c.name: getattr(obj, c.key) for c in table.columns if c.name not in leave_out}


async def _written(session: AsyncSession, report_id: int, key: str) -> dict[str, Any]:
    """What filing the report wrote, with its ids (and the random message id) left out."""
    report = await session.get(Report, report_id)
    assert report is not None
    events = (await session.scalars(select(TimelineEvent).where(TimelineEvent.report_id == report_id))).all()
    photos = (
        await session.scalars(
            select(ReportMedia).where(ReportMedia.report_id == report_id).order_by(ReportMedia.position)
        )
    ).all()
    [notice] = (await session.scalars(select(Notification).where(Notification.report_id == report_id))).all()
    record = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
    assert record is not None and record.response is not None
    ids = ("id", "report_id")
    return {
        "report": _row(report, leave_out=("id",)),
        "events": [_row(e, leave_out=ids) for e in events],
        "photos": [_row(p, leave_out=ids) for p in photos],
        "notice": {
            **_row(notice, leave_out=(*ids, "client_msg_id", "dedupe_key")),
            "dedupe_key": notice.dedupe_key.replace(str(report_id), "<id>"),
            "payload": {**notice.payload, "report_id": notice.payload["report_id"] == report_id},
        },
        "key": {
            **_row(record, leave_out=("id", "key", "request_hash")),
            "response": {**record.response, "id": record.response["id"] == report_id},
        },
    }


async def _counts(session: AsyncSession) -> list[int]:
    return [int(await session.scalar(select(func.count()).select_from(m)) or 0) for m in WRITTEN]


async def test_one_statement_and_step_by_step_write_the_same_rows(mp, session, settings):
    c = await factories.county(session)
    villager, headers = await helpers.villager(session, settings, village=c.village)
    photo_ids = [(await helpers.upload(mp, headers)).json()["id"] for _ in range(3)]
    actor, now = Actor(kind="villager", id=villager.id), utcnow()
    done = {}
    for way, file in (("at once", submission.file), ("step by step", submission.file_step_by_step)):
        form = await _form(session, villager, photo_ids, now, anonymous=True)
        key = _key(villager.id)
        done[way] = (await file(session, form, filing.Terms(key, actor, now, TZ, 5)), key.key)
        assert done[way][0].stored
    session.expunge_all()  # read back as stored, not as the step-by-step path's objects in memory
    filed = {way: await _written(session, d.report_id, key) for way, (d, key) in done.items()}
    one, steps = filed["at once"], filed["step by step"]
    for part in one:  # part by part, column by column, for a readable failure
        assert one[part] == steps[part], part
    made = filed["at once"]
    # And what they wrote is what a submission should: spot checks against the form.
    assert (
        made["report"]["held_for_review"]
        and made["report"]["is_anonymous"]
        and made["report"]["version"] == 1
    )
    assert [p["media_id"] for p in made["photos"]] == photo_ids and made["photos"][2]["position"] == 2
    assert made["notice"]["dedupe_key"] == "received:<id>" and made["notice"]["payload"]["report_id"] is True
    assert made["key"]["response"]["status"] == "submitted" and made["key"]["status_code"] == 201
    assert made["events"][0]["message"] == "您的反映已提交，等待村(社区)审核"
    day = await session.scalar(
        select(DailyReportCount.reports).where(DailyReportCount.villager_id == villager.id)
    )
    assert day == 2


@pytest.mark.parametrize("way", ["at once", "step by step"])
async def test_at_the_daily_limit_nothing_at_all_is_written(mp, session, settings, way):
    c = await factories.county(session)
    villager, headers = await helpers.villager(session, settings, village=c.village)
    photo_ids = [(await helpers.upload(mp, headers)).json()["id"]]
    file = submission.file if way == "at once" else submission.file_step_by_step
    actor, now = Actor(kind="villager", id=villager.id), utcnow()
    form = await _form(session, villager, photo_ids, now)
    first = await file(session, form, filing.Terms(_key(villager.id), actor, now, TZ, 1))
    assert first.stored
    before = await _counts(session)
    with pytest.raises(TooManyReports, match="每日上限"):
        await file(session, form, filing.Terms(_key(villager.id), actor, now, TZ, 1))
    assert await _counts(session) == before


async def test_a_key_a_twin_took_first_is_told_to_the_caller(mp, session, settings):
    c = await factories.county(session)
    villager, _ = await helpers.villager(session, settings, village=c.village)
    actor, now = Actor(kind="villager", id=villager.id), utcnow()
    form, terms = await _form(session, villager, [], now), filing.Terms(_key(villager.id), actor, now, TZ, 5)
    first = await submission.file(session, form, terms)
    second = await submission.file(session, form, terms)
    assert first.stored and not second.stored  # the edge then rolls back and replays the first answer


async def test_the_embedded_demo_files_a_report_on_sqlite(
    tmp_path, wechat_settings, mp_settings, storage, fake
):
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    app_settings = wechat_settings.model_copy(update={"database_url": url})
    client = build_client(app_settings, database.sessionmaker)
    try:
        async with database.sessionmaker() as session:
            county = await factories.county(session)
            villager, headers = await helpers.villager(
                session, app_settings, village=county.village, fake=fake
            )
            await session.commit()
        application = create_app(app_settings, database)
        application.dependency_overrides[deps.get_storage] = lambda: storage
        application.dependency_overrides[deps._mp_settings] = lambda: mp_settings
        application.state.wechat = client
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as mp:
            photo = (await helpers.upload(mp, headers)).json()["id"]
            res = await helpers.submit(mp, headers, key="sqlite-key-1", photo_ids=[photo])
            again = await helpers.submit(mp, headers, key="sqlite-key-1", photo_ids=[photo])
        assert res.status_code == 201, res.text
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == res.json()
        async with database.sessionmaker() as session:
            assert await _counts(session) == [1, 1, 1, 1, 1, 1]
            report = await session.get(Report, res.json()["id"])
            assert report is not None and report.reporter_villager_id == villager.id
    finally:
        await client.aclose()
        await database.dispose()
