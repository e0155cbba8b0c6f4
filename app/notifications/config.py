"""Outbox tuning and message options, from the environment (`NOTIFY_BATCH_SIZE`, …)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifyConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=".env", extra="ignore")

    # Measured on 2 cores against the fake (bench/outbox.py): 200 × 64 ≈ 890/s, 100 × 32 ≈ 690/s.
    # A batch is also what a crash may resend: template messages harmlessly (client_msg_id), subscribe
    # messages not (WeChat offers them no idempotency key).
    batch_size: int = Field(default=200, ge=1, le=1000)
    # Sends in flight at once; keep WECHAT_MAX_CONNECTIONS at least this high.
    concurrency: int = Field(default=64, ge=1, le=256)
    # A crashed sender's rows are taken again after this; well inside client_msg_id's 10-minute window,
    # so a template message WeChat already accepted is a no-op when resent.
    lease_seconds: int = Field(default=60, ge=5, le=300)
    max_attempts: int = Field(default=10, ge=1, le=50)
    backoff_base_seconds: float = Field(default=10.0, gt=0)
    backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    lang: Literal["zh_CN", "en_US", "zh_HK", "zh_TW"] = "zh_CN"
    # Mini program pages opened from a message; `{report_id}` and other payload keys are filled in.
    villager_page: str = "pages/report/detail?id={report_id}"
    staff_page: str = "pages/workbench/report?id={report_id}"
