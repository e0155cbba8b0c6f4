"""Tuning of the outbound WeChat client, from the environment (`WECHAT_TIMEOUT_SECONDS`, …).

Appids, secrets and the base URL live in app.core.settings; these only shape how calls are made.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.wechat.tokens import TokenPolicy


class WeChatTuning(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WECHAT_", env_file=".env", extra="ignore")

    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    max_connections: int = Field(default=64, ge=1, le=1000)
    token_cache_seconds: float = Field(default=30.0, ge=0, le=600)

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout_seconds, connect=self.connect_timeout_seconds)

    def token_policy(self) -> TokenPolicy:
        return TokenPolicy(cache_seconds=self.token_cache_seconds, expiry_safety=timedelta(seconds=30))
