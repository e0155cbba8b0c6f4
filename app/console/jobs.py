"""The scheduler seen from the console: every run of every job, and which jobs are failing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.http.deps import CurrentStaffContext, SessionDep, SettingsDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.jobs import service
from app.jobs.models import Outcome
from app.jobs.schemas import JobRunItem, JobStatusItem
from app.people.models import Role
from scheduler.jobs import JOBS
from scheduler.registry import Job

router = APIRouter(prefix="/api/v1/jobs", tags=["console: scheduler"])
Admin = Annotated[CurrentStaffContext, allow(Role.admin)]


def _schedule(job: Job, timezone: str) -> str | None:
    if job.every_seconds is not None:
        return f"every {job.every_seconds}s"
    return f"{job.cron} ({timezone})" if job.cron else None


@router.get("/runs", response_model=Page[JobRunItem])
async def list_runs(
    staff: Admin,
    session: SessionDep,
    job: Annotated[str | None, Query(max_length=60)] = None,
    outcome: Outcome | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[JobRunItem]:
    rows = await service.list_runs(
        session,
        job=job,
        outcome=outcome.value if outcome else None,
        limit=limit + 1,
        before_id=decode_cursor(cursor),
    )
    items = [JobRunItem.model_validate(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


@router.get("", response_model=list[JobStatusItem])
async def list_jobs(staff: Admin, session: SessionDep, settings: SettingsDep) -> list[JobStatusItem]:
    jobs = JOBS
    return [
        JobStatusItem(
            job=h.job,
            schedule=_schedule(jobs[h.job], settings.timezone),
            state=h.state,
            consecutive_failures=h.consecutive_failures,
            last_run=JobRunItem.model_validate(h.last_run) if h.last_run else None,
            last_success_at=h.last_success_at,
        )
        for h in await service.health(session, jobs=sorted(jobs))
    ]
