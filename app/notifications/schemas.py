"""What the console shows of the outbox (never an openid or a token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.notifications.kinds import Channel, Kind


class NotificationItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    channel: str | None
    recipient_type: str
    villager_id: int | None
    staff_id: int | None
    report_id: int | None
    dedupe_key: str
    attempts: int
    next_attempt_at: datetime
    last_errcode: int | None
    last_error: str | None
    sent_at: datetime | None
    delivery_status: str | None = None
    delivery_reported_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any]


class TemplateField(BaseModel):
    key: str = Field(pattern=r"^[a-z_]+\d+$", max_length=40)
    source: str = Field(min_length=1, max_length=40)
    type: str | None = Field(default=None, max_length=20)


class TemplateIn(BaseModel):
    template_id: str = Field(min_length=1, max_length=64)
    fields: list[TemplateField] | None = Field(default=None, max_length=10)
    page: str | None = Field(default=None, max_length=200)
    enabled: bool = True


class TemplateItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: Kind
    channel: Channel
    template_id: str
    fields: list[TemplateField] | None
    page: str | None
    enabled: bool
    updated_at: datetime
