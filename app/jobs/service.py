"""Job-run records: written around every run (each in its own short transaction), read by the console.

A run is a row before its work starts (so a crashed run is visible) and is finished afterwards. The
caller commits. Health is read from the latest runs: a job whose last runs all failed is failing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.models import JobRun, Outcome, Trigger

ERROR_CHARS = 1000
# Three failures in a row is "failing", not a blip; one or two are shown as "failed".
FAILING_AFTER = 3
STREAK_LOOKBACK = 50  # consecutive failures are counted up to this many runs back
# Runs are an operational log, not a record of the county's work: a month is kept.
KEEP_RUNS = timedelta(days=30)
_HOST = f"{socket.gethostname()}:{os.getpid()}"[:100]


def host_label() -> str:
    return _HOST


async def start(
    session: AsyncSession,
    *,
    job: str,
    trigger: Trigger,
    as_of: datetime,
    started_at: datetime,
    slot_at: datetime | None = None,
    outcome: Outcome = Outcome.running,
    error: str | None = None,
) -> JobRun:
    run = JobRun(
        job=job,
        trigger=trigger.value,
        outcome=outcome.value,
        as_of=as_of,
        slot_at=slot_at,
        started_at=started_at,
        finished_at=None if outcome is Outcome.running else started_at,
        counts={},
        error=error,
        host=host_label(),
    )
    session.add(run)
    await session.flush()
    return run


async def finish(
    session: AsyncSession,
    *,
    run_id: int,
    outcome: Outcome,
    finished_at: datetime,
    counts: dict[str, int] | None = None,
    error: str | None = None,
) -> None:
    await session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            outcome=outcome.value,
            finished_at=finished_at,
            counts=dict(counts or {}),
            error=error[:ERROR_CHARS] if error else None,
        )
    )


async def abandon_running(session: AsyncSession, *, job: str, now: datetime) -> int:
    """Runs left `running` by a process that died. Only safe while holding the job's lock."""
    result = await session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.outcome == Outcome.running.value)
        .values(outcome=Outcome.failed.value, finished_at=now, error="abandoned: the process ended mid-run")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def slot_done(session: AsyncSession, *, job: str, slot_at: datetime) -> bool:
    """Has a run for this calendar slot (or a later one) already succeeded?"""
    found = await session.scalar(
        select(JobRun.id)
        .where(
            JobRun.job == job,
            JobRun.outcome == Outcome.succeeded.value,
            JobRun.slot_at.is_not(None),
            JobRun.slot_at >= slot_at,
        )
        .limit(1)
    )
    return found is not None


async def list_runs(
    session: AsyncSession,
    *,
    job: str | None,
    outcome: str | None,
    limit: int,
    before_id: int | None,
) -> Sequence[JobRun]:
    stmt = select(JobRun)
    if job:
        stmt = stmt.where(JobRun.job == job)
    if outcome:
        stmt = stmt.where(JobRun.outcome == outcome)
    if before_id is not None:
        stmt = stmt.where(JobRun.id < before_id)
    return (await session.scalars(stmt.order_by(JobRun.id.desc()).limit(limit))).all()


@dataclass(slots=True)
class JobHealth:
    job: str
    state: str  # never_run | ok | failed | failing | running
    consecutive_failures: int
    last_run: JobRun | None
    last_success_at: datetime | None


async def health(session: AsyncSession, *, jobs: Iterable[str]) -> list[JobHealth]:
    """One line per job from its latest runs (skipped runs say nothing about the job's own health)."""
    out = []
    for name in jobs:
        recent = (
            await session.scalars(
                select(JobRun)
                .where(JobRun.job == name, JobRun.outcome != Outcome.skipped.value)
                .order_by(JobRun.id.desc())
                .limit(STREAK_LOOKBACK)
            )
        ).all()
        last_success_at = await session.scalar(
            select(JobRun.finished_at)
            .where(JobRun.job == name, JobRun.outcome == Outcome.succeeded.value)
            .order_by(JobRun.id.desc())
            .limit(1)
        )
        finished = [r for r in recent if r.outcome != Outcome.running.value]
        streak = 0
        for run in finished:
            if run.outcome != Outcome.failed.value:
                break
            streak += 1
        out.append(
            JobHealth(
                job=name,
                state=_state(recent, streak),
                consecutive_failures=streak,
                last_run=recent[0] if recent else None,
                last_success_at=last_success_at,
            )
        )
    return out


def _state(recent: Sequence[JobRun], streak: int) -> str:
    if not recent:
        return "never_run"
    if streak >= FAILING_AFTER:
        return "failing"
    if streak:
        return "failed"
    return "running" if recent[0].outcome == Outcome.running.value else "ok"


async def prune(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(delete(JobRun).where(JobRun.started_at < now - KEEP_RUNS))
    return int(getattr(result, "rowcount", 0) or 0)
