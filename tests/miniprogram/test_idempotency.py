"""A retry on a flaky network returns the same report, never a second one."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from app.core.database import Database
from app.idempotency.models import IdempotencyRecord
from app.main import create_app
from app.reports.models import Report
from miniprogram_api import deps
from tests import factories
from tests.miniprogram import helpers


async def test_a_retry_with_the_same_key_returns_the_first_answer(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    first = await helpers.submit(mp, headers, key="retry-key-0001")
    again = await helpers.submit(mp, headers, key="retry-key-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await session.scalar(select(func.count()).select_from(Report)) == 1


async def test_a_different_body_under_a_used_key_is_a_conflict(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    assert (await helpers.submit(mp, headers, key="used-key-0001")).status_code == 201
    res = await helpers.submit(mp, headers, key="used-key-0001", description="另一件事：垃圾没人清运")
    assert res.status_code == 409 and res.json()["detail"]["field"] == "Idempotency-Key"
    assert await session.scalar(select(func.count()).select_from(Report)) == 1


async def test_keys_belong_to_one_villager(mp, session, settings):
    c = await factories.county(session)
    _, alice = await helpers.villager(session, settings, village=c.village)
    _, bob = await helpers.villager(session, settings, village=c.village)
    a = await helpers.submit(mp, alice, key="shared-key-0001")
    b = await helpers.submit(mp, bob, key="shared-key-0001")
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


async def test_a_failed_request_stores_no_key_so_a_corrected_retry_goes_through(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    assert (await helpers.submit(mp, headers, key="fix-key-0001", category="nope")).status_code == 422
    assert (await helpers.submit(mp, headers, key="fix-key-0001")).status_code == 201


async def test_a_missing_or_malformed_key_is_refused(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    res = await mp.post("/mp/v1/reports", headers=headers, json=helpers.report_body())
    assert res.status_code == 422 and res.json()["detail"]["errors"][0]["field"] == "Idempotency-Key"
    assert (await helpers.submit(mp, headers, key="short")).status_code == 422


async def test_five_concurrent_sends_of_one_request_make_one_report(fresh_db, settings, storage, mp_settings):
    database = Database(fresh_db.url)
    try:
        async with database.sessionmaker() as session:
            c = await factories.county(session)
            _, headers = await helpers.villager(session, settings, village=c.village)
            await session.commit()
        application = create_app(settings.model_copy(update={"database_url": fresh_db.url}), database)
        application.dependency_overrides[deps.get_storage] = lambda: storage
        application.dependency_overrides[deps._mp_settings] = lambda: mp_settings
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answers = await asyncio.gather(
                *(helpers.submit(http, headers, key="five-at-once-01") for _ in range(5))
            )
        assert [a.status_code for a in answers] == [201] * 5
        assert len({a.json()["id"] for a in answers}) == 1
        assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
        async with database.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Report)) == 1
            assert await session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    finally:
        await database.dispose()


async def test_a_retry_after_the_daily_limit_was_reached_replays_the_first_answer(
    mp, session, settings, mp_settings
):
    # The key is stored with the answer at the end: a retry whose first attempt used the last report
    # of the day fails on the way, and must still get that first answer, not "too many".
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    for i in range(mp_settings.daily_report_limit - 1):
        assert (await helpers.submit(mp, headers, key=f"day-key-{i:04d}")).status_code == 201
    last = await helpers.submit(mp, headers, key="day-key-last")
    again = await helpers.submit(mp, headers, key="day-key-last")
    assert last.status_code == again.status_code == 201 and again.json() == last.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (await helpers.submit(mp, headers, key="day-key-over")).status_code == 429
    assert await session.scalar(select(func.count()).select_from(Report)) == mp_settings.daily_report_limit
