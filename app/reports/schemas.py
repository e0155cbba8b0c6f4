"""What the console shows of a report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class CategoryRef(BaseModel):
    id: int
    code: str
    name: str
    kind: str


class ReportListItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ledger_no: str | None
    status: str
    status_label: str
    kind: str
    category: CategoryRef
    description: str
    village_id: int
    created_at: datetime
    submitted_at: datetime
    respond_due_at: datetime | None
    resolve_due_at: datetime | None
    overdue: bool
    version: int


class TimelineItem(BaseModel):
    at: datetime
    action: str
    status_after: str
    actor_type: str
    message: str
    visible_to_reporter: bool
    data: dict[str, Any]


class MediaItem(BaseModel):
    id: int
    purpose: str
    mime_type: str
    size_bytes: int
    sha256: str
    check_status: str
    hidden: bool


class ReportDetail(ReportListItem):
    topic_code: str | None
    lat: float | None
    lng: float | None
    coord_system: str | None
    address: str | None
    is_anonymous: bool
    is_public: bool
    # Kept from the public until a human reviews it: acceptance, or (once accepted) making it public.
    held_for_review: bool
    channel: str
    town_id: int
    grid_id: int | None
    assignee_staff_id: int | None
    assignee_team: str | None
    department_id: int | None
    escalation_level: int
    reopen_count: int
    reject_reason: str | None
    result_summary: str | None
    rating: str | None
    rating_comment: str | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    extension_requested_until: datetime | None
    bounce_reason: str | None
    key_supervision: bool
    timeline: list[TimelineItem]
    media: list[MediaItem]
