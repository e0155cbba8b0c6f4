"""Settings refuse a missing or default SECRET_KEY in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.settings import DEV_SECRET_KEY, Settings


@pytest.mark.parametrize("secret", ["", "changeme", "secret", DEV_SECRET_KEY])
def test_production_refuses_missing_or_known_secret(secret, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(app_env="production", secret_key=secret, _env_file=None)


def test_development_falls_back_to_a_dev_key():
    s = Settings(app_env="development", secret_key="", _env_file=None)
    assert s.secret_key == DEV_SECRET_KEY


def test_production_accepts_a_real_secret_and_defaults_are_sane():
    s = Settings(app_env="production", secret_key="x" * 48, _env_file=None)
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.timezone == "Asia/Shanghai" and s.wechat_api_base == "https://api.weixin.qq.com"


async def test_the_connection_pool_is_sized_by_the_settings():
    from app.core.database import Database

    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    pool = {"database_pool_size": 7, "database_max_overflow": 3}
    s = Settings(app_env="test", database_url=url, **pool, _env_file=None)
    db = Database.of(s)  # nothing is connected yet
    try:
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        await db.dispose()
