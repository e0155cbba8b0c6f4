"""Settings from the environment (and an optional `.env`), validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that appear in examples and tutorials; a production key must not be one of them.
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev", "development", "please-change", "insecure"}
)
DEV_SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "production"
    secret_key: str = ""
    database_url: str = "sqlite+aiosqlite:///./var/suishoupai.db"
    timezone: str = "Asia/Shanghai"
    media_dir: Path = Path("./var/media")
    log_level: str = "INFO"

    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_oa_appid: str = ""
    wechat_oa_secret: str = ""
    wechat_oa_token: str = ""
    wechat_oa_aes_key: str = ""
    wechat_mp_appid: str = ""
    wechat_mp_secret: str = ""
    wechat_mp_token: str = ""
    wechat_mp_aes_key: str = ""
    # WeChat server callbacks (wechat_callbacks/): the key being replaced while the EncodingAESKey is
    # rotated, plaintext pushes accepted beside encrypted ones (only while switching modes), and how
    # far a push's timestamp may be from our clock.
    wechat_oa_previous_aes_key: str = ""
    wechat_mp_previous_aes_key: str = ""
    wechat_oa_allow_plaintext: bool = False
    wechat_mp_allow_plaintext: bool = False
    wechat_callback_window_seconds: int = Field(default=300, ge=30, le=3600)
    # Reporting by chatting with the Official Account (app/inbound/): what one follower sends within
    # this many minutes of their previous message becomes one report, of this category.
    wechat_chat_report_window_minutes: int = Field(default=10, ge=1, le=120)
    wechat_chat_report_category: str = "village_management"

    access_token_ttl_minutes: int = Field(default=60 * 24, ge=5, le=60 * 24 * 30)
    scheduler_enabled: bool = True

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.secret_key.strip().lower() in KNOWN_DEFAULT_SECRETS or self.secret_key == DEV_SECRET_KEY:
            if self.app_env == "production":
                raise ValueError(
                    "SECRET_KEY is missing or a known default; set a long random value "
                    "(or APP_ENV=development for a local demo)"
                )
            self.secret_key = DEV_SECRET_KEY
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
