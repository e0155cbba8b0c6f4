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
    # Connections each process keeps open (PostgreSQL), and how many more it may open for a burst.
    # Requests beyond the pool each open and close a connection (a server process forked every time),
    # so the pool should cover the requests one process serves at once.
    database_pool_size: int = Field(default=20, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    timezone: str = "Asia/Shanghai"
    media_dir: Path = Path("./var/media")
    # Where photos live: "local" (MEDIA_DIR) or "s3" (any S3-compatible object store; the S3_* below).
    media_storage: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""  # e.g. https://oss-cn-chengdu.aliyuncs.com, http://127.0.0.1:9000 (MinIO)
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field(default="", repr=False)
    s3_prefix: str = ""  # a folder inside the bucket, e.g. "suishoupai/"
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
    # Reports a day one villager may make by chat (counted with their mini program reports).
    wechat_chat_daily_report_limit: int = Field(default=20, ge=1, le=1000)
    wechat_chat_report_category: str = "village_management"
    # How long each process keeps categories, SLA limits and areas for submissions (app/reference/);
    # 0 reads them for every report.
    reference_cache_seconds: float = Field(default=60.0, ge=0, le=3600)

    scheduler_enabled: bool = True

    # Early warnings (app/warnings/, docs/operations.md "Early warnings"): how often the detectors run
    # and what each counts as a warning.
    warning_scan_minutes: int = Field(default=30, ge=1, le=24 * 60)
    warning_repeat_min: int = Field(default=3, ge=2, le=100)
    warning_repeat_days: int = Field(default=30, ge=1, le=365)
    warning_repeat_radius_m: float = Field(default=200.0, gt=0, le=5000)
    warning_concentrated_min_reporters: int = Field(default=3, ge=2, le=100)
    warning_concentrated_radius_m: float = Field(default=500.0, gt=0, le=10000)
    warning_concentrated_hours: int = Field(default=72, ge=1, le=24 * 30)
    warning_text_similarity: float = Field(default=0.25, gt=0, le=1)
    warning_rising_min: int = Field(default=5, ge=1, le=10000)
    warning_rising_factor: float = Field(default=2.5, ge=1)
    warning_rising_weeks: int = Field(default=8, ge=1, le=52)

    # Period reports, health reports and reminder letters (app/analysis/, docs/operations.md "Period
    # reports and letters"): who gets a letter drafted, and who signs the documents.
    analysis_letter_bottom_n: int = Field(default=3, ge=0, le=50)
    analysis_on_time_threshold: float = Field(default=0.8, ge=0, le=1)
    analysis_letter_min_cases: int = Field(default=5, ge=1, le=10000)
    analysis_issuer: str = Field(default="", max_length=60)

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

    @model_validator(mode="after")
    def _s3_complete(self) -> Settings:
        if self.media_storage == "s3":
            missing = [
                name.upper()
                for name in ("s3_endpoint_url", "s3_bucket", "s3_access_key_id", "s3_secret_access_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"MEDIA_STORAGE=s3 needs {', '.join(missing)}")
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
