"""What the console shows of the scheduler's runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobRunItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job: str
    trigger: str
    outcome: str
    as_of: datetime
    slot_at: datetime | None
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    error: str | None
    host: str


class JobStatusItem(BaseModel):
    job: str
    schedule: str | None  # "every 60s", or a crontab line with its zone; None: run by hand only
    state: str  # never_run | ok | running | failed (once or twice in a row) | failing (3+ in a row)
    consecutive_failures: int
    last_run: JobRunItem | None
    last_success_at: datetime | None
