"""The APScheduler wiring: missed ticks coalesce into one run, calendar jobs keep Shanghai time on any
server, a missed calendar slot is caught up once, and `suishoupai scheduler` runs and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import tzlocal
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from app.core.database import Database
from app.jobs.models import JobRun
from app.main import create_app
from scheduler import service
from scheduler.jobs import JOBS
from scheduler.registry import Job, JobContext
from scheduler.service import Scheduler, latest_slot, trigger_for

SHANGHAI = "Asia/Shanghai"


def _fire_after(job: str, after: datetime, settings) -> datetime:
    trigger = trigger_for(JOBS[job], settings.tz)
    assert trigger is not None
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None
    return fire.astimezone(UTC)


def test_calendar_jobs_fire_on_shanghai_time_whatever_the_servers_zone(settings, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    tzlocal.reload_localzone()
    try:
        # What the explicit zone guards against: a bare CronTrigger follows the server.
        assert str(CronTrigger.from_crontab("5 0 * * *").timezone) == "America/New_York"
        noon = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, Thursday
        assert _fire_after("calendar-daily", noon, settings) == datetime(2026, 12, 3, 16, 5, tzinfo=UTC)
        assert _fire_after("calendar-weekly", noon, settings) == datetime(2026, 12, 6, 16, 15, tzinfo=UTC)
        assert _fire_after("calendar-monthly", noon, settings) == datetime(2026, 12, 31, 16, 25, tzinfo=UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
        tzlocal.reload_localzone()


def test_every_job_is_scheduled_with_coalescing_one_instance_and_a_sensible_grace():
    for job in JOBS.values():
        options = service.job_options(job)
        assert (options["coalesce"], options["max_instances"]) == (True, 1)
        assert options["misfire_grace_time"] == job.every_seconds  # calendar jobs: None, run however late
    assert {"sla-scan", "sla-remind", "rating-followup", "outbox-dispatch", "calendar-daily"} <= set(JOBS)
    numeric_weekday = Job(name="bad", run=JOBS["calendar-daily"].run, cron="0 0 * * 1")
    try:
        trigger_for(numeric_weekday, ZoneInfo(SHANGHAI))
    except ValueError as exc:
        assert "weekdays" in str(exc)
    else:
        raise AssertionError("a numeric weekday must be refused")


def test_the_latest_slot_is_the_last_fire_time_at_or_before_now(settings):
    trigger = trigger_for(JOBS["calendar-daily"], settings.tz)
    assert trigger is not None
    at = datetime(2026, 12, 6, 16, 5, tzinfo=UTC)
    assert latest_slot(trigger, at) == at
    assert latest_slot(trigger, at - timedelta(seconds=1)) == at - timedelta(days=1)


async def _idle(sched: Scheduler) -> None:
    """Until the run in flight has been recorded and APScheduler has counted it finished."""
    for _ in range(200):
        if not sched._running:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)


async def test_ticks_missed_for_three_hours_run_once_when_the_loop_comes_back(database, settings):
    calls: list[datetime] = []
    done = asyncio.Event()

    async def probe(ctx: JobContext) -> dict[str, int]:
        calls.append(ctx.now)
        done.set()
        return {"ran": 1}

    sched = Scheduler(
        database=database, settings=settings, jobs={"probe": Job("probe", probe, every_seconds=60)}
    )
    sched.start()
    try:
        await asyncio.wait_for(done.wait(), 10)  # interval jobs run once at start
        done.clear()
        await _idle(sched)
        # As if the process had been frozen for three hours: 180 ticks are due.
        sched.aps.modify_job("probe", next_run_time=datetime.now(UTC) - timedelta(hours=3))
        sched.aps.wakeup()
        await asyncio.wait_for(done.wait(), 10)
        await asyncio.sleep(0.3)
        assert len(calls) == 2
        next_run = sched.aps.get_job("probe").next_run_time
        assert next_run > datetime.now(UTC)
    finally:
        await sched.stop()


async def test_a_calendar_slot_missed_while_down_is_caught_up_once(session, database, settings):
    monday_3am = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # Monday 03:00 in Shanghai, after a 3-day outage
    jobs = {name: JOBS[name] for name in ("calendar-daily", "calendar-weekly")}
    sched = Scheduler(database=database, settings=settings, jobs=jobs, clock=lambda: monday_3am)
    first = await sched.catch_up()
    assert [r.outcome for r in first] == ["succeeded", "succeeded"]
    rows = (await session.scalars(select(JobRun).order_by(JobRun.id))).all()
    assert [(r.job, r.trigger, r.slot_at) for r in rows] == [
        ("calendar-daily", "catch_up", datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),  # only the latest day
        ("calendar-weekly", "catch_up", datetime(2026, 12, 6, 16, 15, tzinfo=UTC)),
    ]
    again = await sched.catch_up()  # a second instance starting, or a restart
    assert [r.outcome for r in again] == ["skipped", "skipped"]


async def test_the_web_app_starts_the_scheduler_only_when_enabled_and_not_under_test(
    database, settings, monkeypatch
):
    started: list[str] = []

    def fake_start(self: Scheduler) -> None:
        started.append("start")

    async def fake_stop(self: Scheduler, grace_seconds: float = 10.0) -> None:
        started.append("stop")

    monkeypatch.setattr(Scheduler, "start", fake_start)
    monkeypatch.setattr(Scheduler, "stop", fake_stop)
    for env, enabled, expected in (
        ("test", True, []),
        ("development", False, []),
        ("development", True, ["start", "stop"]),
    ):
        started.clear()
        app = create_app(settings.model_copy(update={"app_env": env, "scheduler_enabled": enabled}), database)
        async with app.router.lifespan_context(app):
            pass
        assert started == expected, (env, enabled)


async def test_the_scheduler_process_runs_jobs_and_stops_cleanly_on_sigterm(fresh_db):
    env = dict(os.environ, APP_ENV="test", DATABASE_URL=fresh_db.url, LOG_LEVEL="WARNING")
    proc = subprocess.Popen(  # noqa: ASYNC220 (a child to signal, not to wait on while blocking)
        [sys.executable, "-m", "app.cli", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    database = Database(fresh_db.url)
    try:
        jobs: set[str] = set()
        for _ in range(150):
            await asyncio.sleep(0.1)
            async with database.sessionmaker() as session:
                rows = (await session.execute(select(JobRun.job, JobRun.trigger, JobRun.outcome))).all()
            jobs = {job for job, _, outcome in rows if outcome == "succeeded"}
            if {"sla-scan", "sla-remind", "rating-followup", "calendar-monthly"} <= jobs:
                break
        assert {"sla-scan", "sla-remind", "rating-followup", "calendar-monthly"} <= jobs, rows
        assert {t for j, t, _ in rows if j == "sla-scan"} == {"schedule"}
        assert {t for j, t, _ in rows if j == "calendar-monthly"} == {"catch_up"}
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 20)
        assert code == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await database.dispose()
