"""Every run is recorded, whoever starts it; a job that keeps failing shows as failing; one instance at a
time runs a job."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import asyncpg
from sqlalchemy import select

from app.core.database import Database
from app.jobs import locks
from app.jobs.models import JobRun
from scheduler.jobs import JOBS
from scheduler.registry import Job, JobContext
from scheduler.runner import run_once
from tests import factories
from tests.factories import NOW


async def _boom(ctx: JobContext) -> dict[str, int]:
    raise RuntimeError("database said no")


async def test_every_run_is_recorded_with_its_time_counts_and_host(session, database, settings):
    result = await run_once(JOBS["sla-scan"], database=database, settings=settings, now=NOW)
    row = await session.get(JobRun, result.run_id)
    assert row is not None
    assert (row.job, row.trigger, row.outcome, row.as_of, row.error) == (
        "sla-scan",
        "cli",
        "succeeded",
        NOW,
        None,
    )
    assert row.counts == {"notified": 0, "respond": 0, "town": 0, "county": 0}
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert row.host.endswith(f":{os.getpid()}")


async def test_a_failed_run_is_recorded_and_three_in_a_row_show_as_failing(
    client, session, database, settings
):
    c = await factories.county(session)
    headers = await factories.staff_token(client, await factories.staff(session, role="admin", area=c.county))
    failing = Job(name="sla-scan", run=_boom, every_seconds=60)

    async def state() -> dict[str, object]:
        res = await client.get("/api/v1/jobs", headers=headers)
        assert res.status_code == 200, res.text
        return next(j for j in res.json() if j["job"] == "sla-scan")

    assert (await state())["state"] == "never_run"
    first = await run_once(failing, database=database, settings=settings, now=NOW)
    assert (first.outcome, first.error) == ("failed", "RuntimeError: database said no")
    assert ((await state())["state"], (await state())["consecutive_failures"]) == ("failed", 1)
    for _ in range(2):
        await run_once(failing, database=database, settings=settings, now=NOW)
    now_failing = await state()
    assert (now_failing["state"], now_failing["consecutive_failures"]) == ("failing", 3)
    assert now_failing["last_run"]["error"] == "RuntimeError: database said no"
    assert now_failing["schedule"] == "every 60s"

    await run_once(JOBS["sla-scan"], database=database, settings=settings, now=NOW)
    recovered = await state()
    assert (recovered["state"], recovered["consecutive_failures"]) == ("ok", 0)
    assert recovered["last_success_at"] is not None
    daily = next(
        j for j in (await client.get("/api/v1/jobs", headers=headers)).json() if j["job"] == "calendar-daily"
    )
    assert daily["schedule"] == "5 0 * * * (Asia/Shanghai)"


async def test_runs_are_listed_newest_first_filtered_and_paged_for_admins_only(
    client, session, database, settings
):
    c = await factories.county(session)
    headers = await factories.staff_token(client, await factories.staff(session, role="admin", area=c.county))
    await run_once(JOBS["sla-remind"], database=database, settings=settings, now=NOW)
    await run_once(Job(name="sla-scan", run=_boom), database=database, settings=settings, now=NOW)
    await run_once(JOBS["sla-scan"], database=database, settings=settings, now=NOW + timedelta(minutes=1))

    res = await client.get("/api/v1/jobs/runs", params={"limit": 2}, headers=headers)
    assert res.status_code == 200, res.text
    page = res.json()
    assert [(r["job"], r["outcome"]) for r in page["items"]] == [
        ("sla-scan", "succeeded"),
        ("sla-scan", "failed"),
    ]
    rest = (
        await client.get("/api/v1/jobs/runs", params={"cursor": page["next_cursor"]}, headers=headers)
    ).json()
    assert [r["job"] for r in rest["items"]] == ["sla-remind"] and rest["next_cursor"] is None
    failed = (await client.get("/api/v1/jobs/runs", params={"outcome": "failed"}, headers=headers)).json()
    assert [r["error"] for r in failed["items"]] == ["RuntimeError: database said no"]
    only = (await client.get("/api/v1/jobs/runs", params={"job": "sla-remind"}, headers=headers)).json()
    assert [r["counts"] for r in only["items"]] == [{"notified": 0, "remind_respond": 0, "remind_resolve": 0}]

    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    assert (
        await client.get("/api/v1/jobs/runs", headers=await factories.staff_token(client, cadre))
    ).status_code == 403


async def test_a_calendar_slot_is_done_once_however_many_times_it_is_started(session, database, settings):
    slot = NOW.replace(hour=16, minute=5)  # 00:05 in Asia/Shanghai
    job = JOBS["calendar-daily"]
    first = await run_once(job, database=database, settings=settings, now=slot, slot=slot)
    second = await run_once(
        job, database=database, settings=settings, now=slot + timedelta(hours=1), slot=slot
    )
    assert (first.outcome, second.outcome) == ("succeeded", "skipped")
    assert second.error == "this calendar slot is already done"
    nxt = await run_once(job, database=database, settings=settings, now=slot, slot=slot + timedelta(days=1))
    assert nxt.outcome == "succeeded"


async def test_while_another_instance_holds_the_lock_the_run_is_skipped_and_recorded(fresh_db, settings):
    database = Database(fresh_db.url)
    local = settings.model_copy(update={"database_url": fresh_db.url})
    other = await asyncpg.connect(fresh_db.url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await other.execute("SELECT pg_advisory_lock($1)", locks.lock_key("job:sla-scan"))
        skipped = await run_once(JOBS["sla-scan"], database=database, settings=local, now=NOW)
        assert (skipped.outcome, skipped.error) == ("skipped", "another instance is running this job")
        await other.execute("SELECT pg_advisory_unlock($1)", locks.lock_key("job:sla-scan"))
        assert (
            await run_once(JOBS["sla-scan"], database=database, settings=local, now=NOW)
        ).outcome == "succeeded"
    finally:
        await other.close()
        await database.dispose()


async def test_a_run_left_running_by_a_dead_process_is_marked_abandoned(fresh_db, settings):
    database = Database(fresh_db.url)
    local = settings.model_copy(update={"database_url": fresh_db.url})
    try:
        async with database.sessionmaker() as session:
            session.add(
                JobRun(
                    job="sla-scan",
                    trigger="schedule",
                    outcome="running",
                    as_of=NOW,
                    started_at=NOW,
                    host="gone:1",
                )
            )
            await session.commit()
        await run_once(JOBS["sla-scan"], database=database, settings=local, now=NOW)
        async with database.sessionmaker() as session:
            rows = (await session.scalars(select(JobRun).order_by(JobRun.id))).all()
        assert (rows[0].host, rows[0].outcome) == ("gone:1", "failed")
        assert rows[0].error is not None and rows[0].error.startswith("abandoned")
        assert rows[1].outcome == "succeeded"
    finally:
        await database.dispose()


async def test_job_run_on_the_command_line_prints_the_counts_and_records_the_run(fresh_db):
    env = dict(os.environ, APP_ENV="test", DATABASE_URL=fresh_db.url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "job",
        "run",
        "sla-scan",
        "--now",
        "2026-12-03T10:00:00+08:00",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip().splitlines()[-1] == "notified=0 respond=0 town=0 county=0"
    database = Database(fresh_db.url)
    try:
        async with database.sessionmaker() as session:
            run = (await session.scalars(select(JobRun))).one()
        assert (run.job, run.trigger, run.outcome, run.as_of) == ("sla-scan", "cli", "succeeded", NOW)
    finally:
        await database.dispose()
