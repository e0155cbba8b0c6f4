"""Staff file reports themselves: a grid worker on patrol, a cadre writing down a phone call."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.reports.models import Report
from tests import factories


def _body(**overrides):
    body = {"kind": "problem", "category": "public_facilities", "description": "三组路口的护栏被撞坏了"}
    return {**body, **overrides}


async def _file(client, headers, key=None, **overrides):
    headers = {**headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return await client.post("/api/v1/reports", headers=headers, json=_body(**overrides))


async def _count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_a_grid_worker_files_a_report_in_their_grid_and_it_joins_the_intake_queue(client, session):
    c = await factories.county(session)
    worker = await factories.staff(session, role="grid_worker", area=c.grid)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    res = await _file(
        client, await factories.staff_token(client, worker), location={"lat": 31.56, "lng": 107.1}
    )
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["status"], body["channel"], body["grid_id"]) == ("submitted", "console", c.grid.id)
    report = await session.get(Report, body["id"])
    assert report is not None
    assert (report.village_id, report.reporter_staff_id, report.reporter_villager_id) == (
        c.village.id,
        worker.id,
        None,
    )
    assert report.respond_due_at is not None  # the same time limits as any report
    queue = await client.get("/api/v1/reports?queue=new", headers=await factories.staff_token(client, cadre))
    assert body["id"] in [item["id"] for item in queue.json()["items"]]
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "report.file"))
    assert entry is not None and entry.target_id == str(report.id) and entry.actor_staff_id == worker.id


async def test_a_retry_gets_the_same_report_and_another_report_under_the_key_is_409(client, session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    headers = await factories.staff_token(client, cadre)
    first = await _file(client, headers, key="phone-call-0001")
    again = await _file(client, headers, key="phone-call-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = await _file(client, headers, key="phone-call-0001", description="另一件事")
    assert other.status_code == 409 and other.json()["detail"]["field"] == "Idempotency-Key"
    assert await _count(session) == 1
    # Keys are per person: another cadre's same key is their own filing.
    colleague = await factories.staff(session, role="intake_cadre", area=c.village)
    theirs = await _file(client, await factories.staff_token(client, colleague), key="phone-call-0001")
    assert theirs.status_code == 201 and await _count(session) == 2


async def test_bad_filings_are_refused_with_the_field_and_nothing_stored(client, session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    headers = await factories.staff_token(client, cadre)
    other_grid = await factories.area(session, level="grid", parent=c.other_village)
    cases = {
        "category": {"category": "flying_saucers"},
        "category ": {"category": "good_deed"},  # a praise category for a problem
        "grid_id": {"grid_id": other_grid.id},  # another village's grid
        "description": {"description": "路" * 501},
    }
    for field, overrides in cases.items():
        res = await _file(client, headers, **overrides)
        assert res.status_code == 422, (field, res.text)
        assert field.strip() in str(res.json()["detail"]), (field, res.text)
    missing_key = await client.post("/api/v1/reports", headers=headers, json=_body())
    assert missing_key.status_code == 422
    handler = await factories.staff(session, role="handler", area=c.village)
    refused = await _file(client, await factories.staff_token(client, handler))
    assert refused.status_code == 403
    assert await _count(session) == 0


async def test_five_concurrent_sends_of_one_filing_make_one_report(fresh_db, settings):
    import asyncio

    import httpx

    from app.core.database import Database
    from app.main import create_app

    database = Database(fresh_db.url)
    try:
        async with database.sessionmaker() as session:
            c = await factories.county(session)
            worker = await factories.staff(session, role="grid_worker", area=c.grid)
            await session.commit()
        application = create_app(settings.model_copy(update={"database_url": fresh_db.url}), database)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            headers = await factories.staff_token(http, worker)
            answers = await asyncio.gather(*(_file(http, headers, key="patrol-at-once-1") for _ in range(5)))
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201], [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1
        async with database.sessionmaker() as session:
            assert await _count(session) == 1
    finally:
        await database.dispose()
