"""One row per run of a scheduler job, whoever started it (the scheduler, a catch-up, an operator)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.core.models import BigIntPK


class Outcome(enum.StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    skipped = "skipped"  # another instance held the job's lock, or the calendar slot was already done


class Trigger(enum.StrEnum):
    schedule = "schedule"
    catch_up = "catch_up"  # a calendar slot missed while no scheduler was running
    cli = "cli"


def _in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({_in(Outcome)})", name="outcome"),
        CheckConstraint(f"trigger IN ({_in(Trigger)})", name="trigger"),
        # A job's latest runs (the console list, the failing streak, the calendar catch-up).
        Index("ix_job_runs_job_id", "job", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    trigger: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10), default=Outcome.running.value)
    # The time the job ran *at* (what `--now` sets); started/finished are the wall clock.
    as_of: Mapped[datetime] = mapped_column()
    # The calendar slot a daily/weekly/monthly run stands for (its scheduled fire time).
    slot_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(String(1000))
    # hostname:pid, to tell instances apart when several run the scheduler.
    host: Mapped[str] = mapped_column(String(100))
