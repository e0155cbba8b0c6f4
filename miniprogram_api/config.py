"""The mini program edge's own settings (env prefix `MP_`), kept apart from the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MiniProgramSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MP_", env_file=".env", extra="ignore")

    # wx.uploadFile sends the whole file in one request; WeChat's own media check refuses more than 10 MB.
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024, le=10 * 1024 * 1024)
    # Photos larger than this many pixels are refused before decoding (decompression bombs).
    upload_max_pixels: int = Field(default=60_000_000, ge=1_000_000)
    daily_report_limit: int = Field(default=20, ge=1, le=1000)
    access_token_ttl_minutes: int = Field(default=120, ge=5, le=24 * 60)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=180)
    # Where WeChat's servers fetch a photo for media_check_async (a short-lived signed link).
    public_base_url: str = "http://127.0.0.1:8000"
    signed_link_ttl_seconds: int = Field(default=1800, ge=60, le=24 * 3600)
    nearby_radius_m: int = Field(default=250, ge=50, le=2000)
    staff_binding_code_ttl_minutes: int = Field(default=10, ge=1, le=60)


@lru_cache
def get_mp_settings() -> MiniProgramSettings:
    return MiniProgramSettings()
